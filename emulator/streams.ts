// Byte-stream helpers shared by the server's reply writer and the fault table.

import type { ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { createGzip } from 'node:zlib'
import type { Chunk } from './http.js'

export function sleep(ms: number): Promise<void> {
  return new Promise(r => setTimeout(r, ms))
}

/** Send nothing until the delay passes (forever without one) or the connection goes away. */
export function stall(res: ServerResponse, delayMs: number | undefined): Promise<void> {
  return new Promise(resolve => {
    if (res.destroyed || res.closed) {
      resolve()
      return
    }
    const done = (): void => {
      if (timer) clearTimeout(timer)
      res.off('close', done)
      resolve()
    }
    const timer = delayMs !== undefined && delayMs >= 0 ? setTimeout(done, delayMs) : undefined
    res.on('close', done)
  })
}

export async function* toBuffers(
  src: AsyncIterable<Chunk> | Iterable<Chunk>
): AsyncGenerator<Buffer> {
  for await (const c of src) {
    const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c
    if (b.length > 0) yield b
  }
}

/** Compress lazily: only pulls from `src` as fast as the consumer reads. */
export async function* gzipStream(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const gz = createGzip()
  const input = Readable.from(src)
  input.on('error', e => gz.destroy(e))
  input.pipe(gz)
  try {
    for await (const c of gz) yield c as Buffer
  } finally {
    input.destroy()
    gz.destroy()
  }
}

export async function collect(src: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of src) parts.push(c)
  return Buffer.concat(parts)
}

/** Re-slice a stream into `size`-byte chunks with a pause between them. */
export async function* rechunk(
  src: AsyncIterable<Buffer>,
  size: number,
  delayMs: number,
  res: ServerResponse
): AsyncGenerator<Buffer> {
  let first = true
  for await (const c of src) {
    for (let i = 0; i < c.length; i += size) {
      // stall() ends early when the client goes away, so no timer outlives the socket
      if (!first) await stall(res, delayMs)
      if (res.destroyed) return
      first = false
      yield c.subarray(i, i + size)
    }
  }
}

/** The first `budget` bytes of a stream. */
export async function* firstBytes(
  src: AsyncIterable<Buffer>,
  budget: number
): AsyncGenerator<Buffer> {
  let left = budget
  if (left <= 0) return
  for await (const c of src) {
    const part = c.subarray(0, left)
    left -= part.length
    yield part
    if (left <= 0) return
  }
}

export function waitDrain(res: ServerResponse): Promise<boolean> {
  return new Promise(resolve => {
    const onDrain = (): void => {
      cleanup()
      resolve(true)
    }
    const onClose = (): void => {
      cleanup()
      resolve(false)
    }
    const cleanup = (): void => {
      res.off('drain', onDrain)
      res.off('close', onClose)
    }
    res.on('drain', onDrain)
    res.on('close', onClose)
  })
}
