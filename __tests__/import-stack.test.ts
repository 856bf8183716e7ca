/**
 * import-stack's decisions through run() with a test context against the emulator: which file
 * (a file, or a backup directory's manifest.json), the checks before the one write (a whole
 * export document, the recorded sha256, the state's own stack, no change since the backup),
 * dry-run, and the import update waited for (success, failure, timeout, cancellation).
 */
import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PulumiCloud } from '../src/api/client.js'
import { readImportAnswer } from '../src/api/readers/stacks.js'
import { FileChangedError } from '../src/api/file-body.js'
import type { AnyInputs } from '../src/commands/types.js'
import type { ImportRecord } from '../src/render/stack-import.js'
import { runCommand, stackRef, type FakeContextOptions } from './support/command-context.js'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator()

const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  'fixtures',
  'states',
  'website-prod.v3.json'
)
const PROD = stackRef('acme/website/prod')

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex')

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'pca-import-'))
}

/** The fixture, or a variant of it, written to a fresh file. */
async function stateFile(change?: (document: Record<string, unknown>) => unknown): Promise<string> {
  const text = await readFile(FIXTURE, 'utf8')
  const file = join(await scratch(), 'prod.json')
  if (change === undefined) await writeFile(file, text)
  else {
    const document = JSON.parse(text) as Record<string, unknown>
    await writeFile(file, JSON.stringify(change(document) ?? document, null, 4))
  }
  return file
}

/** A backup directory as export-stack writes it, with manifest.json entries for `files`. */
async function backupDirectory(
  files: Record<string, { path: string; body: string; exportedAt?: string; sha256?: string }>
): Promise<string> {
  const directory = await scratch()
  const stacks = []
  for (const [stack, file] of Object.entries(files)) {
    const target = join(directory, ...file.path.split('/'))
    if (!file.path.startsWith('..') && !file.path.startsWith('/')) {
      await mkdir(dirname(target), { recursive: true })
      await writeFile(target, file.body)
    }
    stacks.push({
      stack,
      path: file.path,
      bytes: Buffer.byteLength(file.body),
      sha256: file.sha256 ?? sha256(file.body),
      resourceCount: 3,
      exportedAt: file.exportedAt ?? new Date().toISOString()
    })
  }
  await writeFile(join(directory, 'manifest.json'), JSON.stringify({ stacks }, null, 2))
  return directory
}

const run = (inputs: AnyInputs, options: FakeContextOptions = {}) =>
  runCommand(emulator.running, 'import-stack', inputs, options)

const imports = () => emulator.requestsTo('POST', /\/import$/)

function prodState() {
  const stack = emulator.state.getStack('acme', 'website', 'prod')
  if (!stack) throw new Error('seed lost acme/website/prod')
  return stack
}

/** Ends an update on acme/website/prod now, as if someone ran `pulumi up` after the backup. */
function updateProdNow(): string {
  const update = emulator.state.startUpdate(prodState(), 'update', {
    login: 'bob',
    durationMs: 0,
    result: 'succeeded',
    message: 'after the backup'
  })
  emulator.state.settle(prodState())
  return update.updateID
}

describe('import-stack: the file', () => {
  it('streams the file gzip-compressed to POST …/import byte for byte and waits for the import update', async () => {
    const file = await stateFile()
    const bytes = await readFile(file)
    const { outcome } = await run({ stack: PROD, path: file, timeoutMinutes: 1 })
    const [sent] = imports()
    expect(sent?.body).toBe(bytes.toString('utf8'))
    expect(sent?.requestEncoding).toBe('gzip')
    const record = outcome.result as ImportRecord
    expect(record).toMatchObject({
      stack: 'acme/website/prod',
      status: 'succeeded',
      sha256: sha256(bytes),
      bytes: bytes.length,
      resourcesBefore: 10,
      resourcesInFile: 3,
      resourcesAfter: 3,
      overridden: []
    })
    expect(outcome.outputs).toEqual({
      'update-id': record.updateId,
      status: 'succeeded',
      sha256: sha256(bytes),
      'resource-count': 3,
      'resource-count-before': 10
    })
    expect(outcome.failure).toBeUndefined()
    // The update the import created is in the stack's history, as an import.
    const update = prodState().updates.find(u => u.updateID === record.updateId)
    expect(update).toMatchObject({ kind: 'import', result: 'succeeded' })
    expect(outcome.summary).toContain('Imported acme/website/prod')
  })

  it('keeps a v4 document (features) verbatim, whatever its layout', async () => {
    const file = await stateFile(document => ({
      version: 4,
      features: ['refreshBeforeUpdate'],
      deployment: document['deployment']
    }))
    await run({ stack: PROD, path: file, timeoutMinutes: 1 })
    expect(imports()[0]?.body).toBe(await readFile(file, 'utf8'))
  })

  it.each([
    ['cut short', (text: string) => text.slice(0, text.length - 40), 'ended before its JSON'],
    ['not JSON at all', () => 'version: 3\n', 'not one JSON object'],
    ['two documents', (text: string) => text + text, 'follows the end of the document'],
    [
      'without a version',
      (text: string) =>
        JSON.stringify({ deployment: (JSON.parse(text) as { deployment: unknown }).deployment }),
      'no whole-number "version"'
    ],
    ['without a deployment', () => JSON.stringify({ version: 3 }), 'no "deployment" object'],
    ['a deployment that is a list', () => '{"version":3,"deployment":[]}', 'no "deployment" object']
  ])('refuses a file %s before any request', async (_name, damage, expected) => {
    const file = await stateFile()
    await writeFile(file, damage(await readFile(file, 'utf8')))
    await expect(run({ stack: PROD, path: file })).rejects.toThrow(expected)
    expect(emulator.requests).toHaveLength(0)
  })

  it('refuses a path that is not there', async () => {
    const missing = join(await scratch(), 'nope.json')
    await expect(run({ stack: PROD, path: missing })).rejects.toThrow('does not exist')
    expect(emulator.requests).toHaveLength(0)
  })
})

describe('import-stack: the stack changed after the backup', () => {
  it('refuses when an update finished after the checkpoint time, saying which and what to do', async () => {
    const file = await stateFile(document => {
      const deployment = document['deployment'] as { manifest: { time: string } }
      deployment.manifest.time = new Date(Date.now() - 3_600_000).toISOString()
    })
    const updateId = updateProdNow()
    const error = await run({ stack: PROD, path: file }).catch((caught: unknown) => caught)
    expect(String(error)).toContain(`its update ${updateId}`)
    expect(String(error)).toContain('by bob')
    expect(String(error)).toContain('set force: true')
    expect(imports()).toHaveLength(0)
  })

  it('imports anyway with force: true, and says what it overrode', async () => {
    const file = await stateFile(document => {
      const deployment = document['deployment'] as { manifest: { time: string } }
      deployment.manifest.time = new Date(Date.now() - 3_600_000).toISOString()
    })
    updateProdNow()
    const { outcome, warnings } = await run({ stack: PROD, path: file, force: true })
    expect((outcome.result as ImportRecord).status).toBe('succeeded')
    expect(warnings.join('\n')).toContain('force: true: importing although')
    expect(outcome.summary).toContain('Imported with force: true')
  })

  it("does not count the update that wrote the checkpoint (its end follows the checkpoint's time)", async () => {
    const updateId = updateProdNow()
    const update = prodState().updates.find(u => u.updateID === updateId)
    if (update?.endTime === undefined) throw new Error('the update did not end')
    const ended = update.endTime
    // It ran for 30 s; the engine wrote its last checkpoint 1.5 s before the service saw it end.
    update.startTime = ended - 30
    const file = await stateFile(document => {
      const deployment = document['deployment'] as { manifest: { time: string } }
      deployment.manifest.time = new Date(ended * 1000 - 1500).toISOString()
    })
    const { outcome } = await run({ stack: PROD, path: file })
    expect((outcome.result as ImportRecord).status).toBe('succeeded')
  })

  it('compares with exportedAt from a backup directory: an update after the export refuses', async () => {
    const body = await readFile(FIXTURE, 'utf8')
    const directory = await backupDirectory({
      'acme/website/prod': {
        path: 'acme/website/prod.json',
        body,
        exportedAt: new Date(Date.now() - 60_000).toISOString()
      }
    })
    updateProdNow()
    await expect(run({ stack: PROD, path: directory })).rejects.toThrow(
      /changed after the export at .*set force: true/
    )
    expect(imports()).toHaveLength(0)
  })

  it('counts an update ending in the same second as the export as after it (whole-second endTime)', async () => {
    const updateId = updateProdNow()
    const update = prodState().updates.find(u => u.updateID === updateId)
    if (update?.endTime === undefined) throw new Error('the update did not end')
    const ended = update.endTime
    const body = await readFile(FIXTURE, 'utf8')
    const exportedAt = (ms: number): Promise<string> =>
      backupDirectory({
        'acme/website/prod': {
          path: 'acme/website/prod.json',
          body,
          exportedAt: new Date(ms).toISOString()
        }
      })
    // Recorded as `ended`, it may have ended up to 999 ms later: after an export at ended + 0.5 s.
    await expect(run({ stack: PROD, path: await exportedAt(ended * 1000 + 500) })).rejects.toThrow(
      `its update ${updateId}`
    )
    await expect(run({ stack: PROD, path: await exportedAt(ended * 1000 + 999) })).rejects.toThrow(
      'changed after the export'
    )
    expect(imports()).toHaveLength(0)
    // An export at the next whole second is after any end recorded as `ended`.
    const { outcome } = await run({ stack: PROD, path: await exportedAt((ended + 1) * 1000) })
    expect((outcome.result as ImportRecord).status).toBe('succeeded')
  })

  it('gives a lone file the 60 s slack from the latest moment the update may have ended', async () => {
    const updateId = updateProdNow()
    const update = prodState().updates.find(u => u.updateID === updateId)
    if (update?.endTime === undefined) throw new Error('the update did not end')
    const ended = update.endTime
    update.startTime = ended - 120
    const checkpointAt = (ms: number): Promise<string> =>
      stateFile(document => {
        const deployment = document['deployment'] as { manifest: { time: string } }
        deployment.manifest.time = new Date(ms).toISOString()
      })
    // Ended (at the latest) 60.5 s after the checkpoint: a change, not the update that wrote it.
    await expect(
      run({ stack: PROD, path: await checkpointAt((ended + 1) * 1000 - 60_500) })
    ).rejects.toThrow(`its update ${updateId}`)
    // Exactly 60 s: within the slack.
    const { outcome } = await run({
      stack: PROD,
      path: await checkpointAt((ended + 1) * 1000 - 60_000)
    })
    expect((outcome.result as ImportRecord).status).toBe('succeeded')
  })

  it("refuses a file that records no time (Go's zero time) unless forced", async () => {
    const file = await stateFile(document => {
      const deployment = document['deployment'] as { manifest: { time: string } }
      deployment.manifest.time = '0001-01-01T00:00:00Z'
    })
    await expect(run({ stack: PROD, path: file })).rejects.toThrow('the file records no time')
    const { outcome } = await run({ stack: PROD, path: file, force: true })
    expect((outcome.result as ImportRecord).overridden).toHaveLength(1)
  })

  it("refuses the state of another stack (its root resource's URN) unless forced", async () => {
    const file = await stateFile()
    const staging = stackRef('acme/website/staging')
    await expect(run({ stack: staging, path: file })).rejects.toThrow(
      'the file is the state of stack prod of project website'
    )
    expect(imports()).toHaveLength(0)
  })
})

describe('import-stack: a backup directory', () => {
  it('takes the stack’s file from manifest.json and checks its sha256', async () => {
    const body = await readFile(FIXTURE, 'utf8')
    const directory = await backupDirectory({
      'acme/website/prod': { path: 'acme/website/prod.json', body }
    })
    const { outcome } = await run({ stack: PROD, path: directory })
    expect((outcome.result as ImportRecord).file).toBe(
      join(directory, 'acme', 'website', 'prod.json')
    )
    expect(imports()).toHaveLength(1)
  })

  it('refuses a file whose sha256 is not the one manifest.json recorded', async () => {
    const body = await readFile(FIXTURE, 'utf8')
    const directory = await backupDirectory({
      'acme/website/prod': { path: 'acme/website/prod.json', body, sha256: 'a'.repeat(64) }
    })
    await expect(run({ stack: PROD, path: directory })).rejects.toThrow(
      /is not the file exported for acme\/website\/prod: its sha256 is [0-9a-f]{64} .*manifest.json recorded a{64}/
    )
    expect(emulator.requests).toHaveLength(0)
  })

  it('says when manifest.json marks the file stale (an earlier run’s export)', async () => {
    const body = await readFile(FIXTURE, 'utf8')
    const directory = await backupDirectory({
      'acme/website/prod': { path: 'acme/website/prod.json', body }
    })
    const manifestFile = join(directory, 'manifest.json')
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as {
      stacks: Record<string, unknown>[]
    }
    for (const entry of manifest.stacks) entry['stale'] = true
    await writeFile(manifestFile, JSON.stringify(manifest))
    const { warnings } = await run({ stack: PROD, path: directory })
    expect(warnings.join('\n')).toContain('marks the export of acme/website/prod as stale')
  })

  it('refuses a stack manifest.json does not list', async () => {
    const directory = await backupDirectory({})
    await expect(run({ stack: PROD, path: directory })).rejects.toThrow(
      'lists no export of acme/website/prod'
    )
  })

  it.each([
    ['a parent path', '../outside.json'],
    ['an absolute path', '/etc/passwd'],
    ['a path through ..', 'acme/../../outside.json'],
    ['a path that stays inside through ..', 'acme/../acme/website/prod.json']
  ])(
    'never reads a file a hostile manifest names outside the directory (%s)',
    async (_name, path) => {
      const directory = await backupDirectory({
        'acme/website/prod': { path, body: await readFile(FIXTURE, 'utf8') }
      })
      await expect(run({ stack: PROD, path: directory })).rejects.toThrow('not a plain path inside')
      expect(emulator.requests).toHaveLength(0)
    }
  )

  it('never follows a symbolic link out of the directory', async () => {
    const outside = await stateFile()
    const body = await readFile(outside, 'utf8')
    const directory = await backupDirectory({
      'acme/website/prod': { path: 'acme/website/prod.json', body }
    })
    const linked = join(directory, 'acme', 'website', 'prod.json')
    await rm(linked)
    await symlink(outside, linked)
    await expect(run({ stack: PROD, path: directory })).rejects.toThrow('not a plain path inside')
    expect(emulator.requests).toHaveLength(0)
  })
})

describe('import-stack: dry-run', () => {
  it('sends nothing and shows the resources now and in the file, and the planned request', async () => {
    const file = await stateFile()
    const bytes = await readFile(file)
    const { outcome, planned } = await run({ stack: PROD, path: file }, { dryRun: true })
    expect(imports()).toHaveLength(0)
    expect(emulator.requests.every(request => request.method === 'GET')).toBe(true)
    expect(planned).toEqual([
      {
        method: 'POST',
        path: '/api/stacks/acme/website/prod/import',
        bodyFile: { path: file, bytes: bytes.length, sha256: sha256(bytes) }
      }
    ])
    expect(outcome.result).toMatchObject({
      status: 'planned',
      resourcesBefore: 10,
      resourcesInFile: 3
    })
    expect(outcome.outputs?.['update-id']).toBe('')
    expect(outcome.summary).toContain('planned (dry run)')
    expect(outcome.summary).toMatch(/\| acme\/website\/prod \| planned \| 10 \| 3 \| — \|/)
  })
})

describe('import-stack: the import update', () => {
  it('reports a failed import update as the failure of the step, with its outputs', async () => {
    emulator.state.scriptImports({ result: 'failed' })
    const { outcome } = await run({ stack: PROD, path: await stateFile(), timeoutMinutes: 1 })
    expect(outcome.outputs?.status).toBe('failed')
    expect(outcome.failure).toMatch(
      /The import update [0-9a-f-]+ of acme\/website\/prod ended failed/
    )
    expect(prodState().resourceCount).toBe(10)
  })

  it('stops waiting at timeout-minutes and leaves the import running (no cancel is sent)', async () => {
    emulator.state.scriptImports({ result: 'succeeded', durationMs: 60_000 })
    const { outcome } = await run({
      stack: PROD,
      path: await stateFile(),
      timeoutMinutes: 0.005
    })
    const record = outcome.result as ImportRecord
    expect(record.status).toBe('running')
    expect(outcome.failure).toContain('did not end within timeout-minutes')
    expect(outcome.failure).toContain(`wait-for-stack (update-id: ${record.updateId ?? ''})`)
    expect(emulator.requestsTo('POST', /\/cancel$/)).toHaveLength(0)
  })

  it('on the job being cancelled, stops waiting and reports the import left to finish', async () => {
    emulator.state.scriptImports({ result: 'succeeded', durationMs: 60_000 })
    const controller = new AbortController()
    const pending = run(
      { stack: PROD, path: await stateFile(), timeoutMinutes: 1 },
      { signal: controller.signal }
    )
    setTimeout(() => {
      controller.abort(new Error('The job was cancelled (SIGTERM).'))
    }, 300)
    const { outcome } = await pending
    expect(outcome.failure).toContain('The job was cancelled (SIGTERM).')
    expect(outcome.failure).toContain('was left to finish')
    expect(emulator.requestsTo('POST', /\/cancel$/)).toHaveLength(0)
  })

  it('says to use wait-if-busy when an update holds the stack', async () => {
    const busy = stackRef('acme/website/busy')
    const file = await stateFile(document => {
      const text = JSON.stringify(document).replaceAll('urn:pulumi:prod::', 'urn:pulumi:busy::')
      return JSON.parse(text) as unknown
    })
    await expect(run({ stack: busy, path: file })).rejects.toThrow('set wait-if-busy: true')
  })
})

describe('import-stack: the bytes sent are the bytes checked', () => {
  it('cuts the request short when the file no longer matches, so nothing is applied', async () => {
    // Large enough to be read in several chunks: all but the document's end go out.
    const file = await stateFile(document => {
      const deployment = document['deployment'] as { resources: Record<string, unknown>[] }
      const pet = deployment.resources[2] ?? {}
      for (let i = 0; i < 1500; i++)
        deployment.resources.push({ ...pet, urn: `${String(pet['urn'])}-${i}` })
    })
    const bytes = await readFile(file)
    const api = new PulumiCloud({
      baseUrl: emulator.url,
      token: emulator.token,
      userAgent: 'test',
      timeoutSeconds: 10
    })
    try {
      // As if the file changed between the check and the upload: the recorded hash differs.
      const sent = api.sendFile(
        'POST',
        '/api/stacks/acme/website/prod/import',
        { path: file, bytes: bytes.length, sha256: 'b'.repeat(64) },
        readImportAnswer
      )
      await expect(sent).rejects.toThrow(FileChangedError)
      await expect(sent).rejects.toThrow('changed while it was being sent')
    } finally {
      api.dispose()
    }
    const [request] = imports()
    // The request was aborted (no status was ever answered): the service saw a gzip stream
    // without its end, which it cannot apply.
    expect(request?.status).toBe(0)
    expect(request?.body).toBeUndefined()
    expect(prodState().updates.some(update => update.kind === 'import')).toBe(false)
  })
})
