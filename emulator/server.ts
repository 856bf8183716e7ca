// HTTP plumbing: routing, auth, request recording, concurrency stats, fault injection and
// backpressure-aware body writing. Route modules only build Reply values.

import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { Readable } from 'node:stream'
import { createGzip } from 'node:zlib'
import { FaultSet, parseFaultRule, type FaultRule } from './faults.js'
import {
  errorReply,
  HttpError,
  json,
  type Chunk,
  type Ctx,
  type Reply,
  type Route
} from './http.js'
import { Router } from './router.js'
import type { EmulatorState } from './state.js'

export interface RecordedRequest {
  method: string
  path: string
  query: string
  status: number
  startedAt: number
  finishedAt: number
  authorization?: string
  /** The request's Accept-Encoding and the response's Content-Encoding, when present. */
  acceptEncoding?: string
  contentEncoding?: string
  body?: string
}

const MAX_BODY = 10 * 1024 * 1024
const UNAUTHORIZED = 'Unauthorized: No credentials provided or are invalid.'

export class EmulatorServer {
  readonly requests: RecordedRequest[] = []
  readonly faults = new FaultSet()
  private readonly router = new Router()
  private readonly server: Server
  private readonly sockets = new Set<Socket>()
  private inFlight = 0
  private peak = 0
  private closing = false

  constructor(
    readonly state: EmulatorState,
    routes: Route[]
  ) {
    this.router.add(routes)
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // the response may be half-written; the socket is the only thing left to clean up
        if (!res.headersSent) {
          sendReply(res, errorReply(500, `Internal error: ${String(err)}`)).catch(() =>
            res.destroy()
          )
        } else {
          res.destroy()
        }
      })
    })
    this.server.keepAliveTimeout = 5000
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        const addr = this.server.address()
        resolve(typeof addr === 'object' && addr ? addr.port : port)
      })
    })
  }

  close(): Promise<void> {
    this.closing = true
    return new Promise(resolve => {
      this.server.close(() => {
        resolve()
      })
      for (const s of this.sockets) s.destroy()
    })
  }

  maxInFlight(): number {
    return this.peak
  }

  resetStats(): void {
    this.peak = this.inFlight
    this.requests.length = 0
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('X-Pulumi-Request-ID', randomUUID())
    const url = new URL(req.url ?? '/', 'http://emulator.local')
    const method = (req.method ?? 'GET').toUpperCase()
    const path = url.pathname
    if (path.startsWith('/__emulator/')) {
      const body = await readBody(req)
      await sendReply(res, this.control(method, path, body))
      return
    }

    const record: RecordedRequest = {
      method,
      path,
      query: url.search.replace(/^\?/, ''),
      status: 0,
      startedAt: Date.now(),
      finishedAt: 0
    }
    if (req.headers.authorization !== undefined) record.authorization = req.headers.authorization
    if (req.headers['accept-encoding'] !== undefined)
      record.acceptEncoding = req.headers['accept-encoding']
    this.requests.push(record)
    this.inFlight++
    this.peak = Math.max(this.peak, this.inFlight)
    res.on('close', () => {
      this.inFlight--
      record.finishedAt = Date.now()
      record.status = res.statusCode
      const encoding = res.getHeader('content-encoding')
      if (typeof encoding === 'string') record.contentEncoding = encoding
    })

    const body = await readBody(req)
    if (body !== '') record.body = body

    const fault = this.faults.take(method, path, record.query)
    if (fault?.kind === 'status') {
      const status = fault.status ?? 503
      const reply: Reply =
        fault.body !== undefined
          ? { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: fault.body }
          : errorReply(
              status,
              fault.status === undefined ? 'Service Unavailable' : `Injected fault ${status}`
            )
      if (fault.retryAfter !== undefined)
        reply.headers = { ...reply.headers, 'Retry-After': String(fault.retryAfter) }
      await sendReply(res, reply)
      return
    }
    if (fault?.kind === 'malformed-json') {
      await sendReply(res, {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
        body: '{"stacks": ['
      })
      return
    }
    if (fault?.kind === 'stall') {
      await stall(res, fault.delayMs)
      if (res.destroyed || this.closing) return
    }

    if (fault?.kind === 'repeat-token' && url.searchParams.get('continuationToken') === 'loop') {
      // "loop" is our own fake token; serve the first page for it rather than a 400
      url.searchParams.delete('continuationToken')
      const reply = acceptGzip(req, await this.dispatch(req, method, path, url.searchParams, body))
      await sendReply(res, reply, fault, 'loop')
      return
    }
    const reply = acceptGzip(req, await this.dispatch(req, method, path, url.searchParams, body))
    await sendReply(res, reply, fault, url.searchParams.get('continuationToken'))
  }

  private async dispatch(
    req: IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
    body: string
  ): Promise<Reply> {
    const m = this.router.match(method, path)
    if (m.kind === 'not-found') {
      // what Go's http.ServeMux / gorilla mux answer for an unknown route
      return {
        status: 404,
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: '404 page not found\n'
      }
    }
    if (m.kind === 'method-not-allowed') {
      return { status: 405, headers: { Allow: m.allowed.join(', ') } }
    }
    const principal = m.route.auth === false ? undefined : this.authenticate(req)
    if (m.route.auth !== false && !principal) return errorReply(401, UNAUTHORIZED)
    const ctx = {
      req,
      method,
      path,
      query,
      params: m.params,
      body,
      state: this.state,
      principal,
      sourceIP: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '')
    } as Ctx // principal is only undefined for auth:false routes, which never read it
    try {
      return await m.route.handler(ctx)
    } catch (err) {
      if (err instanceof HttpError) {
        const r = errorReply(err.status, err.message)
        r.headers = { ...r.headers, ...err.headers }
        return r
      }
      return errorReply(500, `Internal error: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  private authenticate(req: IncomingMessage): ReturnType<EmulatorState['principal']> {
    const h = req.headers.authorization
    if (!h) return undefined
    const m = /^token\s+(\S+)\s*$/i.exec(h)
    if (!m?.[1]) return undefined
    return this.state.principal(m[1])
  }

  private control(method: string, path: string, body: string): Reply {
    switch (`${method} ${path}`) {
      case 'POST /__emulator/faults': {
        try {
          const v: unknown = JSON.parse(body)
          const rules = (Array.isArray(v) ? v : [v]).map(parseFaultRule)
          for (const r of rules) this.faults.add(r)
          return json(200, { added: rules.length })
        } catch (err) {
          return errorReply(400, err instanceof Error ? err.message : String(err))
        }
      }
      case 'DELETE /__emulator/faults':
        this.faults.clear()
        return { status: 204 }
      case 'GET /__emulator/stats':
        return json(200, { requests: this.requests.length, maxInFlight: this.peak })
      case 'POST /__emulator/reset-stats':
        this.resetStats()
        return { status: 204 }
      case 'GET /__emulator/requests':
        return json(200, this.requests)
      default:
        return {
          status: 404,
          headers: { 'Content-Type': 'text/plain; charset=utf-8' },
          body: '404 page not found\n'
        }
    }
  }
}

/**
 * Like the service, answer gzip when the client accepts it (the CLI always does), error
 * bodies included; bodies already gzip (the audit export) are left as they are.
 */
function acceptGzip(req: IncomingMessage, reply: Reply): Reply {
  const accepted = (req.headers['accept-encoding'] ?? '')
    .split(',')
    .some(part => /^\s*(x-)?gzip\s*(;\s*q=(?!0(\.0*)?\s*$)[\d.]+\s*)?$/i.test(part))
  const hasBody = reply.body !== undefined || reply.stream !== undefined
  const vary = { ...reply.headers, Vary: 'Accept-Encoding' }
  if (!accepted || !hasBody || reply.gzip || reply.status === 204 || reply.status === 304)
    return { ...reply, headers: vary }
  return { ...reply, headers: vary, gzip: true }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'Request body too large.'))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'))
    })
    req.on('error', reject)
  })
}

function sleep(ms: number): Promise<void> {
  return new Promise(r => setTimeout(r, ms))
}

/** Send nothing until the delay passes or the connection goes away. */
function stall(res: ServerResponse, delayMs: number | undefined): Promise<void> {
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

async function* toBuffers(src: AsyncIterable<Chunk> | Iterable<Chunk>): AsyncGenerator<Buffer> {
  for await (const c of src) {
    const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : c
    if (b.length > 0) yield b
  }
}

/** Compress lazily: only pulls from `src` as fast as the consumer reads. */
async function* gzipStream(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
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

async function collect(src: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of src) parts.push(c)
  return Buffer.concat(parts)
}

async function* rechunk(
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

function waitDrain(res: ServerResponse): Promise<boolean> {
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

/** Write a reply, applying a fault if one matched. Respects backpressure throughout. */
export async function sendReply(
  res: ServerResponse,
  reply: Reply,
  fault?: FaultRule,
  requestToken?: string | null
): Promise<void> {
  const headers: Record<string, string> = { ...reply.headers }
  const hasBody = reply.body !== undefined || reply.stream !== undefined
  let chunks: AsyncIterable<Buffer> = toBuffers(
    reply.stream ?? (reply.body !== undefined ? [reply.body] : [])
  )
  let length: number | undefined =
    reply.body !== undefined && !reply.gzip
      ? Buffer.byteLength(reply.body)
      : hasBody
        ? undefined
        : 0
  // The token is rewritten in the JSON before any gzip is applied.
  if (fault?.kind === 'repeat-token') {
    // answer the real page, but point the client back at the page it just asked for
    const buf = await collect(chunks)
    let text = buf.toString('utf8')
    try {
      const v: unknown = JSON.parse(text)
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        ;(v as Record<string, unknown>)['continuationToken'] = requestToken ?? 'loop'
        text = JSON.stringify(v)
      }
    } catch {
      // not JSON: leave the body alone
    }
    chunks = toBuffers([text])
    length = reply.gzip ? undefined : Buffer.byteLength(text)
  }
  if (reply.gzip) {
    chunks = gzipStream(chunks)
    headers['Content-Encoding'] = 'gzip'
  }

  switch (fault?.kind) {
    case 'truncate-gzip': {
      const buf = await collect(chunks)
      const cut = Math.min(buf.length, fault.afterBytes ?? Math.max(10, Math.floor(buf.length / 2)))
      chunks = toBuffers([buf.subarray(0, cut)])
      length = undefined // chunked, ends cleanly: the client sees a short gzip stream
      break
    }
    case 'corrupt-gzip': {
      const buf = Buffer.from(await collect(chunks))
      // flip bytes in the compressed data and in the CRC32 trailer so inflate must fail
      const start = Math.min(buf.length, 12)
      for (let i = start; i < buf.length - 8; i += 97) buf[i] = (buf[i] ?? 0) ^ 0xff
      for (let i = Math.max(0, buf.length - 8); i < buf.length - 4; i++)
        buf[i] = (buf[i] ?? 0) ^ 0xa5
      chunks = toBuffers([buf])
      length = buf.length
      break
    }
    case 'slow':
      chunks = rechunk(chunks, 64, fault.delayMs ?? 50, res)
      break
    default:
      break
  }

  if (length !== undefined && reply.status !== 204 && reply.status !== 304) {
    headers['Content-Length'] = String(length)
  }
  res.writeHead(reply.status, headers)

  if (fault?.kind === 'reset') {
    let budget = fault.afterBytes ?? 0
    res.flushHeaders()
    for await (const c of chunks) {
      if (budget <= 0) break
      const part = c.subarray(0, budget)
      budget -= part.length
      if (!res.write(part) && !(await waitDrain(res))) break
    }
    // give the headers/bytes a moment to reach the wire, then cut the connection
    await sleep(20)
    res.socket?.destroy()
    res.destroy()
    return
  }

  if (reply.status === 204 || reply.status === 304) {
    res.end()
    return
  }
  for await (const c of chunks) {
    if (res.destroyed) break
    if (!res.write(c) && !(await waitDrain(res))) break
  }
  if (!res.destroyed) res.end()
}
