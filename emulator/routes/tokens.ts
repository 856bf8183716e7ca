// The current user and personal access tokens.

import {
  badRequest,
  decodeToken,
  encodeToken,
  HttpError,
  intParam,
  json,
  jsonBody,
  noContent,
  num,
  str,
  type Ctx,
  type Route
} from '../http.js'
import { newId, newTokenValue, nowSeconds, type TokenState } from '../state.js'
import type { JsonObject } from '../types.js'
import { audit } from './common.js'

function currentUser(ctx: Ctx) {
  const p = ctx.principal
  const u = ctx.state.user(p.login)
  const organizations = p.orgs.map(name => {
    const o = ctx.state.org(name)
    return {
      name: o?.displayName ?? name,
      githubLogin: name,
      avatarUrl: o?.avatarUrl ?? '',
      role: o?.members.get(p.login)?.role ?? (p.token.kind === 'organization' ? 'admin' : 'member')
    }
  })
  const body: JsonObject = {
    id: u?.id ?? `org-${p.login}`,
    githubLogin: p.user.githubLogin,
    name: p.user.name,
    email: u?.email ?? '',
    avatarUrl: p.user.avatarUrl,
    organizations,
    identities: ['github.com'],
    hasMFA: false,
    isOrgManaged: false,
    isManagedByMultiOrg: false,
    siteAdmin: false
  }
  if (p.token.kind !== 'personal') {
    body['tokenInfo'] = {
      name: p.token.name,
      organization: p.token.org ?? '',
      team: p.token.team ?? ''
    }
  }
  return json(200, body)
}

function tokenJson(t: TokenState): JsonObject {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    created: t.created,
    createdBy: t.login,
    lastUsed: t.lastUsed,
    expires: t.expires,
    admin: false,
    type: 'personal'
  }
}

function listTokens(ctx: Ctx) {
  const filter = ctx.query.get('filter') ?? 'active'
  if (!['active', 'expired', 'all'].includes(filter))
    throw badRequest(`Invalid filter '${filter}'.`)
  const max = intParam(ctx, 'maxResults', 'Invalid continuationToken or maxResults value.') ?? 100
  if (max < 1 || max > 1000) throw badRequest('Invalid continuationToken or maxResults value.')
  const token = ctx.query.get('continuationToken')
  let after = ''
  if (token) {
    after = decodeToken(token)
    if (!after.includes('|')) throw badRequest('Invalid continuationToken or maxResults value.')
  }
  const now = nowSeconds()
  const mine = ctx.state
    .allTokens()
    .filter(t => t.listed && t.login === ctx.principal.login)
    .filter(t => {
      const expired = t.expires > 0 && t.expires <= now
      return filter === 'all' || (filter === 'expired') === expired
    })
    // newest first, id as the tie-breaker so the cursor is a total order
    .map(t => ({ t, key: `${t.created}|${t.id}` }))
    .sort((a, b) => (a.key < b.key ? 1 : -1))
  const rest = after ? mine.filter(x => x.key < after) : mine
  const page = rest.slice(0, max)
  const body: JsonObject = { tokens: page.map(x => tokenJson(x.t)) }
  const last = page[page.length - 1]
  if (rest.length > max && last) body['continuationToken'] = encodeToken(last.key)
  return json(200, body)
}

function createToken(ctx: Ctx) {
  const b = jsonBody(ctx)
  const description = str(b, 'description')
  if (description === undefined) throw badRequest('description is required.')
  if (description.length > 1024) throw badRequest('description is too long.')
  const expires = num(b, 'expires') ?? 0
  const now = nowSeconds()
  if (expires < 0 || !Number.isInteger(expires)) throw badRequest('Invalid expires value.')
  if (expires !== 0 && expires <= now) throw badRequest('expires must be in the future.')
  if (expires > now + 2 * 365 * 86400) throw badRequest('expires must be within two years.')
  const name = str(b, 'name') ?? description
  const t: TokenState = {
    id: newId(),
    value: newTokenValue(),
    login: ctx.principal.login,
    name,
    description,
    created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    expires,
    lastUsed: 0,
    kind: 'personal',
    listed: true
  }
  ctx.state.addToken(t)
  for (const org of ctx.principal.orgs)
    audit(ctx, org, 'Access Token Created', `Created access token "${name}"`)
  return json(200, { id: t.id, tokenValue: t.value })
}

function deleteToken(ctx: Ctx) {
  const id = ctx.params['id'] ?? ''
  const t = ctx.state
    .allTokens()
    .find(x => x.id === id && x.listed && x.login === ctx.principal.login)
  if (!t) throw new HttpError(404, `Token '${id}' not found`)
  ctx.state.deleteToken(t)
  for (const org of ctx.principal.orgs)
    audit(ctx, org, 'Access Token Deleted', `Deleted access token "${t.name}"`)
  return noContent()
}

export const tokenRoutes: Route[] = [
  { method: 'GET', pattern: '/api/user', handler: currentUser },
  { method: 'GET', pattern: '/api/user/tokens', handler: listTokens },
  { method: 'POST', pattern: '/api/user/tokens', handler: createToken },
  { method: 'DELETE', pattern: '/api/user/tokens/:id', handler: deleteToken }
]
