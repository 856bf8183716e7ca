// Organization- and stack-level webhooks, their pings and deliveries. Secrets are stored
// but never returned: responses carry hasSecret + secretCiphertext instead.

import {
  badRequest,
  bool,
  HttpError,
  json,
  jsonBody,
  noContent,
  str,
  strArray,
  type Ctx,
  type Route
} from '../http.js'
import { newId, nowSeconds, secretCiphertext, type HookScope, type WebhookState } from '../state.js'
import type { JsonObject, WebhookDelivery } from '../types.js'
import { audit, requireOrg, requireOrgAdmin, requireStack } from './common.js'

const FORMATS = ['raw', 'slack', 'ms_teams', 'pulumi_deployments']

interface Scope extends HookScope {
  label: string
}

function scopeOf(ctx: Ctx): Scope {
  if (ctx.params['stack'] !== undefined) {
    const s = requireStack(ctx)
    return {
      org: s.org,
      project: s.project,
      stack: s.stack,
      label: `stack "${s.project}/${s.stack}"`
    }
  }
  const org = requireOrg(ctx)
  requireOrgAdmin(ctx, org)
  return { org: org.name, label: `organization "${org.name}"` }
}

function hookJson(h: WebhookState): JsonObject {
  const o: JsonObject = {
    organizationName: h.org,
    name: h.name,
    displayName: h.displayName,
    payloadUrl: h.payloadUrl,
    active: h.active,
    format: h.format ?? 'raw',
    filters: h.filters ?? [],
    groups: h.groups ?? []
  }
  if (h.project) o['projectName'] = h.project
  if (h.stack) o['stackName'] = h.stack
  o['hasSecret'] = Boolean(h.secret)
  o['secretCiphertext'] = secretCiphertext(h.secret)
  return o
}

function slug(displayName: string): string {
  const s = displayName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return s || 'webhook'
}

/** Validate a Webhook body against the URL's scope; returns the stored shape. */
function parseHook(ctx: Ctx, scope: Scope, name: string | undefined): WebhookState {
  const b = jsonBody(ctx)
  const organizationName = str(b, 'organizationName')
  const displayName = str(b, 'displayName')
  const payloadUrl = str(b, 'payloadUrl')
  if (organizationName !== scope.org)
    throw badRequest("Organization name from request body doesn't match URL.")
  if (scope.stack !== undefined) {
    const projectName = str(b, 'projectName')
    const stackName = str(b, 'stackName')
    if (
      (projectName !== undefined && projectName !== scope.project) ||
      (stackName !== undefined && stackName !== scope.stack)
    ) {
      throw badRequest("Stack name from request body doesn't match URL.")
    }
  }
  if (!displayName) throw badRequest('displayName is required.')
  if (!payloadUrl || !/^https?:\/\/\S+$/.test(payloadUrl))
    throw badRequest('payloadUrl must be an http(s) URL.')
  const format = str(b, 'format') ?? 'raw'
  if (!FORMATS.includes(format)) throw badRequest(`Invalid webhook format '${format}'.`)
  if (format === 'pulumi_deployments' && scope.stack === undefined) {
    throw badRequest(
      "'pulumi_deployments' format can only be used on stack or environment webhooks."
    )
  }
  const active = bool(b, 'active')
  const h: WebhookState = {
    org: scope.org,
    name: name ?? str(b, 'name') ?? slug(displayName),
    displayName,
    payloadUrl,
    active: active ?? true,
    format,
    filters: strArray(b, 'filters') ?? [],
    groups: strArray(b, 'groups') ?? [],
    deliveries: []
  }
  if (scope.project) h.project = scope.project
  if (scope.stack) h.stack = scope.stack
  const secret = str(b, 'secret')
  if (secret) h.secret = secret
  return h
}

function requireHook(ctx: Ctx, scope: Scope): WebhookState {
  const name = ctx.params['hook'] ?? ''
  const h = ctx.state.hook(scope, name)
  if (!h) throw new HttpError(404, `Webhook '${name}' not found`)
  return h
}

function createHook(ctx: Ctx) {
  const scope = scopeOf(ctx)
  const h = parseHook(ctx, scope, undefined)
  if (ctx.state.hook(scope, h.name)) {
    throw new HttpError(
      409,
      scope.stack
        ? `Webhook with name ${h.name} already exists.`
        : 'Webhook with this name already exists'
    )
  }
  ctx.state.putHook(h)
  audit(ctx, scope.org, 'Webhook Created', `Created webhook "${h.name}" for ${scope.label}`)
  return json(201, hookJson(h))
}

function listHooks(ctx: Ctx) {
  const scope = scopeOf(ctx)
  return json(200, ctx.state.hooks(scope).map(hookJson))
}

function getHook(ctx: Ctx) {
  return json(200, hookJson(requireHook(ctx, scopeOf(ctx))))
}

function updateHook(ctx: Ctx) {
  const scope = scopeOf(ctx)
  const old = requireHook(ctx, scope)
  // PATCH replaces the whole object (the name stays the one in the URL)
  const h = parseHook(ctx, scope, old.name)
  h.deliveries = old.deliveries
  ctx.state.putHook(h)
  audit(ctx, scope.org, 'Webhook Updated', `Updated webhook "${h.name}" for ${scope.label}`)
  return json(200, hookJson(h))
}

function deleteHook(ctx: Ctx) {
  const scope = scopeOf(ctx)
  const h = requireHook(ctx, scope)
  ctx.state.deleteHook(h)
  audit(ctx, scope.org, 'Webhook Deleted', `Deleted webhook "${h.name}" for ${scope.label}`)
  return noContent()
}

function pingHook(ctx: Ctx) {
  const scope = scopeOf(ctx)
  const h = requireHook(ctx, scope)
  const id = newId()
  const timestamp = nowSeconds()
  const d: WebhookDelivery = {
    id,
    kind: 'ping',
    payload: JSON.stringify({ timestamp, message: '🍹 Just a friendly ping from Pulumi 🍹' }),
    timestamp,
    duration: 120 + (timestamp % 80),
    requestUrl: h.payloadUrl,
    requestHeaders: `Content-Type: application/json\r\nPulumi-Webhook-Id: ${id}\r\nPulumi-Webhook-Kind: ping\r\n`,
    responseCode: 200,
    responseHeaders: 'Content-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n',
    responseBody: 'OK'
  }
  ctx.state.recordDelivery(h, d)
  return json(200, d)
}

function deliveries(ctx: Ctx) {
  const h = requireHook(ctx, scopeOf(ctx))
  return json(200, h.deliveries)
}

function routesFor(base: string): Route[] {
  return [
    { method: 'GET', pattern: `${base}/hooks`, handler: listHooks },
    { method: 'POST', pattern: `${base}/hooks`, handler: createHook },
    { method: 'GET', pattern: `${base}/hooks/:hook`, handler: getHook },
    { method: 'PATCH', pattern: `${base}/hooks/:hook`, handler: updateHook },
    { method: 'DELETE', pattern: `${base}/hooks/:hook`, handler: deleteHook },
    { method: 'POST', pattern: `${base}/hooks/:hook/ping`, handler: pingHook },
    { method: 'GET', pattern: `${base}/hooks/:hook/deliveries`, handler: deliveries }
  ]
}

export const webhookRoutes: Route[] = [
  ...routesFor('/api/orgs/:org'),
  ...routesFor('/api/stacks/:org/:project/:stack')
]
