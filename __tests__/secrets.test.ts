/**
 * Secrets hygiene, through the bundled action exactly as the runner runs it (run
 * `npm run bundle` first). core.setSecret only masks on the real runner, so here a secret
 * must never be printed at all: its one allowed mention in stdout is the `::add-mask::`
 * command, which must come before anything else could show it.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_SEED_PATH, type SeedData } from '../emulator/index.js'
import { requireDist, runDist, type ActionRun } from './support/action.js'
import { useEmulator } from './support/emulator.js'
import { startIdTokenStandin, type IdTokenStandin } from './support/id-token-standin.js'

const ACCESS_TOKEN = 'pul-planted-access-3c9e71d04b8a2f65'
const BOGUS_TOKEN = 'pul-planted-bogus-8d21f0a7c6e94b13'
const WEBHOOK_SECRET = 'whsec-planted-5e0b9c84a1f2d763'
/** Debug logging on, as with the repository secret ACTIONS_STEP_DEBUG. */
const DEBUG = { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' }

/** The default seed, plus the planted access token as one of alice's. */
function plantedSeed(): SeedData {
  const seed = JSON.parse(readFileSync(DEFAULT_SEED_PATH, 'utf8')) as SeedData
  seed.tokens.push({
    id: '0d6f3a52-planted-access',
    value: ACCESS_TOKEN,
    login: 'alice',
    name: 'planted',
    description: 'Planted for the secrets test',
    created: '2025-01-01T00:00:00Z',
    expires: 0,
    lastUsed: 0
  })
  return seed
}

beforeAll(requireDist)
const emulator = useEmulator({ scope: 'all', emulator: () => ({ seed: plantedSeed() }) })
const tokenValues = (): string[] => emulator.state.allTokens().map(token => token.value)
const connection = (token = ACCESS_TOKEN): Record<string, string> => emulator.connection(token)

/** Where a secret may not be: every stream and file of the run, bar the `token` output. */
async function expectNoLeak(
  run: ActionRun,
  secret: string,
  { tokenOutput = false } = {}
): Promise<void> {
  expect(secret.length).toBeGreaterThan(8)
  const mask = `::add-mask::${secret}`
  const first = run.stdout.indexOf(secret)
  if (first >= 0) expect(run.stdout.indexOf(mask)).toBe(first - '::add-mask::'.length)
  expect(run.stdout.split(`${mask}\n`).join('')).not.toContain(secret)
  expect(run.stderr).not.toContain(secret)
  expect(run.summary).not.toContain(secret)
  for (const [name, value] of Object.entries(run.outputs)) {
    if (tokenOutput && name === 'token') continue
    expect({ name, leaks: value.includes(secret) }).toEqual({ name, leaks: false })
  }
  const outputFile = join(run.runnerTemp, 'github_output')
  for (const [path, text] of Object.entries(await run.files())) {
    // The `token` output's own line is the one intended place.
    const allowed = tokenOutput && path === outputFile ? 1 : 0
    expect({ path, mentions: text.split(secret).length - 1 }).toEqual({ path, mentions: allowed })
  }
}

describe('secrets never reach logs, outputs, summaries or files', () => {
  it('the access token, on success with debug logging', async () => {
    const run = await runDist(
      { command: 'list-stacks', organization: 'acme', ...connection() },
      DEBUG
    )
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('::debug::GET ') // debug logging really was on
    expect(run.stdout).toMatch(
      /::debug::GET \S+\/api\/user\/stacks\S* \[Accept: application\/vnd\.pulumi\+8, Accept-Encoding: gzip, Authorization: token \*\*\*\]/
    )
    expect(run.stdout).toContain(`::add-mask::${ACCESS_TOKEN}`)
    await expectNoLeak(run, ACCESS_TOKEN)
  })

  it('the access token from PULUMI_ACCESS_TOKEN', async () => {
    const run = await runDist(
      { command: 'get-stack', stack: 'acme/website/prod', 'api-url': emulator.url },
      { ...DEBUG, PULUMI_ACCESS_TOKEN: ACCESS_TOKEN }
    )
    expect(run.exitCode).toBe(0)
    expect(run.outputs['access-token-source']).toBe('env')
    await expectNoLeak(run, ACCESS_TOKEN)
  })

  it('a rejected access token, in the 401 failure', async () => {
    const run = await runDist(
      { command: 'list-stacks', organization: 'acme', ...connection(BOGUS_TOKEN) },
      DEBUG
    )
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::.*401/)
    await expectNoLeak(run, BOGUS_TOKEN)
  })

  it('the access token, when an input is invalid before any request', async () => {
    const run = await runDist(
      { command: 'get-stack', stack: 'acme/*/prod/extra', ...connection() },
      DEBUG
    )
    expect(run.exitCode).toBe(1)
    expect(emulator.requests).toHaveLength(0)
    await expectNoLeak(run, ACCESS_TOKEN)
  })

  it('a created token: only in the token output, masked first; and it works', async () => {
    const before = new Set(tokenValues())
    const run = await runDist(
      { command: 'create-token', description: 'secrets test', expires: '1d', ...connection() },
      DEBUG
    )
    expect(run.exitCode).toBe(0)
    const created = tokenValues().filter(value => !before.has(value))
    expect(created).toHaveLength(1)
    const value = created[0] ?? ''
    expect(run.outputs.token).toBe(value)
    expect(run.stdout).toContain(`::add-mask::${value}`)
    await expectNoLeak(run, value, { tokenOutput: true })
    await expectNoLeak(run, ACCESS_TOKEN)

    // Used as the access token of a later step, it stays hidden too.
    const later = await runDist({ command: 'list-tokens', ...connection(value) }, DEBUG)
    expect(later.exitCode).toBe(0)
    await expectNoLeak(later, value)
  })

  it('the access token, when creating a token fails with a 5xx', async () => {
    emulator.addFault({
      method: 'POST',
      path: '/api/user/tokens',
      kind: 'status',
      status: 500,
      count: 1
    })
    const run = await runDist(
      { command: 'create-token', description: 'fails', ...connection() },
      DEBUG
    )
    expect(run.exitCode).toBe(1)
    await expectNoLeak(run, ACCESS_TOKEN)
  })

  it('a webhook secret, on create and update', async () => {
    const created = await runDist(
      {
        command: 'create-webhook',
        organization: 'acme',
        'display-name': 'Secrets test',
        'payload-url': 'https://hooks.example.test/secrets',
        secret: WEBHOOK_SECRET,
        ...connection()
      },
      DEBUG
    )
    expect(created.exitCode).toBe(0)
    // It did reach the service, in the request body only.
    expect(
      emulator.requests.some(
        request => request.method === 'POST' && (request.body ?? '').includes(WEBHOOK_SECRET)
      )
    ).toBe(true)
    expect(created.stdout).toContain(`::add-mask::${WEBHOOK_SECRET}`)
    await expectNoLeak(created, WEBHOOK_SECRET)

    const name = created.outputs.webhook ?? ''
    expect(name).not.toBe('')
    const updated = await runDist(
      {
        command: 'update-webhook',
        organization: 'acme',
        webhook: name,
        secret: `${WEBHOOK_SECRET}-2`,
        ...connection()
      },
      DEBUG
    )
    expect(updated.exitCode).toBe(0)
    await expectNoLeak(updated, `${WEBHOOK_SECRET}-2`)
  })

  it('a webhook secret, when the service refuses the request', async () => {
    const missingOrg = await runDist(
      {
        command: 'create-webhook',
        organization: 'no-such-org',
        'display-name': 'Nope',
        'payload-url': 'https://hooks.example.test/nope',
        secret: WEBHOOK_SECRET,
        ...connection()
      },
      DEBUG
    )
    expect(missingOrg.exitCode).toBe(1)
    await expectNoLeak(missingOrg, WEBHOOK_SECRET)

    const missingHook = await runDist(
      {
        command: 'update-webhook',
        organization: 'acme',
        webhook: 'no-such-hook',
        secret: WEBHOOK_SECRET,
        ...connection()
      },
      DEBUG
    )
    expect(missingHook.exitCode).toBe(1)
    await expectNoLeak(missingHook, WEBHOOK_SECRET)
  })

  it('a webhook secret, in a dry-run plan', async () => {
    const run = await runDist(
      {
        command: 'create-webhook',
        organization: 'acme',
        'display-name': 'Dry',
        'payload-url': 'https://hooks.example.test/dry',
        secret: WEBHOOK_SECRET,
        'dry-run': 'true',
        ...connection()
      },
      DEBUG
    )
    expect(run.exitCode).toBe(0)
    expect(run.outputs['dry-run']).toBe('true')
    expect(run.stdout).toContain('Dry run: POST /api/orgs/acme/hooks')
    await expectNoLeak(run, WEBHOOK_SECRET)
  })

  describe('OIDC', () => {
    let standin: IdTokenStandin
    beforeEach(async () => {
      standin = await startIdTokenStandin()
    })
    afterEach(async () => {
      await standin.close()
    })

    it('the ID token and the exchanged token, on success', async () => {
      const before = new Set(tokenValues())
      const run = await runDist(
        {
          command: 'list-stacks',
          organization: 'acme',
          'api-url': emulator.url,
          'oidc-token-type': 'organization'
        },
        { ...DEBUG, ...standin.env }
      )
      expect(run.exitCode).toBe(0)
      expect(run.outputs['access-token-source']).toBe('oidc')
      const exchanged = tokenValues().filter(value => !before.has(value))
      expect(exchanged).toHaveLength(1)
      expect(run.stdout).toContain(`::add-mask::${exchanged[0] ?? ''}`)
      await expectNoLeak(run, exchanged[0] ?? '')
      expect(standin.issued).toHaveLength(1)
      await expectNoLeak(run, standin.issued[0] ?? '')
    })

    it('the ID token, when the exchange is refused', async () => {
      const run = await runDist(
        {
          command: 'list-stacks',
          organization: 'acme-labs',
          'api-url': emulator.url,
          'oidc-token-type': 'organization'
        },
        { ...DEBUG, ...standin.env }
      )
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toContain('refused the OIDC token exchange with 401')
      await expectNoLeak(run, standin.issued[0] ?? '')
    })
  })
})
