/**
 * Many stacks in one step: wildcard resolution through list-stacks, the concurrency bound,
 * partial failure and fail-fast, and export-stack's directory with manifest.json.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { useEmulator } from './support/emulator.js'

interface Manifest {
  stacks: {
    stack: string
    path: string
    bytes: number
    sha256: string
    resourceCount: number
    exportedAt: string
  }[]
}

const emulator = useEmulator()
const { run: action } = emulator

const exportsRequested = (): string[] =>
  emulator.requests
    .filter(request => request.method === 'GET' && request.path.endsWith('/export'))
    .map(request => request.path.replace(/^\/api\/stacks\//, '').replace(/\/export$/, ''))

const listStacksQueries = (): URLSearchParams[] =>
  emulator.requests
    .filter(request => request.path === '/api/user/stacks')
    .map(request => new URLSearchParams(request.query))

async function manifestOf(directory: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(directory, 'manifest.json'), 'utf8')) as Manifest
}

describe('wildcard resolution', () => {
  test('acme/*/prod matches the prod stack of every acme project, asking list-stacks for acme only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pca-multi-'))
    const run = await action({ command: 'export-stack', stack: 'acme/*/prod', path: dir })
    expect(run.exitCode).toBe(0)
    expect(exportsRequested().sort()).toEqual(['acme/infra/prod', 'acme/website/prod'])
    const [query] = listStacksQueries()
    expect(query?.get('organization')).toBe('acme')
    expect(query?.get('project')).toBeNull()
    expect((await manifestOf(dir)).stacks.map(entry => entry.stack)).toEqual([
      'acme/infra/prod',
      'acme/website/prod'
    ])
  })

  test('acme/website/* filters list-stacks by project and runs every stack of it', async () => {
    const run = await action({ command: 'get-stack', stack: 'acme/website/*' })
    expect(run.exitCode).toBe(0)
    const [query] = listStacksQueries()
    expect(query?.get('organization')).toBe('acme')
    expect(query?.get('project')).toBe('website')
    const result = JSON.parse(run.outputs.result ?? '[]') as { stack: string }[]
    expect(result.map(entry => entry.stack)).toEqual([
      'acme/website/busy',
      'acme/website/prod',
      'acme/website/staging'
    ])
    expect(run.outputs.count).toBe('3')
  })

  test('several lines and a wildcard together, duplicates run once, in the order given', async () => {
    const run = await action({
      command: 'get-stack',
      stack: 'acme/infra/dev\nacme/website/prod\nacme/infra/*'
    })
    expect(run.exitCode).toBe(0)
    const result = JSON.parse(run.outputs.result ?? '[]') as { stack: string }[]
    expect(result.map(entry => entry.stack)).toEqual([
      'acme/infra/dev',
      'acme/website/prod',
      'acme/infra/prod',
      'acme/infra/scratch'
    ])
    const gets = emulator.requests.filter(r => /^\/api\/stacks\/[^/]+\/[^/]+\/[^/]+$/.test(r.path))
    expect(gets).toHaveLength(4)
  })

  test('a wildcard that matches one stack still writes a directory and a manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pca-multi-'))
    const run = await action({ command: 'export-stack', stack: 'acme/infra/d*', path: dir })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.path).toBe(dir)
    expect((await manifestOf(dir)).stacks.map(entry => entry.path)).toEqual(['acme/infra/dev.json'])
  })

  test('a wildcard that matches nothing fails before any stack is touched', async () => {
    const run = await action({ command: 'get-stack', stack: 'acme/*/nope' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain("No stack matches 'acme/*/nope'")
    expect(emulator.requests.filter(request => request.path.startsWith('/api/stacks/'))).toEqual([])
  })
})

describe('concurrency', () => {
  test.each([1, 3])('never more than concurrency=%i requests in flight', async concurrency => {
    // Slow bodies make the exports overlap, so the bound is what limits them.
    emulator.addFault({ path: '/api/stacks/**/export', kind: 'slow', delayMs: 5, count: -1 })
    const dir = await mkdtemp(join(tmpdir(), 'pca-multi-'))
    const run = await action({
      command: 'export-stack',
      stack: 'acme/*/*',
      path: dir,
      concurrency: String(concurrency)
    })
    expect(run.exitCode).toBe(0)
    expect(exportsRequested()).toHaveLength(6)
    expect(emulator.maxInFlight()).toBe(concurrency)
  })
})

describe('partial failure', () => {
  const stacks = 'acme/website/prod\nacme/website/missing\nacme/infra/dev'

  test('one missing stack: the others finish, the step fails naming it, outputs are set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pca-multi-'))
    const run = await action({
      command: 'export-stack',
      stack: stacks,
      path: dir,
      concurrency: '1'
    })
    expect(run.exitCode).toBe(1)
    // Sequential (concurrency 1), so the stack after the failing one proves the run went on.
    expect(exportsRequested()).toEqual([
      'acme/website/prod',
      'acme/website/missing',
      'acme/infra/dev'
    ])
    expect(run.stdout).toMatch(/::error::1 stack\(s\) failed:.*acme\/website\/missing/)
    expect(run.stdout).not.toMatch(/::error::.*acme\/infra\/dev/)
    expect(run.outputs.path).toBe(dir)
    expect(run.outputs.count).toBe('2')
    expect((await manifestOf(dir)).stacks.map(entry => entry.stack)).toEqual([
      'acme/website/prod',
      'acme/infra/dev'
    ])
    expect(run.summary).toContain('acme/infra/dev')
    expect(run.summary).toContain('### ❌ 1 stack(s) failed')
    expect(run.summary).toMatch(/\| acme\/website\/missing \| GET .*404/)
  })

  test('fail-fast stops starting stacks after the first failure and says which were skipped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pca-multi-'))
    const run = await action({
      command: 'export-stack',
      stack: stacks,
      path: dir,
      concurrency: '1',
      'fail-fast': 'true'
    })
    expect(run.exitCode).toBe(1)
    expect(exportsRequested()).toEqual(['acme/website/prod', 'acme/website/missing'])
    expect(run.stdout).toMatch(/::error::1 stack\(s\) failed:.*acme\/website\/missing/)
    expect(run.stdout).toMatch(/fail-fast skipped 1 stack\(s\): acme\/infra\/dev/)
    expect((await manifestOf(dir)).stacks.map(entry => entry.stack)).toEqual(['acme/website/prod'])
    expect(run.summary).toContain('Skipped by fail-fast: acme/infra/dev')
  })
})

describe('export manifest', () => {
  test('one file per stack at <org>/<project>/<stack>.json; sizes and hashes match the files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pca-multi-'))
    const run = await action({ command: 'export-stack', stack: 'acme/*/*', path: dir })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.path).toBe(dir)
    const manifest = await manifestOf(dir)
    expect(manifest.stacks.map(entry => entry.stack)).toEqual([
      'acme/infra/dev',
      'acme/infra/prod',
      'acme/infra/scratch',
      'acme/website/busy',
      'acme/website/prod',
      'acme/website/staging'
    ])
    for (const entry of manifest.stacks) {
      expect(entry.path).toBe(`${entry.stack}.json`)
      const file = join(dir, ...entry.path.split('/'))
      const bytes = await readFile(file)
      expect(entry.bytes).toBe((await stat(file)).size)
      expect(entry.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
      const state = JSON.parse(bytes.toString('utf8')) as {
        deployment?: { resources?: unknown[] }
      }
      expect(entry.resourceCount).toBe(state.deployment?.resources?.length ?? 0)
      expect(Number.isNaN(Date.parse(entry.exportedAt))).toBe(false)
    }
    const [org, project, stack] = ['acme', 'website', 'prod']
    const seeded = emulator.state.getStack(org, project, stack)
    expect(manifest.stacks.find(e => e.stack === 'acme/website/prod')?.resourceCount).toBe(
      seeded?.resourceCount
    )
    expect(Number(run.outputs.count)).toBe(6)
    expect(Number(run.outputs.bytes)).toBe(manifest.stacks.reduce((sum, e) => sum + e.bytes, 0))
  })
})
