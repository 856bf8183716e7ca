import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { COMMANDS } from '../src/commands/registry.js'
import { runAction } from './support/action.js'
import { connection, useEmulator, withEmulator } from './support/emulator.js'

/**
 * Inputs that make each mutating command plan at least one write against the default seed.
 * A mutating command added to the registry without an entry here fails the suite: add one.
 */
const WEBHOOK_SECRET = 'whsec-dry-run-7f3a91c2e5'
/** A whole (empty) export of acme/website/prod, newer than its last update, for import-stack. */
const IMPORT_FILE = join(mkdtempSync(join(tmpdir(), 'pca-dry-run-')), 'prod.json')
writeFileSync(
  IMPORT_FILE,
  JSON.stringify({
    version: 3,
    deployment: { manifest: { time: new Date().toISOString() }, resources: [] }
  })
)
const SAMPLES: Record<string, Record<string, string>> = {
  'set-stack-tags': { stack: 'acme/website/prod', tags: 'owner=platform\nreviewed=yes' },
  'transfer-stack': { stack: 'acme/website/staging', 'to-organization': 'acme-labs' },
  'delete-stack': { stack: 'acme/infra/scratch', force: 'true' },
  'delete-stack-tag': { stack: 'acme/website/prod', 'tag-name': 'owner' },
  'import-stack': { stack: 'acme/website/prod', path: IMPORT_FILE },
  'cancel-update': { stack: 'acme/website/busy', force: 'true' },
  'run-deployment': { stack: 'acme/website/prod', operation: 'update' },
  'add-member': { organization: 'acme', username: 'erin', role: 'member' },
  'remove-member': { organization: 'acme', username: 'bob' },
  'set-member-role': { organization: 'acme', username: 'bob', role: 'admin' },
  'create-team': {
    organization: 'acme',
    team: 'sre',
    'display-name': 'SRE',
    description: 'Site reliability'
  },
  'delete-team': { organization: 'acme', team: 'security' },
  'update-team-membership': {
    organization: 'acme',
    team: 'platform',
    username: 'carol',
    'member-action': 'add'
  },
  'grant-team-stack-access': {
    organization: 'acme',
    team: 'platform',
    stack: 'acme/website/prod',
    permission: 'edit'
  },
  'remove-team-stack-access': { organization: 'acme', team: 'platform', stack: 'acme/infra/prod' },
  'create-token': { description: 'dry-run token', expires: '30d' },
  'delete-token': { 'token-id': '249b1279-d5b1-4480-8769-cbc3c20a2cb1' },
  'create-webhook': {
    organization: 'acme',
    'display-name': 'Deploy notices',
    'payload-url': 'https://hooks.example.test/pulumi',
    secret: WEBHOOK_SECRET,
    filters: 'update_succeeded,update_failed'
  },
  'update-webhook': {
    organization: 'acme',
    webhook: 'slack-deployments',
    active: 'false',
    secret: WEBHOOK_SECRET
  },
  'delete-webhook': { organization: 'acme', webhook: 'ci-notifier' },
  'ping-webhook': { organization: 'acme', webhook: 'ci-notifier' }
}

const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE'])
const MUTATING = COMMANDS.filter(command => command.mutates).map(command => command.name)

interface Planned {
  method: string
  path: string
  body?: unknown
}

const emulator = useEmulator({ scope: 'all' })

describe('dry-run', () => {
  it('has sample inputs for exactly the mutating commands of the registry', () => {
    expect(MUTATING.length).toBeGreaterThan(0)
    expect(Object.keys(SAMPLES).filter(name => !MUTATING.includes(name))).toEqual([])
  })

  it.each(MUTATING)('%s sends no write and reports the requests it would send', async name => {
    const sample = SAMPLES[name]
    if (sample === undefined) {
      throw new Error(
        `The mutating command ${name} has no sample inputs: add it to SAMPLES in __tests__/dry-run.test.ts`
      )
    }
    const run = await runAction({
      command: name,
      'dry-run': 'true',
      ...sample,
      ...emulator.connection()
    })

    expect(run.stdout).not.toContain('::error::')
    expect(run.exitCode).toBe(0)
    expect(emulator.requests.filter(request => WRITES.has(request.method))).toEqual([])
    expect(run.outputs['dry-run']).toBe('true')

    const result = JSON.parse(run.outputs.result ?? 'null') as {
      dryRun: boolean
      requests: Planned[]
    }
    expect(result.dryRun).toBe(true)
    expect(result.requests.length).toBeGreaterThan(0)
    expect(run.summary).toContain('These requests would be sent (nothing was changed)')
    for (const request of result.requests) {
      expect(WRITES.has(request.method)).toBe(true)
      expect(request.path).toMatch(/^\/api\//)
      expect(run.summary).toContain(`${request.method} ${request.path}`)
      const line = `Dry run: ${request.method} ${request.path}`
      expect(run.stdout).toContain(
        request.body === undefined ? line : `${line} ${JSON.stringify(request.body)}`
      )
    }
    // A secret given as input is redacted in the plan, wherever it is printed.
    for (const text of [
      run.stdout.replace(`::add-mask::${WEBHOOK_SECRET}\n`, ''),
      run.summary,
      run.outputs.result ?? ''
    ]) {
      expect(text).not.toContain(WEBHOOK_SECRET)
    }
  })

  it('lets read-only commands run normally', async () => {
    const run = await runAction({
      command: 'get-stack',
      stack: 'acme/website/prod',
      'dry-run': 'true',
      ...emulator.connection()
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs['dry-run']).toBe('false')
    expect(run.summary).not.toContain('Dry run')
    expect((JSON.parse(run.outputs.result ?? '{}') as { orgName?: string }).orgName).toBe('acme')
  })

  it('sends the write when dry-run is off (the check above can fail)', async () => {
    await withEmulator({}, async own => {
      const run = await runAction({
        command: 'delete-stack-tag',
        ...SAMPLES['delete-stack-tag'],
        ...connection(own)
      })
      expect(run.exitCode).toBe(0)
      expect(run.outputs['dry-run']).toBe('false')
      expect(
        own.requests.filter(request => WRITES.has(request.method)).map(r => `${r.method} ${r.path}`)
      ).toEqual(['DELETE /api/stacks/acme/website/prod/tags/owner'])
    })
  })
})
