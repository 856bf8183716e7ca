/**
 * Update commands over real HTTP against the emulator: list-updates, get-update,
 * list-previews and list-update-events.
 */
import { readFile } from 'node:fs/promises'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator()
const { run } = emulator

const isPreview = (kind: string): boolean => kind.startsWith('P') || kind === 'preview'

/** The seeded updates (not previews) of a stack, newest first, as the service orders them. */
function updatesOf(project: string, stack: string) {
  const s = emulator.state.getStack('acme', project, stack)
  return (s?.updates ?? []).filter(u => !isPreview(u.kind)).sort((a, b) => b.version - a.version)
}

function previewsOf(project: string, stack: string) {
  const s = emulator.state.getStack('acme', project, stack)
  return (s?.updates ?? []).filter(u => isPreview(u.kind)).sort((a, b) => b.startTime - a.startTime)
}

describe('list-updates', () => {
  it('lists the first page of updates, newest first, with the latest as outputs', async () => {
    const result = await run({ command: 'list-updates', stack: 'acme/website/prod' })
    expect(result.exitCode).toBe(0)
    const expected = updatesOf('website', 'prod')
    expect(emulator.requests[0]?.path).toBe('/api/stacks/acme/website/prod/updates')
    expect(emulator.requests[0]?.query).toBe('output-type=service&page=1&pageSize=10')
    expect(result.outputs.count).toBe(String(expected.length))
    expect(result.outputs['update-id']).toBe(expected[0]?.updateID)
    expect(result.outputs.status).toBe(expected[0]?.result)
    const listed = JSON.parse(result.outputs.result ?? '') as {
      updateID: string
      version: number
    }[]
    expect(listed.map(u => u.updateID)).toEqual(expected.map(u => u.updateID))
    expect(result.summary).toContain('| Version | Update | Kind |')
    expect(result.summary).toContain(`\`${expected[1]?.updateID ?? ''}\``)
  })

  it('pages with page and page-size', async () => {
    const result = await run({
      command: 'list-updates',
      stack: 'acme/website/prod',
      page: '2',
      'page-size': '1'
    })
    expect(result.exitCode).toBe(0)
    const second = updatesOf('website', 'prod')[1]
    expect(emulator.requests[0]?.query).toBe('output-type=service&page=2&pageSize=1')
    expect(result.outputs.count).toBe('1')
    expect(result.outputs['update-id']).toBe(second?.updateID)
    expect(result.outputs.status).toBe('failed')
  })

  it('runs once per stack for a wildcard', async () => {
    const result = await run({ command: 'list-updates', stack: 'acme/infra/*' })
    expect(result.exitCode).toBe(0)
    const paths = emulator.requests.map(r => r.path).filter(p => p.endsWith('/updates'))
    expect(paths.sort()).toEqual([
      '/api/stacks/acme/infra/dev/updates',
      '/api/stacks/acme/infra/prod/updates',
      '/api/stacks/acme/infra/scratch/updates'
    ])
    expect(result.summary).toContain('Updates of acme/infra/dev')
    expect(result.summary).toContain('Page 1 of 1: 2 updates in all.')
  })

  it('rejects page 0 before any request', async () => {
    const result = await run({ command: 'list-updates', stack: 'acme/website/prod', page: '0' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain("Input 'page'")
    expect(emulator.requests).toEqual([])
  })

  it('reports a missing stack (404)', async () => {
    const result = await run({ command: 'list-updates', stack: 'acme/website/nope' })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.map(r => r.status)).toEqual([404])
    expect(result.stdout).toContain('Not found')
  })
})

describe('get-update', () => {
  it("outputs the status and summarises the update's engine events", async () => {
    const update = updatesOf('website', 'prod')[0]
    const result = await run({
      command: 'get-update',
      stack: 'acme/website/prod',
      'update-id': update?.updateID ?? ''
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('succeeded')
    expect(result.outputs.count).toBe(String(update?.events.length))
    expect(emulator.requests.map(r => r.path)).toEqual([
      `/api/stacks/acme/website/prod/update/${update?.updateID ?? ''}`,
      `/api/stacks/acme/website/prod/update/${update?.updateID ?? ''}/events`
    ])
    const outcome = JSON.parse(result.outputs.result ?? '') as {
      kind: string
      resourceChanges: Record<string, number>
    }
    expect(outcome.kind).toBe('update')
    expect(outcome.resourceChanges).toMatchObject({ create: 1, update: 1, delete: 1 })
    expect(result.summary).toContain('Update of acme/website/prod succeeded')
    expect(result.summary).toContain('#### Resource changes')
  })

  it('links a preview to its console page', async () => {
    const preview = previewsOf('website', 'prod')[0]
    const result = await run({
      command: 'get-update',
      stack: 'acme/website/prod',
      'update-id': preview?.updateID ?? '',
      'console-url': 'https://app.example.com'
    })
    expect(result.exitCode).toBe(0)
    expect(JSON.parse(result.outputs.result ?? '')).toMatchObject({ kind: 'preview' })
    expect(result.summary).toContain(
      `https://app.example.com/acme/website/prod/previews/${preview?.updateID ?? ''}`
    )
  })

  it('summarises the events so far of an update still running, without waiting for more', async () => {
    const busy = emulator.state.getStack('acme', 'website', 'busy')
    const active = busy?.updates.find(u => u.updateID === busy.activeUpdate)
    const result = await run({
      command: 'get-update',
      stack: 'acme/website/busy',
      'update-id': busy?.activeUpdate ?? ''
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('running')
    expect(result.outputs.count).toBe(String(active?.events.length))
    // The second page brings nothing new under the same token: reading stops there.
    expect(emulator.requests.filter(r => r.path.endsWith('/events'))).toHaveLength(2)
    expect(result.summary).toContain('still running')
  })

  it('rejects a malformed update-id before any request', async () => {
    const result = await run({
      command: 'get-update',
      stack: 'acme/website/prod',
      'update-id': '../../etc'
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain("Input 'update-id'")
    expect(emulator.requests).toEqual([])
  })

  it('reports an unknown update (404)', async () => {
    const result = await run({
      command: 'get-update',
      stack: 'acme/website/prod',
      'update-id': '00000000-0000-0000-0000-000000000000'
    })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.map(r => r.status)).toEqual([404])
    expect(result.stdout).toContain('not found')
  })
})

describe('list-previews', () => {
  it("lists previews newest first and renders the latest preview's changes", async () => {
    const result = await run({ command: 'list-previews', stack: 'acme/website/prod' })
    expect(result.exitCode).toBe(0)
    const expected = previewsOf('website', 'prod')
    expect(result.outputs.count).toBe(String(expected.length))
    expect(result.outputs['update-id']).toBe(expected[0]?.updateID)
    expect(result.outputs.status).toBe(expected[0]?.result)
    expect(emulator.requests[0]?.path).toBe('/api/stacks/acme/website/prod/updates/latest/previews')
    expect(emulator.requests[0]?.query).toBe('asc=false&page=1&pageSize=10')
    expect(emulator.requests[1]?.path).toBe(
      `/api/stacks/acme/website/prod/update/${expected[0]?.updateID ?? ''}/events`
    )
    expect(result.summary).toContain('Preview of acme/website/prod')
    expect(result.summary).toContain('Previews of acme/website/prod')
  })

  it('rejects page-size 0 before any request', async () => {
    const result = await run({
      command: 'list-previews',
      stack: 'acme/website/prod',
      'page-size': '0'
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain("Input 'page-size'")
    expect(emulator.requests).toEqual([])
  })

  it('reports a missing stack (404)', async () => {
    const result = await run({ command: 'list-previews', stack: 'acme/website/nope' })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.map(r => r.status)).toEqual([404])
  })
})

describe('list-update-events', () => {
  it('reads every event of the latest update by default', async () => {
    const latest = updatesOf('website', 'prod')[0]
    const result = await run({ command: 'list-update-events', stack: 'acme/website/prod' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs['update-id']).toBe(latest?.updateID)
    expect(result.outputs.count).toBe(String(latest?.events.length))
    expect(result.outputs.status).toBe('succeeded')
    const outcome = JSON.parse(result.outputs.result ?? '') as Record<string, unknown>
    expect(outcome).toMatchObject({ updateId: latest?.updateID, count: latest?.events.length })
    expect(outcome).not.toHaveProperty('events')
    // The events themselves are streamed to the result file, after the same digest.
    const file = JSON.parse(await readFile(result.outputs['result-file'] ?? '', 'utf8')) as {
      events: unknown[]
    }
    expect(file.events).toEqual(latest?.events)
    expect(result.summary).toContain('#### Resource changes')
  })

  it('reads a given update', async () => {
    const failed = updatesOf('website', 'prod').find(u => u.result === 'failed')
    const result = await run({
      command: 'list-update-events',
      stack: 'acme/website/prod',
      'update-id': failed?.updateID ?? ''
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('failed')
    expect(result.outputs.count).toBe(String(failed?.events.length))
    expect(emulator.requests.some(r => r.path.endsWith('/updates'))).toBe(false)
  })

  it('rejects a malformed update-id before any request', async () => {
    const result = await run({
      command: 'list-update-events',
      stack: 'acme/website/prod',
      'update-id': 'not an id'
    })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests).toEqual([])
  })

  it('reports an unknown update (404)', async () => {
    const result = await run({
      command: 'list-update-events',
      stack: 'acme/website/prod',
      'update-id': 'deadbeef'
    })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.at(-1)?.status).toBe(404)
  })
})
