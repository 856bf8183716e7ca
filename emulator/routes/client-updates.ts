// Updates a client runs, as the Pulumi CLI does (pulumi/pulumi pkg/backend/httpstate/client):
// create (POST …/{kind} with UpdateProgramRequest, its metadata.environment recorded as the
// update's environment), start (POST …/{kind}/{id}: version and lease token), engine events
// (POST …/{kind}/{id}/events/batch) and complete (POST …/{kind}/{id}/complete). The last two
// are authorised by the lease token (`Authorization: update-token <token>`), as on the service.
// Checkpoints, logs and lease renewal are not emulated: nothing the action does reads them.

import {
  badRequest,
  HttpError,
  isObject,
  json,
  jsonBody,
  noContent,
  str,
  type Ctx,
  type Route
} from '../http.js'
import { isPreviewKind } from '../operations.js'
import type { StackState, UpdateState } from '../state.js'
import type { ConfigValue, UpdateKind } from '../types.js'
import { requireStack } from './common.js'
import { kindPath } from './deployments.js'
import { requireUpdate } from './updates.js'

const S = '/api/stacks/:org/:project/:stack'
const KINDS = ['update', 'preview', 'refresh', 'destroy'] as const
/** How long a lease token lasts before the client must renew it (the CLI renews early). */
const LEASE_SECONDS = 300

function stringMap(value: unknown, field: string): Record<string, string> {
  if (!isObject(value)) throw badRequest(`${field} must be an object`)
  for (const [key, v] of Object.entries(value))
    if (typeof v !== 'string') throw badRequest(`${field}['${key}'] must be a string`)
  return value as Record<string, string>
}

function busy(s: StackState, kind: string): void {
  if (!isPreviewKind(kind) && s.currentOperation)
    throw new HttpError(409, 'Another update is currently in progress.')
}

function createUpdate(kind: UpdateKind) {
  return (ctx: Ctx) => {
    const s = requireStack(ctx)
    const body = jsonBody(ctx)
    const metadata = body['metadata']
    if (!isObject(metadata)) throw badRequest("Missing top level required field 'metadata'")
    const environment = stringMap(metadata['environment'] ?? {}, 'metadata.environment')
    const config = body['config'] ?? {}
    if (!isObject(config)) throw badRequest('config must be an object')
    // No busy check here: the spec answers create (CreateUpdateFor*) with 200 only; a stack
    // another update holds is a 409 at start (StartUpdateFor*), as the service does.
    const update = ctx.state.createClientUpdate(s, kind, {
      login: ctx.principal.login,
      message: str(metadata, 'message') ?? '',
      environment,
      config: config as unknown as Record<string, ConfigValue>
    })
    return json(200, { updateID: update.updateID, requiredPolicies: [], messages: [] })
  }
}

/** The update in the path, reached through the path of its own kind only. */
function pathUpdate(ctx: Ctx, s: StackState, pathKind: string): UpdateState {
  const u = requireUpdate(ctx, s)
  if (kindPath(u.kind) !== pathKind) throw new HttpError(404, `Update '${u.updateID}' not found`)
  return u
}

function startUpdate(pathKind: string) {
  return (ctx: Ctx) => {
    const s = requireStack(ctx)
    const u = pathUpdate(ctx, s, pathKind)
    const body = ctx.body.trim() === '' ? {} : jsonBody(ctx)
    const tags = body['tags'] === undefined ? undefined : stringMap(body['tags'], 'tags')
    if (u.result !== 'not-started') throw new HttpError(409, 'The Update has already started')
    busy(s, u.kind)
    if (tags !== undefined) ctx.state.setTags(s, tags)
    const stack = ctx.state.getStack(s.org, s.project, s.stack) ?? s
    const token = ctx.state.startClientUpdate(stack, u)
    return json(200, {
      version: u.version,
      token,
      tokenExpiration: Math.floor(Date.now() / 1000) + LEASE_SECONDS,
      journalVersion: 0
    })
  }
}

/**
 * The stack and update of a lease-token request: the token must be the update's. These
 * routes skip the access-token check, so the stack is looked up without a principal.
 */
function leasedUpdate(ctx: Ctx, pathKind: string): { s: StackState; u: UpdateState } {
  const { org = '', project = '', stack = '' } = ctx.params
  const s = ctx.state.getStack(org, project, stack)
  const u = s?.updates.find(x => x.updateID === ctx.params['update'])
  const token = /^update-token\s+(\S+)\s*$/i.exec(ctx.req.headers.authorization ?? '')?.[1]
  if (!s || !u || u.leaseToken === undefined || token !== u.leaseToken)
    throw new HttpError(401, 'Unauthorized: No credentials provided or are invalid.')
  if (kindPath(u.kind) !== pathKind) throw new HttpError(404, `Update '${u.updateID}' not found`)
  return { s, u }
}

function recordEvents(pathKind: string) {
  return (ctx: Ctx) => {
    const { u } = leasedUpdate(ctx, pathKind)
    const events = jsonBody(ctx)['events']
    if (!Array.isArray(events) || events.length === 0) throw badRequest('No events provided.')
    if (!events.every(isObject)) throw badRequest('events must be objects')
    if (u.result !== 'in-progress') throw new HttpError(409, 'The Update has already completed')
    ctx.state.recordClientEvents(u, events)
    return json(200, {})
  }
}

const FINAL = new Set(['succeeded', 'failed', 'cancelled'])

function completeUpdate(pathKind: string) {
  return (ctx: Ctx) => {
    const { s, u } = leasedUpdate(ctx, pathKind)
    const status = str(jsonBody(ctx), 'status')
    if (status === undefined || !FINAL.has(status)) throw badRequest('unrecognized status')
    if (u.result !== 'in-progress')
      throw new HttpError(
        409,
        u.result === 'not-started'
          ? 'The Update has not started'
          : 'The Update has already completed'
      )
    ctx.state.completeClientUpdate(s, u, status as 'succeeded' | 'failed' | 'cancelled')
    return noContent()
  }
}

export const clientUpdateRoutes: Route[] = KINDS.flatMap(kind => [
  { method: 'POST', pattern: `${S}/${kind}`, handler: createUpdate(kind) },
  { method: 'POST', pattern: `${S}/${kind}/:update`, handler: startUpdate(kind) },
  {
    method: 'POST',
    pattern: `${S}/${kind}/:update/events/batch`,
    handler: recordEvents(kind),
    auth: false
  },
  {
    method: 'POST',
    pattern: `${S}/${kind}/:update/complete`,
    handler: completeUpdate(kind),
    auth: false
  }
])
