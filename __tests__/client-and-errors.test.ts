/**
 * The API client and the failure messages: what reaches the user when the network, the
 * service's body or the disk is not what the action expects, and the client's small helpers.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises'
import { get, type IncomingMessage } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { readBodyBytes } from '../src/api/body.js'
import { PulumiCloud } from '../src/api/client.js'
import { NetworkError, PulumiApiError } from '../src/api/errors.js'
import { integer, page, record } from '../src/api/readers/core.js'
import { describeFailure } from '../src/failure.js'
import { failureMessage } from './support/action.js'
import { useEmulator } from './support/emulator.js'
import { startLoopbackServer, type LoopbackServer } from './support/loopback.js'

const emulator = useEmulator({ scope: 'all' })
const FAST = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }
const AUDIT_EXPORT = '/api/orgs/acme/auditlogs/export'

function client(baseUrl: string): PulumiCloud {
  return new PulumiCloud({
    baseUrl,
    token: 'pul-test',
    userAgent: 'test',
    timeoutSeconds: 5,
    retry: FAST
  })
}

async function outputDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'pca-client-'))
}

/** A loopback port nothing listens on: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  await new Promise<void>(resolve =>
    server.close(() => {
      resolve()
    })
  )
  return port
}

let loopback: LoopbackServer | undefined
afterEach(async () => {
  await loopback?.close()
  loopback = undefined
})

describe('audit export decoding (B6)', () => {
  it('saves an export that arrives uncompressed as it came', async () => {
    const csv =
      'Timestamp,Event\n2024-01-01T00:00:00Z,Stack Created\n2024-01-02T00:00:00Z,Stack Deleted\n'
    // A status fault answers 200 with a plain text body and no Content-Encoding.
    emulator.addFault({ method: 'GET', path: AUDIT_EXPORT, kind: 'status', status: 200, body: csv })
    const path = join(await outputDir(), 'audit.csv')

    const run = await emulator.run({ command: 'export-audit-logs', organization: 'acme', path })

    expect(failureMessage(run)).toBe('')
    expect(run.exitCode).toBe(0)
    expect(await readFile(path, 'utf8')).toBe(csv)
    expect(run.outputs.count).toBe('2')
    expect(run.outputs.bytes).toBe(String(Buffer.byteLength(csv)))
  })

  it('still gunzips an export sent without Content-Encoding, magic bytes split across chunks', async () => {
    const csv = 'Timestamp,Event\n2024-01-01T00:00:00Z,Stack Created\n'
    const gzipped = gzipSync(csv)
    loopback = await startLoopbackServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      // One byte first: the client must not decide on a partial magic number.
      response.write(gzipped.subarray(0, 1))
      setTimeout(() => response.end(gzipped.subarray(1)), 20)
    })
    const api = client(loopback.url)
    const path = join(await outputDir(), 'audit.csv')
    try {
      const saved = await api.download(AUDIT_EXPORT, {}, path, { gunzip: true })
      expect(await readFile(path, 'utf8')).toBe(csv)
      expect(saved.bytes).toBe(Buffer.byteLength(csv))
    } finally {
      api.dispose()
    }
  })
})

describe('failure messages say what to do (B7)', () => {
  it('a refused connection on a GET names api-url, the proxy and retrying later', async () => {
    const api = client(`http://127.0.0.1:${await closedPort()}`)
    try {
      const error = await api.getJson('/api/user', {}, record).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(NetworkError)
      const message = describeFailure(error)
      expect(message).toMatch(/^GET \/api\/user failed: .*ECONNREFUSED/)
      expect(message).toContain('(gave up after 3 attempts)')
      expect(message).toContain(
        'Check api-url, the network or proxy (https_proxy/no_proxy); Pulumi Cloud may be unavailable, retry later.'
      )
    } finally {
      api.dispose()
    }
  })

  it('a refused write also says it was not retried', () => {
    const message = describeFailure(new NetworkError('POST', '/api/user/tokens', 'ECONNREFUSED'))
    expect(message).toContain('the network or proxy (https_proxy/no_proxy)')
    expect(message).toContain('was not retried automatically')
    expect(message).not.toContain('retry later')
  })

  it('a 409 on add-member says the member exists, not that an update is in progress', async () => {
    const run = await emulator.run({ command: 'add-member', organization: 'acme', username: 'bob' })
    const message = failureMessage(run)
    expect(message).toContain('409')
    expect(message).toContain('Conflict: it already exists')
    expect(message).not.toMatch(/update/)
  })

  it('a 409 on create-team says the team exists', async () => {
    const run = await emulator.run({
      command: 'create-team',
      organization: 'acme',
      team: 'platform'
    })
    const message = failureMessage(run)
    expect(message).toContain('409')
    expect(message).toContain('Conflict: it already exists')
    expect(message).not.toMatch(/update/)
  })

  it('a 409 under /api/stacks/ still talks about an update in progress', () => {
    const error = new PulumiApiError(
      'POST',
      '/api/stacks/acme/website/busy/transfer',
      409,
      'Another update is currently in progress.',
      undefined,
      true
    )
    expect(describeFailure(error)).toContain(
      'another update may be in progress on this stack (retry when it finishes)'
    )
  })

  it('a download that cannot be written names the path, permissions and disk space', async () => {
    const directory = await outputDir()
    const file = join(directory, 'not-a-directory')
    await writeFile(file, 'x')

    const run = await emulator.run({
      command: 'export-audit-logs',
      organization: 'acme',
      path: join(file, 'audit.csv')
    })

    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toMatch(
      /^Could not write the download for \/api\/orgs\/acme\/auditlogs\/export: .*(ENOTDIR|EEXIST).*Check the input path, its permissions and free disk space\.$/
    )
    expect(await readdir(directory)).toEqual(['not-a-directory'])
  })

  it('a body of the wrong shape fails the read, naming the request and what to do', async () => {
    emulator.addFault({
      method: 'GET',
      path: '/api/stacks/acme/website/prod',
      kind: 'status',
      status: 200,
      body: 'null'
    })
    const run = await emulator.run({ command: 'get-stack', stack: 'acme/website/prod' })

    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toMatch(
      /^The service answered GET \/api\/stacks\/acme\/website\/prod with null where an object was expected; .* Re-run the step; if it persists, report it with X-Pulumi-Request-ID [0-9a-f-]+\.$/
    )
  })
})

describe('malformed write answers (B9)', () => {
  it('create-token reports only the length of a malformed body that holds the token value', async () => {
    const secret = 'pul-0123456789abcdef0123456789abcdef01234567'
    const body = `{"id":"t-1","tokenValue":"${secret}"`
    emulator.addFault({
      method: 'POST',
      path: '/api/user/tokens',
      kind: 'status',
      status: 200,
      body
    })

    const run = await emulator.run({ command: 'create-token', description: 'ci' })

    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toContain(
      `POST /api/user/tokens returned an unexpected body: not valid JSON (${body.length} bytes)`
    )
    expect(run.stdout).not.toContain(secret.slice(0, 12))
    expect(run.stdout).not.toContain('tokenValue')
  })

  it('a GET still quotes the start of a malformed body, which holds no secret', async () => {
    emulator.addFault({ method: 'GET', path: '/api/user/stacks', kind: 'malformed-json' })
    const api = client(emulator.url)
    try {
      await expect(api.getJson('/api/user/stacks', {}, record)).rejects.toThrow(
        'not valid JSON (12 bytes starting "{\\"stacks\\": [")'
      )
    } finally {
      api.dispose()
    }
  })
})

describe('PulumiCloud helpers', () => {
  it('pathWithQuery keeps the path and drops undefined query values', () => {
    const api = client('https://api.example.com/prefix/')
    try {
      expect(
        api.pathWithQuery('/api/user/stacks', { organization: 'acme', project: undefined })
      ).toBe('/api/user/stacks?organization=acme')
      expect(api.pathWithQuery('/api/user')).toBe('/api/user')
      expect(api.url('/api/user', { a: 1 })).toBe('https://api.example.com/prefix/api/user?a=1')
    } finally {
      api.dispose()
    }
  })

  it('collect gathers the items of every page', async () => {
    let served = 0
    loopback = await startLoopbackServer((request, response) => {
      served++
      const token = new URL(request.url ?? '/', 'http://x').searchParams.get('continuationToken')
      const page =
        token === null
          ? { items: [1, 2], continuationToken: 'p2' }
          : { items: [3], continuationToken: null }
      response.writeHead(200, { 'Content-Type': 'application/json' })
      response.end(JSON.stringify(page))
    })
    const api = client(loopback.url)
    try {
      const items = await api.collect('/api/things', {}, page('items', integer))
      expect(items).toEqual([1, 2, 3])
      expect(served).toBe(2)
    } finally {
      api.dispose()
    }
  })

  it('getJson fails clearly on an empty body, where getOptionalJson returns undefined', async () => {
    loopback = await startLoopbackServer((_request, response) => {
      response.writeHead(204)
      response.end()
    })
    const api = client(loopback.url)
    try {
      await expect(api.getOptionalJson('/api/x', {}, record)).resolves.toBeUndefined()
      await expect(api.getJson('/api/x', {}, record)).rejects.toThrow(
        'GET /api/x returned an unexpected body: the body was empty'
      )
    } finally {
      api.dispose()
    }
  })
})

describe('uncompressed JSON bodies (a service or proxy that does not gzip)', () => {
  const BODY = JSON.stringify({ orgName: 'acme', padding: 'x'.repeat(4000) })

  /** Headers promising the whole body, half of it, then the connection cut. */
  function cutHalfway(response: import('node:http').ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(BODY))
    })
    response.write(BODY.slice(0, 2000), () => {
      response.socket?.destroy()
    })
  }

  it('a body cut half-way is retried, and the whole one read', async () => {
    let requests = 0
    loopback = await startLoopbackServer((_request, response) => {
      if (++requests === 1) {
        cutHalfway(response)
        return
      }
      response.writeHead(200, { 'Content-Type': 'application/json' })
      response.end(BODY)
    })
    const api = client(loopback.url)
    try {
      await expect(api.getJson('/api/x', {}, record)).resolves.toMatchObject({ orgName: 'acme' })
      expect(requests).toBe(2)
    } finally {
      api.dispose()
    }
  })

  it('a body cut every time fails as a reset connection after the retries', async () => {
    let requests = 0
    loopback = await startLoopbackServer((_request, response) => {
      requests++
      cutHalfway(response)
    })
    const api = client(loopback.url)
    try {
      const error = await api.getJson('/api/x', {}, record).then(
        () => undefined,
        (failure: unknown) => failure
      )
      expect(error).toBeInstanceOf(NetworkError)
      expect(String(error)).toMatch(/GET \/api\/x/)
      expect(requests).toBe(FAST.attempts)
    } finally {
      api.dispose()
    }
  })

  it('a body that ends early without Content-Length (chunked) is read as sent and fails to parse', async () => {
    loopback = await startLoopbackServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' })
      response.end(BODY.slice(0, 2000))
    })
    const api = client(loopback.url)
    try {
      await expect(api.getJson('/api/x', {}, record)).rejects.toThrow(/GET \/api\/x/)
    } finally {
      api.dispose()
    }
  })
})

describe('stack resolution', () => {
  it('walks list-stacks once for several wildcard lines of one organization', async () => {
    const run = await emulator.run({
      command: 'get-stack',
      stack: 'acme/*/prod\nacme/*/staging\nacme/infra/*'
    })

    expect(failureMessage(run)).toBe('')
    expect(run.exitCode).toBe(0)
    const listings = emulator.requestsTo('GET', /^\/api\/user\/stacks$/)
    // acme/*/… share one walk (no project filter); acme/infra/* filters by project: a second.
    expect(listings.map(request => request.query)).toEqual([
      'organization=acme',
      'organization=acme&project=infra'
    ])
    const result = JSON.parse(run.outputs.result ?? '[]') as { stack: string }[]
    expect(result.map(entry => entry.stack)).toEqual([
      'acme/infra/prod',
      'acme/website/prod',
      'acme/website/staging',
      'acme/infra/dev',
      'acme/infra/scratch'
    ])
  })
})

describe('reading a body', () => {
  it.each([
    ['plain', ''],
    ['gzip', 'Content-Encoding: gzip\r\n']
  ])(
    'a response cut before the read began fails at once as a reset (%s)',
    async (_kind, encoding) => {
      // The body promises 1,000 bytes, sends 10 and the connection is cut; the read starts after.
      const server = createServer(socket => {
        socket.on('error', () => undefined)
        socket.once('data', () => {
          socket.write(
            `HTTP/1.1 200 OK\r\n${encoding}Content-Length: 1000\r\n\r\n${'x'.repeat(10)}`
          )
          setTimeout(() => socket.destroy(), 20)
        })
      })
      await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      try {
        const response = await new Promise<IncomingMessage>((resolve, reject) => {
          get({ host: '127.0.0.1', port, agent: false }, resolve).on('error', reject)
        })
        await new Promise<void>(resolve => response.once('close', resolve))
        expect(response.destroyed).toBe(true)
        const context = { method: 'GET', path: '/x', timeoutSeconds: 30, maxBytes: 1 << 20 }
        await expect(readBodyBytes(response, context)).rejects.toThrow(
          'GET /x failed: the connection was reset before the whole body arrived'
        )
      } finally {
        await new Promise<void>(resolve =>
          server.close(() => {
            resolve()
          })
        )
      }
    }
  )
})
