// OIDC token exchange (RFC 8693) at POST /api/oauth/token. The subject JWT is decoded but
// its signature is not verified: the emulator only checks the claims the service checks
// (issuer trusted by the org, audience, expiry) and answers with OAuth-style errors.

import { json, type Ctx, type Reply, type Route } from '../http.js'
import {
  newId,
  newTokenValue,
  nowSeconds,
  type OrgState,
  type TokenKind,
  type TokenState
} from '../state.js'

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

/** A refusal: the OAuth error reply to send. */
class Refused extends Error {
  constructor(readonly reply: Reply) {
    super(reply.status.toString())
  }
}

function refuse(status: number, error: string, description: string): never {
  throw new Refused(oauthError(status, error, description))
}

interface Exchange {
  org: OrgState
  kind: TokenKind
  requested: string
  scope: string
  /** the token's owner: the org for org/runner tokens, the member for personal tokens */
  login: string
  team?: string
  expiresIn: number
  subject: string
}

/** Read and check the request's fields, before looking at the subject token. */
function readExchange(ctx: Ctx): Exchange {
  // The OpenAPI spec gives the request body as application/json only: a form is refused.
  const type = (ctx.req.headers['content-type'] ?? '').toLowerCase()
  if (!type.includes('application/json')) {
    refuse(
      400,
      'invalid_request',
      `the request body must be application/json, not ${type || 'untyped'}`
    )
  }
  const f = fields(ctx)
  if (!f) refuse(400, 'invalid_request', 'request body could not be parsed')
  const get = (k: string): string => f.get(k) ?? ''
  if (get('grant_type') !== GRANT_TYPE) {
    refuse(400, 'invalid_request', `grant_type must be ${GRANT_TYPE}`)
  }
  const m = /^urn:pulumi:org:([^:]+)$/.exec(get('audience'))
  if (!m?.[1]) refuse(400, 'invalid_request', 'audience must be urn:pulumi:org:<organization>')
  const org = ctx.state.org(m[1])
  if (!org) refuse(400, 'invalid_request', `organization '${m[1]}' not found`)
  if (get('subject_token_type') !== SUBJECT_TYPE) {
    refuse(400, 'invalid_request', `subject_token_type must be ${SUBJECT_TYPE}`)
  }
  const requested = get('requested_token_type')
  const kind = requested.startsWith(TOKEN_TYPE_PREFIX)
    ? requested.slice(TOKEN_TYPE_PREFIX.length)
    : ''
  if (!isTokenKind(kind)) refuse(400, 'invalid_request', 'invalid requested_token_type')
  const scope = get('scope')
  const subject = get('subject_token')
  const owner = ownerOf(ctx, org, kind, scope)
  const expiresIn = expiryOf(f.get('expiration'))
  if (!subject) refuse(400, 'invalid_request', 'subject_token is required')
  return { org, kind, requested, scope, subject, expiresIn, ...owner }
}

function isTokenKind(kind: string): kind is TokenKind {
  return ['organization', 'team', 'personal', 'runner'].includes(kind)
}

/** Who the token will belong to: a team token names a team, a personal token a member. */
function ownerOf(
  ctx: Ctx,
  org: OrgState,
  kind: TokenKind,
  scope: string
): { login: string; team?: string } {
  if (kind === 'team') {
    const team = /^team:(.+)$/.exec(scope)?.[1]
    if (!team || !ctx.state.team(org.name, team)) {
      refuse(
        400,
        'invalid_request',
        'team tokens require scope "team:<name>" naming an existing team'
      )
    }
    return { login: org.name, team }
  }
  if (kind === 'personal') {
    const user = /^user:(.+)$/.exec(scope)?.[1]
    if (!user || !org.members.has(user)) {
      refuse(
        400,
        'invalid_request',
        'personal tokens require scope "user:<login>" naming an org member'
      )
    }
    return { login: user }
  }
  return { login: org.name }
}

function expiryOf(exp: string | undefined): number {
  if (exp === undefined || exp === '') return DEFAULT_EXPIRY
  if (!/^\d+$/.test(exp) || Number(exp) <= 0 || Number(exp) > MAX_EXPIRY) {
    refuse(400, 'invalid_request', 'invalid expiration')
  }
  return Number(exp)
}

/** The subject token's claims the service checks: trusted issuer, audience, expiry. */
function checkSubject(x: Exchange): { iss: string; sub: string } {
  const claims = decodeJwtPayload(x.subject)
  if (!claims) refuse(400, 'invalid_request', 'subject_token is not a valid JWT')
  const iss = typeof claims['iss'] === 'string' ? claims['iss'] : ''
  if (!x.org.oidcIssuers.includes(iss)) {
    refuse(
      401,
      'unauthorized_client',
      `issuer '${iss}' is not trusted by organization '${x.org.name}'`
    )
  }
  const audience = `urn:pulumi:org:${x.org.name}`
  const aud = claims['aud']
  const audOk =
    typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience)
  if (!audOk) refuse(401, 'unauthorized_client', 'subject_token audience does not match')
  if (typeof claims['exp'] === 'number' && claims['exp'] <= nowSeconds()) {
    refuse(401, 'unauthorized_client', 'subject_token has expired')
  }
  return { iss, sub: typeof claims['sub'] === 'string' ? claims['sub'] : iss }
}

function exchange(ctx: Ctx): Reply {
  let x: Exchange
  let subject: { iss: string; sub: string }
  try {
    x = readExchange(ctx)
    subject = checkSubject(x)
  } catch (err) {
    if (err instanceof Refused) return err.reply
    throw err
  }
  const now = nowSeconds()
  const token: TokenState = {
    id: newId(),
    value: newTokenValue(),
    login: x.login,
    name: `oidc-${x.kind}-${now}`,
    description: `Issued by OIDC token exchange for ${subject.sub}`,
    created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    expires: now + x.expiresIn,
    lastUsed: 0,
    kind: x.kind,
    org: x.org.name,
    listed: false
  }
  if (x.team) token.team = x.team
  ctx.state.addToken(token)
  ctx.state.recordAudit(
    x.org.name,
    x.login,
    ctx.sourceIP,
    'OIDC Token Exchanged',
    `Exchanged an OIDC token from "${subject.iss}" for a ${x.kind} access token`
  )
  return json(200, {
    access_token: token.value,
    issued_token_type: x.requested,
    token_type: 'N_A',
    expires_in: x.expiresIn,
    scope: x.scope
  })
}

export const oauthRoutes: Route[] = [
  { method: 'POST', pattern: '/api/oauth/token', handler: exchange, auth: false }
]
