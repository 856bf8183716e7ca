/**
 * Writes through the bundled action are sent exactly once: a 429 or 503 answer is reported
 * (naming the request and saying it was not retried), never replayed blindly.
 */
import { failureMessage, requireDist, runDist } from '../support/action.js'
import { connection, requestsTo, withEmulator } from '../support/emulator.js'
import { expectNoStackTrace } from './harness.js'

const PROD = '/api/stacks/acme/website/prod'

beforeAll(requireDist)

interface WriteCase {
  title: string
  method: 'POST' | 'PATCH'
  path: string
  status: number
  inputs: Record<string, string>
  /** The emulator state the failed write must not have changed. */
  unchanged: (state: import('../../emulator/index.js').EmulatorState) => unknown
}

const tagOf = (state: import('../../emulator/index.js').EmulatorState, name: string) =>
  state.getStack('acme', 'website', 'prod')?.tags[name]

const CASES: WriteCase[] = [
  {
    title: 'set-stack-tags, new tag (POST) answered 429',
    method: 'POST',
    path: `${PROD}/tags`,
    status: 429,
    inputs: { command: 'set-stack-tags', stack: 'acme/website/prod', tags: 'team=payments' },
    unchanged: state => tagOf(state, 'team')
  },
  {
    title: 'set-stack-tags, changed tag (PATCH) answered 503',
    method: 'PATCH',
    path: `${PROD}/tags/owner`,
    status: 503,
    inputs: { command: 'set-stack-tags', stack: 'acme/website/prod', tags: 'owner=someone-else' },
    unchanged: state => tagOf(state, 'owner')
  },
  {
    title: 'transfer-stack (POST) answered 503',
    method: 'POST',
    path: `${PROD}/transfer`,
    status: 503,
    inputs: {
      command: 'transfer-stack',
      stack: 'acme/website/prod',
      'to-organization': 'acme-labs'
    },
    unchanged: state => state.getStack('acme', 'website', 'prod')?.org
  },
  {
    title: 'transfer-stack (POST) answered 429',
    method: 'POST',
    path: `${PROD}/transfer`,
    status: 429,
    inputs: {
      command: 'transfer-stack',
      stack: 'acme/website/prod',
      'to-organization': 'acme-labs'
    },
    unchanged: state => state.getStack('acme', 'website', 'prod')?.org
  }
]

describe('writes are never retried (bundled action)', () => {
  for (const write of CASES) {
    test.concurrent(write.title, async () => {
      await withEmulator({}, async emulator => {
        const before = write.unchanged(emulator.state)
        emulator.addFault({
          method: write.method,
          path: write.path,
          kind: 'status',
          status: write.status,
          retryAfter: 0,
          count: -1
        })

        const run = await runDist({ ...connection(emulator), ...write.inputs })

        expect(run.exitCode).toBe(1)
        const writes = emulator.requests.filter(request => request.method !== 'GET')
        expect(writes.map(request => `${request.method} ${request.path}`)).toEqual([
          `${write.method} ${write.path}`
        ])
        const message = failureMessage(run)
        expect(message).toContain(`${write.method} ${write.path} failed with ${write.status}`)
        expect(message).toMatch(/not retried automatically/)
        expect(message).not.toMatch(/attempts/)
        expectNoStackTrace(run)
        expect(write.unchanged(emulator.state)).toEqual(before)
        // The reads around the write still worked normally.
        expect(requestsTo(emulator, 'GET', /^\/api\/stacks\/acme\/website\/prod$/).length).toBe(1)
      })
    })
  }
})
