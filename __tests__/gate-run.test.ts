/**
 * The gate on real runs: list-previews on PR 41's preview (a create, an update, a delete, a
 * replace, an advisory and a mandatory policy violation), get-update on a failed preview.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { failureMessage, requireDist } from './support/action.js'
import { useEmulator } from './support/emulator.js'

const STACK = 'acme/website/prod'
const emulator = useEmulator({ scope: 'all' })
let env: Record<string, string>

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pca-event-'))
  const eventPath = join(dir, 'event.json')
  await writeFile(
    eventPath,
    JSON.stringify({
      pull_request: { number: 41, head: { sha: '3f2a1c0d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49' } }
    })
  )
  env = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath }
})

const preview = (inputs: Record<string, string>) =>
  emulator.run({ command: 'list-previews', stack: STACK, ...inputs }, env)

describe('gate on list-previews', () => {
  test('without fail-on or protect: counts always, gate none, the step passes', async () => {
    const run = await preview({})
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      'has-changes': 'true',
      creates: '1',
      updates: '1',
      deletes: '1',
      replaces: '1',
      'policy-violations': '2',
      gate: 'none',
      'gate-reasons': ''
    })
  })

  test.each([
    ['create', /create of aws:s3\/bucketV2:BucketV2 "logs-bucket"/],
    ['update', /update of aws:s3\/bucketV2:BucketV2 "site-bucket"/],
    ['delete', /delete of aws:route53\/record:Record "old-www-record"/],
    ['replace', /replace of aws:lambda\/function:Function "edge-auth"/],
    ['any-change', /fail-on: any-change/],
    ['policy-mandatory', /mandatory policy violation acme-platform\/protect-public-dns/],
    ['policy-advisory', /advisory policy violation aws-security\/s3-bucket-encryption-enabled/],
    ['failed', /the preview failed/]
  ])('fail-on %s fails the step and says which resource', async (value, reason) => {
    const run = await preview({ 'fail-on': value })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.gate).toBe('failed')
    expect(run.outputs['gate-reasons']).toMatch(reason)
    expect(failureMessage(run)).toMatch(/The gate failed/)
    expect(run.summary.trimStart().startsWith('> **❌ Gate failed** for acme/website/prod')).toBe(
      true
    )
  })

  test('a replace is not a delete; allow exempts by type and URN glob', async () => {
    const run = await preview({
      'fail-on': 'delete, replace',
      allow: 'aws:route53/*\nurn:pulumi:prod::website::aws:lambda/function:Function::*'
    })
    expect(run.outputs.gate).toBe('passed')
    expect(run.exitCode).toBe(0)
    expect(run.summary).toContain('Gate passed')
  })

  test('protect fails on a replace whatever fail-on and allow say', async () => {
    const run = await preview({ 'fail-on': 'create', allow: '*', protect: 'aws:lambda/*' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['gate-reasons']).toBe(
      'replace of protected aws:lambda/function:Function "edge-auth" (urn:pulumi:prod::website::aws:lambda/function:Function::edge-auth) (protect: aws:lambda/*)'
    )
  })

  test('an unknown fail-on value is an input error before any request', async () => {
    const run = await preview({ 'fail-on': 'delete,explode' })
    expect(failureMessage(run)).toContain("Input 'fail-on': 'explode' is not one of create")
    expect(emulator.requests).toEqual([])
  })
})

describe('gate on get-update (bundled action)', () => {
  beforeAll(requireDist)
  test('fail-on failed on a failed preview', async () => {
    const run = await emulator.runDist({
      command: 'get-update',
      stack: STACK,
      'update-id': '2133dd2a-5153-4b7e-845f-d90828bc3c00',
      'fail-on': 'failed'
    })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.gate).toBe('failed')
    expect(run.outputs['has-changes']).toBe('false')
  })
})

describe('gate over several stacks', () => {
  test('the job summary opens with one verdict naming each stack, before any stack section', async () => {
    const source = emulator.state
      .getStack('acme', 'website', 'prod')
      ?.updates.find(update => JSON.stringify(update).includes('3f2a1c0d9e8b7a6f5e4d3c2b1a0f9e8d'))
    const infra = emulator.state.getStack('acme', 'infra', 'prod')
    if (!source || !infra) throw new Error('seed changed: need PR 41’s preview and acme/infra/prod')
    emulator.state.addUpdate(infra, { ...source, updateID: '9b1e0c3a-5d2f-4e6a-8c7b-1f0e2d3c4b5a' })
    const run = await preview({ stack: `${STACK}\nacme/infra/prod`, 'fail-on': 'create' })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.gate).toBe('failed')
    const verdict = run.summary.trimStart().split('\n\n')[0] ?? ''
    expect(verdict.split('\n')).toEqual([
      '> **❌ Gate failed**: 2 reason(s) over 2 stack(s).',
      '>',
      expect.stringMatching(/^> - acme\/website\/prod: create of .*logs-bucket/),
      expect.stringMatching(/^> - acme\/infra\/prod: create of .*logs-bucket/)
    ])
    expect(run.summary.indexOf('Gate failed** for acme/website/prod')).toBeGreaterThan(
      verdict.length
    )
  })
})
