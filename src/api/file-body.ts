/**
 * A request body streamed from a file exactly as it is on disk: never parsed, re-serialised or
 * held in memory whole, only gzip-compressed on the way. The bytes are hashed again as they go
 * out, and the end of the document (its last non-blank chunk) is held back until they are known
 * to be the bytes that were checked: a file changed in between is cut short, so the service
 * receives an incomplete gzip stream of an incomplete JSON document, which it cannot apply,
 * never a different document.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream'
import { createGzip } from 'node:zlib'
import { WHITESPACE } from './json-bytes.js'
import { RateFloor } from './limits.js'

export interface FileBody {
  /** The file to send. */
  path: string
  /** Its size and SHA-256 as they were checked before the request. */
  bytes: number
  sha256: string
}

/** The bytes sent were not the bytes checked: the file changed while it was being sent. */
export class FileChangedError extends Error {
  override readonly name = 'FileChangedError'
}

function blank(chunk: Buffer): boolean {
  for (const byte of chunk) if (!WHITESPACE.has(byte)) return false
  return true
}

/** Passes bytes through, holding back the tail until the whole stream matched `expected`. */
class VerifiedTail extends Transform {
  private readonly hash = createHash('sha256')
  private seen = 0
  private held: Buffer[] = []

  constructor(
    private readonly expected: FileBody,
    /** Called before the stream errors, while the request can still be aborted rather than ended. */
    private readonly mismatch: (error: Error) => void
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk)
    this.seen += chunk.length
    if (!blank(chunk)) {
      for (const part of this.held) this.push(part)
      this.held = []
    }
    this.held.push(chunk)
    done()
  }

  override _flush(done: TransformCallback): void {
    const sha256 = this.hash.digest('hex')
    if (this.seen !== this.expected.bytes || sha256 !== this.expected.sha256) {
      const error = new FileChangedError(
        `${this.expected.path} changed while it was being sent (${this.seen} bytes, sha256 ${sha256}; checked: ${this.expected.bytes} bytes, sha256 ${this.expected.sha256}), so the request was aborted before the end of the document`
      )
      this.mismatch(error)
      done(error)
      return
    }
    for (const part of this.held) this.push(part)
    this.held = []
    done()
  }
}

/** What bounds an upload (limits.ts): the whole request, and the rate bytes go out at. */
export interface UploadBounds {
  /** Epoch ms by which the request must have been answered (headers). */
  deadlineAt: number
  /** The error for a missed deadline. */
  late(): Error
  /** The error for a rate below the floor, given RateFloor's reason. */
  slow(reason: string): Error
}

/** Anything the body is piped into that can be destroyed: the http-client's ClientRequest. */
interface Destination {
  destroy(error?: Error): unknown
}

/**
 * The last stage: counts the bytes handed to the request (pipe() waits for the socket, so this
 * is the rate the peer reads at, give or take its buffers) and remembers that request, so a
 * failure destroys it. @actions/http-client ends the request when the body stream closes; only
 * a request destroyed first reaches the service as an aborted body rather than a complete one.
 */
class Outgoing extends Transform {
  destination: Destination | undefined

  constructor(private readonly counted: (bytes: number) => void) {
    super()
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    if (isDestination(destination)) {
      this.destination = destination
      // Failed before the request was there: it must not go out complete either.
      if (this.errored) destination.destroy(this.errored)
    }
    return super.pipe(destination, options)
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.counted(chunk.length)
    done(null, chunk)
  }

  override _flush(done: TransformCallback): void {
    // Every byte is with the request: the deadline alone bounds the rest.
    this.counted(-1)
    done()
  }
}

function isDestination(value: unknown): value is Destination {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { destroy?: unknown }).destroy === 'function'
  )
}

export interface FileUpload {
  stream: Readable
  /** Whether the upload failed (file changed, too slow, too late): that is the news then. */
  failure(): Error | undefined
  /** The answer arrived: the upload's timers stop. */
  stop(): void
}

/**
 * The file as a gzip request body (Content-Encoding: gzip, as the Pulumi CLI sends its imports:
 * a state compresses 4-10x), bounded by `bounds`. `failure()` says, once the request is over,
 * whether the bytes differed from the checked ones or the upload ran out of time (the service's
 * own answer then is beside the point). On any failure the request is destroyed, never ended,
 * and the gzip stream stops without its end, so the service cannot apply a document.
 */
export function fileBodyStream(body: FileBody, bounds: UploadBounds): FileUpload {
  let failed: Error | undefined
  const rate = new RateFloor('upload')
  const out = new Outgoing(bytes => {
    if (bytes < 0) {
      clearInterval(ticker)
      return
    }
    const slow = rate.add(bytes)
    if (slow !== undefined) fail(bounds.slow(slow))
  })
  const fail = (error: Error): void => {
    failed ??= error
    stop()
    out.destination?.destroy(failed)
    out.destroy(failed)
  }
  // A peer that stops reading sends no chunk at all: the rate is checked on a timer too.
  const ticker = setInterval(() => {
    const slow = rate.add(0)
    if (slow !== undefined) fail(bounds.slow(slow))
  }, rate.windowMs / 4)
  const deadline = setTimeout(
    () => {
      fail(bounds.late())
    },
    Math.max(0, bounds.deadlineAt - Date.now())
  )
  const stop = (): void => {
    clearInterval(ticker)
    clearTimeout(deadline)
  }
  pipeline(createReadStream(body.path), new VerifiedTail(body, fail), createGzip(), out, error => {
    if (error) fail(error)
  })
  return { stream: out, failure: () => failed, stop }
}
