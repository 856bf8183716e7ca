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

const BLANK = new Set([0x20, 0x09, 0x0a, 0x0d])

function blank(chunk: Buffer): boolean {
  for (const byte of chunk) if (!BLANK.has(byte)) return false
  return true
}

/** Passes bytes through, holding back the tail until the whole stream matched `expected`. */
class VerifiedTail extends Transform {
  private readonly hash = createHash('sha256')
  private seen = 0
  private held: Buffer[] = []

  constructor(private readonly expected: FileBody) {
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
      done(
        new FileChangedError(
          `${this.expected.path} changed while it was being sent (${this.seen} bytes, sha256 ${sha256}; checked: ${this.expected.bytes} bytes, sha256 ${this.expected.sha256}), so the request was cut short before the end of the document`
        )
      )
      return
    }
    for (const part of this.held) this.push(part)
    this.held = []
    done()
  }
}

/**
 * The file as a gzip request body (Content-Encoding: gzip, as the Pulumi CLI sends its imports:
 * a state compresses 4-10x). `failure()` says, once the request is over, whether the bytes
 * differed from the checked ones (the service's own answer then is beside the point). On such a
 * failure the gzip stream stops without its end, so the service cannot inflate a whole document.
 */
export function fileBodyStream(body: FileBody): { stream: Readable; failure(): Error | undefined } {
  let failed: Error | undefined
  const gzip = createGzip()
  pipeline(createReadStream(body.path), new VerifiedTail(body), gzip, error => {
    if (error) failed ??= error
  })
  return { stream: gzip, failure: () => failed }
}
