// Update history, update status, engine events (updates and previews) and preview lists.

import { bigUpdateEvent } from '../generate.js'
import { badRequest, boolParam, HttpError, intParam, json, type Ctx, type Route } from '../http.js'
import type { StackState, UpdateState } from '../state.js'
import type { JsonObject } from '../types.js'
import { requireStack } from './common.js'

/** Engine events per page of …/update/{id}/events. */
export const EVENTS_PAGE_SIZE = 1000

function isPreview(u: UpdateState): boolean {
  return u.kind.startsWith('P') || u.kind === 'preview'
}

function appUpdateInfo(u: UpdateState): JsonObject {
  const info: JsonObject = {
    kind: u.kind,
    startTime: u.startTime,
    message: u.message,
    environment: u.environment,
    config: { ...u.config },
    result: u.result,
    endTime: u.endTime ?? 0,
    version: u.version,
    resourceChanges: u.resourceChanges
  }
  if (u.resourceCount !== undefined) info['resourceCount'] = u.resourceCount
  return info
}

export function updateInfo(ctx: Ctx, s: StackState, u: UpdateState): JsonObject {
  const o: JsonObject = { info: appUpdateInfo(u), updateID: u.updateID }
  if (u.githubCommitInfo) o['githubCommitInfo'] = u.githubCommitInfo
  o['version'] = u.version
  o['latestVersion'] = s.version
  o['requestedBy'] = { ...ctx.state.userInfo(u.requestedBy) }
  if (u.policyPacks) o['policyPacks'] = u.policyPacks
  return o
}

function pageOf<T>(items: T[], page: number, pageSize: number): T[] {
  return page === 0 ? items : items.slice((page - 1) * pageSize, page * pageSize)
}

function listUpdates(ctx: Ctx) {
  const s = requireStack(ctx)
  const updates = s.updates
    .filter(u => !isPreview(u))
    .sort((a, b) => b.version - a.version || b.startTime - a.startTime)
  const outputType = ctx.query.get('output-type')
  const page = intParam(ctx, 'page', "Invalid 'page' value.") ?? 0
  const pageSize = intParam(ctx, 'pageSize', "Invalid 'pageSize' value.") ?? 10
  if (page < 0) throw badRequest("Invalid 'page' value.")
  if (pageSize < 0) throw badRequest("Invalid 'pageSize' value.")
  if (!outputType) {
    // legacy "cli" shape: flat UpdateInfo objects, no updateID
    return json(200, { updates: pageOf(updates, page, pageSize).map(appUpdateInfo) })
  }
  return json(200, {
    updates: pageOf(updates, page, pageSize).map(u => updateInfo(ctx, s, u)),
    itemsPerPage: pageSize,
    total: updates.length
  })
}

function listPreviews(ctx: Ctx) {
  const s = requireStack(ctx)
  const asc = boolParam(ctx, 'asc') ?? false
  const page = intParam(ctx, 'page', "Invalid 'page' value. Must be >= 0.") ?? 0
  const pageSize = intParam(ctx, 'pageSize', "Invalid 'pageSize' value. Must be >= 1.") ?? 10
  if (page < 0) throw badRequest("Invalid 'page' value. Must be >= 0.")
  if (page > 0 && pageSize < 1) throw badRequest("Invalid 'pageSize' value. Must be >= 1.")
  const previews = s.updates
    .filter(isPreview)
    .sort((a, b) => (asc ? a.startTime - b.startTime : b.startTime - a.startTime))
  return json(200, {
    updates: pageOf(previews, page, pageSize).map(u => updateInfo(ctx, s, u)),
    itemsPerPage: pageSize,
    total: previews.length
  })
}

export function requireUpdate(ctx: Ctx, s: StackState): UpdateState {
  const id = ctx.params['update'] ?? ''
  const u = s.updates.find(x => x.updateID === id)
  if (!u) throw new HttpError(404, `Update '${id}' not found`)
  return u
}

const STATUS: Record<string, string> = {
  'not-started': 'not started',
  'in-progress': 'running',
  succeeded: 'succeeded',
  failed: 'failed'
}

function updateStatus(ctx: Ctx) {
  const s = requireStack(ctx)
  const u = requireUpdate(ctx, s)
  const token = ctx.query.get('continuationToken')
  if (token !== null && !/^\d*$/.test(token)) throw badRequest('invalid query parameter')
  const status = u.cancelled === true ? 'cancelled' : (STATUS[u.result] ?? u.result)
  const body: JsonObject = { status, events: [] }
  if (u.result === 'in-progress') body['continuationToken'] = token ?? '0'
  return json(200, body)
}

function eventUrn(e: JsonObject): string | undefined {
  for (const v of Object.values(e)) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) continue
    const md = v['metadata']
    if (
      typeof md === 'object' &&
      md !== null &&
      !Array.isArray(md) &&
      typeof md['urn'] === 'string'
    )
      return md['urn']
    if (typeof v['urn'] === 'string') return v['urn']
    if (typeof v['resourceUrn'] === 'string') return v['resourceUrn']
  }
  return undefined
}

/** Engine events, EVENTS_PAGE_SIZE per page; the token is the index of the next event. */
function engineEvents(ctx: Ctx) {
  const s = requireStack(ctx)
  const u = requireUpdate(ctx, s)
  const token = ctx.query.get('continuationToken')
  let start = 0
  if (token !== null && token !== '') {
    if (!/^\d+$/.test(token)) throw badRequest('Invalid continuation token.')
    start = Number(token)
  }
  const urn = ctx.query.get('urn')
  const total = u.generatedEvents ?? u.events.length
  const at = (i: number): JsonObject =>
    u.generatedEvents !== undefined ? bigUpdateEvent(i, total) : (u.events[i] ?? {})
  const events: JsonObject[] = []
  let i = start
  for (; i < total && events.length < EVENTS_PAGE_SIZE; i++) {
    const e = at(i)
    if (urn && eventUrn(e) !== urn) continue
    events.push(e)
  }
  // A running update may still produce events, so it always hands back a token to poll with.
  const next = i < total || u.result === 'in-progress' ? String(i) : null
  return json(200, { events, continuationToken: next })
}

const S = '/api/stacks/:org/:project/:stack'

export const updateRoutes: Route[] = [
  { method: 'GET', pattern: `${S}/updates`, handler: listUpdates },
  { method: 'GET', pattern: `${S}/updates/latest/previews`, handler: listPreviews },
  { method: 'GET', pattern: `${S}/update/:update`, handler: updateStatus },
  { method: 'GET', pattern: `${S}/update/:update/events`, handler: engineEvents },
  // previews are also reachable under /preview/{id}, as the CLI uses for `pulumi preview`
  { method: 'GET', pattern: `${S}/preview/:update`, handler: updateStatus },
  { method: 'GET', pattern: `${S}/preview/:update/events`, handler: engineEvents },
  { method: 'GET', pattern: `${S}/refresh/:update`, handler: updateStatus },
  { method: 'GET', pattern: `${S}/refresh/:update/events`, handler: engineEvents },
  { method: 'GET', pattern: `${S}/destroy/:update`, handler: updateStatus },
  { method: 'GET', pattern: `${S}/destroy/:update/events`, handler: engineEvents }
]
