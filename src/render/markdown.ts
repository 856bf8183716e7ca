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
  return `${fence}${clean.includes('`') ? ` ${clean} ` : clean}${fence}`
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
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

/** Cuts text at a line boundary under `maxBytes`, saying so visibly. */
export function limitBytes(markdown: string, maxBytes: number, note: string): string {
  if (Buffer.byteLength(markdown) <= maxBytes) return markdown
  const budget = maxBytes - Buffer.byteLength(note) - 16
  let cut = Buffer.from(markdown).subarray(0, Math.max(0, budget)).toString('utf8')
  // A partial UTF-8 sequence decodes as U+FFFD; drop it with the partial line.
  const lastNewline = cut.lastIndexOf('\n')
  if (lastNewline > 0) cut = cut.slice(0, lastNewline)
  return `${cut.replace(/\uFFFD$/, '')}\n\n${note}\n`
}
