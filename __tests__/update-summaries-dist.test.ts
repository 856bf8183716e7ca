/**
 * The eight ways update summaries used to be wrong on real engine event streams (issue #13),
 * each shown corrected through the bundled action, with the emulator serving the fixture
 * streams of __tests__/fixtures/events/.
 */
import type { JsonObject, UpdateKind, UpdateResult } from '../emulator/types.js'
import { fixture } from './support/events.js'
import { requireDist } from './support/action.js'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator({ scope: 'all' })
const STACK = 'acme/website/prod'
const RUN = {
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'octo/app',
  GITHUB_RUN_ID: '777'
}

let next = 0
/** Adds an update with the fixture's events as the stack's newest; returns its id. */
function seed(events: unknown[], kind: UpdateKind = 'update', result: UpdateResult = 'succeeded') {
  const stack = emulator.state.getStack('acme', 'website', 'prod')
  if (!stack) throw new Error('no acme/website/prod in the seed')
  const version = Math.max(0, ...stack.updates.map(u => u.version)) + 1
  const updateID = `00000000-0000-4000-8000-${String(++next).padStart(12, '0')}`
  stack.updates.push({
    updateID,
    kind,
    version,
    startTime: 1760000000 + next,
    endTime: 1760000100 + next,
    result,
    message: '',
    environment: {},
    config: {},
    resourceChanges: {},
    requestedBy: stack.updates[0]?.requestedBy ?? 'alice',
    events: events as JsonObject[]
  })
  return updateID
}

async function getUpdate(updateId: string) {
  const run = await emulator.runDist(
    { command: 'get-update', stack: STACK, 'update-id': updateId },
    RUN
  )
  expect(run.exitCode).toBe(0)
  return run.summary
}

beforeAll(() => {
  requireDist()
})

describe('update summaries on real stream shapes, through dist/index.js', () => {
  it('1. a refresh shows what it found (drift, deleted) instead of "No resource changes"', async () => {
    const summary = await getUpdate(seed(fixture('engine-refresh'), 'refresh'))
    expect(summary).toContain('Refresh of acme/website/prod succeeded: `+0 ~1 -1 ±0`')
    expect(summary).toContain(
      '| 🟡 update | ✅ done | `aws:rds/instance:Instance` | db | instanceClass |'
    )
    expect(summary).toContain('| 🔴 delete | ✅ done | `aws:ec2/volume:Volume` | data |')
    expect(summary).not.toContain('No resource changes')
  })

  it('2. a failed resource is marked failed and not counted as a change', async () => {
    const summary = await getUpdate(seed(fixture('failed-update'), 'update', 'failed'))
    expect(summary).toContain('Update of acme/website/prod failed: `+0 ~0 -0 ±0` · 1 failed')
    expect(summary).toContain(
      '| 🟡 update | ❌ failed | `aws:lambda/function:Function` | handler |'
    )
  })

  it('3. the errors that explain a failure come first and are never cut for warnings', async () => {
    const summary = await getUpdate(seed(fixture('failed-update'), 'update', 'failed'))
    expect(summary).toContain('#### Diagnostics (2 errors, 120 warnings)')
    const rows = summary.split('\n').filter(line => /^\| (❌ error|⚠️ warning) \|/.test(line))
    expect(rows.slice(0, 2).every(row => row.startsWith('| ❌ error'))).toBe(true)
    expect(rows[0]).toContain('AccessDenied')
    expect(summary).toContain('…and 22 warnings more')
  })

  it('4. steps that never finished are interrupted, not changes', async () => {
    const summary = await getUpdate(seed(fixture('interrupted-update'), 'update', 'failed'))
    expect(summary).toContain('`+1 ~0 -0 ±0` · 3 interrupted')
    expect(summary).toContain(
      '| 🟢 create | ⚠️ interrupted | `aws:ec2/instance:Instance` | frontend-vm |'
    )
    expect(summary).toContain(
      '| 🟡 update | ⚠️ interrupted | `aws:rds/instance:Instance` | orders-db |'
    )
  })

  it('5. an old CLI preview (planning, no isPreview) is called a preview', async () => {
    const summary = await getUpdate(seed(fixture('cli-2022-preview'), 'update'))
    expect(summary).toContain('Preview of acme/website/prod')
    expect(summary).toContain('#### Planned changes')
    expect(summary).not.toContain('Update of')
  })

  it('6. a change to stack outputs is shown, with the Stack row the heading counts', async () => {
    const preview = await getUpdate(seed(fixture('cli-2022-preview'), 'update'))
    expect(preview).toContain('`+0 ~1 -0 ±1`')
    expect(preview).toContain(
      '| 🟡 update | 📋 planned | `pulumi:pulumi:Stack` | shop-dev | region, url |'
    )
    expect(preview).toContain(
      'One planned update is to the stack itself: 2 changes to stack outputs.'
    )
    const outputs = await getUpdate(seed(fixture('stack-outputs-only')))
    expect(outputs).toContain(
      '3 changes to stack outputs, which the engine counts as no resource change.'
    )
    expect(outputs).toContain('| `endpoint` | changed |')
  })

  it('7. a long table folds into <details> and its cut links the run', async () => {
    const creates = Array.from({ length: 530 }, (_, i) => {
      const urn = `urn:pulumi:prod::website::aws:s3/bucket:Bucket::b${i}`
      const metadata = {
        op: 'create',
        urn,
        type: 'aws:s3/bucket:Bucket',
        old: null,
        new: { urn, custom: true }
      }
      return [
        { timestamp: 0, type: 'resourcePreEvent', resourcePreEvent: { metadata } },
        { timestamp: 0, type: 'resOutputsEvent', resOutputsEvent: { metadata } }
      ]
    }).flat()
    const summary = await getUpdate(seed(creates))
    expect(summary).toContain('`+530 ~0 -0 ±0`')
    expect(summary).toContain('<details><summary>480 more resource changes</summary>')
    expect(summary).toContain(
      "…and 30 more resource changes, listed in this step's result file ([run](https://github.com/octo/app/actions/runs/777))."
    )
  })

  it('8. imports are not folded into +, and a destroy, refresh or import is not an "Update of"', async () => {
    seed(fixture('import'), 'import')
    const run = await emulator.runDist({ command: 'list-update-events', stack: STACK }, RUN)
    expect(run.exitCode).toBe(0)
    expect(run.summary).toContain('Import of acme/website/prod succeeded: `+1 ~0 -0 ±0 =1`')
    const destroy = await getUpdate(seed(fixture('destroy'), 'destroy'))
    expect(destroy).toContain('Destroy of acme/website/prod succeeded: `+0 ~0 -2 ±0`')
  })
})
