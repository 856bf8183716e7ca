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
