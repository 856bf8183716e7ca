// Fault injection: rules matched against method + URL path, each applying to a limited
// number of requests. Every fault kind is one entry of FAULTS below, which says everything
// the kind does; the server consults `take()` once per API request and runs the entry's steps.

import type { ServerResponse } from 'node:http'
import { errorReply, type Reply } from './http.js'
import { collect, firstBytes, rechunk, stall, toBuffers } from './streams.js'

/** Everything a rule may carry besides its kind. */
export interface FaultOptions {
  /** default: any method */
  method?: string
  /** glob on the URL path: '*' = one segment, '**' = any number of segments */
  path: string
  /** optional: only requests whose raw query string contains this, e.g. "continuationToken=" */
  query?: string
  status?: number
  retryAfter?: number
  body?: string
  afterBytes?: number
  delayMs?: number
  /** how many matching requests it applies to; default 1; Infinity or -1 = all */
  count?: number
}

/** A response body on its way out: chunks, and the Content-Length (undefined = chunked). */
export interface OutgoingBody {
  chunks: AsyncIterable<Buffer>
  length: number | undefined
}

/** The request a fault applies to, as the steps below see it. */
export interface FaultedExchange {
  res: ServerResponse
  /** the query the route will see; a step may rewrite it */
  query: URLSearchParams
  /** the continuation token the client sent */
  requestToken: string | null
  /** true once the server is shutting down */
  closing(): boolean
}

/** What one fault kind does; each step is optional and runs at its point of the exchange. */
interface FaultBehaviour {
  /** Before routing: a reply answers without routing, 'gone' ends the exchange. */
  before?(rule: FaultOptions, x: FaultedExchange): Promise<Reply | 'gone' | undefined>
  /** After routing: reshape the response body before any gzip. */
  plain?(rule: FaultOptions, body: OutgoingBody, x: FaultedExchange): Promise<OutgoingBody>
  /** After routing: reshape the response body as it goes on the wire (after any gzip). */
  wire?(rule: FaultOptions, body: OutgoingBody, x: FaultedExchange): Promise<OutgoingBody>
  /** Drop the connection once the (reshaped) body was written, instead of ending it. */
  drop?: boolean
}

const FAULTS = {
  /** headers and `afterBytes` body bytes, then the connection is cut */
  reset: {
    wire: (rule, body) =>
      Promise.resolve({ ...body, chunks: firstBytes(body.chunks, rule.afterBytes ?? 0) }),
    drop: true
  },
  /** an error status instead of the route's answer (503 by default), optionally Retry-After */
  status: {
    before: rule => {
      const status = rule.status ?? 503
      const reply: Reply =
        rule.body !== undefined
          ? { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: rule.body }
          : errorReply(
              status,
              rule.status === undefined ? 'Service Unavailable' : `Injected fault ${status}`
            )
      if (rule.retryAfter !== undefined)
        reply.headers = { ...reply.headers, 'Retry-After': String(rule.retryAfter) }
      return Promise.resolve(reply)
    }
  },
  /** nothing at all for `delayMs` (forever without it), then the real answer */
  stall: {
    before: async (rule, x) => {
      await stall(x.res, rule.delayMs)
      return x.res.destroyed || x.closing() ? 'gone' : undefined
    }
  },
  /** the real answer in 64-byte chunks, `delayMs` (default 50) apart */
  slow: {
    wire: (rule, body, x) =>
      Promise.resolve({ ...body, chunks: rechunk(body.chunks, 64, rule.delayMs ?? 50, x.res) })
  },
  /** the body cut after `afterBytes` (default half), sent chunked so it ends cleanly */
  'truncate-gzip': {
    wire: async (rule, body) => {
      const buf = await collect(body.chunks)
      const cut = Math.min(buf.length, rule.afterBytes ?? Math.max(10, Math.floor(buf.length / 2)))
      return { chunks: toBuffers([buf.subarray(0, cut)]), length: undefined }
    }
  },
  /** bytes flipped in the compressed data and in the CRC32 trailer, so inflate must fail */
  'corrupt-gzip': {
    wire: async (_rule, body) => {
      const buf = Buffer.from(await collect(body.chunks))
      const start = Math.min(buf.length, 12)
      for (let i = start; i < buf.length - 8; i += 97) buf[i] = (buf[i] ?? 0) ^ 0xff
      for (let i = Math.max(0, buf.length - 8); i < buf.length - 4; i++)
        buf[i] = (buf[i] ?? 0) ^ 0xa5
      return { chunks: toBuffers([buf]), length: buf.length }
    }
  },
  /** 200 with a JSON body cut short */
  'malformed-json': {
    before: () =>
      Promise.resolve({
        status: 200,
        headers: { 'Content-Type': 'application/json' },
        body: '{"stacks": ['
      })
  },
  /** the real page, but its continuationToken points back at the page just asked for */
  'repeat-token': {
    before: (_rule, x) => {
      // "loop" is our own fake token; serve the first page for it rather than a 400
      if (x.requestToken === 'loop') x.query.delete('continuationToken')
      return Promise.resolve(undefined)
    },
    plain: async (_rule, body, x) => {
      let text = (await collect(body.chunks)).toString('utf8')
      try {
        const v: unknown = JSON.parse(text)
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
          ;(v as Record<string, unknown>)['continuationToken'] = x.requestToken ?? 'loop'
          text = JSON.stringify(v)
        }
      } catch {
        // not JSON: leave the body alone
      }
      return { chunks: toBuffers([text]), length: Buffer.byteLength(text) }
    }
  }
} satisfies Record<string, FaultBehaviour>

export type FaultKind = keyof typeof FAULTS

export type FaultRule = FaultOptions & { kind: FaultKind }

const KINDS = Object.keys(FAULTS) as FaultKind[]

/** The steps of a rule's kind; an exchange without a fault gets none. */
export function faultBehaviour(rule: FaultRule | undefined): FaultBehaviour {
  return rule ? FAULTS[rule.kind] : {}
}

interface ActiveRule {
  rule: FaultRule
  remaining: number
  regex: RegExp
}

// stands in for '**' while the other segments are escaped; cannot survive escaping itself
const GLOBSTAR = '<<globstar>>'

function globToRegExp(glob: string): RegExp {
  const parts = glob.split('/').map(seg => {
    if (seg === '**') return GLOBSTAR
    return seg
      .split('*')
      .map(lit => lit.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')
  })
  let src = parts.join('/')
  // '/**' matches zero or more whole segments
  src = src.split(`/${GLOBSTAR}`).join('(?:/[^/]*)*').split(GLOBSTAR).join('.*')
  return new RegExp(`^${src}$`)
}

/** Validate a rule coming from JSON (control endpoint); throws with a readable message. */
export function parseFaultRule(v: unknown): FaultRule {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error('fault rule must be an object')
  const o = v as Record<string, unknown>
  if (typeof o['path'] !== 'string') throw new Error('fault rule needs a string "path"')
  const kind = o['kind']
  if (typeof kind !== 'string' || !KINDS.includes(kind as FaultKind)) {
    throw new Error(`fault rule "kind" must be one of ${KINDS.join(', ')}`)
  }
  const rule: FaultRule = { path: o['path'], kind: kind as FaultKind }
  if (typeof o['method'] === 'string') rule.method = o['method']
  if (typeof o['query'] === 'string') rule.query = o['query']
  for (const k of ['status', 'retryAfter', 'afterBytes', 'delayMs', 'count'] as const) {
    const x = o[k]
    if (x !== undefined && x !== null) {
      if (typeof x !== 'number') throw new Error(`fault rule "${k}" must be a number`)
      rule[k] = x
    }
  }
  if (typeof o['body'] === 'string') rule.body = o['body']
  return rule
}

export class FaultSet {
  private rules: ActiveRule[] = []

  add(rule: FaultRule): void {
    const count = rule.count ?? 1
    const remaining = count < 0 || !Number.isFinite(count) ? Number.POSITIVE_INFINITY : count
    this.rules.push({ rule, remaining, regex: globToRegExp(rule.path) })
  }

  clear(): void {
    this.rules = []
  }

  /** The first live rule matching this request, consuming one of its uses. */
  take(method: string, path: string, query = ''): FaultRule | undefined {
    for (const r of this.rules) {
      if (r.remaining <= 0) continue
      if (r.rule.method && r.rule.method.toUpperCase() !== method) continue
      if (!r.regex.test(path)) continue
      if (r.rule.query !== undefined && !query.includes(r.rule.query)) continue
      r.remaining--
      return r.rule
    }
    return undefined
  }
}
