/**
 * Token and webhook commands over real HTTP against the emulator: list-tokens, create-token,
 * delete-token, create-webhook, list-webhooks, get-webhook, update-webhook, delete-webhook,
 * ping-webhook and list-webhook-deliveries. Secrets (token values, webhook secrets) must be
 * masked and must never reach `result`, the summary or a file the action writes.
 */
import type { HookScope } from '../emulator/index.js'
import { failure, type ActionRun } from './support/action.js'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator()
const { run, writes } = emulator

/** Every file the run wrote except GITHUB_OUTPUT, which must hold the output itself. */
async function filesBesidesOutputs(result: ActionRun): Promise<string> {
  const files = await result.files()
  return Object.entries(files)
    .filter(([path]) => !path.endsWith('github_output'))
    .map(([, content]) => content)
    .join('\n')
}

function hook(scope: HookScope, name: string) {
  return emulator.state.hook(scope, name)
}

const ALICE_ACTIVE_TOKENS = 2

describe('list-tokens', () => {
  it('lists the active tokens across pages by default', async () => {
    for (let i = 0; i < 120; i++) {
      emulator.state.addToken({
        id: `extra-${i}`,
        value: `pul-extra-${i}`,
        login: 'alice',
        name: `extra-${i}`,
        description: `Extra ${i}`,
        created: '2025-01-01T00:00:00Z',
        expires: 0,
        lastUsed: 0,
        kind: 'personal',
        listed: true
      })
    }
    const result = await run({ command: 'list-tokens' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.count).toBe(String(120 + ALICE_ACTIVE_TOKENS))
    expect(emulator.requests.length).toBeGreaterThan(1)
    for (const request of emulator.requests) expect(request.query).toContain('filter=active')
    const tokens = JSON.parse(result.outputs.result ?? '') as { id: string }[]
    expect(new Set(tokens.map(t => t.id)).size).toBe(120 + ALICE_ACTIVE_TOKENS)
    expect(result.summary).toContain(
      '| `22bc86fd-7007-48e2-8f0b-36e648cbee92` | GitHub Actions deployments |'
    )
    expect(result.summary).not.toContain('pul-')
  })

  it('passes filter=expired', async () => {
    const result = await run({ command: 'list-tokens', filter: 'expired' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.count).toBe('1')
    expect(emulator.requests[0]?.query).toContain('filter=expired')
  })

  it('rejects an unknown filter before any request', async () => {
    const result = await run({ command: 'list-tokens', filter: 'revoked' })
    expect(failure(result)).toContain("Input 'filter'")
    expect(emulator.requests).toEqual([])
  })

  it('fails with 401 and its hint for a rejected access token', async () => {
    const result = await run({ 'access-token': 'pul-wrong', command: 'list-tokens' })
    const message = failure(result)
    expect(message).toContain('401')
    expect(message).toContain('access token was rejected')
  })
})

describe('create-token', () => {
  it('masks the new token before it is set, and keeps it out of result, summary and files', async () => {
    const result = await run({ command: 'create-token', description: 'deploy bot', expires: '30d' })
    expect(result.exitCode).toBe(0)
    const token = result.outputs.token ?? ''
    const id = result.outputs['token-id'] ?? ''
    expect(emulator.state.token(token)?.id).toBe(id)
    expect(result.stdout).toContain(`::add-mask::${token}`)
    // The mask command is the only line of the log that holds the value.
    expect(result.stdout.split(token).length).toBe(2)
    expect(result.outputs.result).not.toContain(token)
    expect(result.summary).not.toContain(token)
    expect(result.summary).toContain(id)
    expect(await filesBesidesOutputs(result)).not.toContain(token)
    const body = writes()[0]?.body as { description: string; expires: number }
    expect(body.description).toBe('deploy bot')
    const thirtyDays = Math.floor(Date.now() / 1000) + 30 * 86400
    expect(Math.abs(body.expires - thirtyDays)).toBeLessThan(60)
    expect(JSON.parse(result.outputs.result ?? '')).toEqual({
      id,
      description: 'deploy bot',
      expires: body.expires
    })
  })

  it('defaults expires to 0 (never)', async () => {
    const result = await run({ command: 'create-token', description: 'forever' })
    expect(result.exitCode).toBe(0)
    expect(writes()[0]?.body).toEqual({ description: 'forever', expires: 0 })
    expect(result.summary).toContain('| forever | never |')
  })

  it('creates nothing under dry-run', async () => {
    const before = emulator.state.allTokens().length
    const result = await run({ command: 'create-token', description: 'x', 'dry-run': 'true' })
    expect(result.exitCode).toBe(0)
    expect(emulator.requests).toEqual([])
    expect(emulator.state.allTokens()).toHaveLength(before)
    expect(result.outputs.token).toBeUndefined()
    expect(result.summary).toContain('POST /api/user/tokens')
  })

  it('rejects an expiry in the past before any request', async () => {
    const result = await run({ command: 'create-token', description: 'x', expires: '2020-01-01' })
    expect(failure(result)).toContain("Input 'expires'")
    expect(emulator.requests).toEqual([])
  })

  it('rejects an unreadable expiry before any request', async () => {
    const result = await run({ command: 'create-token', description: 'x', expires: 'tomorrow' })
    expect(failure(result)).toContain("Input 'expires'")
    expect(emulator.requests).toEqual([])
  })

  it("fails with the service's 400 for an expiry it does not allow", async () => {
    const result = await run({ command: 'create-token', description: 'x', expires: '300w' })
    const message = failure(result)
    expect(message).toContain('POST /api/user/tokens failed with 400')
    expect(result.outputs.token).toBeUndefined()
  })
})

describe('delete-token', () => {
  it('DELETEs the token by ID (204)', async () => {
    const id = '249b1279-d5b1-4480-8769-cbc3c20a2cb1'
    const result = await run({ command: 'delete-token', 'token-id': id })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([
      { method: 'DELETE', path: `/api/user/tokens/${id}`, body: undefined }
    ])
    expect(emulator.requests[0]?.status).toBe(204)
    expect(emulator.state.allTokens().some(t => t.id === id)).toBe(false)
    expect(result.summary).toContain(id)
  })

  it('rejects a malformed token-id before any request', async () => {
    const result = await run({ command: 'delete-token', 'token-id': '../tokens' })
    expect(failure(result)).toContain("Input 'token-id'")
    expect(emulator.requests).toEqual([])
  })

  it('fails with 404 for an unknown token', async () => {
    const result = await run({ command: 'delete-token', 'token-id': 'no-such-token' })
    expect(failure(result)).toContain('failed with 404')
  })
})

describe('create-webhook', () => {
  it('creates an organization webhook (201); the secret is masked and kept out of result and summary', async () => {
    const secret = 's3cret-value-for-hooks'
    const result = await run({
      command: 'create-webhook',
      organization: 'acme',
      'display-name': 'Deploy Feed',
      'payload-url': 'https://hooks.example.com/pulumi',
      secret,
      format: 'slack',
      filters: 'update_succeeded, update_failed\nstack_created'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([
      {
        method: 'POST',
        path: '/api/orgs/acme/hooks',
        body: {
          organizationName: 'acme',
          displayName: 'Deploy Feed',
          payloadUrl: 'https://hooks.example.com/pulumi',
          active: true,
          format: 'slack',
          filters: ['update_succeeded', 'update_failed', 'stack_created'],
          secret
        }
      }
    ])
    expect(emulator.requests[0]?.status).toBe(201)
    const name = result.outputs.webhook ?? ''
    expect(hook({ org: 'acme' }, name)?.secret).toBe(secret)
    expect(result.stdout).toContain(`::add-mask::${secret}`)
    expect(result.outputs.result).not.toContain(secret)
    expect(result.summary).not.toContain(secret)
    expect(await filesBesidesOutputs(result)).not.toContain(secret)
    expect(result.summary).toContain('Created webhook')
    expect(result.summary).toContain('update\\_succeeded, update\\_failed, stack\\_created')
  })

  it('creates a stack webhook with projectName and stackName', async () => {
    const result = await run({
      command: 'create-webhook',
      stack: 'acme/website/staging',
      'display-name': 'Staging deploys',
      'payload-url': 'https://hooks.example.com/staging',
      format: 'pulumi_deployments',
      active: 'false'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()[0]).toEqual({
      method: 'POST',
      path: '/api/stacks/acme/website/staging/hooks',
      body: {
        organizationName: 'acme',
        displayName: 'Staging deploys',
        payloadUrl: 'https://hooks.example.com/staging',
        active: false,
        projectName: 'website',
        stackName: 'staging',
        format: 'pulumi_deployments'
      }
    })
    expect(
      hook({ org: 'acme', project: 'website', stack: 'staging' }, result.outputs.webhook ?? '')
        ?.active
    ).toBe(false)
  })

  it('refuses the deployments format on an organization webhook before any request', async () => {
    const result = await run({
      command: 'create-webhook',
      organization: 'acme',
      'display-name': 'x',
      'payload-url': 'https://hooks.example.com/x',
      format: 'pulumi_deployments'
    })
    expect(failure(result)).toContain("Input 'format'")
    expect(emulator.requests).toEqual([])
  })

  it('rejects a non-http payload-url before any request', async () => {
    const result = await run({
      command: 'create-webhook',
      organization: 'acme',
      'display-name': 'x',
      'payload-url': 'ftp://x'
    })
    expect(failure(result)).toContain("Input 'payload-url'")
    expect(emulator.requests).toEqual([])
  })

  it('needs organization or stack before any request', async () => {
    const result = await run({
      command: 'create-webhook',
      'display-name': 'x',
      'payload-url': 'https://x.example'
    })
    expect(failure(result)).toContain("Input 'organization'")
    expect(emulator.requests).toEqual([])
  })

  it('fails with 409 for a name that exists', async () => {
    const result = await run({
      command: 'create-webhook',
      organization: 'acme',
      'display-name': 'CI notifier',
      'payload-url': 'https://x.example'
    })
    expect(failure(result)).toContain('409')
  })
})

describe('list-webhooks', () => {
  it("lists an organization's webhooks without secrets", async () => {
    const result = await run({ command: 'list-webhooks', organization: 'acme' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.count).toBe('2')
    expect(result.outputs.result).not.toContain('ci-notifier-shared-secret')
    expect(result.summary).toContain('| `ci-notifier` | CI notifier |')
  })

  it("lists a stack's webhooks (organization may repeat the stack's)", async () => {
    const result = await run({
      command: 'list-webhooks',
      organization: 'acme',
      stack: 'acme/website/prod'
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.count).toBe('1')
    expect(emulator.requests[0]?.path).toBe('/api/stacks/acme/website/prod/hooks')
    expect(result.stdout).not.toContain('::warning::')
  })

  it("refuses an organization other than the stack's before any request", async () => {
    const result = await run({
      command: 'list-webhooks',
      organization: 'acme-labs',
      stack: 'acme/website/prod'
    })
    expect(failure(result)).toContain(
      "Input 'stack': acme/website/prod is not in the organization acme-labs"
    )
    expect(emulator.requests).toEqual([])
  })

  it('needs organization or stack before any request', async () => {
    const result = await run({ command: 'list-webhooks' })
    expect(failure(result)).toContain("Input 'organization'")
    expect(emulator.requests).toEqual([])
  })

  it('fails with 404 for an unknown stack', async () => {
    const result = await run({ command: 'list-webhooks', stack: 'acme/website/nope' })
    expect(failure(result)).toContain('404')
  })
})

describe('get-webhook', () => {
  it('gets one webhook; hasSecret shows, the secret does not', async () => {
    const result = await run({
      command: 'get-webhook',
      organization: 'acme',
      webhook: 'ci-notifier'
    })
    expect(result.exitCode).toBe(0)
    const got = JSON.parse(result.outputs.result ?? '') as { name: string; hasSecret: boolean }
    expect(got.name).toBe('ci-notifier')
    expect(got.hasSecret).toBe(true)
    expect(result.outputs.result).not.toContain('ci-notifier-shared-secret')
    expect(result.summary).toContain(
      // A zero-width space keeps the server's URL from becoming a link.
      '| https:\u200B//ci.acme.example/hooks/pulumi | raw | yes | all events | yes |'
    )
  })

  it('rejects a malformed webhook name before any request', async () => {
    const result = await run({ command: 'get-webhook', organization: 'acme', webhook: 'a/b' })
    expect(failure(result)).toContain("Input 'webhook'")
    expect(emulator.requests).toEqual([])
  })

  it('fails with 404 for an unknown webhook', async () => {
    const result = await run({ command: 'get-webhook', organization: 'acme', webhook: 'nope' })
    expect(failure(result)).toContain('GET /api/orgs/acme/hooks/nope failed with 404')
  })
})

describe('update-webhook', () => {
  it('reads the webhook, merges the inputs and PATCHes the full object', async () => {
    const result = await run({
      command: 'update-webhook',
      organization: 'acme',
      webhook: 'slack-deployments',
      active: 'false'
    })
    expect(result.exitCode).toBe(0)
    expect(emulator.requests.map(r => r.method)).toEqual(['GET', 'PATCH'])
    expect(writes()[0]).toEqual({
      method: 'PATCH',
      path: '/api/orgs/acme/hooks/slack-deployments',
      body: {
        organizationName: 'acme',
        name: 'slack-deployments',
        displayName: 'Slack #deployments',
        payloadUrl: 'https://hooks.slack.com/services/T0ACME000/B0ACME000/abcdefghijklmnopqrstuvwx',
        active: false,
        format: 'slack',
        filters: ['update_succeeded', 'update_failed', 'destroy_succeeded'],
        groups: []
      }
    })
    const stored = hook({ org: 'acme' }, 'slack-deployments')
    expect(stored?.active).toBe(false)
    expect(stored?.filters).toEqual(['update_succeeded', 'update_failed', 'destroy_succeeded'])
    expect(result.summary).toContain('| `active` | true | false |')
  })

  it('keeps active as it is when the input is not given', async () => {
    const stored = hook({ org: 'acme' }, 'slack-deployments')
    if (stored) stored.active = false
    const result = await run({
      command: 'update-webhook',
      organization: 'acme',
      webhook: 'slack-deployments',
      'display-name': 'Slack'
    })
    expect(result.exitCode).toBe(0)
    expect((writes()[0]?.body as { active: boolean }).active).toBe(false)
    expect(hook({ org: 'acme' }, 'slack-deployments')?.displayName).toBe('Slack')
  })

  it('sends a new secret, masked, and shows only that it changed', async () => {
    const secret = 'rotated-secret-42'
    const result = await run({
      command: 'update-webhook',
      organization: 'acme',
      webhook: 'ci-notifier',
      secret
    })
    expect(result.exitCode).toBe(0)
    expect((writes()[0]?.body as { secret: string }).secret).toBe(secret)
    expect(hook({ org: 'acme' }, 'ci-notifier')?.secret).toBe(secret)
    expect(result.stdout).toContain(`::add-mask::${secret}`)
    expect(result.summary).toContain('| `secret` | set | set (new value) |')
    expect(result.summary).not.toContain(secret)
    expect(result.outputs.result).not.toContain(secret)
    expect(result.stdout).not.toContain('::warning::')
  })

  it('warns that a webhook with a secret is sent without one when secret is not given', async () => {
    const result = await run({
      command: 'update-webhook',
      organization: 'acme',
      webhook: 'ci-notifier',
      format: 'ms_teams'
    })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toContain('::warning::Webhook ci-notifier has a secret')
    expect(writes()[0]?.body).not.toHaveProperty('secret')
    expect(writes()[0]?.body).not.toHaveProperty('hasSecret')
  })

  it('updates a stack webhook on the stack path', async () => {
    const result = await run({
      command: 'update-webhook',
      stack: 'acme/website/prod',
      webhook: 'deploy-hook',
      filters: 'update_failed'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()[0]?.path).toBe('/api/stacks/acme/website/prod/hooks/deploy-hook')
    expect(writes()[0]?.body).toMatchObject({
      projectName: 'website',
      stackName: 'prod',
      filters: ['update_failed']
    })
  })

  it('needs a field to change, before any request', async () => {
    const result = await run({
      command: 'update-webhook',
      organization: 'acme',
      webhook: 'ci-notifier'
    })
    expect(failure(result)).toContain('at least one of')
    expect(emulator.requests).toEqual([])
  })

  it('fails with 404 for an unknown webhook and sends no PATCH', async () => {
    const result = await run({
      command: 'update-webhook',
      organization: 'acme',
      webhook: 'nope',
      active: 'true'
    })
    expect(failure(result)).toContain('404')
    expect(writes()).toEqual([])
  })
})

describe('delete-webhook', () => {
  it('DELETEs the webhook (204)', async () => {
    const result = await run({
      command: 'delete-webhook',
      organization: 'acme',
      webhook: 'ci-notifier'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([
      { method: 'DELETE', path: '/api/orgs/acme/hooks/ci-notifier', body: undefined }
    ])
    expect(emulator.requests[0]?.status).toBe(204)
    expect(hook({ org: 'acme' }, 'ci-notifier')).toBeUndefined()
  })

  it('fails with 404 for an unknown webhook', async () => {
    const result = await run({ command: 'delete-webhook', organization: 'acme', webhook: 'nope' })
    expect(failure(result)).toContain('404')
  })
})

describe('ping-webhook', () => {
  it("POSTs a ping and sets status to the endpoint's response code", async () => {
    const before = hook({ org: 'acme' }, 'ci-notifier')?.deliveries.length ?? 0
    const result = await run({
      command: 'ping-webhook',
      organization: 'acme',
      webhook: 'ci-notifier'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([
      { method: 'POST', path: '/api/orgs/acme/hooks/ci-notifier/ping', body: undefined }
    ])
    expect(result.outputs.status).toBe('200')
    expect(hook({ org: 'acme' }, 'ci-notifier')?.deliveries.length).toBe(before + 1)
    expect(result.summary).toContain('Pinged webhook ci-notifier: delivered')
  })

  it('warns when the endpoint answers the ping with an error', async () => {
    emulator.addFault({
      method: 'POST',
      path: '/api/orgs/acme/hooks/ci-notifier/ping',
      kind: 'status',
      status: 200,
      body: JSON.stringify({
        id: 'd1',
        kind: 'ping',
        timestamp: 1747267262,
        duration: 30,
        requestUrl: 'https://ci.acme.example/hooks/pulumi',
        responseCode: 502
      })
    })
    const result = await run({
      command: 'ping-webhook',
      organization: 'acme',
      webhook: 'ci-notifier'
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('502')
    expect(result.stdout).toContain(
      '::warning::The endpoint of webhook ci-notifier answered the ping with 502'
    )
  })

  it('rejects a malformed webhook name before any request', async () => {
    const result = await run({ command: 'ping-webhook', organization: 'acme', webhook: 'bad name' })
    expect(failure(result)).toContain("Input 'webhook'")
    expect(emulator.requests).toEqual([])
  })

  it('fails with 404 for an unknown webhook', async () => {
    const result = await run({
      command: 'ping-webhook',
      stack: 'acme/website/prod',
      webhook: 'nope'
    })
    expect(failure(result)).toContain(
      'POST /api/stacks/acme/website/prod/hooks/nope/ping failed with 404'
    )
  })
})

describe('list-webhook-deliveries', () => {
  it('lists the deliveries with count and a table', async () => {
    const seeded = hook({ org: 'acme' }, 'slack-deployments')?.deliveries ?? []
    expect(seeded.length).toBeGreaterThan(0)
    const result = await run({
      command: 'list-webhook-deliveries',
      organization: 'acme',
      webhook: 'slack-deployments'
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.count).toBe(String(seeded.length))
    expect(result.summary).toContain(`\`${seeded[0]?.id ?? ''}\``)
    expect(result.summary).toContain(`| ${seeded[0]?.responseCode ?? ''} |`)
  })

  it('needs organization or stack before any request', async () => {
    const result = await run({ command: 'list-webhook-deliveries', webhook: 'slack-deployments' })
    expect(failure(result)).toContain("Input 'organization'")
    expect(emulator.requests).toEqual([])
  })

  it('fails with 404 for an unknown webhook', async () => {
    const result = await run({
      command: 'list-webhook-deliveries',
      organization: 'acme',
      webhook: 'nope'
    })
    expect(failure(result)).toContain('404')
  })
})
