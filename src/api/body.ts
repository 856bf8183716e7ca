import { createHash } from 'node:crypto'
import { writeSync } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { dirname } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, type Gunzip } from 'node:zlib'
import { NetworkError, ResponseFormatError, TimeoutError } from './errors.js'
import { RateFloor, bufferedDeadlineMs, limits } from './limits.js'
import { ReadBufferRelease } from './memory.js'
import { forgetTempFile, tempPathFor, trackTempFile } from '../files.js'

interface BodyContext {
  method: string
  path: string
  timeoutSeconds: number
  /** Stop collecting past this many bytes (error bodies). */
  limitBytes?: number
  /** Fail past this many bytes (JSON bodies; limits.ts). */
  maxBytes?: number
  /** Epoch ms by which the whole body must have arrived (buffered requests; limits.ts). */
  deadlineAt?: number
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

/**
 * The decoders a response's Content-Encoding calls for. Every request asks for gzip (as the
 * Pulumi CLI does), so a body is either as it was sent or gzip; `x-gzip` is gzip's old alias.
 * An encoding the action did not ask for is a format error, never bytes saved undecoded.
 */
function contentDecoder(response: IncomingMessage, context: BodyContext): Gunzip | undefined {
  const header = response.headers['content-encoding']
  const encoding = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase()
  if (encoding === '' || encoding === 'identity') return undefined
  if (encoding === 'gzip' || encoding === 'x-gzip')
    return createGunzip({ chunkSize: INFLATE_CHUNK })
  throw new ResponseFormatError(
    context.method,
    context.path,
    `the body is encoded as '${encoding.slice(0, 40)}', which the action did not ask for (it asks for gzip)`
  )
}

/** Inflated output per chunk: fewer, larger chunks mean fewer hash/scan/write calls. */
const INFLATE_CHUNK = 128 * 1024

/**
 * Reads a whole (small) body as UTF-8 after gzip decoding, failing on a cut connection, a
 * truncated or corrupt gzip stream or an idle timeout. Past `limitBytes` (of decoded text)
 * the rest is read and dropped, so a huge error body cannot fill memory.
 */
export async function readBody(response: IncomingMessage, context: BodyContext): Promise<string> {
  return (await readBodyBytes(response, context)).toString('utf8')
}

/** readBody's bytes, for callers that copy parts of the body as they came (paged items). */
export async function readBodyBytes(
  response: IncomingMessage,
  context: BodyContext
): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  const idle = idleTimeout(response, context)
  const take = (chunk: Buffer): void => {
    idle.arm()
    if (context.limitBytes !== undefined && size >= context.limitBytes) return
    if (context.maxBytes !== undefined && size + chunk.length > context.maxBytes)
      throw new ResponseFormatError(
        context.method,
        context.path,
        `the body is larger than ${Math.round(context.maxBytes / 1024 / 1024)} MiB, the most the action reads into memory, so it was not read`
      )
    chunks.push(chunk)
    size += chunk.length
  }
  try {
    const decode = contentDecoder(response, context)
    if (decode === undefined) await collectPlain(response, take)
    else
      await pipeline(response, decode, async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) take(chunk)
      })
  } catch (error) {
    response.destroy()
    throw classify(error, context)
  } finally {
    idle.stop()
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)
}

/**
 * An uncompressed body, chunk by chunk, through plain listeners: a paged listing reads a
 * thousand small bodies, and a stream pipeline with an async iterator per body cost more
 * than the body (its AbortController, end-of-stream watchers and promise turns). Settles
 * once: on 'end' of a complete body, or on the first error or early close.
 */
function collectPlain(response: IncomingMessage, take: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    // A connection cut before the read began sends no event again: say so now, as the
    // pipeline does, rather than wait for one forever.
    if (response.destroyed) {
      reject(response.errored ?? new Error('aborted'))
      return
    }
    let settled = false
    const settle = (error?: Error): void => {
      if (settled) return
      settled = true
      response.off('data', onData)
      if (error === undefined) resolve()
      else reject(error)
    }
    const onData = (chunk: Buffer): void => {
      try {
        take(chunk)
      } catch (error) {
        settle(error instanceof Error ? error : new Error(String(error)))
      }
    }
    response.on('data', onData)
    response.once('error', settle)
    response.once('end', () => {
      settle(response.complete ? undefined : new Error('aborted'))
    })
    // A close before 'end' is a cut connection (or a destroy by the idle timer, whose error
    // comes first and has already settled).
    response.once('close', () => {
      settle(new Error('aborted'))
    })
  })
}

/**
 * Streams the body into a temp file beside `destination`, then renames it into place.
 * Bytes are hashed and inspected after decompression, so the sha256 is that of the file.
 * A body with `Content-Encoding: gzip` is always decoded; with `gunzip`, one that (after
 * that) starts with the gzip magic bytes is too (the audit export is a gzip file), and any
 * other body is saved as it came.
 */
export async function saveBody<R>(
  response: IncomingMessage,
  destination: string,
  options: BodyContext & { gunzip: boolean; inspector: BodyInspector<R> | undefined }
): Promise<SavedBody<R>> {
  const temp = tempPathFor(destination)
  const hash = createHash('sha256')
  let bytes = 0
  // The last stage hashes, inspects and writes each chunk synchronously: no write queue
  // builds up behind a fast socket, so memory stays flat and there is one copy per chunk.
  const idle = idleTimeout(response, options)
  const rate = new RateFloor()
  const release = new ReadBufferRelease()
  const save = async (source: AsyncIterable<Buffer>): Promise<void> => {
    // 'wx': a fresh file, never an existing one or the target of a planted symlink.
    const file = await open(temp, 'wx')
    try {
      for await (const chunk of source) {
        idle.arm()
        const slow = rate.add(chunk.length)
        if (slow !== undefined) {
          // Destroying the response with the error (as the idle timer does) makes it the
          // pipeline's error, rather than the 'aborted' that follows it.
          const error = new TimeoutError(
            options.method,
            options.path,
            options.timeoutSeconds,
            slow,
            'Check the network or proxy between the runner and api-url, and re-run the step.'
          )
          response.destroy(error)
          throw error
        }
        hash.update(chunk)
        bytes += chunk.length
        options.inspector?.write(chunk)
        for (let written = 0; written < chunk.length;) {
          written += writeSync(file.fd, chunk, written)
        }
        release.add(chunk.length)
      }
    } finally {
      await file.close()
    }
  }
  trackTempFile(temp)
  try {
    const stages: Transform[] = []
    const decode = contentDecoder(response, options)
    if (decode !== undefined) stages.push(decode)
    if (options.gunzip) stages.push(gunzipWhenMagic())
    await mkdir(dirname(destination), { recursive: true })
    await (stages.length === 0
      ? pipeline(response, save)
      : stages.length === 1
        ? pipeline(response, stages[0] as Transform, save)
        : pipeline(response, stages[0] as Transform, stages[1] as Transform, save))
    const inspected = finishInspection(options)
    await rename(temp, destination)
    return { path: destination, bytes, sha256: hash.digest('hex'), inspected }
  } catch (error) {
    response.destroy()
    // The temp file may not exist (its directory could not be made): keep the first error.
    await rm(temp, { force: true }).catch(() => undefined)
    throw classify(error, options)
  } finally {
    forgetTempFile(temp)
    idle.stop()
  }
}

/** The inspector's verdict; one that finds the document incomplete fails the download. */
function finishInspection<R>(
  options: BodyContext & { inspector: BodyInspector<R> | undefined }
): R | undefined {
  try {
    return options.inspector?.finish()
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new ResponseFormatError(options.method, options.path, reason)
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
    const idleMs = context.timeoutSeconds * 1000
    const deadlineMs = context.deadlineAt === undefined ? Infinity : context.deadlineAt - Date.now()
    timer = setTimeout(
      () => {
        response.destroy(
          idleMs <= deadlineMs
            ? new TimeoutError(context.method, context.path, context.timeoutSeconds)
            : deadlineError(context)
        )
      },
      Math.max(0, Math.min(idleMs, deadlineMs))
    )
  }
  arm()
  response.on('close', stop)
  response.on('end', () => {
    if (!response.complete)
      response.destroy(new Error('connection closed before the body was complete'))
  })
  return { arm, stop }
}

/** The buffered request went past its whole-request deadline (limits.ts). */
export function deadlineError(context: {
  method: string
  path: string
  timeoutSeconds: number
}): TimeoutError {
  return new TimeoutError(
    context.method,
    context.path,
    context.timeoutSeconds,
    `did not complete within ${Math.round(bufferedDeadlineMs(context.timeoutSeconds) / 1000)} s (${limits().bufferedDeadlineFactor} × timeout-seconds), though bytes kept arriving`
  )
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
