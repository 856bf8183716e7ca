// Pulumi Deployments (create, read, logs, updates, cancel), update cancellation and stack
// import: the operations that make something happen to a stack, after the OpenAPI spec.

import {
  badRequest,
  bool,
  HttpError,
  intParam,
  isObject,
  json,
  jsonBody,
  noContent,
  num,
  str,
  type Ctx,
  type Route
} from '../http.js'
import {
  DEPLOYMENT_OPERATIONS,
  STEPS,
  deploymentLog,
  isPreviewKind,
  type DeploymentOperation,
  type DeploymentState,
  type LogLine
} from '../operations.js'
import { stackKey, type StackState } from '../state.js'
import type { JsonObject, JsonValue } from '../types.js'
import { audit, requireStack, stackLink } from './common.js'
import { requireUpdate, updateInfo } from './updates.js'

const S = '/api/stacks/:org/:project/:stack'

// ------------------------------------------------------------------ deployments

function createDeployment(ctx: Ctx) {
  const s = requireStack(ctx)
  const body = jsonBody(ctx)
  const operation = str(body, 'operation')
  if (operation === undefined) throw badRequest("Missing top level required field 'operation'")
  if (!(DEPLOYMENT_OPERATIONS as readonly string[]).includes(operation))
    throw badRequest(`Invalid operation '${operation}'`)
  const operationContext = body['operationContext']
  if (isObject(operationContext) && operationContext['operation'] !== undefined)
    throw badRequest("'operation' must only be set at the top level")
  const variables: { name: string; secret: boolean }[] = []
  if (isObject(operationContext) && operationContext['environmentVariables'] !== undefined) {
    const env = operationContext['environmentVariables']
    if (!isObject(env)) throw badRequest('environmentVariables must be an object')
    for (const [name, value] of Object.entries(env)) {
      // SecretValue: {secret: string} required, {plaintext} for a plain value
      if (!isObject(value) || typeof value['secret'] !== 'string')
        throw badRequest(`environment variable '${name}' must be a SecretValue`)
      variables.push({ name, secret: true })
    }
  }
  const source = isObject(body['sourceContext']) ? body['sourceContext'] : {}
  const git = source['git']
  if (isObject(git) && git['branch'] !== undefined && git['commit'] !== undefined)
    throw badRequest('branch and commit are mutually exclusive')
  const d = ctx.state.createDeployment(s, {
    operation: operation as DeploymentOperation,
    login: ctx.principal.login,
    inheritSettings: bool(body, 'inheritSettings') ?? true,
    source,
    environmentVariables: variables
  })
  audit(ctx, s.org, 'Deployment Created', `Created deployment for stack "${s.project}/${s.stack}"`)
  return json(202, { id: d.id, consoleUrl: consoleUrl(s, d), version: d.version })
}

function consoleUrl(s: StackState, d: DeploymentState): string {
  return `${stackLink(s)}/deployments/${d.version}`
}

function requireDeployment(ctx: Ctx, s: StackState): DeploymentState {
  const id = ctx.params['deployment'] ?? ''
  const d = ctx.state.deployment(id)
  if (!d || d.stackKey !== stackKey(s.org, s.project, s.stack))
    throw new HttpError(404, `Deployment '${id}' not found`)
  return d
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

/** Step statuses follow the log: a step runs from its first line until the next step's. */
function steps(d: DeploymentState, lines: LogLine[], now: number): JsonObject[] {
  const started = d.startedAt
  return STEPS.map((name, index) => {
    const first = lines.find(l => l.step === index)
    const next = lines.find(l => l.step === index + 1)
    const step: JsonObject = { name, status: 'not-started' }
    if (started === undefined || first === undefined) return step
    const elapsed = (d.status === 'running' ? now : d.modified) - started
    if (elapsed < first.at) {
      if (d.status !== 'running') step['status'] = 'not-started'
      return step
    }
    step['started'] = iso(started + first.at)
    const ended = next === undefined ? d.status !== 'running' : elapsed >= next.at
    step['status'] = !ended
      ? d.status === 'running'
        ? 'running'
        : 'failed'
      : next === undefined
        ? d.status === 'succeeded'
          ? 'succeeded'
          : 'failed'
        : 'succeeded'
    step['lastUpdated'] = iso(d.modified)
    return step
  })
}

function getDeployment(ctx: Ctx) {
  const s = requireStack(ctx)
  const d = requireDeployment(ctx, s)
  const now = Date.now()
  const body: JsonObject = {
    id: d.id,
    created: iso(d.created),
    modified: iso(d.modified),
    status: d.status,
    version: d.version,
    latestVersion: ctx.state.deploymentCount(d.stackKey),
    requestedBy: { ...ctx.state.userInfo(d.requestedBy) },
    pulumiOperation: d.operation,
    initiator: 'api',
    configuration: {
      environmentVariables: d.environmentVariables.map(v => ({ name: v.name, secret: v.secret })),
      source: d.source
    }
  }
  if (d.startedAt !== undefined) {
    body['jobs'] = [
      {
        status: d.status,
        started: iso(d.startedAt),
        lastUpdated: iso(d.modified),
        steps: steps(d, deploymentLog(d, s), now)
      }
    ]
  }
  return json(200, body)
}

/** Lines written so far: all of them once the run has ended. */
function visibleLines(d: DeploymentState, s: StackState): LogLine[] {
  if (d.startedAt === undefined) return []
  const lines = deploymentLog(d, s)
  if (d.status !== 'running') {
    if (!d.cancelled) return lines
    const elapsed = d.modified - d.startedAt
    return [
      ...lines.filter(l => l.at <= elapsed),
      { at: elapsed, step: 2, line: 'Deployment was cancelled.' }
    ]
  }
  const elapsed = Date.now() - d.startedAt
  return lines.filter(l => l.at <= elapsed)
}

function logLine(d: DeploymentState, l: LogLine): JsonObject {
  const o: JsonObject = {}
  if (l.header !== undefined) o['header'] = l.header
  o['timestamp'] = iso((d.startedAt ?? d.created) + l.at)
  o['line'] = l.line
  return o
}

/**
 * Streaming mode: the token is the index of the next line; `nextToken` is left out only when
 * the run has ended and every line was handed out. Step mode: job/step/offset/count.
 */
function deploymentLogs(ctx: Ctx) {
  const s = requireStack(ctx)
  const d = requireDeployment(ctx, s)
  const count = intParam(ctx, 'count') ?? 100
  if (count < 1 || count > 499) throw badRequest('Count must be less than 500 and more than 0')
  const lines = visibleLines(d, s)
  const job = intParam(ctx, 'job')
  const step = intParam(ctx, 'step')
  if (job !== undefined || step !== undefined) {
    if (job !== 0 || step === undefined || step < 0 || step >= STEPS.length)
      throw new HttpError(404, 'Run not found')
    const offset = intParam(ctx, 'offset') ?? 0
    const ofStep = lines.filter(l => l.step === step)
    const page = ofStep.slice(offset, offset + count)
    const body: JsonObject = {
      __type: 'DeploymentLogsStep',
      name: STEPS[step] ?? '',
      lines: page.map(l => ({ timestamp: iso((d.startedAt ?? d.created) + l.at), line: l.line }))
    }
    const more = offset + page.length < ofStep.length || d.status === 'running'
    if (more) body['nextOffset'] = offset + page.length
    return json(200, body)
  }
  const token = ctx.query.get('continuationToken')
  let start = 0
  if (token !== null && token !== '') {
    if (!/^\d+$/.test(token)) throw badRequest('Invalid continuation token.')
    start = Number(token)
  }
  const page = lines.slice(start, start + count)
  const body: JsonObject = { __type: 'DeploymentLogs', lines: page.map(l => logLine(d, l)) }
  const ended = d.status !== 'running' && d.status !== 'not-started' && d.status !== 'accepted'
  const next = start + page.length
  if (!ended || next < lines.length) body['nextToken'] = String(next)
  return json(200, body)
}

function deploymentUpdates(ctx: Ctx) {
  const s = requireStack(ctx)
  const d = requireDeployment(ctx, s)
  const updates = s.updates.filter(u => u.updateID === d.updateId)
  return json(
    200,
    updates.map(u => updateInfo(ctx, s, u))
  )
}

function cancelDeployment(ctx: Ctx) {
  const s = requireStack(ctx)
  const d = requireDeployment(ctx, s)
  ctx.state.cancelDeployment(s, d)
  audit(ctx, s.org, 'Deployment Cancelled', `Cancelled deployment for "${s.project}/${s.stack}"`)
  return { status: 200 }
}

// ------------------------------------------------------------------ update cancellation

export function kindPath(kind: string): string {
  if (isPreviewKind(kind)) return 'preview'
  if (kind === 'refresh' || kind === 'destroy') return kind
  return 'update'
}

/** POST …/{kind}/{id}/cancel: the kind in the path must be the update's (else 404). */
function cancelUpdate(pathKind: string) {
  return (ctx: Ctx) => {
    const s = requireStack(ctx)
    const u = requireUpdate(ctx, s)
    if (kindPath(u.kind) !== pathKind) throw new HttpError(404, `Update '${u.updateID}' not found`)
    if (!ctx.state.cancelUpdate(s, u)) throw new HttpError(409, 'The Update has not started')
    audit(ctx, s.org, 'Update Cancelled', `Cancelled update of "${s.project}/${s.stack}"`)
    return noContent()
  }
}

// ------------------------------------------------------------------ import

function secretsOwner(deployment: JsonObject): string | undefined {
  const provider = deployment['secrets_providers']
  if (!isObject(provider) || provider['type'] !== 'service') return undefined
  const state = provider['state']
  if (!isObject(state)) return undefined
  const parts = [str(state, 'owner'), str(state, 'project'), str(state, 'stack')]
  return parts.every(p => p !== undefined) ? parts.join('/') : undefined
}

/** The deployment schema versions the service reads (apitype.DeploymentSchemaVersionLatest). */
const LATEST_DEPLOYMENT_VERSION = 4

/**
 * POST …/import (ImportStack): `{version, features?, deployment}` as `…/export` returns it.
 * 200 `{updateId}`; the update (kind `import`) runs as the stack's current operation and, when
 * it succeeds, the stack's state is the imported deployment (a following export returns it).
 */
function importStack(ctx: Ctx) {
  const s = requireStack(ctx)
  const body = jsonBody(ctx)
  const version = num(body, 'version')
  if (version === undefined || !Number.isInteger(version) || version < 1)
    throw badRequest('Invalid deployment version.')
  if (version > LATEST_DEPLOYMENT_VERSION)
    throw badRequest(`unsupported deployment version ${String(version)}`)
  const features: JsonValue | undefined = body['features']
  if (
    features !== undefined &&
    (!Array.isArray(features) || !features.every(f => typeof f === 'string'))
  )
    throw badRequest('features must be an array of strings')
  const deployment = body['deployment']
  if (!isObject(deployment)) throw badRequest('deployment must be an object')
  const resources: JsonValue = deployment['resources'] ?? []
  if (!Array.isArray(resources) || !resources.every(isObject))
    throw badRequest('deployment.resources must be an array of objects')
  const owner = secretsOwner(deployment)
  if (owner !== undefined && owner !== stackKey(s.org, s.project, s.stack))
    throw badRequest('cannot import deployment with encrypted secrets from a different stack')
  if (s.currentOperation) throw new HttpError(409, 'Another update is currently in progress.')
  const manifest = deployment['manifest']
  const script = ctx.state.importScript
  const update = ctx.state.startUpdate(s, 'import', {
    login: ctx.principal.login,
    durationMs: script.durationMs ?? ctx.state.timing.updateMs,
    result: script.result,
    message: 'Imported state',
    events: [],
    onSuccess: stack => {
      stack.resources = resources
      stack.resourceCount = resources.length
      if (isObject(manifest) && typeof manifest['time'] === 'string')
        stack.manifestTime = manifest['time']
      stack.bigStateBytes = undefined
      stack.importedHead = {
        version,
        ...(features === undefined ? {} : { features }),
        deployment: Object.fromEntries(
          Object.entries(deployment).filter(([key]) => key !== 'resources')
        )
      }
    }
  })
  audit(ctx, s.org, 'Stack Imported', `Imported state into stack "${s.project}/${s.stack}"`)
  return json(200, { updateId: update.updateID })
}

export const deploymentRoutes: Route[] = [
  { method: 'POST', pattern: `${S}/deployments`, handler: createDeployment },
  { method: 'GET', pattern: `${S}/deployments/:deployment`, handler: getDeployment },
  { method: 'GET', pattern: `${S}/deployments/:deployment/logs`, handler: deploymentLogs },
  { method: 'GET', pattern: `${S}/deployments/:deployment/updates`, handler: deploymentUpdates },
  { method: 'POST', pattern: `${S}/deployments/:deployment/cancel`, handler: cancelDeployment }
]

export const operationRoutes: Route[] = [
  ...['update', 'preview', 'refresh', 'destroy'].map(kind => ({
    method: 'POST',
    pattern: `${S}/${kind}/:update/cancel`,
    handler: cancelUpdate(kind)
  })),
  { method: 'POST', pattern: `${S}/import`, handler: importStack }
]
