/**
 * Unfinished updates, result files streamed by the command, output size guards, the failure
 * summary and the `dry-run` output, the `comments` flag, and the policy cap of the digest.
 */
import { readFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIG_UPDATE_ID } from '../emulator/index.js'
import { bigUpdateEvent } from '../emulator/generate.js'
import type { EngineEvent } from '../src/api/types.js'
import { COMMANDS } from '../src/commands/registry.js'
import { modelOf } from '../src/events/model.js'
import { isPreviewKind, renderUpdate } from '../src/render/events.js'
import { JsonStreamWriter, streamResultFile } from '../src/result-file.js'
import type { ActionRun } from './support/action.js'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator()
const { run } = emulator

const BUSY = 'acme/website/busy'
const BUSY_UPDATE = '4b40176a-8c2e-4e22-8027-2b114e32ef0d'

function stack(project: string, name: string) {
  const found = emulator.state.getStack('acme', project, name)
  if (!found) throw new Error(`no stack acme/${project}/${name} in the seed`)
  return found
}

async function resultFile(action: ActionRun): Promise<Record<string, unknown>> {
  const path = action.outputs['result-file'] ?? ''
  expect(path).not.toBe('')
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
}

function result(action: ActionRun): Record<string, unknown> {
  return JSON.parse(action.outputs.result ?? 'null') as Record<string, unknown>
}

const eventPages = () => emulator.requestsTo('GET', /\/update\/[^/]+\/events$/)

describe('an update still running', () => {
  it('list-update-events reports the events so far and stops when the token repeats', async () => {
    const busy = stack('website', 'busy').updates.find(u => u.updateID === BUSY_UPDATE)
    const action = await run({ command: 'list-update-events', stack: BUSY })
    expect(action.stdout).not.toContain('continuation token repeated')
    expect(action.exitCode).toBe(0)
    expect(action.outputs.status).toBe('running')
    expect(action.outputs['update-id']).toBe(BUSY_UPDATE)
    expect(action.outputs.count).toBe(String(busy?.events.length))
    // Page 1 holds what exists; page 2 brings nothing new under the same token: stop.
    const pages = eventPages()
    expect(pages.map(r => r.query)).toEqual(['', `continuationToken=${busy?.events.length}`])
    expect(result(action)).toMatchObject({ status: 'running', finished: false, kind: 'update' })
    expect((await resultFile(action)).events).toEqual(busy?.events)
    expect(action.summary).toContain('still running')
    expect(action.summary).toContain(`${busy?.events.length} events it had produced so far`)
  })

  it('get-update reads the events so far instead of only the status', async () => {
    const action = await run({ command: 'get-update', stack: BUSY, 'update-id': BUSY_UPDATE })
    expect(action.exitCode).toBe(0)
    expect(action.outputs.status).toBe('running')
    expect(action.outputs.count).toBe('3')
    expect(eventPages()).toHaveLength(2)
    expect(action.summary).toContain('still running')
  })

  it('list-previews summarises a preview still in progress without failing', async () => {
    const preview = stack('website', 'prod')
      .updates.filter(u => isPreviewKind(u.kind))
      .sort((a, b) => b.startTime - a.startTime)[0]
    if (!preview) throw new Error('the seed has no preview on acme/website/prod')
    preview.result = 'in-progress'
    const action = await run({ command: 'list-previews', stack: 'acme/website/prod' })
    expect(action.stdout).not.toContain('::error::')
    expect(action.exitCode).toBe(0)
    expect(action.outputs.status).toBe('in-progress')
    expect(eventPages()).toHaveLength(2)
    expect(action.summary).toContain('still in-progress')
  })

  it("treats the spec's 'requested' status as unfinished", async () => {
    const update = stack('website', 'prod').updates.find(u => u.kind === 'update')
    if (!update) throw new Error('the seed has no update on acme/website/prod')
    // Not a result the update list knows; the status route passes it through as the status.
    Object.assign(update, { result: 'requested' })
    const action = await run({
      command: 'get-update',
      stack: 'acme/website/prod',
      'update-id': update.updateID
    })
    expect(action.exitCode).toBe(0)
    expect(action.outputs.status).toBe('requested')
    expect(result(action)).toMatchObject({ finished: false })
    expect(action.summary).toContain('still requested')
  })
})

describe('list-update-events kind and console link', () => {
  const updates = () =>
    stack('website', 'prod')
      .updates.filter(u => !isPreviewKind(u.kind))
      .sort((a, b) => b.version - a.version)

  it('labels a preview given by update-id a preview and links its preview page', async () => {
    const preview = stack('website', 'prod').updates.find(u => isPreviewKind(u.kind))
    const action = await run({
      command: 'list-update-events',
      stack: 'acme/website/prod',
      'update-id': preview?.updateID ?? '',
      'console-url': 'https://app.example.com'
    })
    expect(action.exitCode).toBe(0)
    expect(result(action)).toMatchObject({ kind: 'preview' })
    expect(action.summary).toContain('Preview of acme/website/prod')
    expect(action.summary).toContain(
      `https://app.example.com/acme/website/prod/previews/${preview?.updateID ?? ''}`
    )
  })

  it('never links an update given by update-id to a preview page (its version is unknown)', async () => {
    const update = updates()[1]
    const action = await run({
      command: 'list-update-events',
      stack: 'acme/website/prod',
      'update-id': update?.updateID ?? '',
      'console-url': 'https://app.example.com'
    })
    expect(action.exitCode).toBe(0)
    expect(result(action)).toMatchObject({ kind: 'update' })
    expect(action.summary).toContain('Update of acme/website/prod')
    expect(action.summary).not.toContain('/previews/')
    expect(action.summary).not.toContain('View in Pulumi Cloud')
  })

  it('links the latest update by its version', async () => {
    const latest = updates()[0]
    const action = await run({
      command: 'list-update-events',
      stack: 'acme/website/prod',
      'console-url': 'https://app.example.com'
    })
    expect(action.exitCode).toBe(0)
    expect(result(action)).toMatchObject({ kind: 'update', version: latest?.version })
    expect(action.summary).toContain(
      `https://app.example.com/acme/website/prod/updates/${latest?.version ?? ''}`
    )
  })
})

describe('results streamed to the result file', () => {
  it('list-update-events: `result` is a digest, the events are in the result file', async () => {
    const latest = stack('website', 'prod')
      .updates.filter(u => !isPreviewKind(u.kind))
      .sort((a, b) => b.version - a.version)[0]
    const action = await run({ command: 'list-update-events', stack: 'acme/website/prod' })
    expect(action.exitCode).toBe(0)
    const compact = result(action)
    expect(compact).not.toHaveProperty('events')
    expect(compact).toMatchObject({
      updateId: latest?.updateID,
      status: 'succeeded',
      finished: true,
      count: latest?.events.length
    })
    const file = await resultFile(action)
    expect(file.events).toEqual(latest?.events)
    // The file is the digest plus the events.
    expect({ ...file, events: undefined }).toEqual({ ...compact, events: undefined })
  })

  it('list-update-events over 5000 generated events keeps `result` small', async () => {
    await emulator.restart({ generate: { updateEvents: 5000 } })
    const action = await run({
      command: 'list-update-events',
      stack: 'acme/big/state',
      'update-id': BIG_UPDATE_ID
    })
    expect(action.exitCode).toBe(0)
    expect(action.outputs.count).toBe('5000')
    expect(Buffer.byteLength(action.outputs.result ?? '')).toBeLessThan(64 * 1024)
    const events = (await resultFile(action)).events as EngineEvent[]
    expect(events).toHaveLength(5000)
    // In the order the service sent them, none lost or doubled.
    for (const index of [0, 1, 2500, 4998, 4999])
      expect(events[index]).toEqual(bigUpdateEvent(index, 5000))
  })

  it('list-audit-logs: `result` holds the count and time range, the file every event', async () => {
    const expected = emulator.state.auditLog('acme')
    expect(expected.length).toBeGreaterThan(1)
    const action = await run({ command: 'list-audit-logs', organization: 'acme' })
    expect(action.exitCode).toBe(0)
    const times = expected.map(e => e.timestamp)
    expect(result(action)).toEqual({
      organization: 'acme',
      count: expected.length,
      newest: Math.max(...times),
      oldest: Math.min(...times)
    })
    const file = await resultFile(action)
    expect((file.events as { event: string }[]).map(e => e.event)).toEqual(
      expected.map(e => e.event)
    )
    expect(file.count).toBe(expected.length)
    expect(action.summary).toContain(`${expected.length} audit events of acme`)
  })

  it('a failed paging leaves no partial result file', async () => {
    await emulator.restart({ generate: { auditEvents: 250 } })
    emulator.addFault({
      method: 'GET',
      path: '/api/orgs/acme/auditlogs',
      query: 'continuationToken=',
      kind: 'repeat-token',
      count: -1
    })
    const action = await run({ command: 'list-audit-logs', organization: 'acme' })
    expect(action.exitCode).toBe(1)
    expect(action.outputs['result-file']).toBeUndefined()
    const written = Object.keys(await action.files()).filter(name => name.endsWith('.json'))
    expect(written).toEqual([])
  })
})

describe('JsonStreamWriter', () => {
  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pca-json-writer-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes nested objects and arrays with commas only between items', async () => {
    const { path, value } = await streamResultFile(dir, 'test', async writer => {
      await writer.begin('{')
      await writer.field('a', 1)
      writer.key('list')
      await writer.begin('[')
      for (let i = 0; i < 3; i++) await writer.value({ i, text: 'x"\n' })
      await writer.begin('[')
      await writer.end()
      await writer.end()
      writer.key('empty')
      await writer.begin('{')
      await writer.end()
      await writer.fields({ b: 'two', c: null, d: undefined })
      await writer.end()
      return 'done'
    })
    expect(value).toBe('done')
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      a: 1,
      list: [{ i: 0, text: 'x"\n' }, { i: 1, text: 'x"\n' }, { i: 2, text: 'x"\n' }, []],
      empty: {},
      b: 'two',
      c: null,
      d: null
    })
  })

  it('streams a document larger than its buffer intact', async () => {
    const item = { text: 'y'.repeat(1000) }
    const { path } = await streamResultFile(dir, 'big', async writer => {
      await writer.begin('[')
      for (let i = 0; i < 2000; i++) await writer.value({ ...item, i })
      await writer.end()
    })
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { i: number }[]
    expect(parsed.map(x => x.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i))
  })

  it('refuses misuse instead of writing invalid JSON, and removes the file', async () => {
    const writer = await JsonStreamWriter.create(join(dir, 'misuse.json'))
    await writer.begin('{')
    await expect(writer.value(1)).rejects.toThrow('needs a key first')
    expect(() => {
      writer.key('a')
      writer.key('b')
    }).toThrow("key 'b' out of place")
    await writer.abandon()
    let path = ''
    await expect(
      streamResultFile(dir, 'unfinished', async w => {
        path = w.path
        await w.begin('[')
      })
    ).rejects.toThrow('closed before the document was complete')
    await expect(readFile(path)).rejects.toThrow('ENOENT')
  })
})

describe('outputs and summaries of main', () => {
  it('leaves out any output over 1 MB with a warning naming it, not only `result`', async () => {
    await emulator.restart({ generate: { stacks: 12_000 } })
    const action = await run({ command: 'list-stacks', organization: 'acme' })
    expect(action.exitCode).toBe(0)
    expect(Number(action.outputs.count)).toBeGreaterThan(12_000)
    expect(action.outputs.stacks).toBeUndefined()
    expect(action.stdout).toMatch(/::warning::The output 'stacks' is \d+ bytes.*result-file/)
    expect(action.outputs.result).toBeUndefined()
    expect(action.stdout).toMatch(/::warning::The output 'result' is \d+ bytes/)
    const file = JSON.parse(
      await readFile(action.outputs['result-file'] ?? '', 'utf8')
    ) as unknown[]
    expect(file.length).toBe(Number(action.outputs.count))
  })

  it('writes a failure section to the job summary when a single-stack command fails', async () => {
    const action = await run({ command: 'get-stack', stack: 'acme/website/nope' })
    expect(action.exitCode).toBe(1)
    expect(action.summary).toContain('❌ get-stack failed on acme/website/nope')
    expect(action.summary).toContain('not found')
  })

  it('writes no failure summary when summary is false', async () => {
    const action = await run({
      command: 'get-stack',
      stack: 'acme/website/nope',
      summary: 'false'
    })
    expect(action.exitCode).toBe(1)
    expect(action.summary).toBe('')
  })

  it("outputs dry-run 'false' for a read-only command, even with dry-run on", async () => {
    const action = await run({
      command: 'get-stack',
      stack: 'acme/website/prod',
      'dry-run': 'true'
    })
    expect(action.exitCode).toBe(0)
    expect(action.outputs['dry-run']).toBe('false')
  })

  it('marks exactly the commands whose outcome carries a comment', () => {
    expect(
      COMMANDS.filter(command => command.comments === true)
        .map(command => command.name)
        .sort()
    ).toEqual(['get-update', 'list-previews', 'list-update-events', 'run-deployment'])
  })
})

describe('the event digest', () => {
  const policyEvent = (i: number): EngineEvent => ({
    sequence: i,
    timestamp: 0,
    policyEvent: {
      message: `violation ${i}`,
      policyName: `policy-${i}`,
      policyPackName: 'pack',
      enforcementLevel: 'mandatory'
    }
  })
  const meta = { stack: 'acme/p/s', updateId: 'u1', status: 'failed' }

  it('caps policy violations while folding and says how many more there were', () => {
    const model = modelOf(
      Array.from({ length: 150 }, (_, i) => policyEvent(i)),
      { kind: 'update' }
    )
    expect(model.policies).toHaveLength(100)
    expect(model.policyCounts).toMatchObject({ total: 150, mandatory: 150 })
    expect(renderUpdate(meta, model)).toContain(
      "…and 50 more policy violations, listed in this step's result file."
    )
    expect(renderUpdate(meta, model, { compact: true })).toContain(
      "…and 130 more policy violations, listed in the run's job summary."
    )
  })

  it('counts the diagnostics the compact comment leaves out', () => {
    const model = modelOf(
      Array.from({ length: 30 }, (_, i) => ({
        sequence: i,
        timestamp: 0,
        diagnosticEvent: { message: `warn ${i}`, severity: 'warning' }
      })),
      { kind: 'update' }
    )
    expect(renderUpdate(meta, model)).not.toContain('more, listed')
    expect(renderUpdate(meta, model, { compact: true })).toContain(
      "…and 10 warnings more, listed in the run's job summary."
    )
  })

  it('knows every preview kind of the spec', () => {
    for (const kind of ['preview', 'Pupdate', 'Prefresh', 'Pdestroy', 'Pimport', 'Prename'])
      expect(isPreviewKind(kind)).toBe(true)
    for (const kind of ['update', 'refresh', 'destroy', 'import', 'rename'])
      expect(isPreviewKind(kind)).toBe(false)
  })
})
