// The emulator itself: auth, routing, paging, streaming, mutations and every fault kind.

import { createHash } from 'node:crypto'
import { request } from 'node:http'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { bigStateChunks, startEmulator, type RunningEmulator } from '../emulator/index.js'

let emu: RunningEmulator
let gen: RunningEmulator
const STATE_BYTES = 2_000_000

beforeAll(async () => {
  emu = await startEmulator()
  gen = await startEmulator({
    generate: { stacks: 250, auditEvents: 430, stateBytes: STATE_BYTES, updateEvents: 2500 }
  })
})

afterAll(async () => {
  await emu.close()
  await gen.close()
})

function api(e: RunningEmulator, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  if (!headers.has('Authorization')) headers.set('Authorization', `token ${e.token}`)
  if (init.body !== undefined && !headers.has('Content-Type'))
    headers.set('Content-Type', 'application/json')
  return fetch(`${e.url}${path}`, { ...init, headers })
}

async function getJson(e: RunningEmulator, path: string): Promise<Record<string, unknown>> {
  const res = await api(e, path)
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, unknown>
}

/** Raw bytes without fetch's transparent decompression, for the gzip fault checks. */
function rawGet(
  e: RunningEmulator,
  path: string
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${e.url}${path}`,
      { headers: { Authorization: `token ${e.token}` } },
      res => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks)
          })
        })
        res.on('error', reject)
      }
    )
    req.on('error', reject)
    req.end()
  })
}

function jwt(payload: Record<string, unknown>): string {
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(payload)}.c2lnbmF0dXJl`
}

describe('auth and routing', () => {
  it('rejects missing or unknown tokens with 401 JSON and a request id', async () => {
    for (const auth of [undefined, 'token nope', 'Bearer pul-emulator-token']) {
      const res = await fetch(
        `${emu.url}/api/user`,
        auth ? { headers: { Authorization: auth } } : {}
      )
      expect(res.status).toBe(401)
      expect(res.headers.get('x-pulumi-request-id')).toMatch(/^[0-9a-f-]{36}$/)
      expect(await res.json()).toEqual({
        code: 401,
        message: 'Unauthorized: No credentials provided or are invalid.'
      })
    }
  })

  it('answers unknown routes like Go mux', async () => {
    const res = await api(emu, '/api/definitely/not/here')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await res.text()).toBe('404 page not found\n')
  })

  it('returns the token owner from /api/user and JSON 404 for missing stacks', async () => {
    const user = await getJson(emu, '/api/user')
    expect(user['githubLogin']).toBe('alice')
    const res = await api(emu, '/api/stacks/acme/website/missing')
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({
      code: 404,
      message: "Stack 'acme/website/missing' not found"
    })
  })
})

describe('paging', () => {
  it('walks every stack exactly once, last page without a token', async () => {
    const seen = new Set<string>()
    let token: string | undefined
    let pages = 0
    do {
      const q = new URLSearchParams({ maxResults: '40' })
      if (token) q.set('continuationToken', token)
      const body = await getJson(gen, `/api/user/stacks?${q.toString()}`)
      const stacks = body['stacks'] as { orgName: string; projectName: string; stackName: string }[]
      for (const s of stacks) {
        const key = `${s.orgName}/${s.projectName}/${s.stackName}`
        expect(seen.has(key)).toBe(false)
        seen.add(key)
      }
      token = body['continuationToken'] as string | undefined
      pages++
    } while (token)
    const stored = gen.state.storedStacks().length
    expect(seen.size).toBe(stored + 250)
    expect(pages).toBe(Math.ceil(seen.size / 40))
  })

  it('pages generated audit events newest first without gaps', async () => {
    let token: string | undefined
    let count = 0
    let last = Number.POSITIVE_INFINITY
    do {
      const q = new URLSearchParams(
        token ? { continuationToken: token } : { startTime: '4000000000' }
      )
      const body = await getJson(gen, `/api/orgs/acme/auditlogs?${q.toString()}`)
      for (const e of body['auditLogEvents'] as { timestamp: number }[]) {
        expect(e.timestamp).toBeLessThanOrEqual(last)
        last = e.timestamp
        count++
      }
      token = body['continuationToken'] as string | undefined
    } while (token)
    expect(count).toBe(gen.state.auditLog('acme').length + 430)
  })

  it('pages engine events of the generated update', async () => {
    const base = '/api/stacks/acme/big/state/update/6b1e0000-0000-4000-8000-000000000001/events'
    const first = await getJson(gen, base)
    expect((first['events'] as unknown[]).length).toBe(1000)
    const third = await getJson(gen, `${base}?continuationToken=2000`)
    const events = third['events'] as { type: string }[]
    expect(events).toHaveLength(500)
    expect(events[events.length - 1]?.type).toBe('summaryEvent')
    expect(third['continuationToken']).toBeNull()
  })
})

describe('export', () => {
  it('streams the generated state deterministically', async () => {
    const expected = createHash('sha256')
    let expectedLength = 0
    for (const c of bigStateChunks(STATE_BYTES)) {
      expected.update(c)
      expectedLength += Buffer.byteLength(c)
    }
    const res = await api(gen, '/api/stacks/acme/big/state/export')
    const body = Buffer.from(await res.arrayBuffer())
    expect(createHash('sha256').update(body).digest('hex')).toBe(expected.digest('hex'))
    expect(body.length).toBe(expectedLength)
    expect(Math.abs(body.length - STATE_BYTES)).toBeLessThan(3000)
    const doc = JSON.parse(body.toString('utf8')) as {
      version: number
      deployment: { resources: { type: string; outputs?: Record<string, unknown> }[] }
    }
    expect(doc.version).toBe(3)
    const root = doc.deployment.resources[0]
    expect(root?.type).toBe('pulumi:pulumi:Stack')
    expect(root?.outputs?.['dbPassword']).toMatchObject({
      '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270'
    })
  })
})

describe('mutations', () => {
  it('creates, conflicts, updates and protects tags, and audits them', async () => {
    const base = '/api/stacks/acme/website/staging/tags'
    const create = (): Promise<Response> =>
      api(emu, base, { method: 'POST', body: JSON.stringify({ name: 'cost-center', value: '42' }) })
    expect((await create()).status).toBe(204)
    expect((await create()).status).toBe(400)
    const missing = await api(emu, `${base}/nope`, {
      method: 'PATCH',
      body: JSON.stringify({ name: 'nope', value: 'x' })
    })
    expect(missing.status).toBe(404)
    const patch = await api(emu, `${base}/cost-center`, {
      method: 'PATCH',
      body: JSON.stringify({ name: 'cost-center', value: '43' })
    })
    expect(patch.status).toBe(204)
    expect((await api(emu, `${base}/pulumi:project`, { method: 'DELETE' })).status).toBe(400)
    const stack = await getJson(emu, '/api/stacks/acme/website/staging')
    expect((stack['tags'] as Record<string, string>)['cost-center']).toBe('43')
    const logs = await getJson(
      emu,
      '/api/orgs/acme/auditlogs?startTime=4000000000&eventFilter=Stack%20Tag%20Updated'
    )
    expect((logs['auditLogEvents'] as { description: string }[])[0]?.description).toContain(
      'cost-center'
    )
  })

  it('refuses to transfer a stack with an update in progress, transfers others', async () => {
    const busy = await api(emu, '/api/stacks/acme/website/busy/transfer', {
      method: 'POST',
      body: JSON.stringify({ toOrg: 'acme-labs' })
    })
    expect(busy.status).toBe(409)
    expect(await busy.json()).toEqual({
      code: 409,
      message: 'Another update is currently in progress.'
    })
    const ok = await api(emu, '/api/stacks/acme/infra/dev/transfer', {
      method: 'POST',
      body: JSON.stringify({ toOrg: 'acme-labs' })
    })
    expect(ok.status).toBe(204)
    expect((await api(emu, '/api/stacks/acme-labs/infra/dev')).status).toBe(200)
    expect((await api(emu, '/api/stacks/acme/infra/dev')).status).toBe(404)
  })

  it('treats a member PATCH with only {role} as 404 and accepts fgaRoleId', async () => {
    const path = '/api/orgs/acme/members/bob'
    const legacy = await api(emu, path, {
      method: 'PATCH',
      body: JSON.stringify({ role: 'admin' })
    })
    expect(legacy.status).toBe(404)
    const roles = await getJson(emu, '/api/orgs/acme/roles?uxPurpose=role')
    const admin = (roles['roles'] as { id: string; name: string }[]).find(r => r.name === 'admin')
    expect(admin).toBeDefined()
    const bad = await api(emu, path, {
      method: 'PATCH',
      body: JSON.stringify({ fgaRoleId: 'nope' })
    })
    expect(bad.status).toBe(400)
    const ok = await api(emu, path, {
      method: 'PATCH',
      body: JSON.stringify({ fgaRoleId: admin?.id })
    })
    expect(ok.status).toBe(204)
    expect(emu.state.member('acme', 'bob')?.role).toBe('admin')
  })

  it('never returns webhook secrets', async () => {
    const res = await api(emu, '/api/orgs/acme/hooks', {
      method: 'POST',
      body: JSON.stringify({
        organizationName: 'acme',
        displayName: 'Audit Sink',
        payloadUrl: 'https://sink.example/h',
        active: true,
        secret: 's3cret'
      })
    })
    expect(res.status).toBe(201)
    const hook = (await res.json()) as Record<string, unknown>
    expect(hook).toMatchObject({ name: 'audit-sink', hasSecret: true })
    expect(hook['secret']).toBeUndefined()
    expect(JSON.stringify(await getJson(emu, '/api/orgs/acme/hooks/audit-sink'))).not.toContain(
      's3cret'
    )
    const dup = await api(emu, '/api/orgs/acme/hooks', {
      method: 'POST',
      body: JSON.stringify({
        organizationName: 'acme',
        displayName: 'Audit Sink',
        payloadUrl: 'https://sink.example/h',
        active: true
      })
    })
    expect(dup.status).toBe(409)
  })

  it('creates tokens that then authenticate', async () => {
    const res = await api(emu, '/api/user/tokens', {
      method: 'POST',
      body: JSON.stringify({ description: 'test', expires: 0 })
    })
    expect(res.status).toBe(200)
    const { tokenValue } = (await res.json()) as { tokenValue: string }
    expect(tokenValue).toMatch(/^pul-[0-9a-f]{40}$/)
    const me = await fetch(`${emu.url}/api/user`, {
      headers: { Authorization: `token ${tokenValue}` }
    })
    expect(me.status).toBe(200)
  })
})

describe('OIDC token exchange', () => {
  const form = (subject: string, audience = 'urn:pulumi:org:acme'): string =>
    JSON.stringify({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      audience,
      subject_token: subject,
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      requested_token_type: 'urn:pulumi:token-type:access_token:organization'
    })
  const post = (body: string, contentType = 'application/json'): Promise<Response> =>
    fetch(`${emu.url}/api/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': contentType },
      body
    })

  it('issues an org token for a trusted issuer', async () => {
    const subject = jwt({
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'urn:pulumi:org:acme',
      sub: 'repo:acme/website:ref:refs/heads/main',
      exp: 4102444800
    })
    const res = await post(form(subject))
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      access_token: string
      issued_token_type: string
      token_type: string
    }
    expect(body.issued_token_type).toBe('urn:pulumi:token-type:access_token:organization')
    expect(body.token_type).toBe('N_A')
    const stacks = await fetch(`${emu.url}/api/user/stacks`, {
      headers: { Authorization: `token ${body.access_token}` }
    })
    expect(stacks.status).toBe(200)
  })

  it('rejects untrusted issuers and malformed requests', async () => {
    const untrusted = await post(
      form(jwt({ iss: 'https://evil.example', aud: 'urn:pulumi:org:acme' }))
    )
    expect(untrusted.status).toBe(401)
    expect(await untrusted.json()).toMatchObject({ error: 'unauthorized_client' })
    const badAudience = await post(
      form(jwt({ iss: 'https://token.actions.githubusercontent.com', aud: 'x' }), 'acme')
    )
    expect(badAudience.status).toBe(400)
    expect(await badAudience.json()).toMatchObject({ error: 'invalid_request' })
  })

  it('insists on a JSON body, as the OpenAPI spec gives it', async () => {
    const subject = jwt({
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'urn:pulumi:org:acme',
      exp: 4102444800
    })
    const fields = JSON.parse(form(subject)) as Record<string, string>
    const asForm = await post(
      new URLSearchParams(fields).toString(),
      'application/x-www-form-urlencoded'
    )
    expect(asForm.status).toBe(400)
    expect(await asForm.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringContaining('must be application/json') as unknown
    })
    expect((await post(form(subject))).status).toBe(200)
  })
})

describe('faults', () => {
  it('status: answers the injected status once, with Retry-After', async () => {
    emu.addFault({ path: '/api/user', kind: 'status', status: 429, retryAfter: 2 })
    const res = await api(emu, '/api/user')
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('2')
    expect((await api(emu, '/api/user')).status).toBe(200)
  })

  it('reset: drops the connection mid-response', async () => {
    emu.addFault({ path: '/api/stacks/*/*/*/export', kind: 'reset', afterBytes: 100 })
    await expect(
      api(emu, '/api/stacks/acme/website/prod/export').then(r => r.text())
    ).rejects.toThrow()
  })

  it('stall: holds the response for delayMs', async () => {
    emu.addFault({ path: '/api/user', kind: 'stall', delayMs: 300 })
    const t0 = Date.now()
    expect((await api(emu, '/api/user')).status).toBe(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280)
  })

  it('slow: trickles the real body', async () => {
    const path = '/api/stacks/acme/website/prod/export'
    const normal = await (await api(emu, path)).text()
    emu.addFault({ path: '/api/stacks/**', kind: 'slow', delayMs: 2 })
    const t0 = Date.now()
    // Uncompressed, so that the trickle is as long as the document.
    const slow = await (await api(emu, path, { headers: { 'Accept-Encoding': 'identity' } })).text()
    expect(slow).toBe(normal)
    // 64-byte chunks, 2 ms apart
    expect(Date.now() - t0).toBeGreaterThanOrEqual(Math.floor(normal.length / 64) * 1.5)
  })

  it('answers gzip when the client accepts it, as the service does, and plain otherwise', async () => {
    const path = '/api/stacks/acme/website/prod/export'
    const gzipped = await api(emu, path, { headers: { 'Accept-Encoding': 'gzip' } })
    expect(gzipped.headers.get('content-encoding')).toBe('gzip')
    expect(gzipped.headers.get('vary')).toBe('Accept-Encoding')
    const plain = await rawGet(emu, path)
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(await gzipped.text()).toBe(plain.body.toString('utf8'))
  })

  it('truncate-gzip and corrupt-gzip break the audit export', async () => {
    const path = '/api/orgs/acme/auditlogs/export?format=csv'
    const good = await rawGet(emu, path)
    expect(good.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(good.body).toString('utf8')).toMatch(
      /^Timestamp,Name,Login,Event,Description,SourceIP/
    )
    emu.addFault({ path: '/api/orgs/*/auditlogs/export', kind: 'truncate-gzip' })
    const cut = await rawGet(emu, path)
    expect(cut.body.length).toBeLessThan(good.body.length)
    expect(() => gunzipSync(cut.body)).toThrow()
    emu.addFault({ path: '/api/orgs/*/auditlogs/export', kind: 'corrupt-gzip' })
    const bad = await rawGet(emu, path)
    expect(() => gunzipSync(bad.body)).toThrow()
  })

  it('malformed-json: answers a cut-off JSON body', async () => {
    emu.addFault({ method: 'GET', path: '/api/user/stacks', kind: 'malformed-json' })
    const res = await api(emu, '/api/user/stacks')
    expect(res.status).toBe(200)
    await expect(res.json()).rejects.toThrow()
  })

  it('repeat-token: hands back the same continuation token forever', async () => {
    emu.addFault({ path: '/api/user/stacks', kind: 'repeat-token', count: 2 })
    const first = await getJson(emu, '/api/user/stacks?maxResults=2')
    expect(first['continuationToken']).toBe('loop')
    const again = await getJson(emu, '/api/user/stacks?maxResults=2&continuationToken=loop')
    expect(again['continuationToken']).toBe('loop')
  })

  it('tracks peak concurrency', async () => {
    emu.resetStats()
    emu.addFault({ path: '/api/user', kind: 'stall', delayMs: 150, count: 8 })
    await Promise.all(Array.from({ length: 8 }, () => api(emu, '/api/user').then(r => r.text())))
    expect(emu.maxInFlight()).toBe(8)
    expect(emu.requests).toHaveLength(8)
    expect(emu.requests.every(r => r.status === 200)).toBe(true)
  })
})
