import { afterEach, describe, expect, it } from '@jest/globals'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PulumiCloud } from '../src/api/client.js'
import { PulumiApiError } from '../src/api/errors.js'
import { record } from '../src/api/readers/core.js'
import { startLoopbackServer } from './support/loopback.js'

const TOKEN = 'pul-redirect-test-token-51f0c2'

interface Seen {
  method: string
  url: string
  authorization: string | undefined
}

interface Recorder {
  url: string
  seen: Seen[]
  close(): Promise<void>
}

const open: Recorder[] = []

/** A loopback server that records each request's Authorization and answers with `handle`. */
async function startServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void
): Promise<Recorder> {
  const seen: Seen[] = []
  const server = await startLoopbackServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization
    })
    req.resume()
    handle(req, res)
  })
  const recorder: Recorder = { url: server.url, seen, close: server.close }
  open.push(recorder)
  return recorder
}

function answerJson(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(value))
}

function redirect(res: ServerResponse, status: number, location: string): void {
  res.writeHead(status, { Location: location }).end()
}

function client(baseUrl: string, debug: string[] = []): PulumiCloud {
  return new PulumiCloud({
    baseUrl,
    token: TOKEN,
    userAgent: 'redirect-test',
    timeoutSeconds: 5,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    debug: message => debug.push(message)
  })
}

afterEach(async () => {
  await Promise.all(open.splice(0).map(recorder => recorder.close()))
})

describe('redirects', () => {
  it.each([301, 302, 303, 307, 308])(
    'drops the Authorization header when a %i sends the GET to another origin',
    async status => {
      const elsewhere = await startServer((_req, res) => {
        answerJson(res, { moved: true })
      })
      const api = await startServer((req, res) => {
        redirect(res, status, `${elsewhere.url}/blob${req.url ?? ''}`)
      })
      const debug: string[] = []
      const cloud = client(api.url, debug)
      try {
        await expect(
          cloud.getJson('/api/stacks/acme/website/prod/export', {}, record)
        ).resolves.toEqual({
          moved: true
        })
      } finally {
        cloud.dispose()
      }
      expect(api.seen).toEqual([
        {
          method: 'GET',
          url: '/api/stacks/acme/website/prod/export',
          authorization: `token ${TOKEN}`
        }
      ])
      expect(elsewhere.seen).toEqual([
        {
          method: 'GET',
          url: '/blob/api/stacks/acme/website/prod/export',
          authorization: undefined
        }
      ])
      expect(debug.join('\n')).toContain('(no Authorization: other origin)')
      expect(debug.join('\n')).not.toContain(TOKEN)
    }
  )

  it('keeps the Authorization header for a redirect within the same origin', async () => {
    const api = await startServer((req, res) => {
      if (req.url === '/api/old') redirect(res, 302, '/api/new')
      else answerJson(res, { ok: true })
    })
    const cloud = client(api.url)
    try {
      await expect(cloud.getJson('/api/old', {}, record)).resolves.toEqual({ ok: true })
    } finally {
      cloud.dispose()
    }
    expect(api.seen.map(seen => seen.authorization)).toEqual([`token ${TOKEN}`, `token ${TOKEN}`])
  })

  it('does not hand the header back after a hop through another origin (chain of redirects)', async () => {
    const final = await startServer((_req, res) => {
      answerJson(res, { hops: 2 })
    })
    const middle = await startServer((_req, res) => {
      redirect(res, 307, `${final.url}/end`)
    })
    const api = await startServer((_req, res) => {
      redirect(res, 307, `${middle.url}/hop`)
    })
    const cloud = client(api.url)
    try {
      await expect(cloud.getJson('/api/start', {}, record)).resolves.toEqual({ hops: 2 })
    } finally {
      cloud.dispose()
    }
    expect(api.seen[0]?.authorization).toBe(`token ${TOKEN}`)
    expect(middle.seen[0]?.authorization).toBeUndefined()
    expect(final.seen[0]?.authorization).toBeUndefined()
  })

  it('never follows a redirect for a write', async () => {
    const elsewhere = await startServer((_req, res) => {
      answerJson(res, {})
    })
    const api = await startServer((_req, res) => {
      redirect(res, 307, `${elsewhere.url}/write`)
    })
    const cloud = client(api.url)
    try {
      const sent = cloud.send('POST', '/api/orgs/acme/hooks', { secret: 'x' })
      await expect(sent).rejects.toBeInstanceOf(PulumiApiError)
      await expect(sent).rejects.toMatchObject({ status: 307 })
    } finally {
      cloud.dispose()
    }
    expect(elsewhere.seen).toEqual([])
  })
})
