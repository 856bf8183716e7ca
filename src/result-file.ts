/**
 * The `result-file` output, owned here alone: its name and place, its writing (temp file and
 * rename), streamed as it is produced so a command with a large result (tens of thousands of
 * events) never holds it whole in memory, as one value or as one string.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises'
import { forgetTempFile, tempPathFor, trackTempFile, writeFileAtomic } from './files.js'
import { join } from 'node:path'

/** Buffered this far before a write: few syscalls, little memory. */
const FLUSH_BYTES = 256 * 1024

/**
 * Writes one JSON document piece by piece: `begin('{')`, `key('events')`, `begin('[')`,
 * `value(item)`…, `end()`, `end()`. Commas and nesting are tracked here, so the caller cannot
 * produce invalid JSON by forgetting one; `close()` checks every container was ended.
 */
export class JsonStreamWriter {
  /** Text not yet written, then raw byte ranges copied from pages (kept in order). */
  private buffer = ''
  private readonly pending: Buffer[] = []
  private pendingBytes = 0
  /** One entry per open container: its kind and whether it holds an item yet. */
  private readonly open: { kind: '{' | '['; empty: boolean; keyed: boolean }[] = []
  private done = false
  private closed = false

  private constructor(
    private readonly file: FileHandle,
    readonly path: string
  ) {}

  static async create(path: string): Promise<JsonStreamWriter> {
    // 'wx': a fresh file, never through a symlink planted at its name.
    return new JsonStreamWriter(await open(path, 'wx'), path)
  }

  /** Opens an object or an array, as the whole document, an array item or a keyed value. */
  async begin(kind: '{' | '['): Promise<void> {
    this.beforeValue()
    this.open.push({ kind, empty: true, keyed: false })
    await this.emit(kind)
  }

  /** Names the next value of the enclosing object. */
  key(name: string): void {
    const top = this.open.at(-1)
    if (top?.kind !== '{' || top.keyed) throw new Error(`JSON writer: key '${name}' out of place`)
    this.buffer += `${top.empty ? '' : ','}${JSON.stringify(name)}:`
    top.empty = false
    top.keyed = true
  }

  /** One complete value: an array item, the value after key(), or the whole document. */
  async value(value: unknown): Promise<void> {
    this.beforeValue()
    // undefined (and a function) has no JSON form: it is written as null, as in an array.
    const json = JSON.stringify(value) as string | undefined
    await this.emit(json ?? 'null')
  }

  /**
   * Items the service sent, copied as they are into the open array: `json` is one or more
   * complete JSON values separated by commas (a slice of a page the caller has parsed).
   * Nothing is serialised again; the bytes are written as one piece with the next flush.
   */
  async rawItems(json: Buffer): Promise<void> {
    if (json.length === 0) return
    const top = this.open.at(-1)
    if (top?.kind !== '[') throw new Error('JSON writer: raw items outside an array')
    this.beforeValue()
    this.keep(Buffer.from(this.buffer))
    this.buffer = ''
    this.keep(json)
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush()
  }

  /** `key(name)` then `value(value)`. */
  async field(name: string, value: unknown): Promise<void> {
    this.key(name)
    await this.value(value)
  }

  /** Every field of `fields`, in order. */
  async fields(fields: Record<string, unknown>): Promise<void> {
    for (const [name, value] of Object.entries(fields)) await this.field(name, value)
  }

  /** Closes the innermost open object or array. */
  async end(): Promise<void> {
    const top = this.open.pop()
    if (top === undefined || top.keyed) throw new Error('JSON writer: end() out of place')
    await this.emit(top.kind === '{' ? '}' : ']')
  }

  /** Flushes and closes the file; the document must be complete. */
  async close(): Promise<void> {
    if (this.open.length > 0 || !this.done)
      throw new Error('JSON writer: closed before the document was complete')
    await this.flush()
    this.closed = true
    await this.file.close()
  }

  /** Closes the file whatever state the document is in (after a failure). */
  async abandon(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.file.close()
  }

  private beforeValue(): void {
    const top = this.open.at(-1)
    if (top === undefined) {
      if (this.done) throw new Error('JSON writer: a second top-level value')
      this.done = true
      return
    }
    if (top.kind === '{') {
      if (!top.keyed) throw new Error('JSON writer: an object value needs a key first')
      top.keyed = false
      return
    }
    if (!top.empty) this.buffer += ','
    top.empty = false
  }

  private async emit(text: string): Promise<void> {
    this.buffer += text
    if (this.buffer.length + this.pendingBytes >= FLUSH_BYTES) await this.flush()
  }

  private keep(bytes: Buffer): void {
    if (bytes.length === 0) return
    this.pending.push(bytes)
    this.pendingBytes += bytes.length
  }

  private async flush(): Promise<void> {
    this.keep(Buffer.from(this.buffer))
    this.buffer = ''
    if (this.pending.length === 0) return
    const parts = this.pending.splice(0)
    const total = this.pendingBytes
    this.pendingBytes = 0
    let { bytesWritten: done } = await this.file.writev(parts)
    // A short write (rare for a regular file) goes on from where it stopped.
    if (done < total) {
      const rest = Buffer.concat(parts, total)
      while (done < total) done += (await this.file.write(rest, done)).bytesWritten
    }
  }
}

/**
 * The one writer of the `result-file` output: it names the file (under the action's own
 * directory), writes it through a temp file and a rename, and remembers it. A command with a
 * large result streams it here (`stream`); otherwise main writes the `result` JSON (`settle`).
 * Either way the output names the one file this run wrote.
 */
export class ResultFile {
  private written: string | undefined
  private claimed = false

  constructor(
    private readonly workDir: string,
    private readonly command: string
  ) {}

  /** The file written so far, if any. */
  get path(): string | undefined {
    return this.written
  }

  /**
   * Streams the command's full result through `write`, which returns what the command keeps
   * (its compact `result`); a failure removes the partial file and rethrows. Once per run.
   */
  async stream<T>(write: (writer: JsonStreamWriter) => Promise<T>): Promise<T> {
    const path = await this.claim()
    // Written beside its final name and renamed when whole, so a result file is never partial.
    const temp = tempPathFor(path)
    trackTempFile(temp)
    try {
      const writer = await JsonStreamWriter.create(temp)
      try {
        const value = await write(writer)
        await writer.close()
        await rename(temp, path)
        this.written = path
        return value
      } catch (error) {
        await writer.abandon()
        throw error
      }
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    } finally {
      forgetTempFile(temp)
    }
  }

  /**
   * The path for the `result-file` output: the file the command streamed, else `json` (the
   * serialised `result`) written now.
   */
  async settle(json: string): Promise<string> {
    if (this.written !== undefined) return this.written
    const path = await this.claim()
    await writeFileAtomic(path, json)
    this.written = path
    return path
  }

  /** A fresh path under the work directory, handed out once (the directory is created). */
  private async claim(): Promise<string> {
    if (this.claimed) throw new Error(`The result file of ${this.command} was already written.`)
    this.claimed = true
    await mkdir(this.workDir, { recursive: true })
    return join(
      this.workDir,
      `${this.command}-${Date.now()}-${randomBytes(3).toString('hex')}.json`
    )
  }
}
