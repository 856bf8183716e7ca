/**
 * The untrusted-text boundary. Every string that comes from Pulumi Cloud or GitHub (names,
 * ids, types, messages, error bodies, URLs) reaches markdown or the log only through this
 * module. Each function first redacts the known secrets (before any escaping changes how
 * they look), then removes what could change the meaning of the text around it:
 *
 * - line breaks of every kind (`\r`, `\n`, U+2028/2029, U+0085, VT, FF) fold into one space,
 *   so a table row or a log line can never be split;
 * - NUL, other control characters, ANSI escapes and bidi controls are removed;
 * - HTML is inert (`<`, `>`, `&` as entities), markup characters are backslash-escaped;
 * - GitHub's own links are broken with a zero-width space: `@` (mentions, e-mail autolinks),
 *   `#` (issue references), `://` and `www.` (bare URL autolinks).
 */
import { redact } from '../redaction.js'

/** Invisible, not whitespace: breaks autolinks, mentions and references without showing. */
const ZWSP = '\u200B'

const COLOR_DIRECTIVE = /<\{%[^%]*%\}>/g
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g
// eslint-disable-next-line no-control-regex
const LINE_BREAKS = /\r\n|[\r\n\u000b\u000c\u0085\u2028\u2029]/g
/** Bidi embeddings, overrides, isolates and marks: they reorder what a reader sees. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g
/** A high surrogate without its low half, or a low one without its high half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** What a server or GitHub hands over; absent values render as nothing. */
export type Untrusted = string | number | boolean | undefined | null

/** Removes Pulumi colour directives (`<{%reset%}>`) and ANSI escapes. */
export function stripColors(value: string): string {
  return value.replace(COLOR_DIRECTIVE, '').replace(ANSI, '')
}

/**
 * The common first step: secrets redacted, colours removed, one line, no control or bidi
 * characters, no half surrogate pairs (they would not survive UTF-8).
 */
export function oneLine(value: Untrusted): string {
  if (value === undefined || value === null) return ''
  return stripColors(redact(String(value)))
    .replace(LINE_BREAKS, ' ')
    .replace(/\t/g, ' ')
    .replace(CONTROLS, '')
    .replace(BIDI, '')
    .replace(LONE_SURROGATE, '\uFFFD')
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' }

/**
 * Inert markdown text for any inline place: a paragraph, a table cell, a heading, a link
 * label. Nothing in it can open markup, HTML, a link, an image, a mention or a reference,
 * and it holds no line break.
 */
export function text(value: Untrusted): string {
  return (
    oneLine(value)
      .replace(/[\\`*_[\]|~$]/g, '\\$&')
      .replace(/[&<>]/g, c => HTML_ESCAPES[c] ?? c)
      .replace(/#/g, `\\#${ZWSP}`)
      .replace(/@/g, `@${ZWSP}`)
      .replace(/:\/\//g, `:${ZWSP}//`)
      .replace(/(www)\./gi, `$1${ZWSP}.`)
      // At the start of a line these would open a list, a thematic break or a setext
      // heading; leading spaces an indented code block.
      .replace(/^([-+=])/, '\\$1')
      .replace(/^(\d{1,9})([.)])/, '$1\\$2')
      .replace(/^ +/, spaces => '&#32;'.repeat(spaces.length))
  )
}

/** Text for a table cell: escaped, on one line; absent values are empty. */
export function cell(value: Untrusted): string {
  return text(value)
}

/** Inline code; backticks inside are balanced by a longer fence. Safe in a table cell. */
export function code(value: Untrusted): string {
  const clean = oneLine(value)
  // A backslash before a pipe cannot be written in a code span inside a table (GFM reads
  // `\\|` as an escaped pipe, or not, depending on the parser): such values become text.
  if (clean.trim() === '' || clean.includes('\\|')) return text(clean)
  const fence = '`'.repeat(
    (clean.match(/`+/g) ?? []).reduce((max, run) => Math.max(max, run.length), 0) + 1
  )
  // HTML, links and mentions are inert inside a code span; only a table's `|` needs
  // escaping, and a leading or trailing backtick or space needs a space of padding.
  const padded = /^[` ]|[` ]$/.test(clean) ? ` ${clean} ` : clean
  return `${fence}${padded}${fence}`.replace(/\|/g, '\\|')
}

/**
 * A GFM table of already escaped cells. A line break in a cell (a caller that skipped
 * `cell`) is folded anyway, so a row can never end early.
 */
export function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return ''
  const line = (cells: string[]): string =>
    `| ${cells.map(value => value.replace(LINE_BREAKS, ' ')).join(' | ')} |`
  const head = `${line(headers)}\n| ${headers.map(() => '---').join(' | ')} |\n`
  return head + rows.map(line).join('\n') + '\n'
}

/**
 * A link to a page of ours (a console or run URL). The label is escaped; the URL must be
 * http(s), loses any userinfo and is percent-encoded so it cannot end the link early.
 * Anything else renders as the label alone.
 */
export function link(label: string, url: string): string {
  let parsed: URL
  try {
    parsed = new URL(oneLine(url))
  } catch {
    return text(label)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return text(label)
  parsed.username = ''
  parsed.password = ''
  // URL serialisation leaves some characters that markdown reads in a link destination:
  // `(`, `)` and `\\` could end it early, `|` would split a table cell.
  const target = parsed.href.replace(/[^A-Za-z0-9\-._~:/?#@!$&*+,;=%]/g, c =>
    encodeURIComponent(c).replace(/[()!*']/g, d => `%${d.charCodeAt(0).toString(16).toUpperCase()}`)
  )
  return `[${text(label)}](${target})`
}

/** An ATX heading of already escaped markdown (build it from `text`, `cell` and `code`). */
export function heading(level: number, markdown: string): string {
  return `${'#'.repeat(Math.min(6, Math.max(1, level)))} ${markdown.replace(LINE_BREAKS, ' ')}\n\n`
}

/**
 * Text inside a quoted Mermaid string: only characters that can neither close the quote nor
 * start Mermaid syntax (quotes, `#` entities, `%%` comments, brackets, newlines) are kept.
 */
export function mermaidText(value: Untrusted): string {
  return oneLine(value)
    .replace(/\s+/g, ' ')
    .replace(/[^A-Za-z0-9 ._:/+-]/g, '')
    .trim()
}

/**
 * Inert text for the log (`core.info`, `core.warning`, `core.debug`): one line, so nothing
 * can start a new line that the runner would read as a workflow command, and no `::` or
 * `##[` at its start that it would read as one itself.
 */
export function logText(value: Untrusted): string {
  return oneLine(value)
    .replace(/^(\s*):(?=:)/, `$1:${ZWSP}`)
    .replace(/##\[/g, `#${ZWSP}#[`)
}
