// OIDC token exchange (RFC 8693) at POST /api/oauth/token. The subject JWT is decoded but
// its signature is not verified: the emulator only checks the claims the service checks
// (issuer trusted by the org, audience, expiry) and answers with OAuth-style errors.

import { json, type Ctx, type Reply, type Route } from '../http.js'
import { newId, newTokenValue, nowSeconds, type TokenKind, type TokenState } from '../state.js'

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const SUBJECT_TYPE = 'urn:ietf:params:oauth:token-type:id_token'
const TOKEN_TYPE_PREFIX = 'urn:pulumi:token-type:access_token:'
const DEFAULT_EXPIRY = 7200
const MAX_EXPIRY = 86400 * 31

function oauthError(status: number, error: string, description: string): Reply {
  return json(status, { error, error_description: description })
}

/** Read the JSON body into a flat string map (numbers such as `expiration` as text). */
function fields(ctx: Ctx): Map<string, string> | undefined {
  let v: unknown
  try {
    v = JSON.parse(ctx.body)
  } catch {
    return undefined
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined
  const out = new Map<string, string>()
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string') out.set(k, x)
    else if (typeof x === 'number') out.set(k, String(x))
  }
  return out
}

function decodeJwtPayload(jwt: string): Record<string, unknown> | undefined {
  const parts = jwt.split('.')
  if (parts.length !== 3 || !parts[1]) return undefined
  try {
    const v: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

function exchange(ctx: Ctx): Reply {
  // The OpenAPI spec gives the request body as application/json only: a form is refused.
  const type = (ctx.req.headers['content-type'] ?? '').toLowerCase()
  if (!type.includes('application/json')) {
    return oauthError(
      400,
      'invalid_request',
      `the request body must be application/json, not ${type || 'untyped'}`
    )
  }
  const f = fields(ctx)
  if (!f) return oauthError(400, 'invalid_request', 'request body could not be parsed')
  const get = (k: string): string => f.get(k) ?? ''
  if (get('grant_type') !== GRANT_TYPE) {
    return oauthError(400, 'invalid_request', `grant_type must be ${GRANT_TYPE}`)
  }
  const audience = get('audience')
  const m = /^urn:pulumi:org:([^:]+)$/.exec(audience)
  if (!m?.[1])
    return oauthError(400, 'invalid_request', 'audience must be urn:pulumi:org:<organization>')
  const org = ctx.state.orgs.get(m[1])
  if (!org) return oauthError(400, 'invalid_request', `organization '${m[1]}' not found`)
  if (get('subject_token_type') !== SUBJECT_TYPE) {
    return oauthError(400, 'invalid_request', `subject_token_type must be ${SUBJECT_TYPE}`)
  }
  const requested = get('requested_token_type')
  const kind = requested.startsWith(TOKEN_TYPE_PREFIX)
    ? requested.slice(TOKEN_TYPE_PREFIX.length)
    : ''
  if (!['organization', 'team', 'personal', 'runner'].includes(kind)) {
    return oauthError(400, 'invalid_request', 'invalid requested_token_type')
  }
  const scope = get('scope')
  let team: string | undefined
  let login = org.name
  if (kind === 'team') {
    team = /^team:(.+)$/.exec(scope)?.[1]
    if (!team || !ctx.state.teams.has(`${org.name}/${team}`)) {
      return oauthError(
        400,
        'invalid_request',
        'team tokens require scope "team:<name>" naming an existing team'
      )
    }
  }
  if (kind === 'personal') {
    const user = /^user:(.+)$/.exec(scope)?.[1]
    if (!user || !org.members.has(user)) {
      return oauthError(
        400,
        'invalid_request',
        'personal tokens require scope "user:<login>" naming an org member'
      )
    }
    login = user
  }
  let expiresIn = DEFAULT_EXPIRY
  const exp = f.get('expiration')
  if (exp !== undefined && exp !== '') {
    if (!/^\d+$/.test(exp) || Number(exp) <= 0 || Number(exp) > MAX_EXPIRY) {
      return oauthError(400, 'invalid_request', 'invalid expiration')
    }
    expiresIn = Number(exp)
  }
  const subject = get('subject_token')
  if (!subject) return oauthError(400, 'invalid_request', 'subject_token is required')
  const claims = decodeJwtPayload(subject)
  if (!claims) return oauthError(400, 'invalid_request', 'subject_token is not a valid JWT')

  const iss = typeof claims['iss'] === 'string' ? claims['iss'] : ''
  if (!org.oidcIssuers.includes(iss)) {
    return oauthError(
      401,
      'unauthorized_client',
      `issuer '${iss}' is not trusted by organization '${org.name}'`
    )
  }
  const aud = claims['aud']
  const audOk =
    typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience)
  if (!audOk) return oauthError(401, 'unauthorized_client', 'subject_token audience does not match')
  const now = nowSeconds()
  if (typeof claims['exp'] === 'number' && claims['exp'] <= now) {
    return oauthError(401, 'unauthorized_client', 'subject_token has expired')
  }

  const token: TokenState = {
    id: newId(),
    value: newTokenValue(),
    login,
    name: `oidc-${kind}-${now}`,
    description: `Issued by OIDC token exchange for ${typeof claims['sub'] === 'string' ? claims['sub'] : iss}`,
    created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    expires: now + expiresIn,
    lastUsed: 0,
    kind: kind as TokenKind,
    org: org.name,
    listed: false
  }
  if (team) token.team = team
  ctx.state.tokens.set(token.value, token)
  ctx.state.recordAudit(
    org.name,
    login,
    ctx.sourceIP,
    'OIDC Token Exchanged',
    `Exchanged an OIDC token from "${iss}" for a ${kind} access token`
  )
  return json(200, {
    access_token: token.value,
    issued_token_type: requested,
    token_type: 'N_A',
    expires_in: expiresIn,
    scope
  })
}

export const oauthRoutes: Route[] = [
  { method: 'POST', pattern: '/api/oauth/token', handler: exchange, auth: false }
]
