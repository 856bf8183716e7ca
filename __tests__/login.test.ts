import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { exchangeIdToken, TokenExchangeError } from '../src/api/oidc.js'
import { runAction } from './support/action.js'
import { useEmulator } from './support/emulator.js'
import {
  GITHUB_ISSUER,
  startIdTokenStandin,
  unsignedJwt,
  type IdTokenStandin
} from './support/id-token-standin.js'

const emulator = useEmulator({ scope: 'all' })
let standin: IdTokenStandin

beforeEach(async () => {
  standin = await startIdTokenStandin()
})
afterEach(async () => {
  await standin.close()
})

/** A read-only command that needs a token: the first request after login proves it works. */
function oidcInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    command: 'list-audit-logs',
    organization: 'acme',
    'max-events': '1',
    'api-url': emulator.url,
    'oidc-token-type': 'organization',
    ...extra
  }
}

const exchanges = (): typeof emulator.requests =>
  emulator.requests.filter(request => request.path === '/api/oauth/token')

/** The exchange's JSON body (the emulator refuses any other content type with a 400). */
function bodyOf(body: string | undefined): Record<string, unknown> {
  return JSON.parse(body ?? 'null') as Record<string, unknown>
}

describe('OIDC login', () => {
  it('exchanges the GitHub ID token and uses the issued token for the command', async () => {
    const run = await runAction(oidcInputs(), standin.env)

    expect(run.exitCode).toBe(0)
    expect(run.outputs['access-token-source']).toBe('oidc')
    expect(standin.requests).toEqual([
      {
        audience: 'urn:pulumi:org:acme',
        authorization: `Bearer ${standin.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`
      }
    ])
    const [exchange, ...rest] = emulator.requests
    expect(exchange?.method).toBe('POST')
    expect(exchange?.path).toBe('/api/oauth/token')
    expect(exchange?.authorization).toBeUndefined()
    expect(bodyOf(exchange?.body)).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience: 'urn:pulumi:org:acme',
      subject_token: standin.issued[0],
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      requested_token_type: 'urn:pulumi:token-type:access_token:organization'
    })
    // The command's requests carry the exchanged token, which the emulator issued for acme.
    const issued = emulator.state
      .allTokens()
      .filter(token => token.org === 'acme' && token.kind === 'organization')
    expect(issued).toHaveLength(1)
    const accessToken = issued[0]?.value ?? ''
    expect(rest.length).toBeGreaterThan(0)
    for (const request of rest) expect(request.authorization).toBe(`token ${accessToken}`)
    // Masked first, and printed nowhere else.
    const mask = run.stdout.indexOf(`::add-mask::${accessToken}`)
    expect(mask).toBeGreaterThanOrEqual(0)
    expect(run.stdout.split(`::add-mask::${accessToken}\n`).join('')).not.toContain(accessToken)
    expect(run.stdout).toContain(
      'Logged in to Pulumi Cloud with GitHub OIDC as a organization token of acme'
    )
  })

  it('sends oidc-scope and oidc-expiration and gets a team token of that lifetime', async () => {
    const before = Math.floor(Date.now() / 1000)
    const run = await runAction(
      oidcInputs({
        'oidc-token-type': 'team',
        'oidc-scope': 'team:platform',
        'oidc-expiration': '600'
      }),
      standin.env
    )

    expect(run.exitCode).toBe(0)
    expect(bodyOf(exchanges()[0]?.body)).toMatchObject({
      requested_token_type: 'urn:pulumi:token-type:access_token:team',
      scope: 'team:platform',
      expiration: 600
    })
    const team = emulator.state
      .allTokens()
      .find(token => token.kind === 'team' && token.team === 'platform')
    expect(team).toBeDefined()
    expect(team?.expires).toBeGreaterThanOrEqual(before + 600)
    expect(team?.expires).toBeLessThanOrEqual(before + 610)
  })

  it('takes the organization from the stack input when organization is not given', async () => {
    const run = await runAction(
      {
        command: 'get-stack',
        stack: 'acme/website/prod',
        'api-url': emulator.url,
        'oidc-token-type': 'organization'
      },
      standin.env
    )
    expect(run.exitCode).toBe(0)
    expect(standin.requests[0]?.audience).toBe('urn:pulumi:org:acme')
    expect(run.outputs['access-token-source']).toBe('oidc')
  })

  it('tells the user to grant id-token: write when the job cannot request an ID token', async () => {
    const run = await runAction(oidcInputs())

    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::.*add `permissions: id-token: write` to the job/)
    expect(emulator.requests).toHaveLength(0)
  })

  it('says so when the runner refuses the ID token', async () => {
    const refusing = await startIdTokenStandin({ status: 403 })
    try {
      const run = await runAction(oidcInputs(), refusing.env)
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toMatch(
        /::error::Could not get a GitHub ID token for urn:pulumi:org:acme.*id-token: write/
      )
      expect(refusing.requests).toHaveLength(1)
      expect(emulator.requests).toHaveLength(0)
    } finally {
      await refusing.close()
    }
  })

  it('requires organization before asking for any token', async () => {
    const run = await runAction(
      { command: 'list-stacks', 'api-url': emulator.url, 'oidc-token-type': 'organization' },
      standin.env
    )
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::Input 'organization': is required for OIDC login/)
    expect(standin.requests).toHaveLength(0)
    expect(emulator.requests).toHaveLength(0)
  })

  it('shows the service error of a 400 and does not retry it', async () => {
    // A team token without `scope: team:<name>` is a malformed request.
    const run = await runAction(oidcInputs({ 'oidc-token-type': 'team' }), standin.env)

    expect(run.exitCode).toBe(1)
    expect(exchanges()).toHaveLength(1)
    expect(exchanges()[0]?.status).toBe(400)
    expect(run.stdout).toMatch(
      /::error::Pulumi Cloud refused the OIDC token exchange with 400 \(invalid_request: team tokens require scope/
    )
    expect(run.stdout).toContain("in the Pulumi organization 'acme'")
    expect(run.outputs['access-token-source']).toBeUndefined()
  })

  it('explains a 401 as missing OIDC issuer or policy in the organization', async () => {
    // acme-labs trusts no issuer in the seed.
    const run = await runAction(oidcInputs({ organization: 'acme-labs' }), standin.env)

    expect(run.exitCode).toBe(1)
    expect(exchanges()).toHaveLength(1)
    expect(exchanges()[0]?.status).toBe(401)
    expect(run.stdout).toContain(
      `Pulumi Cloud refused the OIDC token exchange with 401 (unauthorized_client: issuer '${GITHUB_ISSUER}' is not trusted by organization 'acme-labs')`
    )
    expect(run.stdout).toMatch(
      /Configure an OIDC issuer for GitHub .* in the Pulumi organization 'acme-labs'/
    )
    // The ID token was masked by core and is never printed in the clear.
    const idToken = standin.issued[0] ?? ''
    expect(run.stdout.indexOf(`::add-mask::${idToken}`)).toBeGreaterThanOrEqual(0)
    expect(run.stdout.split(`::add-mask::${idToken}\n`).join('')).not.toContain(idToken)
  })

  it('retries the exchange after a 503 and then logs in', async () => {
    emulator.addFault({
      method: 'POST',
      path: '/api/oauth/token',
      kind: 'status',
      status: 503,
      count: 1
    })
    const run = await runAction(oidcInputs(), standin.env)

    expect(run.exitCode).toBe(0)
    expect(exchanges().map(request => request.status)).toEqual([503, 200])
    // Both attempts carried the same ID token: the exchange is idempotent.
    expect(bodyOf(exchanges()[1]?.body).subject_token).toBe(
      bodyOf(exchanges()[0]?.body).subject_token
    )
    expect(standin.requests).toHaveLength(1)
    expect(run.outputs['access-token-source']).toBe('oidc')
  })

  it('prefers a given access token: input, then PULUMI_ACCESS_TOKEN, and then asks for no ID token', async () => {
    const fromInput = await runAction(oidcInputs({ 'access-token': emulator.token }), standin.env)
    expect(fromInput.exitCode).toBe(0)
    expect(fromInput.outputs['access-token-source']).toBe('input')

    const fromEnv = await runAction(oidcInputs(), {
      ...standin.env,
      PULUMI_ACCESS_TOKEN: emulator.token
    })
    expect(fromEnv.exitCode).toBe(0)
    expect(fromEnv.outputs['access-token-source']).toBe('env')

    expect(standin.requests).toHaveLength(0)
    expect(exchanges()).toHaveLength(0)
  })

  it('fails with the no-token message when nothing is configured', async () => {
    const run = await runAction({ command: 'list-stacks', 'api-url': emulator.url })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('No Pulumi access token: set the input access-token')
    expect(emulator.requests).toHaveLength(0)
  })
})

describe('exchangeIdToken', () => {
  const fast = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 }
  const request = (): Parameters<typeof exchangeIdToken>[0] => ({
    apiUrl: emulator.url,
    organization: 'acme',
    idToken: unsignedJwt({
      iss: GITHUB_ISSUER,
      aud: 'urn:pulumi:org:acme',
      exp: Math.floor(Date.now() / 1000) + 60
    }),
    tokenType: 'organization',
    userAgent: 'test',
    timeoutSeconds: 10,
    retry: fast
  })

  it('retries a dropped connection', async () => {
    emulator.addFault({ method: 'POST', path: '/api/oauth/token', kind: 'reset', count: 2 })
    const token = await exchangeIdToken(request())
    expect(emulator.state.token(token.accessToken)?.kind).toBe('organization')
    expect(token.expiresInSeconds).toBeGreaterThan(0)
    expect(exchanges()).toHaveLength(3)
  })

  it('gives up after 4 attempts of 5xx and says to retry later', async () => {
    emulator.addFault({
      method: 'POST',
      path: '/api/oauth/token',
      kind: 'status',
      status: 502,
      count: 10
    })
    await expect(exchangeIdToken(request())).rejects.toThrow(
      /OIDC token exchange at \/api\/oauth\/token failed: .*502.*\(gave up after 4 attempts\).*retry later/
    )
    expect(exchanges()).toHaveLength(4)
  })

  it('gives up on a 429 after retries and says it was rate limited, not to check the inputs', async () => {
    emulator.addFault({
      method: 'POST',
      path: '/api/oauth/token',
      kind: 'status',
      status: 429,
      count: 10
    })
    const failure = exchangeIdToken(request())
    await expect(failure).rejects.toThrow(/rate limited; retry later/)
    await expect(failure).rejects.toThrow(/429.*\(gave up after 4 attempts\)/)
    await expect(failure).rejects.not.toThrow(/oidc-\* inputs/)
    expect(exchanges()).toHaveLength(4)
  })

  it('sends the OpenAPI JSON body, expiration as a number, and no Authorization', async () => {
    const sent = { ...request(), scope: 'admin', expirationSeconds: 900 }
    const token = await exchangeIdToken(sent)
    expect(emulator.state.token(token.accessToken)?.kind).toBe('organization')
    const [exchange] = exchanges()
    expect(exchange?.status).toBe(200)
    expect(exchange?.authorization).toBeUndefined()
    expect(bodyOf(exchange?.body)).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience: 'urn:pulumi:org:acme',
      subject_token: sent.idToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      requested_token_type: 'urn:pulumi:token-type:access_token:organization',
      scope: 'admin',
      expiration: 900
    })
  })

  it('keeps a path prefix of the API URL', async () => {
    await expect(
      exchangeIdToken({ ...request(), apiUrl: `${emulator.url}/prefix/` })
    ).rejects.toBeInstanceOf(TokenExchangeError)
    expect(emulator.requests.map(r => r.path)).toEqual(['/prefix/api/oauth/token'])
  })
})
