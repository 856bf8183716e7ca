/**
 * Streamed downloads through the bundled action under faults: a cut connection is retried
 * from byte 0 and the file is whole; a failure never leaves a file or a temp file behind.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunningEmulator } from '../../emulator/index.js'
import { failureMessage, requireDist, runDist, type ActionRun } from '../support/action.js'
import { connection, requestsTo, withEmulator } from '../support/emulator.js'
import { expectNoStackTrace, expectedBody, filesIn, sha256, sha256File } from './harness.js'

const BIG = { generate: { stateBytes: 2_000_000 } }
const BIG_EXPORT = '/api/stacks/acme/big/state/export'
const AUDIT_EXPORT = '/api/orgs/acme/auditlogs/export'

beforeAll(requireDist)

async function outputDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'pca-faults-'))
}

/** export-audit-logs through the bundled action, into `directory`/audit.csv. */
function exportAuditLogs(emulator: RunningEmulator, directory: string): Promise<ActionRun> {
  return runDist({
    ...connection(emulator),
    command: 'export-audit-logs',
    organization: 'acme',
    path: join(directory, 'audit.csv')
  })
}

describe('export-stack download faults (bundled action)', () => {
  test.concurrent(
    'a connection reset mid-body once is retried and the file is complete',
    async () => {
      await withEmulator(BIG, async emulator => {
        const expected = sha256(await expectedBody(emulator, BIG_EXPORT))
        emulator.resetStats()
        emulator.addFault({ method: 'GET', path: BIG_EXPORT, kind: 'reset', afterBytes: 300_000 })
        const path = join(await outputDir(), 'state.json')

        const run = await runDist({
          ...connection(emulator),
          command: 'export-stack',
          stack: 'acme/big/state',
          path
        })

        expect(failureMessage(run)).toBe('')
        expect(run.exitCode).toBe(0)
        expect(requestsTo(emulator, 'GET', /\/export$/)).toHaveLength(2)
        expect(await sha256File(path)).toBe(expected)
        expect(run.outputs.sha256).toBe(expected)
        expect(await filesIn(join(path, '..'))).toEqual(['state.json'])
      })
    }
  )

  test.concurrent(
    'a reset on every try fails clearly and leaves neither the file nor a temp file',
    async () => {
      await withEmulator(BIG, async emulator => {
        emulator.addFault({
          method: 'GET',
          path: BIG_EXPORT,
          kind: 'reset',
          afterBytes: 100_000,
          count: -1
        })
        const directory = await outputDir()
        const path = join(directory, 'state.json')

        const run = await runDist({
          ...connection(emulator),
          command: 'export-stack',
          stack: 'acme/big/state',
          path
        })

        expect(run.exitCode).toBe(1)
        // Four attempts in all (the default policy), then a message naming what failed.
        expect(requestsTo(emulator, 'GET', /\/export$/)).toHaveLength(4)
        const message = failureMessage(run)
        expect(message).toContain(`GET ${BIG_EXPORT}`)
        expect(message).toMatch(/connection|socket|reset|closed/i)
        expect(message).toMatch(/after 4 attempts/)
        expectNoStackTrace(run)
        expect(await filesIn(directory)).toEqual([])
      })
    },
    30_000
  )

  test.concurrent(
    'a stall mid-body beyond timeout-seconds fails in time with a timeout message',
    async () => {
      await withEmulator(BIG, async emulator => {
        // 64-byte chunks with 5 s between them: the first bytes arrive, then nothing.
        emulator.addFault({ method: 'GET', path: BIG_EXPORT, kind: 'slow', delayMs: 5000 })
        const directory = await outputDir()
        const started = Date.now()

        const run = await runDist({
          ...connection(emulator),
          command: 'export-stack',
          stack: 'acme/big/state',
          path: join(directory, 'state.json'),
          'timeout-seconds': '2'
        })

        const elapsed = Date.now() - started
        expect(run.exitCode).toBe(1)
        expect(failureMessage(run)).toMatch(/timed out.*2 s.*timeout-seconds/)
        // Timeouts are not retried: one request. The body would take minutes at this pace, so
        // failing well within that proves the idle timer; the bound leaves room for a loaded CI.
        expect(requestsTo(emulator, 'GET', /\/export$/)).toHaveLength(1)
        expect(elapsed).toBeLessThan(20_000)
        expect(await filesIn(directory)).toEqual([])
      })
    }
  )
})

describe('export-audit-logs gzip faults (bundled action)', () => {
  for (const kind of ['truncate-gzip', 'corrupt-gzip'] as const) {
    test.concurrent(`${kind}: a clear failure and no partial file`, async () => {
      await withEmulator({}, async emulator => {
        emulator.addFault({ method: 'GET', path: AUDIT_EXPORT, kind, count: -1 })
        const directory = await outputDir()

        const run = await exportAuditLogs(emulator, directory)

        expect(run.exitCode).toBe(1)
        const message = failureMessage(run)
        expect(message).toContain(`GET ${AUDIT_EXPORT}`)
        expect(message).toMatch(/gzip body is corrupt or truncated/)
        // A bad body is the server's answer, not a network blip: not retried.
        expect(requestsTo(emulator, 'GET', /\/auditlogs\/export$/)).toHaveLength(1)
        expectNoStackTrace(run)
        expect(await filesIn(directory)).toEqual([])
      })
    })
  }

  test.concurrent('the same export without faults succeeds (control)', async () => {
    await withEmulator({}, async emulator => {
      const directory = await outputDir()
      const run = await exportAuditLogs(emulator, directory)
      expect(failureMessage(run)).toBe('')
      expect(Number(run.outputs.count)).toBeGreaterThan(0)
      expect(await filesIn(directory)).toEqual(['audit.csv'])
    })
  })
})
