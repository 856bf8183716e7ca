import type { BodyInspector } from './body.js'

const NEWLINE = 0x0a
const QUOTE = 0x22

/**
 * Counts records in a streamed CSV (quoted fields may hold newlines; the header is not a
 * record) or CEF (one event per line) export, without keeping the text.
 */
export class RecordCounter implements BodyInspector<number> {
  private lines = 0
  private inQuotes = false
  private lastByte = NEWLINE

  constructor(private readonly format: 'csv' | 'cef') {}

  write(chunk: Buffer): void {
    if (chunk.length === 0) return
    if (this.format === 'cef') {
      for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1))
        this.lines++
    } else {
      for (const byte of chunk) {
        if (byte === QUOTE) this.inQuotes = !this.inQuotes
        else if (byte === NEWLINE && !this.inQuotes) this.lines++
      }
    }
    this.lastByte = chunk[chunk.length - 1] ?? NEWLINE
  }

  finish(): number {
    const records = this.lines + (this.lastByte === NEWLINE ? 0 : 1)
    return this.format === 'csv' ? Math.max(0, records - 1) : records
  }
}
