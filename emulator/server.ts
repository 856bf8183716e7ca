// HTTP plumbing: routing, auth, request recording, concurrency stats, fault injection and
// backpressure-aware body writing. Route modules only build Reply values.

import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { createGunzip } from 'node:zlib'
import {
  faultBehaviour,
  FaultSet,
  parseFaultRule,
  type FaultedExchange,
  type FaultRule,
  type OutgoingBody
} from './faults.js'
import { errorReply, HttpError, json, type Ctx, type Reply, type Route } from './http.js'
import { Router } from './router.js'
import type { EmulatorState } from './state.js'
import { gzipStream, sleep, toBuffers, waitDrain } from './streams.js'

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
  /** The request's own Content-Encoding (a gzip body is recorded inflated). */
  requestEncoding?: string
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
    const record = this.record(req, res, method, path, url.search.replace(/^\?/, ''))
    const body = await readBody(req).catch((error: unknown) => {
      if (error instanceof HttpError) return error
      throw error
    })
    if (body instanceof HttpError) {
      await sendReply(res, errorReply(body.status, body.message))
      return
    }
    if (body !== '') record.body = body

    const fault = this.faults.take(method, path, record.query)
    const behaviour = faultBehaviour(fault)
    const exchange: FaultedExchange = {
      res,
      query: url.searchParams,
      requestToken: url.searchParams.get('continuationToken'),
      closing: () => this.closing
    }
    const early = fault && behaviour.before ? await behaviour.before(fault, exchange) : undefined
    if (early === 'gone') return
    if (early) {
      await sendReply(res, early)
      return
    }
    const reply = acceptGzip(req, await this.dispatch(req, method, path, exchange.query, body))
    await sendReply(res, reply, fault && { rule: fault, behaviour, exchange })
  }

  /** Record an API request and count it in flight until its response closes. */
  private record(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    path: string,
    query: string
  ): RecordedRequest {
    const record: RecordedRequest = {
      method,
      path,
      query,
      status: 0,
      startedAt: Date.now(),
      finishedAt: 0
    }
    if (req.headers.authorization !== undefined) record.authorization = req.headers.authorization
    if (req.headers['accept-encoding'] !== undefined)
      record.acceptEncoding = req.headers['accept-encoding']
    if (req.headers['content-encoding'] !== undefined)
      record.requestEncoding = req.headers['content-encoding']
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
    return record
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

/**
 * The request body as text. A body sent with Content-Encoding: gzip (the CLI compresses its
 * imports) is inflated; one that does not inflate (cut short) is a 400, as the service answers.
 */
function readBody(req: IncomingMessage): Promise<string> {
  const gzip = /^\s*gzip\s*$/i.test(req.headers['content-encoding'] ?? '')
  const source: NodeJS.ReadableStream = gzip ? req.pipe(createGunzip()) : req
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    source.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'Request body too large.'))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    source.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'))
    })
    source.on('error', () => {
      reject(new HttpError(400, 'Unable to decompress the request body.'))
    })
    if (gzip) req.on('error', reject)
  })
}

interface AppliedFault {
  rule: FaultRule
  behaviour: ReturnType<typeof faultBehaviour>
  exchange: FaultedExchange
}

/** A reply's body as bytes, with its length when known up front. */
function plainBody(reply: Reply): OutgoingBody {
  const hasBody = reply.body !== undefined || reply.stream !== undefined
  const chunks = toBuffers(reply.stream ?? (reply.body !== undefined ? [reply.body] : []))
  if (reply.body !== undefined) return { chunks, length: Buffer.byteLength(reply.body) }
  return { chunks, length: hasBody ? undefined : 0 }
}

/** The body as it goes on the wire: reshaped by a fault before and after any gzip. */
async function wireBody(reply: Reply, fault: AppliedFault | undefined): Promise<OutgoingBody> {
  let body = plainBody(reply)
  if (fault?.behaviour.plain) body = await fault.behaviour.plain(fault.rule, body, fault.exchange)
  if (reply.gzip) body = { chunks: gzipStream(body.chunks), length: undefined }
  if (fault?.behaviour.wire) body = await fault.behaviour.wire(fault.rule, body, fault.exchange)
  return body
}

/** Write a reply, reshaped by a fault if one matched. Respects backpressure throughout. */
async function sendReply(res: ServerResponse, reply: Reply, fault?: AppliedFault): Promise<void> {
  const headers: Record<string, string> = { ...reply.headers }
  if (reply.gzip) headers['Content-Encoding'] = 'gzip'
  const body = await wireBody(reply, fault)
  const empty = reply.status === 204 || reply.status === 304
  if (body.length !== undefined && !empty) headers['Content-Length'] = String(body.length)
  res.writeHead(reply.status, headers)

  if (fault?.behaviour.drop) {
    res.flushHeaders()
    await writeChunks(res, body.chunks)
    // give the headers/bytes a moment to reach the wire, then cut the connection
    await sleep(20)
    res.socket?.destroy()
    res.destroy()
    return
  }
  if (!empty) await writeChunks(res, body.chunks)
  if (!res.destroyed) res.end()
}

async function writeChunks(res: ServerResponse, chunks: AsyncIterable<Buffer>): Promise<void> {
  for await (const c of chunks) {
    if (res.destroyed) break
    if (!res.write(c) && !(await waitDrain(res))) break
  }
}
