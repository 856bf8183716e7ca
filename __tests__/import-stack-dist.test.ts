/**
 * import-stack through the bundled action against the emulator, as a nightly backup and its
 * restore drill use it: export-stack's directory restored stack by stack, and what the step
 * reports (outputs, exit code, job summary) when the file, the import update or the wait fails.
 */
import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { failureMessage, requireDist } from './support/action.js'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator()

interface Manifest {
  stacks: { stack: string; path: string; sha256: string; resourceCount: number }[]
}

async function manifestOf(directory: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(directory, 'manifest.json'), 'utf8')) as Manifest
}

/** The nightly backup: every prod stack of acme exported into a fresh directory. */
async function backup(): Promise<string> {
  requireDist()
  const directory = await mkdtemp(join(tmpdir(), 'pca-backup-'))
  const run = await exportAll(directory)
  expect(run.exitCode).toBe(0)
  return directory
}

const importPosts = () => emulator.requestsTo('POST', /\/import$/)

/** The action's export-stack of every acme prod stack into `directory`. */
const exportAll = (directory: string) =>
  emulator.runDist({ command: 'export-stack', stack: 'acme/*/prod', path: directory })

/** import-stack from `directory` (acme/website/prod unless `inputs` say otherwise). */
const restore = (directory: string, inputs: Record<string, string> = {}) =>
  emulator.runDist({
    command: 'import-stack',
    stack: 'acme/website/prod',
    path: directory,
    ...inputs
  })

describe('import-stack (dist)', () => {
  it('restores every stack of a backup directory, and exporting again gives the same files', async () => {
    const directory = await backup()
    const run = await restore(directory, { stack: 'acme/*/prod', 'timeout-minutes': '1' })
    expect(failureMessage(run)).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({ count: '2', status: 'succeeded' })
    expect(
      importPosts()
        .map(request => request.path)
        .sort()
    ).toEqual(['/api/stacks/acme/infra/prod/import', '/api/stacks/acme/website/prod/import'])
    expect(run.summary).toContain('### Import of 2 stacks')
    expect(run.summary).toMatch(/\| acme\/website\/prod \| succeeded \| 10 \| 10 \| 10 \|/)
    const records = JSON.parse(run.outputs.result ?? '[]') as { updateId: string }[]
    expect(records.every(record => /^[0-9a-f-]{36}$/.test(record.updateId))).toBe(true)

    // The drill's last step: export again and compare with the backup.
    const again = await mkdtemp(join(tmpdir(), 'pca-again-'))
    const check = await exportAll(again)
    expect(check.exitCode).toBe(0)
    const [before, after] = [await manifestOf(directory), await manifestOf(again)]
    expect(after.stacks.map(entry => [entry.stack, entry.sha256, entry.resourceCount])).toEqual(
      before.stacks.map(entry => [entry.stack, entry.sha256, entry.resourceCount])
    )
  })

  it('refuses a file whose sha256 differs from manifest.json; fail-fast skips the rest', async () => {
    const directory = await backup()
    const [first] = (await manifestOf(directory)).stacks
    if (first === undefined) throw new Error('the backup is empty')
    await appendFile(join(directory, ...first.path.split('/')), ' ')
    const run = await restore(directory, {
      stack: 'acme/*/prod',
      concurrency: '1',
      'fail-fast': 'true'
    })
    expect(run.exitCode).toBe(1)
    const message = failureMessage(run)
    expect(message).toContain(`is not the file exported for ${first.stack}: its sha256 is`)
    expect(message).toContain('fail-fast skipped 1 stack(s)')
    expect(importPosts()).toHaveLength(0)
    expect(run.summary).toContain(first.stack)
  })

  it('in dry-run, sends nothing and shows the planned request and the resource counts', async () => {
    const directory = await backup()
    const run = await restore(directory, { 'dry-run': 'true' })
    expect(run.exitCode).toBe(0)
    expect(emulator.requests.filter(request => request.method !== 'GET')).toHaveLength(0)
    expect(run.outputs).toMatchObject({ 'dry-run': 'true', status: 'planned', 'update-id': '' })
    expect(run.summary).toContain('These requests would be sent (nothing was changed)')
    expect(run.summary).toContain('`POST /api/stacks/acme/website/prod/import` with the bytes of')
    expect(run.summary).toMatch(/\| acme\/website\/prod \| planned \| 10 \| 10 \| — \|/)
  })

  it('fails the step when the import update fails, after publishing its outputs', async () => {
    const directory = await backup()
    emulator.state.scriptImports({ result: 'failed' })
    const run = await restore(directory, { 'timeout-minutes': '1' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.status).toBe('failed')
    expect(run.outputs['update-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(failureMessage(run)).toContain(
      `The import update ${run.outputs['update-id'] ?? ''} of acme/website/prod ended failed`
    )
    expect(run.summary).toContain('Import into acme/website/prod failed')
  })

  it('over several stacks, fails the step when any import update fails, after all of them ran', async () => {
    const directory = await backup()
    emulator.state.scriptImports({ result: 'failed' })
    const run = await restore(directory, { stack: 'acme/*/prod', 'timeout-minutes': '1' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ count: '2', status: 'failed' })
    expect(importPosts()).toHaveLength(2)
    const message = failureMessage(run)
    expect(message).toContain('of acme/website/prod ended failed')
    expect(message).toContain('of acme/infra/prod ended failed')
  })

  it('stops waiting at timeout-minutes, leaving the import running, and says how to follow it', async () => {
    const directory = await backup()
    emulator.state.scriptImports({ result: 'succeeded', durationMs: 60_000 })
    const run = await restore(directory, { 'timeout-minutes': '0.01' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.status).toBe('running')
    expect(failureMessage(run)).toContain('did not end within timeout-minutes (0.01)')
    expect(failureMessage(run)).toContain(`update-id: ${run.outputs['update-id'] ?? ''}`)
    expect(emulator.requestsTo('POST', /\/cancel$/)).toHaveLength(0)
  })

  it("a state whose secrets another stack encrypted: the service's 400, said with what to do", async () => {
    const directory = await backup()
    const manifest = await manifestOf(directory)
    const entry = manifest.stacks.find(candidate => candidate.stack === 'acme/website/prod')
    if (entry === undefined) throw new Error('the backup has no acme/website/prod')
    // As if the file had been exported from staging: its service secrets provider names staging.
    const file = join(directory, ...entry.path.split('/'))
    const document = JSON.parse(await readFile(file, 'utf8')) as {
      deployment: Record<string, unknown>
    }
    document.deployment['secrets_providers'] = {
      type: 'service',
      state: { url: emulator.url, owner: 'acme', project: 'website', stack: 'staging' }
    }
    const text = JSON.stringify(document, null, 4)
    await writeFile(file, text)
    entry.sha256 = createHash('sha256').update(text).digest('hex')
    ;(entry as { bytes?: number }).bytes = Buffer.byteLength(text)
    await writeFile(join(directory, 'manifest.json'), JSON.stringify(manifest, null, 2))

    const run = await restore(directory)
    expect(run.exitCode).toBe(1)
    expect(importPosts().map(request => request.status)).toEqual([400])
    const message = failureMessage(run)
    expect(message).toContain(
      'cannot import deployment with encrypted secrets from a different stack'
    )
    expect(message).toContain(
      "a state whose secrets are encrypted by another stack's Pulumi Cloud secrets provider imports only into that stack"
    )
    expect(run.outputs['update-id']).toBeUndefined()
    // The job summary says it too.
    expect(run.summary).toContain('### ❌ import-stack failed on acme/website/prod')
    expect(run.summary).toContain('imports only into that stack')
  })

  it('never sends a file a hostile manifest.json names outside the backup directory', async () => {
    const directory = await backup()
    const outside = await mkdtemp(join(tmpdir(), 'pca-outside-'))
    const manifest = await manifestOf(directory)
    const secretFile = join(outside, 'secret.json')
    await writeFile(secretFile, '{"version":3,"deployment":{"resources":[]}}')
    for (const entry of manifest.stacks)
      entry.path = `../${outside.split('/').pop() ?? ''}/secret.json`
    await writeFile(join(directory, 'manifest.json'), JSON.stringify(manifest))
    const run = await restore(directory)
    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toContain('which is not a plain path inside')
    expect(importPosts()).toHaveLength(0)
  })
})
