/**
 * Formatting of the action's own values (durations, times, sizes) and cutting markdown to
 * GitHub's limits. Every external string is escaped by ./escape.ts, never here.
 */

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

const CLOSE_DETAILS = '\n</details>'
/** At most this many open blocks are closed at a cut (the action never nests deeper). */
const MAX_CLOSED = 2

/**
 * Ends a cut-off prefix at its last whole line (a table row or a link is either whole or
 * gone), drops a half character at the cut, closes a `<details>` block the cut left open (or
 * the note would be folded away with it), and appends the visible note.
 */
function endAtLine(prefix: string, note: string): string {
  const lastNewline = prefix.lastIndexOf('\n')
  const whole =
    lastNewline > 0 ? prefix.slice(0, lastNewline) : prefix.replace(/[\uD800-\uDBFF\uFFFD]$/, '')
  // Escaped text never holds a raw `<details`: only the action's own blocks are counted.
  const open =
    (whole.match(/<details[\s>]/g) ?? []).length - (whole.match(/<\/details>/g) ?? []).length
  return `${whole}${CLOSE_DETAILS.repeat(Math.min(MAX_CLOSED, Math.max(0, open)))}\n\n${note}\n`
}

/**
 * Cuts to `max` as `size` measures it, `prefix(budget)` giving the first `budget` units; a
 * cut that had to close blocks is made again with room for the closing tags.
 */
function cutToFit(
  max: number,
  note: string,
  size: (text: string) => number,
  prefix: (budget: number) => string
): string {
  const cut = (reserve: number): string =>
    endAtLine(prefix(Math.max(0, max - size(note) - 4 - reserve)), note)
  const first = cut(0)
  return size(first) <= max ? first : cut(MAX_CLOSED * CLOSE_DETAILS.length)
}

/** Cuts markdown to at most `maxBytes` of UTF-8 (GitHub's job summary limit), saying so. */
export function limitBytes(markdown: string, maxBytes: number, note: string): string {
  if (Buffer.byteLength(markdown) <= maxBytes) return markdown
  const bytes = Buffer.from(markdown)
  // A UTF-8 sequence cut in two decodes as U+FFFD, which endAtLine drops.
  return cutToFit(
    maxBytes,
    note,
    text => Buffer.byteLength(text),
    budget => bytes.subarray(0, budget).toString('utf8')
  )
}

/** Cuts markdown to at most `maxCharacters` UTF-16 units (GitHub's comment limit), saying so. */
export function limitCharacters(markdown: string, maxCharacters: number, note: string): string {
  if (markdown.length <= maxCharacters) return markdown
  return cutToFit(
    maxCharacters,
    note,
    text => text.length,
    budget => markdown.slice(0, budget)
  )
}
