// Stacks: listing, get/delete, resource count, state export, tags and transfer.

import { bigStateChunks } from '../generate.js'
import {
  badRequest,
  decodeToken,
  encodeToken,
  HttpError,
  intParam,
  json,
  jsonBody,
  noContent,
  str,
  type Chunk,
  type Ctx,
  type Route
} from '../http.js'
import { stackKey, type ImportedHead, type StackState } from '../state.js'
import type { JsonObject } from '../types.js'
import { audit, requireStack, stackLink } from './common.js'

const BUILT_IN_TAG = /^(pulumi|vcs|gitHub):/
const TAG_NAME = /^[A-Za-z0-9_.:-]{1,40}$/

function summary(s: StackState): JsonObject {
  const o: JsonObject = { id: s.id, orgName: s.org, projectName: s.project, stackName: s.stack }
  if (s.lastUpdate !== undefined) o['lastUpdate'] = s.lastUpdate
  o['resourceCount'] = s.resourceCount
  o['links'] = { self: stackLink(s) }
  return o
}

function matchesFilters(s: StackState, q: URLSearchParams): boolean {
  const org = q.get('organization')
  const project = q.get('project')
  const tagName = q.get('tagName')
  const tagValue = q.get('tagValue')
  if (org && s.org !== org) return false
  if (project && s.project !== project) return false
  if (tagName) {
    const v = s.tags[tagName]
    if (v === undefined) return false
    if (tagValue !== null && tagValue !== '' && v !== tagValue) return false
  }
  return true
}

/**
 * Stored stacks come first (sorted by name), then the synthetic gen-<n> stacks in index
 * order. The continuation token names the position: "l:<last org/project/stack>" or "g:<next index>".
 */
function listStacks(ctx: Ctx) {
  const q = ctx.query
  const max = intParam(ctx, 'maxResults') ?? 100
  if (max < 1) throw badRequest("Invalid 'maxResults' value.")
  if (q.get('tagValue') && !q.get('tagName')) throw badRequest('tagValue requires tagName.')
  let after: { kind: 'l'; key: string } | { kind: 'g'; index: number } | undefined
  const token = q.get('continuationToken')
  if (token) {
    const raw = decodeToken(token)
    if (raw.startsWith('l:')) after = { kind: 'l', key: raw.slice(2) }
    else if (/^g:\d+$/.test(raw)) after = { kind: 'g', index: Number(raw.slice(2)) }
    else throw badRequest('Invalid continuation token')
  }
  const visible = new Set(ctx.principal.orgs)
  const page: StackState[] = []
  let last: string | undefined
  if (!after || after.kind === 'l') {
    const live = ctx.state
      .storedStacks()
      .filter(s => visible.has(s.org) && matchesFilters(s, q))
      .map(s => ({ key: stackKey(s.org, s.project, s.stack), s }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    for (const { key, s } of live) {
      if (after && key <= after.key) continue
      if (page.length === max) return respond(page, `l:${last ?? ''}`)
      page.push(s)
      last = key
    }
  }
  const orgFilter = q.get('organization')
  if (visible.has('acme') && (!orgFilter || orgFilter === 'acme')) {
    const from = after?.kind === 'g' ? after.index : 0
    for (const i of ctx.state.generatedStackIndexes(from)) {
      const s = ctx.state.generatedStackState(i)
      if (!matchesFilters(s, q)) continue
      if (page.length === max) return respond(page, `g:${String(i)}`)
      page.push(s)
    }
  }
  return respond(page, undefined)
}

function respond(page: StackState[], next: string | undefined) {
  const body: JsonObject = { stacks: page.map(summary) }
  if (next !== undefined) body['continuationToken'] = encodeToken(next)
  return json(200, body)
}

function getStack(ctx: Ctx) {
  const s = requireStack(ctx)
  const body: JsonObject = {
    id: s.id,
    orgName: s.org,
    projectName: s.project,
    stackName: s.stack,
    activeUpdate: s.activeUpdate ?? '',
    tags: s.tags,
    version: s.version
  }
  if (s.currentOperation) body['currentOperation'] = { ...s.currentOperation }
  return json(200, body)
}

function deleteStack(ctx: Ctx) {
  const s = requireStack(ctx)
  if (s.currentOperation) throw new HttpError(409, 'Another update is currently in progress.')
  const force = ctx.query.get('force')
  if (force !== null && force !== 'true' && force !== 'false')
    throw badRequest("Invalid 'force' value.")
  if (s.resourceCount > 0 && force !== 'true') {
    throw badRequest('Bad Request: Stack still contains resources.')
  }
  ctx.state.deleteStack(s)
  audit(ctx, s.org, 'Stack Deleted', `Deleted stack "${s.project}/${s.stack}"`, {
    reqStackAdmin: true
  })
  return noContent()
}

function resourceCount(ctx: Ctx) {
  const s = requireStack(ctx)
  return json(200, { resourceCount: s.resourceCount, version: s.version })
}

// ------------------------------------------------------------------ export

/** The head of an imported document, as it came: version, features, deployment's other keys. */
function importedHead(head: ImportedHead): string {
  const top = JSON.stringify({
    version: head.version,
    ...(head.features === undefined ? {} : { features: head.features })
  }).slice(0, -1)
  const inner = JSON.stringify(head.deployment).slice(1, -1)
  return `${top},"deployment":{${inner}${inner === '' ? '' : ','}"resources":[`
}

function deploymentHead(s: StackState): string {
  if (s.importedHead) return importedHead(s.importedHead)
  const head = {
    version: 3,
    deployment: {
      manifest: {
        time: s.manifestTime,
        magic: 'a3f1c1d1b9f0e5d2c7b6a5948372615049382716a5b4c3d2e1f0a9b8c7d6e5f4',
        version: s.cliVersion
      },
      secrets_providers: {
        type: 'service',
        state: { url: 'https://api.pulumi.com', owner: s.org, project: s.project, stack: s.stack }
      }
    }
  }
  return `${JSON.stringify(head).slice(0, -2)},"resources":[`
}

/** A small deployment for a synthetic gen-<n> stack, one resource at a time. */
function* generatedResources(s: StackState): Generator<JsonObject> {
  if (s.resourceCount === 0) return
  const root = `urn:pulumi:${s.stack}::${s.project}::pulumi:pulumi:Stack::${s.project}-${s.stack}`
  yield {
    urn: root,
    custom: false,
    type: 'pulumi:pulumi:Stack',
    outputs: {
      endpoint: `https://${s.stack}.example.com`,
      apiKey: {
        '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270',
        ciphertext: `v1:${Buffer.from(s.id).toString('base64')}`
      }
    }
  }
  for (let i = 1; i < s.resourceCount; i++) {
    yield {
      urn: `urn:pulumi:${s.stack}::${s.project}::random:index/randomPet:RandomPet::pet-${i}`,
      custom: true,
      id: `${s.stack}-pet-${i}`,
      type: 'random:index/randomPet:RandomPet',
      inputs: { length: 2, separator: '-' },
      outputs: { id: `${s.stack}-pet-${i}`, length: 2, separator: '-' },
      parent: root
    }
  }
}

function* exportChunks(s: StackState): Generator<Chunk> {
  if (s.bigStateBytes !== undefined) {
    yield* bigStateChunks(s.bigStateBytes)
    return
  }
  let buf = deploymentHead(s)
  let first = true
  for (const r of s.resources ?? generatedResources(s)) {
    buf += (first ? '' : ',') + JSON.stringify(r)
    first = false
    if (buf.length >= 65536) {
      yield buf
      buf = ''
    }
  }
  yield `${buf}]}}`
}

function exportStack(ctx: Ctx) {
  const s = requireStack(ctx)
  return { status: 200, headers: { 'Content-Type': 'application/json' }, stream: exportChunks(s) }
}

function exportStackAtVersion(ctx: Ctx) {
  const s = requireStack(ctx)
  const raw = ctx.params['version'] ?? ''
  if (!/^\d+$/.test(raw)) throw badRequest("invalid 'version' parameter")
  const v = Number(raw)
  if (v < 1 || v > s.version) {
    throw new HttpError(404, `Stack version '${s.org}/${s.project}/${s.stack}@${raw}' not found`)
  }
  return { status: 200, headers: { 'Content-Type': 'application/json' }, stream: exportChunks(s) }
}

// ------------------------------------------------------------------ tags

function tagBody(ctx: Ctx): { name: string; value: string } {
  const b = jsonBody(ctx)
  const name = str(b, 'name')
  const value = str(b, 'value')
  if (name === undefined || !TAG_NAME.test(name))
    throw badRequest('Invalid tag name or tag already exists.')
  if (value === undefined || value.length > 256) throw badRequest('Invalid tag value.')
  return { name, value }
}

function withoutTag(tags: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => k !== name))
}

function addTag(ctx: Ctx) {
  const s = requireStack(ctx)
  const { name, value } = tagBody(ctx)
  if (s.tags[name] !== undefined) throw badRequest('Invalid tag name or tag already exists.')
  ctx.state.setTags(s, { ...s.tags, [name]: value })
  audit(ctx, s.org, 'Stack Tag Created', `Created tag "${name}" on stack "${s.project}/${s.stack}"`)
  return noContent()
}

function updateTag(ctx: Ctx) {
  const s = requireStack(ctx)
  const current = ctx.params['tag'] ?? ''
  if (s.tags[current] === undefined) throw new HttpError(404, `Tag '${current}' not found`)
  if (BUILT_IN_TAG.test(current)) throw badRequest('built-in tags cannot be updated')
  const { name, value } = tagBody(ctx)
  if (name !== current && s.tags[name] !== undefined)
    throw badRequest('Invalid tag name or tag already exists.')
  ctx.state.setTags(s, { ...withoutTag(s.tags, current), [name]: value })
  audit(
    ctx,
    s.org,
    'Stack Tag Updated',
    `Updated tag "${current}" on stack "${s.project}/${s.stack}"`
  )
  return noContent()
}

function deleteTag(ctx: Ctx) {
  const s = requireStack(ctx)
  const name = ctx.params['tag'] ?? ''
  if (s.tags[name] === undefined) throw new HttpError(404, `Tag '${name}' not found`)
  if (BUILT_IN_TAG.test(name)) throw badRequest('built-in tags cannot be deleted')
  ctx.state.setTags(s, withoutTag(s.tags, name))
  audit(
    ctx,
    s.org,
    'Stack Tag Deleted',
    `Deleted tag "${name}" from stack "${s.project}/${s.stack}"`
  )
  return noContent()
}

// ------------------------------------------------------------------ transfer

function transfer(ctx: Ctx) {
  const s = requireStack(ctx)
  const b = jsonBody(ctx)
  const toOrg = str(b, 'toOrg')
  if (!toOrg) throw badRequest('toOrg is required.')
  const target = ctx.state.org(toOrg)
  if (!target) throw new HttpError(404, `Organization '${toOrg}' not found`)
  if (!ctx.principal.orgs.includes(toOrg)) {
    throw new HttpError(403, `Forbidden: you are not a member of organization '${toOrg}'.`)
  }
  if (s.currentOperation) throw new HttpError(409, 'Another update is currently in progress.')
  if (toOrg === s.org) throw badRequest(`Stack is already in organization '${toOrg}'.`)
  if (ctx.state.getStack(toOrg, s.project, s.stack)) {
    throw new HttpError(409, `Stack '${toOrg}/${s.project}/${s.stack}' already exists`)
  }
  const from = s.org
  ctx.state.transferStack(s, toOrg)
  const desc = `Transferred stack "${s.project}/${s.stack}" from organization "${from}" to "${toOrg}"`
  audit(ctx, from, 'Stack Transferred', desc, { reqStackAdmin: true })
  audit(ctx, toOrg, 'Stack Transferred', desc, { reqStackAdmin: true })
  return noContent()
}

const S = '/api/stacks/:org/:project/:stack'

export const stackRoutes: Route[] = [
  { method: 'GET', pattern: '/api/user/stacks', handler: listStacks },
  { method: 'GET', pattern: S, handler: getStack },
  { method: 'DELETE', pattern: S, handler: deleteStack },
  { method: 'GET', pattern: `${S}/resources/count`, handler: resourceCount },
  { method: 'GET', pattern: `${S}/export`, handler: exportStack },
  { method: 'GET', pattern: `${S}/export/:version`, handler: exportStackAtVersion },
  { method: 'POST', pattern: `${S}/tags`, handler: addTag },
  { method: 'PATCH', pattern: `${S}/tags/:tag`, handler: updateTag },
  { method: 'DELETE', pattern: `${S}/tags/:tag`, handler: deleteTag },
  { method: 'POST', pattern: `${S}/transfer`, handler: transfer }
]
