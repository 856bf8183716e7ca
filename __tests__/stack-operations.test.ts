/**
 * wait-for-stack, cancel-update and wait-if-busy: their logic through run() with a test
 * context against the emulator (updates that end on their own, a stack busy for good), and
 * the runner path (outputs, exit code) through the action for a few.
 */
import { describe, expect, it } from '@jest/globals'
import type { AnyInputs } from '../src/commands/types.js'
import { CancelledError, WaitTimeoutError } from '../src/poll.js'
import { failureMessage } from './support/action.js'
import { command, fakeContext, runCommand as runWith } from './support/command-context.js'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator()

const PROD = { organization: 'acme', project: 'website', stack: 'prod' }
const BUSY = { organization: 'acme', project: 'website', stack: 'busy' }
const BUSY_UPDATE = '4b40176a-8c2e-4e22-8027-2b114e32ef0d'

async function runCommand(name: string, inputs: AnyInputs, options: { dryRun?: boolean } = {}) {
  const { outcome, info, planned } = await runWith(emulator.running, name, inputs, options)
  return { outcome, log: info, planned }
}

/** Starts an update on acme/website/prod that ends by itself after `durationMs`. */
function startUpdate(
  kind: 'update' | 'refresh' | 'preview',
  durationMs: number,
  result: 'succeeded' | 'failed' = 'succeeded'
): string {
  const stack = emulator.state.getStack('acme', 'website', 'prod')
  if (!stack) throw new Error('seed lost acme/website/prod')
  return emulator.state.startUpdate(stack, kind, {
    login: 'bob',
    durationMs,
    result,
    message: 'test'
  }).updateID
}

const stackGets = () => emulator.requestsTo('GET', /^\/api\/stacks\/acme\/website\/(prod|busy)$/)

describe('wait-for-stack', () => {
  it('returns idle at once for a free stack', async () => {
    const { outcome } = await runCommand('wait-for-stack', { stack: PROD })
    expect(outcome.outputs).toEqual({ status: 'idle', 'waited-seconds': 0 })
    expect(stackGets()).toHaveLength(1)
  })

  it('polls until a running update ends, then reports what it waited for', async () => {
    const id = startUpdate('update', 600)
    const { outcome, log } = await runCommand('wait-for-stack', {
      stack: PROD,
      timeoutMinutes: 1
    })
    expect(outcome.outputs?.status).toBe('idle')
    expect(stackGets().length).toBeGreaterThan(1)
    expect(log.join('\n')).toContain(`busy: a update by bob (update ${id})`)
    expect(outcome.summary).toContain('Waited for')
    expect(outcome.summary).toContain(id)
  })

  it('with update-id, waits for that update and reports its result, even a failure', async () => {
    const id = startUpdate('refresh', 400, 'failed')
    const { outcome } = await runCommand('wait-for-stack', { stack: PROD, updateId: id })
    expect(outcome.outputs?.status).toBe('failed')
    // the kind was read from the update list and picks the status path
    expect(emulator.requestsTo('GET', new RegExp(`/refresh/${id}$`)).length).toBeGreaterThan(0)
  })

  it('times out naming the operation still running', async () => {
    const wait = runCommand('wait-for-stack', { stack: BUSY, timeoutMinutes: 0.01 })
    await expect(wait).rejects.toBeInstanceOf(WaitTimeoutError)
    await expect(wait).rejects.toThrow(
      /Timed out after 0\.6 s waiting for acme\/website\/busy: a update by bob \(update 4b40176a/
    )
  })

  it('stops at once when the run is cancelled', async () => {
    const controller = new AbortController()
    const test = await fakeContext(emulator.running, { signal: controller.signal })
    try {
      const wait = command('wait-for-stack').run(test.context, { stack: BUSY, timeoutMinutes: 5 })
      setTimeout(() => {
        controller.abort(new Error('The job was cancelled (SIGTERM).'))
      }, 300)
      const started = Date.now()
      await expect(wait).rejects.toBeInstanceOf(CancelledError)
      expect(Date.now() - started).toBeLessThan(20_000)
    } finally {
      test.dispose()
    }
  })

  it('through the action: a timeout fails the step; a finished update exits 0', async () => {
    const timedOut = await emulator.run({
      command: 'wait-for-stack',
      stack: 'acme/website/busy',
      'timeout-minutes': '0.005'
    })
    expect(timedOut.exitCode).toBe(1)
    expect(failureMessage(timedOut)).toContain('a update by bob')
    expect(timedOut.summary).toContain('wait-for-stack')

    const id = startUpdate('update', 200, 'failed')
    const done = await emulator.run({
      command: 'wait-for-stack',
      stack: 'acme/website/prod',
      'update-id': id
    })
    expect(done.exitCode).toBe(0)
    expect(done.outputs.status).toBe('failed')
    expect(Number(done.outputs['waited-seconds'])).toBeGreaterThanOrEqual(0)
  })
})

describe('cancel-update', () => {
  it('refuses to cancel whatever runs without force, with the inputs (before any request)', () => {
    // readSettings calls validate with the other input checks (settings.test.ts).
    expect(() => command('cancel-update').validate?.({})).toThrow(/Input 'force'/)
    expect(() => command('cancel-update').validate?.({ force: true })).not.toThrow()
  })

  it("with force, cancels the stack's running operation on its kind's path", async () => {
    const { outcome } = await runCommand('cancel-update', { stack: BUSY, force: true })
    expect(outcome.outputs).toEqual({ status: 'cancel-requested', 'update-id': BUSY_UPDATE })
    expect(emulator.writeTargets()).toEqual([
      {
        method: 'POST',
        path: `/api/stacks/acme/website/busy/update/${BUSY_UPDATE}/cancel`,
        query: ''
      }
    ])
    expect(emulator.state.getStack('acme', 'website', 'busy')?.currentOperation).toBeUndefined()
    const status = await runCommand('wait-for-stack', { stack: BUSY, updateId: BUSY_UPDATE })
    expect(status.outcome.outputs?.status).toBe('cancelled')
  })

  it('reads the kind of an update-id: a refresh is cancelled under /refresh/', async () => {
    const id = startUpdate('refresh', 60_000)
    const { outcome } = await runCommand('cancel-update', { stack: PROD, updateId: id })
    expect(outcome.outputs?.status).toBe('cancel-requested')
    expect(emulator.writeTargets().map(w => w.path)).toEqual([
      `/api/stacks/acme/website/prod/refresh/${id}/cancel`
    ])
  })

  it('sends nothing for an update that already ended, or an idle stack', async () => {
    const first = emulator.state.getStack('acme', 'website', 'prod')?.updates[0]?.updateID ?? ''
    const { outcome } = await runCommand('cancel-update', { stack: PROD, updateId: first })
    expect(outcome.outputs?.status).toBe('succeeded')
    const idle = await runCommand('cancel-update', { stack: PROD, force: true })
    expect(idle.outcome.outputs?.status).toBe('idle')
    expect(emulator.writeTargets()).toEqual([])
  })

  it('names an unknown update-id', async () => {
    await expect(
      runCommand('cancel-update', { stack: PROD, updateId: 'no-such-update' })
    ).rejects.toThrow(/no-such-update is not among the newest 100 updates or previews/)
  })

  it('under dry-run plans the cancel and sends nothing', async () => {
    const { outcome, planned } = await runCommand(
      'cancel-update',
      { stack: BUSY, force: true },
      { dryRun: true }
    )
    expect(planned).toEqual([
      { method: 'POST', path: `/api/stacks/acme/website/busy/update/${BUSY_UPDATE}/cancel` }
    ])
    expect(outcome.summary).toContain('would cancel')
    expect(emulator.writeTargets()).toEqual([])
    expect(emulator.state.getStack('acme', 'website', 'busy')?.currentOperation).toBeDefined()
  })
})

describe('wait-if-busy', () => {
  it('waits for the running update to end, then sends the write once', async () => {
    startUpdate('update', 500)
    const result = await emulator.run({
      command: 'set-stack-tags',
      stack: 'acme/website/prod',
      tags: 'reviewed=yes',
      'wait-if-busy': 'true'
    })
    expect(result.exitCode).toBe(0)
    const writes = emulator.requests.filter(r => r.method === 'POST')
    expect(writes).toHaveLength(1)
    // the write went out only after a stack read that showed no operation
    const gets = stackGets()
    expect(gets.length).toBeGreaterThan(1)
    expect(writes[0]?.startedAt).toBeGreaterThanOrEqual(gets[gets.length - 2]?.finishedAt ?? 0)
    expect(emulator.state.getStack('acme', 'website', 'prod')?.tags.reviewed).toBe('yes')
  })

  it('gives up at timeout-minutes without sending the write', async () => {
    const result = await emulator.run({
      command: 'delete-stack-tag',
      stack: 'acme/website/busy',
      'tag-name': 'owner',
      'wait-if-busy': 'true',
      'timeout-minutes': '0.005'
    })
    expect(result.exitCode).toBe(1)
    expect(failureMessage(result)).toMatch(/still running.*cancel-update/)
    expect(emulator.writeTargets()).toEqual([])
  })

  it('the time waited counts against the same timeout-minutes as the command (run-deployment)', async () => {
    // Busy for 3 s; the deployment would run for 2 minutes; timeout-minutes is 4.2 s. Two
    // deadlines would let the step run about 3.2 s (the wait) + 4.2 s; one ends it at 4.2 s.
    // The margins on both sides are wide enough for a loaded machine.
    startUpdate('update', 3000)
    emulator.state.scriptDeployments({ result: 'succeeded', durationMs: 120_000 })
    const started = Date.now()
    const result = await emulator.run({
      command: 'run-deployment',
      stack: 'acme/website/prod',
      operation: 'update',
      'wait-if-busy': 'true',
      'timeout-minutes': '0.07'
    })
    const elapsed = Date.now() - started
    expect(result.exitCode).toBe(1)
    expect(failureMessage(result)).toMatch(/did not end within 4\.2 s .* was cancelled/)
    // The deployment was created only once the stack was free, and cancelled at the one deadline.
    expect(emulator.requestsTo('POST', /\/deployments$/)).toHaveLength(1)
    expect(emulator.requestsTo('POST', /\/deployments\/[^/]+\/cancel$/)).toHaveLength(1)
    expect(elapsed).toBeGreaterThanOrEqual(4200)
    expect(elapsed).toBeLessThan(6600)
  })

  it('without it, a busy stack is not waited for (the service answers 409)', async () => {
    const result = await emulator.run({
      command: 'transfer-stack',
      stack: 'acme/website/busy',
      'to-organization': 'acme-labs'
    })
    expect(result.exitCode).toBe(1)
    expect(failureMessage(result)).toContain('409')
    expect(emulator.writeTargets()).toHaveLength(1)
  })
})
