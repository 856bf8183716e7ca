/**
 * Bad answers seen through the bundled action: retried 5xx on a page, repeating tokens,
 * stalls, malformed JSON and a plain-text 404 from a wrong api-url all end as either the
 * right result or one clear message, never a stack trace or an endless loop.
 */
import { readFile } from 'node:fs/promises'
import type { FaultRule } from '../../emulator/index.js'
import { failureMessage, requireDist, runDist } from '../support/action.js'
import { connection, requestsTo, withEmulator } from '../support/emulator.js'
import { expectNoStackTrace } from './harness.js'

const AUDIT = '/api/orgs/acme/auditlogs'
const MANY_EVENTS = { generate: { auditEvents: 350 } }

beforeAll(requireDist)

/** A rule for the pages after the first: only requests carrying a continuation token. */
function laterPages(rule: FaultRule): FaultRule {
  return { ...rule, query: 'continuationToken=' }
}

describe('paged GET (bundled action)', () => {
  test.concurrent(
    '503 twice then 200 on page 2: succeeds, earlier pages not fetched again, no duplicates',
    async () => {
      await withEmulator(MANY_EVENTS, async emulator => {
        const inputs = { ...connection(emulator), command: 'list-audit-logs', organization: 'acme' }
        const baseline = await runDist(inputs)
        expect(failureMessage(baseline)).toBe('')
        emulator.resetStats()
        // Only requests carrying a token match, so the first two tries of page 2 fail.
        emulator.addFault(
          laterPages({ method: 'GET', path: AUDIT, kind: 'status', status: 503, count: 2 })
        )

        const run = await runDist(inputs)

        expect(failureMessage(run)).toBe('')
        const calls = requestsTo(emulator, 'GET', /\/auditlogs$/)
        expect(calls.map(call => call.status).slice(0, 4)).toEqual([200, 503, 503, 200])
        expect(calls.filter(call => !call.query.includes('continuationToken='))).toHaveLength(1)
        // `result` holds the count and time range; the events are in the result file.
        const eventsOf = async (action: typeof run): Promise<unknown[]> =>
          (
            JSON.parse(await readFile(action.outputs['result-file'] ?? '', 'utf8')) as {
              events: unknown[]
            }
          ).events
        const events = await eventsOf(run)
        expect(events.length).toBeGreaterThan(300)
        expect(new Set(events.map(event => JSON.stringify(event))).size).toBe(events.length)
        expect(events).toEqual(await eventsOf(baseline))
        expect(run.outputs.result).toBe(baseline.outputs.result)
      })
    },
    30_000
  )

  test.concurrent('a continuation token that repeats forever stops with an error', async () => {
    await withEmulator(MANY_EVENTS, async emulator => {
      emulator.addFault(laterPages({ method: 'GET', path: AUDIT, kind: 'repeat-token', count: -1 }))
      const run = await runDist({
        ...connection(emulator),
        command: 'list-audit-logs',
        organization: 'acme'
      })
      expect(run.exitCode).toBe(1)
      expect(failureMessage(run)).toMatch(
        /GET \/api\/orgs\/acme\/auditlogs .*continuation token repeated/
      )
      expect(requestsTo(emulator, 'GET', /\/auditlogs$/)).toHaveLength(2)
      expectNoStackTrace(run)
    })
  })
})

describe('bad answers (bundled action)', () => {
  test.concurrent('a stall before headers beyond timeout-seconds fails in time', async () => {
    await withEmulator({}, async emulator => {
      emulator.addFault({ method: 'GET', path: '/api/stacks/**', kind: 'stall', count: -1 })
      const started = Date.now()
      const run = await runDist({
        ...connection(emulator),
        command: 'list-previews',
        stack: 'acme/website/prod',
        'timeout-seconds': '2'
      })
      const elapsed = Date.now() - started
      expect(run.exitCode).toBe(1)
      expect(failureMessage(run)).toMatch(
        /GET \/api\/stacks\/acme\/website\/prod\/\S+ timed out: no response for 2 s\. Raise the input timeout-seconds/
      )
      expect(emulator.requests).toHaveLength(1)
      expect(elapsed).toBeGreaterThanOrEqual(1900)
      // The stall never ends: any bound proves the timeout; this one leaves room for a loaded CI.
      expect(elapsed).toBeLessThan(20_000)
    })
  })

  test.concurrent('200 with malformed JSON: a clear failure, not a stack trace', async () => {
    await withEmulator({}, async emulator => {
      emulator.addFault({
        method: 'GET',
        path: '/api/stacks/*/*/*/updates/**',
        kind: 'malformed-json'
      })
      const run = await runDist({
        ...connection(emulator),
        command: 'list-previews',
        stack: 'acme/website/prod'
      })
      expect(run.exitCode).toBe(1)
      const message = failureMessage(run)
      expect(message).toMatch(
        /GET \/api\/stacks\/acme\/website\/prod\/updates\/latest\/previews returned an unexpected body: not valid JSON/
      )
      expect(message).toMatch(/api-url/)
      expectNoStackTrace(run)
      expect(emulator.requests).toHaveLength(1)
    })
  })

  test.concurrent(
    'a plain-text 404 from a wrong api-url shows status and text, hints at api-url',
    async () => {
      await withEmulator({}, async emulator => {
        const run = await runDist({
          ...connection(emulator),
          'api-url': `${emulator.url}/not-the-api`,
          command: 'list-previews',
          stack: 'acme/website/prod'
        })
        expect(run.exitCode).toBe(1)
        const message = failureMessage(run)
        expect(message).toContain('failed with 404: 404 page not found')
        expect(message).toMatch(/plain 404.*check api-url/)
        expect(emulator.requests[0]?.path).toMatch(/^\/not-the-api\/api\//)
        expect(emulator.requests).toHaveLength(1)
        expectNoStackTrace(run)
      })
    }
  )
})
