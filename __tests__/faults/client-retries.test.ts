/**
 * The client's retry logic against real faults, with a short RetryPolicy where only the
 * logic matters (which requests are retried, how often, what is fetched again) and the
 * default policy where the delay itself is the point (Retry-After).
 */
import { PulumiCloud } from '../../src/api/client.js'
import { PulumiApiError, ResponseFormatError, TimeoutError } from '../../src/api/errors.js'
import { readAuditPage } from '../../src/api/readers/organization.js'
import { readStack } from '../../src/api/readers/stacks.js'
import { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from '../../src/api/retry.js'
import type { RunningEmulator } from '../../emulator/index.js'
import { requestsTo, withEmulator } from '../support/emulator.js'

const FAST: RetryPolicy = { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 }
const AUDIT = '/api/orgs/acme/auditlogs'
const STACK = '/api/stacks/acme/website/prod'

function client(
  emulator: RunningEmulator,
  retry: RetryPolicy = FAST,
  timeoutSeconds = 10
): PulumiCloud {
  return new PulumiCloud({
    baseUrl: emulator.url,
    token: emulator.token,
    userAgent: 'fault-suite',
    timeoutSeconds,
    retry
  })
}

async function using<T>(api: PulumiCloud, body: (api: PulumiCloud) => Promise<T>): Promise<T> {
  try {
    return await body(api)
  } finally {
    api.dispose()
  }
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a failure')
}

function apiError(error: Error): PulumiApiError {
  if (!(error instanceof PulumiApiError))
    throw new Error(`expected a PulumiApiError: ${error.message}`)
  return error
}

describe('paged GET under faults (client)', () => {
  test.concurrent(
    '503 twice then 200 on page 2: every item once, earlier pages not fetched again',
    async () => {
      await withEmulator({ generate: { auditEvents: 350 } }, async emulator => {
        const api = client(emulator)
        const items: string[] = []
        let page = 0
        await using(api, async () => {
          for await (const body of api.pages(AUDIT, { startTime: 4_000_000_000 }, readAuditPage)) {
            page += 1
            for (const event of body.items) items.push(`${event.timestamp}:${event.description}`)
            // Fault the next request only, i.e. page 2.
            if (page === 1)
              emulator.addFault({ path: AUDIT, kind: 'status', status: 503, count: 2 })
          }
        })

        const calls = requestsTo(emulator, 'GET', /\/auditlogs$/)
        const byToken = (present: boolean) =>
          calls.filter(call => call.query.includes('continuationToken=') === present)
        // Page 1 once; page 2 three times (503, 503, 200); pages 3.. once each.
        expect(byToken(false)).toHaveLength(1)
        expect(calls.map(call => call.status).slice(0, 4)).toEqual([200, 503, 503, 200])
        expect(calls[1]?.query).toBe(calls[2]?.query)
        expect(calls[2]?.query).toBe(calls[3]?.query)
        expect(new Set(calls.map(call => call.query)).size).toBe(calls.length - 2)
        expect(page).toBeGreaterThanOrEqual(3)
        expect(items.length).toBeGreaterThan(300)
        expect(new Set(items).size).toBe(items.length)
      })
    }
  )

  test.concurrent('a continuation token that repeats stops with an error', async () => {
    await withEmulator({ generate: { auditEvents: 350 } }, async emulator => {
      const api = client(emulator)
      let page = 0
      const error = await using(api, () =>
        failure(
          (async () => {
            for await (const body of api.pages(
              AUDIT,
              { startTime: 4_000_000_000 },
              readAuditPage
            )) {
              page += 1
              expect(body.items.length).toBeGreaterThan(0)
              // From page 2 on, the server hands back the token it was just given.
              if (page === 1) emulator.addFault({ path: AUDIT, kind: 'repeat-token', count: -1 })
              if (page > 10) throw new Error('paging did not stop')
            }
          })()
        )
      )
      expect(error).toBeInstanceOf(ResponseFormatError)
      expect(error.message).toMatch(/continuation token repeated/)
      expect(page).toBe(2)
      expect(requestsTo(emulator, 'GET', /\/auditlogs$/)).toHaveLength(2)
    })
  })
})

describe('what is retried (client)', () => {
  test.concurrent('GET: 503, 502, 500 then 200 succeeds within 4 attempts', async () => {
    await withEmulator({}, async emulator => {
      for (const status of [503, 502, 500])
        emulator.addFault({ method: 'GET', path: STACK, kind: 'status', status })
      const stack = await using(client(emulator), api => api.getJson(STACK, {}, readStack))
      expect(stack.stackName).toBe('prod')
      expect(requestsTo(emulator, 'GET', /^\/api\/stacks\/acme\/website\/prod$/)).toHaveLength(4)
    })
  })

  test.concurrent('GET: gives up after 4 attempts and says so', async () => {
    await withEmulator({}, async emulator => {
      emulator.addFault({ method: 'GET', path: STACK, kind: 'status', status: 503, count: -1 })
      const error = await using(client(emulator), api => failure(api.getJson(STACK, {}, readStack)))
      expect(error).toBeInstanceOf(PulumiApiError)
      expect(apiError(error).status).toBe(503)
      expect(error.message).toMatch(/after 4 attempts/)
      expect(requestsTo(emulator, 'GET', /prod$/)).toHaveLength(4)
    })
  })

  test.concurrent('GET: a reset before any byte is retried', async () => {
    await withEmulator({}, async emulator => {
      emulator.addFault({ method: 'GET', path: STACK, kind: 'reset' })
      const stack = await using(client(emulator), api => api.getJson(STACK, {}, readStack))
      expect(stack.stackName).toBe('prod')
      expect(requestsTo(emulator, 'GET', /prod$/)).toHaveLength(2)
    })
  })

  test.concurrent('GET: 4xx other than 429 is final at once', async () => {
    await withEmulator({}, async emulator => {
      emulator.addFault({ method: 'GET', path: STACK, kind: 'status', status: 400, count: -1 })
      const error = await using(client(emulator), api => failure(api.getJson(STACK, {}, readStack)))
      expect(apiError(error).status).toBe(400)
      expect(requestsTo(emulator, 'GET', /prod$/)).toHaveLength(1)
    })
  })

  for (const [method, status] of [
    ['POST', 429],
    ['POST', 503],
    ['PATCH', 503],
    ['PATCH', 429]
  ] as const) {
    test.concurrent(`${method} answered ${status} is sent once`, async () => {
      await withEmulator({}, async emulator => {
        emulator.addFault({ method, path: `${STACK}/**`, kind: 'status', status, count: -1 })
        const path = method === 'POST' ? `${STACK}/tags` : `${STACK}/tags/owner`
        const error = await using(client(emulator), api =>
          failure(api.send(method, path, { name: 'owner', value: 'x' }))
        )
        expect(apiError(error).status).toBe(status)
        expect(error.message).toContain(`${method} ${path}`)
        expect(requestsTo(emulator, method, /\/tags/)).toHaveLength(1)
      })
    })
  }

  test.concurrent('a POST that times out is sent once, not replayed', async () => {
    await withEmulator({}, async emulator => {
      emulator.addFault({ method: 'POST', path: `${STACK}/tags`, kind: 'stall', count: -1 })
      const error = await using(client(emulator, FAST, 1), api =>
        failure(api.send('POST', `${STACK}/tags`, { name: 'fresh', value: 'x' }))
      )
      expect(error).toBeInstanceOf(TimeoutError)
      expect(requestsTo(emulator, 'POST', /\/tags$/)).toHaveLength(1)
    })
  })

  test.concurrent('a stall before headers is a TimeoutError and not retried', async () => {
    await withEmulator({}, async emulator => {
      emulator.addFault({ method: 'GET', path: STACK, kind: 'stall', delayMs: 10_000, count: -1 })
      const started = Date.now()
      const error = await using(client(emulator, FAST, 1), api =>
        failure(api.getJson(STACK, {}, readStack))
      )
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error.message).toMatch(/timed out.*timeout-seconds/)
      expect(Date.now() - started).toBeLessThan(2500)
      expect(requestsTo(emulator, 'GET', /prod$/)).toHaveLength(1)
    })
  })

  test.concurrent('200 with malformed JSON is a ResponseFormatError, not retried', async () => {
    await withEmulator({}, async emulator => {
      emulator.addFault({ method: 'GET', path: STACK, kind: 'malformed-json', count: -1 })
      const error = await using(client(emulator), api => failure(api.getJson(STACK, {}, readStack)))
      expect(error).toBeInstanceOf(ResponseFormatError)
      expect(error.message).toMatch(/not valid JSON/)
      expect(requestsTo(emulator, 'GET', /prod$/)).toHaveLength(1)
    })
  })
})

describe('Retry-After', () => {
  test.concurrent('429 with Retry-After: 2 waits at least 2 s, then succeeds', async () => {
    await withEmulator({}, async emulator => {
      emulator.addFault({ method: 'GET', path: STACK, kind: 'status', status: 429, retryAfter: 2 })
      const started = Date.now()
      const stack = await using(client(emulator, DEFAULT_RETRY), api =>
        api.getJson(STACK, {}, readStack)
      )
      const elapsed = Date.now() - started
      expect(stack.stackName).toBe('prod')
      expect(elapsed).toBeGreaterThanOrEqual(2000)
      expect(elapsed).toBeLessThan(4000)
      const calls = requestsTo(emulator, 'GET', /prod$/)
      expect(calls.map(call => call.status)).toEqual([429, 200])
      expect((calls[1]?.startedAt ?? 0) - (calls[0]?.finishedAt ?? 0)).toBeGreaterThanOrEqual(1990)
    })
  })

  test.concurrent('a Retry-After longer than the cap waits only the cap', async () => {
    await withEmulator({}, async emulator => {
      emulator.addFault({
        method: 'GET',
        path: STACK,
        kind: 'status',
        status: 503,
        retryAfter: 3600
      })
      const started = Date.now()
      await using(client(emulator, { attempts: 4, baseDelayMs: 10, maxDelayMs: 300 }), api =>
        api.getJson(STACK, {}, readStack)
      )
      expect(Date.now() - started).toBeGreaterThanOrEqual(290)
      expect(Date.now() - started).toBeLessThan(2000)
    })
  })

  test('the default policy: Retry-After capped at 30 s, else 1 s doubling to 30 s', () => {
    const limited = (retryAfterMs?: number): PulumiApiError =>
      new PulumiApiError('GET', '/api/x', 429, 'slow down', undefined, true, retryAfterMs)
    expect(retryDelayMs(limited(2000), 1, DEFAULT_RETRY)).toBe(2000)
    expect(retryDelayMs(limited(120_000), 1, DEFAULT_RETRY)).toBe(30_000)
    // Without Retry-After: between half and all of 1 s, 2 s, 4 s.
    for (const [attempt, full] of [
      [1, 1000],
      [2, 2000],
      [3, 4000]
    ] as const) {
      expect(retryDelayMs(limited(), attempt, DEFAULT_RETRY, () => 0)).toBe(full / 2)
      expect(retryDelayMs(limited(), attempt, DEFAULT_RETRY, () => 1)).toBe(full)
    }
    expect(retryDelayMs(limited(), 20, { ...DEFAULT_RETRY, attempts: 30 }, () => 1)).toBe(30_000)
    expect(retryDelayMs(limited(), 4, DEFAULT_RETRY)).toBeUndefined()
    expect(DEFAULT_RETRY.attempts).toBe(4)
  })
})
