/** Markdown building blocks. Every string from the API passes through `cell` or `text`. */

const COLOR_DIRECTIVE = /<\{%[^%]*%\}>/g
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g

/** Removes Pulumi colour directives (`<{%reset%}>`) and ANSI escapes. */
export function stripColors(value: string): string {
  return value.replace(COLOR_DIRECTIVE, '').replace(ANSI, '')
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' }

/**
 * Escapes text for GFM: backslashes before the characters that start markup (`#` and `@`
 * too, so API text never links issues or mentions people), then the HTML that GitHub would
 * otherwise render.
 */
export function text(value: string): string {
  return stripColors(value)
    .replace(/([\\`*_[\]|~#@])/g, '\\$1')
    .replace(/[&<>]/g, c => HTML_ESCAPES[c] ?? c)
}

/** Text for a table cell: escaped, on one line. */
export function cell(value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null || value === '') return ''
  return text(String(value)).replace(/\r?\n/g, '<br>')
}

/** Inline code; backticks inside are balanced by a longer fence. */
export function code(value: string): string {
  const clean = stripColors(value).replace(/\r?\n/g, ' ')
  const fence = '`'.repeat(
    (clean.match(/`+/g) ?? []).reduce((max, run) => Math.max(max, run.length), 0) + 1
  )
  // HTML is inert inside a code span; only a table's `|` needs escaping.
  return `${fence}${clean.includes('`') ? ` ${clean} ` : clean}${fence}`.replace(/\|/g, '\\|')
}

export function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return ''
  const head = `| ${headers.join(' | ')} |\n| ${headers.map(() => '---').join(' | ')} |\n`
  return head + rows.map(row => `| ${row.join(' | ')} |`).join('\n') + '\n'
}

/** A link whose target is known to be ours (console URLs); the label is escaped. */
export function link(label: string, url: string): string {
  return `[${text(label)}](${encodeURI(url).replace(/[()]/g, c => (c === '(' ? '%28' : '%29'))})`
}

export function heading(level: number, value: string): string {
  return `${'#'.repeat(level)} ${value}\n\n`
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  return minutes < 60
    ? `${minutes}m ${seconds % 60}s`
    : `${Math.floor(minutes / 60)}h ${minutes % 60}m`
}

export function formatTime(unixSeconds: number | undefined): string {
  return unixSeconds ? new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z') : ''
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit] ?? 'GiB'}`
}

/**
 * Ends a cut-off prefix at its last whole line (a table row or a link is either whole or
 * gone), drops a half character at the cut, and appends the visible note.
 */
function endAtLine(prefix: string, note: string): string {
  const lastNewline = prefix.lastIndexOf('\n')
  const whole =
    lastNewline > 0 ? prefix.slice(0, lastNewline) : prefix.replace(/[\uD800-\uDBFF\uFFFD]$/, '')
  return `${whole}\n\n${note}\n`
}

/** Cuts markdown to at most `maxBytes` of UTF-8 (GitHub's job summary limit), saying so. */
export function limitBytes(markdown: string, maxBytes: number, note: string): string {
  if (Buffer.byteLength(markdown) <= maxBytes) return markdown
  const budget = Math.max(0, maxBytes - Buffer.byteLength(note) - 4)
  // A UTF-8 sequence cut in two decodes as U+FFFD, which endAtLine drops.
  return endAtLine(Buffer.from(markdown).subarray(0, budget).toString('utf8'), note)
}

/** Cuts markdown to at most `maxCharacters` UTF-16 units (GitHub's comment limit), saying so. */
export function limitCharacters(markdown: string, maxCharacters: number, note: string): string {
  if (markdown.length <= maxCharacters) return markdown
  return endAtLine(markdown.slice(0, Math.max(0, maxCharacters - note.length - 4)), note)
}
