import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { dirname, join, basename } from 'node:path'
import { Transform, type Readable } from 'node:stream'
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
  const observe = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      bytes += chunk.length
      options.inspector?.write(chunk)
      callback(null, chunk)
    }
  })
  const encoded = (response.headers['content-encoding'] ?? '').toLowerCase() === 'gzip'
  const decode = encoded ? createGunzip() : options.gunzip ? gunzipWhenMagic() : undefined
  try {
    await mkdir(dirname(destination), { recursive: true })
    const body = watchIdle(response, options)
    await (decode === undefined
      ? pipeline(body, observe, createWriteStream(temp))
      : pipeline(body, decode, observe, createWriteStream(temp)))
    const inspected = options.inspector?.finish()
    await rename(temp, destination)
    return { path: destination, bytes, sha256: hash.digest('hex'), inspected }
  } catch (error) {
    // The temp file may not exist (its directory could not be made): keep the first error.
    await rm(temp, { force: true }).catch(() => undefined)
    throw classify(error, options)
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

/** Passes the body through, failing when nothing arrives for `timeoutSeconds`. */
function watchIdle(response: IncomingMessage, context: BodyContext): Readable {
  let timer: NodeJS.Timeout | undefined
  const arm = (): void => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      response.destroy(new TimeoutError(context.method, context.path, context.timeoutSeconds))
    }, context.timeoutSeconds * 1000)
  }
  arm()
  response.on('data', arm)
  response.on('close', () => {
    clearTimeout(timer)
  })
  response.on('end', () => {
    if (!response.complete)
      response.destroy(new Error('connection closed before the body was complete'))
  })
  return response
}

function consume(
  response: IncomingMessage,
  context: BodyContext,
  onChunk: (chunk: Buffer) => void
): Promise<void> {
  return new Promise((resolve, reject) => {
    watchIdle(response, context)
    response.on('data', (chunk: Buffer) => {
      onChunk(chunk)
    })
    response.on('error', error => {
      reject(classify(error, context))
    })
    response.on('end', () => {
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
