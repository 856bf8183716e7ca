/**
 * A stand-in for the runner's ID-token endpoint, on loopback. core.getIDToken() calls
 * `${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=<aud>` with `Authorization: Bearer
 * ${ACTIONS_ID_TOKEN_REQUEST_TOKEN}` and expects `{"value": "<jwt>"}`. The JWT is unsigned:
 * the emulator checks claims (iss, aud, exp), not signatures.
 */
import { randomBytes } from 'node:crypto'
import { startLoopbackServer } from './loopback.js'

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com'

export interface IdTokenRequest {
  audience: string | null
  authorization: string | undefined
}

export interface IdTokenStandin {
  /** Environment a job with `permissions: id-token: write` gets. */
  env: Record<string, string>
  requests: IdTokenRequest[]
  /** Every JWT handed out, in order. */
  issued: string[]
  close(): Promise<void>
}

export interface StandinOptions {
  issuer?: string
  /** Answer with this status instead of a token (e.g. 403 when the runner refuses). */
  status?: number
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

export function unsignedJwt(claims: Record<string, unknown>): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`
}

export async function startIdTokenStandin(options: StandinOptions = {}): Promise<IdTokenStandin> {
  const requestToken = `runtime-${randomBytes(8).toString('hex')}`
  const requests: IdTokenRequest[] = []
  const issued: string[] = []
  const server = await startLoopbackServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin')
    const audience = url.searchParams.get('audience')
    requests.push({ audience, authorization: req.headers.authorization })
    if (req.headers.authorization !== `Bearer ${requestToken}`) {
      res.writeHead(401).end()
      return
    }
    if (options.status !== undefined) {
      res.writeHead(options.status, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ message: 'refused by the stand-in' }))
      return
    }
    const now = Math.floor(Date.now() / 1000)
    const jwt = unsignedJwt({
      iss: options.issuer ?? GITHUB_ISSUER,
      aud: audience ?? 'https://github.com/acme',
      sub: 'repo:acme/website:ref:refs/heads/main',
      repository: 'acme/website',
      iat: now,
      nbf: now,
      exp: now + 300,
      // Unique per token, so a test can find each one in logs.
      jti: randomBytes(12).toString('hex')
    })
    issued.push(jwt)
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ count: 1, value: jwt }))
  })
  return {
    env: {
      // The runner's URL already has a query; core appends `&audience=`.
      ACTIONS_ID_TOKEN_REQUEST_URL: `${server.url}/_apis/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken
    },
    requests,
    issued,
    close: server.close
  }
}
