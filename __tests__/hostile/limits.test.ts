/**
 * Hostile server, bounded resources (issue #12 rows 8, 9, 10), through the bundled action.
 * Limits that take minutes to reach (the rate window, the page cap, the retry budget) are
 * lowered through the limits module's test variable; the others are the real ones.
 */
import { failureMessage, requireDist, runDist } from '../support/action.js'
import { LIMITS_ENV } from '../../src/api/limits.js'
import { exportBody, json, withHostile } from './server.js'

beforeAll(requireDist)

function connection(url: string): Record<string, string> {
  return { 'api-url': url, 'access-token': 'pul-hostile-limits-token' }
}

describe('hostile server: limits', () => {
  test.concurrent(
    'row 8: an endless body on a small JSON GET stops at 64 MiB with a clear error',
    async () => {
      const chunk = Buffer.alloc(1024 * 1024, 0x20)
      let sent = 0
      await withHostile(
        (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'application/json' })
          const pump = (): void => {
            // Endless: until the client hangs up.
            while (res.write(chunk)) sent += chunk.length
            sent += chunk.length
          }
          res.on('drain', pump)
          res.on('error', () => undefined)
          pump()
        },
        async server => {
          const run = await runDist({
            ...connection(server.url),
            command: 'get-stack',
            stack: 'acme/web/prod'
          })
          expect(run.exitCode).toBe(1)
          expect(failureMessage(run)).toMatch(
            /GET \/api\/stacks\/acme\/web\/prod returned an unexpected body: the body is larger than 64 MiB/
          )
          // It stopped reading near the cap, not after gigabytes.
          expect(sent).toBeLessThan(512 * 1024 * 1024)
          expect(server.requests).toHaveLength(1)
        }
      )
    }
  )

  test.concurrent(
    'row 9: a JSON answer trickling a byte at a time fails at the whole-request deadline (3 × timeout-seconds)',
    async () => {
      const timers: NodeJS.Timeout[] = []
      await withHostile(
        (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'application/json' })
          // A byte every 300 ms: the 2 s idle timeout never fires.
          timers.push(setInterval(() => res.write(' '), 300))
        },
        async server => {
          const started = Date.now()
          const run = await runDist({
            ...connection(server.url),
            command: 'get-stack',
            stack: 'acme/web/prod',
            'timeout-seconds': '2'
          })
          for (const timer of timers) clearInterval(timer)
          expect(run.exitCode).toBe(1)
          expect(failureMessage(run)).toMatch(
            /timed out: did not complete within 6 s \(3 × timeout-seconds\), though bytes kept arriving/
          )
          expect(Date.now() - started).toBeGreaterThanOrEqual(5500)
          expect(server.requests).toHaveLength(1)
        }
      )
    }
  )

  test.concurrent('row 9: a download below the rate floor fails; no file is left', async () => {
    const timers: NodeJS.Timeout[] = []
    const body = JSON.stringify(exportBody({}, 200))
    await withHostile(
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' })
        let at = 0
        timers.push(
          setInterval(() => {
            res.write(body.slice(at, at + 10))
            at += 10
          }, 100)
        )
      },
      async server => {
        const run = await runDist(
          {
            ...connection(server.url),
            command: 'export-stack',
            stack: 'acme/web/prod'
          },
          {
            [LIMITS_ENV]: JSON.stringify({
              downloadRateWindowSeconds: 1,
              minDownloadBytesPerSecond: 1000
            })
          }
        )
        for (const timer of timers) clearInterval(timer)
        expect(run.exitCode).toBe(1)
        expect(failureMessage(run)).toMatch(
          /timed out: the download ran below 1000 bytes\/s \(\d+ bytes\/s over \d+ s\)\. Check the network or proxy/
        )
        expect(Object.keys(await run.files()).filter(name => name.endsWith('.json'))).toEqual([])
      }
    )
  })

  test.concurrent(
    'row 10: a listing whose continuation token is new on every page stops at the page cap',
    async () => {
      let page = 0
      await withHostile(
        (_req, res) => {
          page += 1
          json(res, 200, { stacks: [], continuationToken: `token-${page}` })
        },
        async server => {
          const run = await runDist(
            { ...connection(server.url), command: 'list-stacks', organization: 'acme' },
            { [LIMITS_ENV]: JSON.stringify({ maxPages: 40 }) }
          )
          expect(run.exitCode).toBe(1)
          expect(failureMessage(run)).toMatch(
            /the listing went on past 40 pages, the most the action follows/
          )
          expect(server.requests).toHaveLength(40)
        }
      )
    }
  )

  test.concurrent('row 10: retries stop when the run has spent its retry budget', async () => {
    await withHostile(
      (_req, res) => {
        json(res, 503, { code: 503, message: 'unavailable' })
      },
      async server => {
        const run = await runDist(
          { ...connection(server.url), command: 'get-stack', stack: 'acme/web/prod' },
          { [LIMITS_ENV]: JSON.stringify({ retryBudgetSeconds: 0.2 }) }
        )
        expect(run.exitCode).toBe(1)
        expect(failureMessage(run)).toMatch(
          /failed with 503: unavailable.*this run already spent its 0.2 s budget of waiting between retries/
        )
        // The first wait (0.5 to 1 s) is already over the budget: one attempt only.
        expect(server.requests).toHaveLength(1)
      }
    )
  })
})
