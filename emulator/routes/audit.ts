// Audit logs: the paged JSON list and the gzip CSV/CEF export. Both walk the same merged
// sequence (stored + generated events, newest first) without materialising it.

import {
  badRequest,
  decodeToken,
  encodeToken,
  intParam,
  json,
  type Ctx,
  type Route
} from '../http.js'
import type { AuditCursor, AuditEntry, OrgState } from '../state.js'
import type { JsonObject } from '../types.js'
import { requireOrg } from './common.js'

export const AUDIT_PAGE_SIZE = 100

function requireEnterprise(ctx: Ctx): OrgState {
  const org = requireOrg(ctx)
  if (!org.enterprise) {
    throw badRequest(
      'Audit Logs is available only to organizations with an Enterprise subscription.'
    )
  }
  return org
}

interface Query {
  cursor?: AuditCursor
  /** oldest timestamp to include */
  endTime?: number
  user?: string
  event?: string
}

function parseQuery(ctx: Ctx, requireStart: boolean): Query {
  const token = ctx.query.get('continuationToken')
  const startTime = intParam(ctx, 'startTime', 'invalid query params')
  const endTime = intParam(ctx, 'endTime', 'invalid query params')
  const q: Query = {}
  if (token) {
    const m = /^(-?\d+)\.(-?\d+)$/.exec(decodeToken(token))
    if (!m) throw badRequest('invalid query params: bad continuationToken')
    q.cursor = { ts: Number(m[1]), seq: Number(m[2]) }
  } else if (startTime !== undefined) {
    // "entries older than this timestamp"
    q.cursor = { ts: startTime, seq: Number.NEGATIVE_INFINITY }
  } else if (requireStart) {
    throw badRequest('invalid query params: either continuationToken or startTime is required')
  }
  if (endTime !== undefined) q.endTime = endTime
  const user = ctx.query.get('userFilter')
  if (user) q.user = user
  const event = ctx.query.get('eventFilter')
  if (event) q.event = event.toLowerCase()
  return q
}

function* matching(ctx: Ctx, org: string, q: Query): Generator<AuditEntry> {
  for (const e of ctx.state.auditFrom(org, q.cursor)) {
    if (q.endTime !== undefined && e.timestamp < q.endTime) return
    if (q.user && e.login !== q.user) continue
    if (q.event && e.event.toLowerCase() !== q.event) continue
    yield e
  }
}

function eventJson(ctx: Ctx, e: AuditEntry): JsonObject {
  const u = ctx.state.userInfo(e.login)
  const o: JsonObject = {
    timestamp: e.timestamp,
    sourceIP: e.sourceIP,
    event: e.event,
    description: e.description,
    user: { name: u.name, githubLogin: u.githubLogin, avatarUrl: u.avatarUrl },
    reqOrgAdmin: e.reqOrgAdmin ?? false,
    reqStackAdmin: e.reqStackAdmin ?? false,
    authFailure: e.authFailure ?? false
  }
  if (e.tokenID) o['tokenID'] = e.tokenID
  if (e.tokenName) o['tokenName'] = e.tokenName
  return o
}

function listAuditLogs(ctx: Ctx) {
  const org = requireEnterprise(ctx)
  const format = ctx.query.get('format')
  if (format && format !== 'json') throw badRequest("invalid query params: format must be 'json'")
  const q = parseQuery(ctx, true)
  const it = matching(ctx, org.name, q)
  const page: AuditEntry[] = []
  // a manual loop: for-of would close the generator on break and spoil the peek below
  while (page.length < AUDIT_PAGE_SIZE) {
    const r = it.next()
    if (r.done) break
    page.push(r.value)
  }
  const body: JsonObject = { auditLogEvents: page.map(e => eventJson(ctx, e)) }
  const last = page[page.length - 1]
  // only hand out a token when something is left
  if (page.length === AUDIT_PAGE_SIZE && last && !it.next().done) {
    body['continuationToken'] = encodeToken(`${last.timestamp}.${last.seq}`)
  }
  return json(200, body)
}

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v
}

function isoSeconds(ts: number): string {
  return new Date(ts * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const CSV_HEADER =
  'Timestamp,Name,Login,Event,Description,SourceIP,RequireOrgAdmin,RequireStackAdmin,AuthenticationFailure\n'

function cefHeader(v: string): string {
  return v
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
}

function cefExt(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r?\n/g, '\\n')
}

function* exportLines(ctx: Ctx, org: string, q: Query, format: 'csv' | 'cef'): Generator<string> {
  let buf = format === 'csv' ? CSV_HEADER : ''
  for (const e of matching(ctx, org, q)) {
    const u = ctx.state.userInfo(e.login)
    if (format === 'csv') {
      buf +=
        [
          isoSeconds(e.timestamp),
          csvField(u.name),
          csvField(u.githubLogin),
          csvField(e.event),
          csvField(e.description),
          csvField(e.sourceIP),
          String(e.reqOrgAdmin ?? false),
          String(e.reqStackAdmin ?? false),
          String(e.authFailure ?? false)
        ].join(',') + '\n'
    } else {
      const severity = e.authFailure ? 7 : e.reqOrgAdmin ? 5 : 3
      buf +=
        `CEF:0|Pulumi|Pulumi Cloud|1.0|${cefHeader(e.event)}|${cefHeader(e.description)}|${severity}|` +
        `rt=${e.timestamp * 1000} suser=${cefExt(u.githubLogin)} suid=${cefExt(u.name)} src=${cefExt(e.sourceIP)} ` +
        `cs1Label=RequireOrgAdmin cs1=${String(e.reqOrgAdmin ?? false)} ` +
        `cs2Label=RequireStackAdmin cs2=${String(e.reqStackAdmin ?? false)} ` +
        `cs3Label=AuthenticationFailure cs3=${String(e.authFailure ?? false)}\n`
    }
    if (buf.length >= 65536) {
      yield buf
      buf = ''
    }
  }
  yield buf
}

function exportAuditLogs(ctx: Ctx) {
  const org = requireEnterprise(ctx)
  const format = ctx.query.get('format') ?? 'csv'
  if (format !== 'csv' && format !== 'cef')
    throw badRequest("invalid query params: format must be 'csv' or 'cef'")
  const q = parseQuery(ctx, false)
  return {
    status: 200,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    stream: exportLines(ctx, org.name, q, format),
    gzip: true
  }
}

export const auditRoutes: Route[] = [
  { method: 'GET', pattern: '/api/orgs/:org/auditlogs', handler: listAuditLogs },
  { method: 'GET', pattern: '/api/orgs/:org/auditlogs/export', handler: exportAuditLogs }
]
