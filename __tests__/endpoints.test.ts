import { describe, expect, it } from '@jest/globals'
import { createServer, request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { DEFAULT_API_URL, resolveApiUrl, resolveConsoleUrl } from '../src/endpoints.js'
import { runAction } from './support/action.js'
import { useEmulator } from './support/emulator.js'
import { startLoopbackServer, type LoopbackServer } from './support/loopback.js'

const emulator = useEmulator({ scope: 'all' })

/** A reverse proxy that serves the emulator under /prefix, as a self-hosted install might. */
async function startPrefixProxy(prefix: string): Promise<LoopbackServer & { seen: string[] }> {
  const seen: string[] = []
  const proxy = await startLoopbackServer((req, res) => {
    const url = req.url ?? '/'
    seen.push(url)
    if (!url.startsWith(`${prefix}/`)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('outside the prefix\n')
      return
    }
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: emulator.port,
        method: req.method,
        path: url.slice(prefix.length),
        headers: req.headers
      },
      answer => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  return { ...proxy, url: `${proxy.url}${prefix}`, seen }
}

/**
 * A forward proxy as @actions/http-client uses it for http:// targets: a CONNECT tunnel
 * (the `tunnel` package). It only ever connects to the emulator on loopback: the one host
 * name it knows is mapped there, anything else is refused, so no test traffic leaves the machine.
 */
async function startForwardProxy(
  knownHost: string
): Promise<LoopbackServer & { connects: string[] }> {
  const connects: string[] = []
  const server = createServer((_req, res) => {
    res.writeHead(405).end()
  })
  server.on('connect', (req, client, head) => {
    const target = req.url ?? ''
    connects.push(target)
    if (target !== knownHost) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    const upstream = connect(emulator.port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  return { ...(await startLoopbackServer(server)), connects }
}

describe('resolveApiUrl', () => {
  it('prefers the api-url input over PULUMI_BACKEND_URL', () => {
    expect(resolveApiUrl('https://pulumi.corp.example/', 'https://other.example')).toBe(
      'https://pulumi.corp.example'
    )
  })

  it('uses PULUMI_BACKEND_URL when it is an http(s) URL, else the public service', () => {
    expect(resolveApiUrl(undefined, ' https://pulumi.corp.example/ ')).toBe(
      'https://pulumi.corp.example'
    )
    expect(resolveApiUrl(undefined, 'file://~')).toBe(DEFAULT_API_URL)
    expect(resolveApiUrl(undefined, 's3://bucket/state')).toBe(DEFAULT_API_URL)
    expect(resolveApiUrl(undefined, '')).toBe(DEFAULT_API_URL)
    expect(resolveApiUrl(undefined, undefined)).toBe('https://api.pulumi.com')
  })

  it('maps the console host app.pulumi.com to api.pulumi.com', () => {
    expect(resolveApiUrl(undefined, 'https://app.pulumi.com')).toBe('https://api.pulumi.com')
    expect(resolveApiUrl(undefined, 'https://app.pulumi.com/')).toBe('https://api.pulumi.com')
  })

  it('keeps a path prefix, from either source', () => {
    expect(resolveApiUrl('https://corp.example/pulumi/api-root/', undefined)).toBe(
      'https://corp.example/pulumi/api-root'
    )
    expect(resolveApiUrl(undefined, 'https://corp.example/pulumi/')).toBe(
      'https://corp.example/pulumi'
    )
  })
})

describe('resolveConsoleUrl', () => {
  it('follows the API host: api.X becomes app.X, other hosts stay as they are', () => {
    expect(resolveConsoleUrl(undefined, 'https://api.pulumi.com')).toBe('https://app.pulumi.com')
    expect(resolveConsoleUrl(undefined, 'https://api.pulumi.corp.example')).toBe(
      'https://app.pulumi.corp.example'
    )
    expect(resolveConsoleUrl(undefined, 'https://pulumi.corp.example/prefix')).toBe(
      'https://pulumi.corp.example/prefix'
    )
  })

  it('lets console-url override', () => {
    expect(resolveConsoleUrl('https://console.corp.example/', 'https://api.pulumi.com')).toBe(
      'https://console.corp.example'
    )
  })
})

describe('endpoints over HTTP', () => {
  const getStack = { command: 'get-stack', stack: 'acme/website/prod' }

  it('sends every request under the path prefix of api-url', async () => {
    const proxy = await startPrefixProxy('/prefix')
    try {
      const run = await runAction({
        ...getStack,
        'api-url': proxy.url,
        'access-token': emulator.token
      })
      expect(run.exitCode).toBe(0)
      expect(proxy.seen).toEqual(['/prefix/api/stacks/acme/website/prod'])
      expect(emulator.requests.map(r => `${r.method} ${r.path}`)).toEqual([
        'GET /api/stacks/acme/website/prod'
      ])
      // The console link follows the endpoint, prefix and all.
      expect(run.summary).toContain(`${proxy.url}/acme/website/prod`)
    } finally {
      await proxy.close()
    }
  })

  it('keeps the prefix when the API URL comes from PULUMI_BACKEND_URL', async () => {
    const proxy = await startPrefixProxy('/pulumi')
    try {
      const run = await runAction(
        { ...getStack, 'access-token': emulator.token },
        { PULUMI_BACKEND_URL: `${proxy.url}/` }
      )
      expect(run.exitCode).toBe(0)
      expect(proxy.seen).toEqual(['/pulumi/api/stacks/acme/website/prod'])
    } finally {
      await proxy.close()
    }
  })

  it('reaches /prefix/api/... on the server itself (a plain 404 names api-url)', async () => {
    const run = await runAction({
      ...getStack,
      'api-url': `${emulator.url}/prefix`,
      'access-token': emulator.token
    })
    expect(run.exitCode).toBe(1)
    expect(emulator.requests.map(r => r.path)).toEqual(['/prefix/api/stacks/acme/website/prod'])
    expect(run.stdout).toMatch(/::error::.*not the Pulumi Cloud API: check api-url/)
  })

  it('lets api-url win over PULUMI_BACKEND_URL', async () => {
    const dead = await startLoopbackServer((_req, res) => res.writeHead(500).end())
    await dead.close() // nothing listens there now: a request to it would fail
    const run = await runAction(
      { ...getStack, 'api-url': emulator.url, 'access-token': emulator.token },
      { PULUMI_BACKEND_URL: dead.url }
    )
    expect(run.exitCode).toBe(0)
    expect(emulator.requests).toHaveLength(1)
  })

  it('uses PULUMI_BACKEND_URL when api-url is not given', async () => {
    const run = await runAction(
      { ...getStack, 'access-token': emulator.token },
      { PULUMI_BACKEND_URL: emulator.url }
    )
    expect(run.exitCode).toBe(0)
    expect(emulator.requests.map(r => r.path)).toEqual(['/api/stacks/acme/website/prod'])
    expect(run.summary).toContain(`${emulator.url}/acme/website/prod`)
  })

  it('links to console-url in the summary when it is given', async () => {
    const run = await runAction({
      ...getStack,
      'api-url': emulator.url,
      'access-token': emulator.token,
      'console-url': 'https://console.corp.example/'
    })
    expect(run.exitCode).toBe(0)
    expect(run.summary).toContain('https://console.corp.example/acme/website/prod')
    expect(run.summary).not.toContain(`${emulator.url}/acme`)
  })
})

describe('proxies', () => {
  // A reserved .test name: never resolved here, since the client hands it to the proxy,
  // and the proxy maps it to the emulator on loopback.
  const host = 'api.pulumi.selfhosted.test'

  it('sends requests through http_proxy when no_proxy is empty, and derives console links from the API host', async () => {
    const proxy = await startForwardProxy(`${host}:80`)
    try {
      const run = await runAction(
        {
          command: 'get-stack',
          stack: 'acme/website/prod',
          'api-url': `http://${host}`,
          'access-token': emulator.token
        },
        { http_proxy: proxy.url, HTTP_PROXY: proxy.url, no_proxy: '', NO_PROXY: '' }
      )
      expect(run.exitCode).toBe(0)
      expect(proxy.connects).toEqual([`${host}:80`])
      expect(emulator.requests.map(r => `${r.method} ${r.path}`)).toEqual([
        'GET /api/stacks/acme/website/prod'
      ])
      expect(emulator.requests[0]?.authorization).toBe(`token ${emulator.token}`)
      expect(run.summary).toContain('http://app.pulumi.selfhosted.test/acme/website/prod')
    } finally {
      await proxy.close()
    }
  })

  it('does not proxy loopback addresses (the http-client always bypasses them)', async () => {
    const proxy = await startForwardProxy(`${host}:80`)
    try {
      const run = await runAction(
        {
          command: 'get-stack',
          stack: 'acme/website/prod',
          'api-url': emulator.url,
          'access-token': emulator.token
        },
        { http_proxy: proxy.url, HTTP_PROXY: proxy.url, no_proxy: '', NO_PROXY: '' }
      )
      expect(run.exitCode).toBe(0)
      expect(proxy.connects).toEqual([])
      expect(emulator.requests).toHaveLength(1)
    } finally {
      await proxy.close()
    }
  })
})
