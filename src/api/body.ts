import { createHash, randomBytes } from 'node:crypto'
import { writeSync } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { dirname, join, basename } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, type Gunzip } from 'node:zlib'
import { NetworkError, ResponseFormatError, TimeoutError } from './errors.js'

interface BodyContext {
  method: string
  path: string
  timeoutSeconds: number
  /** Stop collecting past this many bytes (error bodies). */
  limitBytes?: number
}

/** Looks at a body as it streams past, e.g. counting resources without parsing the whole state. */
export interface BodyInspector<R> {
  write(chunk: Buffer): void
  finish(): R
}

export interface SavedBody<R> {
  path: string
  bytes: number
  sha256: string
  inspected: R | undefined
}

/** Reads a whole (small) body as UTF-8, failing on a cut connection or an idle timeout. */
export async function readBody(response: IncomingMessage, context: BodyContext): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  await consume(response, context, chunk => {
    if (context.limitBytes !== undefined && size >= context.limitBytes) return
    chunks.push(chunk)
    size += chunk.length
  })
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Streams the body into a temp file beside `destination`, then renames it into place.
 * Bytes are hashed and inspected after decompression, so the sha256 is that of the file.
 * A body with `Content-Encoding: gzip` is always decoded; with `gunzip`, one that starts with
 * the gzip magic bytes is too, and any other body is saved as it came.
 */
export async function saveBody<R>(
  response: IncomingMessage,
  destination: string,
  options: BodyContext & { gunzip: boolean; inspector: BodyInspector<R> | undefined }
): Promise<SavedBody<R>> {
  const temp = join(
    dirname(destination),
    `.${basename(destination)}.${randomBytes(6).toString('hex')}.partial`
  )
  const hash = createHash('sha256')
  let bytes = 0
  const encoded = (response.headers['content-encoding'] ?? '').toLowerCase() === 'gzip'
  const decode = encoded ? createGunzip() : options.gunzip ? gunzipWhenMagic() : undefined
  // The last stage hashes, inspects and writes each chunk synchronously: no write queue
  // builds up behind a fast socket, so memory stays flat and there is one copy per chunk.
  const idle = idleTimeout(response, options)
  const save = async (source: AsyncIterable<Buffer>): Promise<void> => {
    const file = await open(temp, 'w')
    try {
      for await (const chunk of source) {
        idle.arm()
        hash.update(chunk)
        bytes += chunk.length
        options.inspector?.write(chunk)
        for (let written = 0; written < chunk.length;) {
          written += writeSync(file.fd, chunk, written)
        }
      }
    } finally {
      await file.close()
    }
  }
  try {
    await mkdir(dirname(destination), { recursive: true })
    await (decode === undefined ? pipeline(response, save) : pipeline(response, decode, save))
    const inspected = options.inspector?.finish()
    await rename(temp, destination)
    return { path: destination, bytes, sha256: hash.digest('hex'), inspected }
  } catch (error) {
    // The temp file may not exist (its directory could not be made): keep the first error.
    await rm(temp, { force: true }).catch(() => undefined)
    throw classify(error, options)
  } finally {
    idle.stop()
  }
}

const GZIP_MAGIC = [0x1f, 0x8b]

/**
 * Gunzips a body that starts with the gzip magic bytes and passes any other through, for
 * services that send gzip without saying so and proxies that send it already decoded.
 */
function gunzipWhenMagic(): Transform {
  let head: Buffer | undefined = Buffer.alloc(0)
  let gunzip: Gunzip | undefined
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      let data = chunk
      if (head !== undefined) {
        head = Buffer.concat([head, chunk])
        if (head.length < GZIP_MAGIC.length) {
          callback()
          return
        }
        data = head
        head = undefined
        if (data[0] === GZIP_MAGIC[0] && data[1] === GZIP_MAGIC[1]) {
          gunzip = createGunzip()
          gunzip.on('data', (out: Buffer) => this.push(out))
          gunzip.on('error', error => {
            this.destroy(error)
          })
        }
      }
      if (gunzip === undefined) callback(null, data)
      else
        gunzip.write(data, () => {
          callback()
        })
    },
    flush(callback) {
      // A body shorter than the magic is plain text.
      if (head !== undefined && head.length > 0) this.push(head)
      if (gunzip === undefined) {
        callback()
        return
      }
      gunzip.once('end', () => {
        callback()
      })
      gunzip.end()
    }
  })
}

/**
 * Fails the response when no byte arrives for `timeoutSeconds`: the reader calls the
 * returned `arm` for every chunk it takes (a 'data' listener here would steal the chunks
 * from an async-iterating reader) and `stop` when it is done.
 */
interface IdleTimer {
  arm(): void
  stop(): void
}

/** @see IdleTimer */
function idleTimeout(response: IncomingMessage, context: BodyContext): IdleTimer {
  let timer: NodeJS.Timeout | undefined
  const stop = (): void => {
    clearTimeout(timer)
  }
  const arm = (): void => {
    stop()
    timer = setTimeout(() => {
      response.destroy(new TimeoutError(context.method, context.path, context.timeoutSeconds))
    }, context.timeoutSeconds * 1000)
  }
  arm()
  response.on('close', stop)
  response.on('end', () => {
    if (!response.complete)
      response.destroy(new Error('connection closed before the body was complete'))
  })
  return { arm, stop }
}

function consume(
  response: IncomingMessage,
  context: BodyContext,
  onChunk: (chunk: Buffer) => void
): Promise<void> {
  return new Promise((resolve, reject) => {
    const idle = idleTimeout(response, context)
    response.on('data', (chunk: Buffer) => {
      idle.arm()
      onChunk(chunk)
    })
    response.on('error', error => {
      idle.stop()
      reject(classify(error, context))
    })
    response.on('end', () => {
      idle.stop()
      if (response.complete) resolve()
      else
        reject(
          new NetworkError(
            context.method,
            context.path,
            'connection closed before the body was complete'
          )
        )
    })
  })
}

/** File system errors writing the download: the user's path or disk, not the service. */
const WRITE_ERRORS = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EDQUOT',
  'EISDIR',
  'ENOTDIR',
  'EEXIST',
  'EROFS'
])

function classify(error: unknown, context: BodyContext): Error {
  if (
    error instanceof TimeoutError ||
    error instanceof NetworkError ||
    error instanceof ResponseFormatError
  )
    return error
  const err = error as NodeJS.ErrnoException
  if (typeof err.code === 'string' && err.code.startsWith('Z_')) {
    return new ResponseFormatError(
      context.method,
      context.path,
      `the gzip body is corrupt or truncated (${err.message})`
    )
  }
  if (typeof err.code === 'string' && WRITE_ERRORS.has(err.code)) {
    return new Error(
      `Could not write the download for ${context.path}: ${err.message}. Check the input path, its permissions and free disk space.`
    )
  }
  if (err.code === 'ECONNRESET' || err.message === 'aborted') {
    return new NetworkError(
      context.method,
      context.path,
      `the connection was reset before the whole body arrived (${err.message})`
    )
  }
  return new NetworkError(context.method, context.path, err.message || String(error))
}
