// Request context, reply values and small helpers shared by every route module.
// Handlers return a Reply instead of writing to the socket, so the server can apply
// faults (resets, slow streams, corrupted gzip…) to any response uniformly.

import type { IncomingMessage } from 'node:http'
import type { EmulatorState, Principal } from './state.js'
import type { JsonObject, JsonValue } from './types.js'

export type Chunk = string | Buffer

export interface Reply {
  status: number
  headers?: Record<string, string>
  /** a complete body */
  body?: Chunk
  /** or a streamed one; pulled lazily so backpressure reaches the generator */
  stream?: AsyncIterable<Chunk> | Iterable<Chunk>
  /** gzip the body on the way out (Content-Encoding: gzip) */
  gzip?: boolean
}

export interface Ctx {
  req: IncomingMessage
  method: string
  path: string
  query: URLSearchParams
  params: Record<string, string>
  body: string
  state: EmulatorState
  /** set for authenticated routes */
  principal: Principal
  sourceIP: string
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>

export interface Route {
  method: string
  pattern: string
  handler: Handler
  /** default true */
  auth?: boolean
}

/** Thrown by handlers; turned into a JSON {code,message} reply. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

export function json(status: number, value: unknown): Reply {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) }
}

export function noContent(): Reply {
  return { status: 204 }
}

export function errorReply(status: number, message: string): Reply {
  return json(status, { code: status, message })
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, message)
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Parse the request body as a JSON object or fail with 400 like the service does. */
export function jsonBody(ctx: Ctx): JsonObject {
  if (ctx.body.trim() === '') throw badRequest('Request body is empty.')
  let v: unknown
  try {
    v = JSON.parse(ctx.body)
  } catch {
    throw badRequest('Unable to parse request body as JSON.')
  }
  if (!isObject(v)) throw badRequest('Request body must be a JSON object.')
  return v
}

export function str(o: JsonObject, key: string): string | undefined {
  const v = o[key]
  return typeof v === 'string' ? v : undefined
}

export function num(o: JsonObject, key: string): number | undefined {
  const v = o[key]
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

export function bool(o: JsonObject, key: string): boolean | undefined {
  const v = o[key]
  return typeof v === 'boolean' ? v : undefined
}

export function strArray(o: JsonObject, key: string): string[] | undefined {
  const v: JsonValue | undefined = o[key]
  if (!Array.isArray(v)) return undefined
  return v.filter((x): x is string => typeof x === 'string')
}

/** Parse an integer query parameter; undefined when absent, 400 when malformed. */
export function intParam(ctx: Ctx, name: string, message?: string): number | undefined {
  const raw = ctx.query.get(name)
  if (raw === null || raw === '') return undefined
  if (!/^-?\d+$/.test(raw)) throw badRequest(message ?? `Invalid '${name}' value.`)
  return Number(raw)
}

export function boolParam(ctx: Ctx, name: string): boolean | undefined {
  const raw = ctx.query.get(name)
  if (raw === null || raw === '') return undefined
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw badRequest(`Invalid '${name}' value.`)
}

export function encodeToken(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url')
}

export function decodeToken(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8')
}
