/**
 * Names that would leave their URL path segment (`.` and `..`, which URL parsing removes even
 * as `%2e%2e`) are refused before any request; the common defaults come from the input
 * catalog; yearly resource summaries; webhook scope, rendering and result safety.
 */
import { startEmulator, type RunningEmulator } from '../emulator/index.js'
import { apiPath, orgPath, stackPath } from '../src/api/paths.js'
import { COMMANDS } from '../src/commands/registry.js'
import {
  COMMAND_INPUTS,
  COMMON_INPUTS,
  GRANULARITIES,
  auditFormat,
  webhookFormat
} from '../src/input-catalog.js'
import { readSettings } from '../src/inputs.js'
import { bucketLabel, renderResourceSummary } from '../src/render/resources.js'
import { renderDeliveries, renderWebhookList } from '../src/render/webhooks.js'
import { failureMessage, runAction, type ActionRun } from './support/action.js'

let emulator: RunningEmulator

beforeEach(async () => {
  emulator = await startEmulator()
})

afterEach(async () => {
  await emulator.close()
})

function run(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({ 'api-url': emulator.url, 'access-token': emulator.token, ...inputs })
}

/** The run failed with a message naming `input`, and the emulator saw no request at all. */
function expectRefusedBeforeAnyRequest(result: ActionRun, input: string): void {
  expect(result.exitCode).toBe(1)
  expect(failureMessage(result)).toContain(`Input '${input}'`)
  expect(emulator.requests.map(request => `${request.method} ${request.path}`)).toEqual([])
}

describe('apiPath', () => {
  it.each(['.', '..'])("refuses '%s' as a segment, wherever it comes from", segment => {
    expect(() => apiPath('orgs', 'acme', 'hooks', segment)).toThrow(
      `'${segment}' cannot be a name in the API path`
    )
    expect(() => orgPath(segment)).toThrow('would address another resource')
    expect(() =>
      stackPath({ organization: 'acme', project: 'website', stack: 'prod' }, 'tags', segment)
    ).toThrow('would address another resource')
  })

  it('still encodes names holding dots, slashes and encoded dots into one segment', () => {
    expect(apiPath('orgs', 'acme', 'hooks', '...', 'a.b', '%2e%2e', 'a/..')).toBe(
      '/api/orgs/acme/hooks/.../a.b/%252e%252e/a%2F..'
    )
  })
})

describe("inputs that become a path segment refuse '.' and '..' before any request", () => {
  const cases: [string, Record<string, string>, string][] = [
    ['delete-webhook', { organization: 'acme' }, 'webhook'],
    ['get-webhook', { stack: 'acme/website/prod' }, 'webhook'],
    ['ping-webhook', { organization: 'acme' }, 'webhook'],
    ['delete-stack-tag', { stack: 'acme/website/prod' }, 'tag-name'],
    ['delete-team', { organization: 'acme' }, 'team'],
    ['remove-member', { organization: 'acme' }, 'username'],
    ['delete-token', {}, 'token-id'],
    ['get-update', { stack: 'acme/website/prod' }, 'update-id']
  ]
  for (const [command, others, input] of cases) {
    for (const value of ['.', '..']) {
      it(`${command} with ${input}: '${value}'`, async () => {
        if (COMMANDS.find(found => found.name === command) === undefined)
          throw new Error(`no command ${command} in the registry`)
        const result = await run({ command, ...others, [input]: value })
        expectRefusedBeforeAnyRequest(result, input)
      })
    }
  }

  it("set-stack-tags refuses a tag named '..' (it becomes PATCH .../tags/{name})", async () => {
    const result = await run({
      command: 'set-stack-tags',
      stack: 'acme/website/prod',
      tags: '..=x'
    })
    expectRefusedBeforeAnyRequest(result, 'tags')
  })

  it('tag-name gets the same name check as tags', async () => {
    const result = await run({
      command: 'delete-stack-tag',
      stack: 'acme/website/prod',
      'tag-name': 'no spaces'
    })
    expectRefusedBeforeAnyRequest(result, 'tag-name')
    expect(failureMessage(result)).toContain("tag name 'no spaces' is invalid")
  })

  it('a webhook name with dots in it is still one segment', async () => {
    const result = await run({ command: 'delete-webhook', organization: 'acme', webhook: '...' })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.map(request => `${request.method} ${request.path}`)).toEqual([
      'DELETE /api/orgs/acme/hooks/...'
    ])
  })
})

describe('webhook paths', () => {
  it('ping and deliveries of a stack webhook go under the stack hooks path', async () => {
    await run({ command: 'ping-webhook', stack: 'acme/website/prod', webhook: 'ci.hook' })
    await run({ command: 'list-webhook-deliveries', stack: 'acme/website/prod', webhook: 'x.y' })
    expect(emulator.requests.map(request => `${request.method} ${request.path}`)).toEqual([
      'POST /api/stacks/acme/website/prod/hooks/ci.hook/ping',
      'GET /api/stacks/acme/website/prod/hooks/x.y/deliveries'
    ])
  })

  it.each(['list-webhooks', 'delete-webhook', 'create-webhook'])(
    '%s refuses an organization other than the stack’s before any request',
    async command => {
      const result = await run({
        command,
        organization: 'acme-labs',
        stack: 'acme/website/prod',
        webhook: 'hook',
        'display-name': 'Hook',
        'payload-url': 'https://example.com/hook'
      })
      expectRefusedBeforeAnyRequest(result, 'stack')
      expect(failureMessage(result)).toContain(
        'acme/website/prod is not in the organization acme-labs'
      )
    }
  )

  it('keeps the secret ciphertext out of result', async () => {
    const created = await run({
      command: 'create-webhook',
      organization: 'acme',
      'display-name': 'Signed',
      'payload-url': 'https://example.com/signed',
      secret: 'shh-very-secret'
    })
    expect(created.exitCode).toBe(0)
    const listed = await run({ command: 'list-webhooks', organization: 'acme' })
    const getResponse = emulator.requests.at(-1)
    expect(getResponse?.path).toBe('/api/orgs/acme/hooks')
    for (const result of [created, listed]) {
      expect(result.outputs.result).toContain('"hasSecret":true')
      expect(result.outputs.result).not.toContain('secretCiphertext')
      expect(result.outputs.result).not.toContain('shh-very-secret')
    }
  })

  it('renders a missing name or delivery ID as an empty cell, not a pair of backticks', () => {
    const list = renderWebhookList('acme', [
      { displayName: 'Unnamed', payloadUrl: 'https://example.com', active: true, name: '' }
    ])
    expect(list).toContain('|  | Unnamed |')
    expect(list).not.toContain('``')
    const deliveries = renderDeliveries('hook', [
      { id: '', kind: 'ping', timestamp: 0, duration: 1, requestUrl: 'u', responseCode: 200 }
    ])
    expect(deliveries).not.toContain('``')
  })
})

describe('input catalog', () => {
  it('no command requires an input that has an action.yml default', () => {
    for (const command of COMMANDS)
      for (const key of command.required)
        expect({ command: command.name, default: COMMAND_INPUTS[key].default }).toEqual({
          command: command.name,
          default: undefined
        })
  })

  it('takes the common defaults from the action.yml defaults of the catalog', () => {
    const raw: Record<string, string> = { command: 'list-webhooks', organization: 'acme' }
    const common = readSettings(name => raw[name] ?? '', COMMANDS).common
    expect(common).toMatchObject({
      summary: COMMON_INPUTS.summary.parse(COMMON_INPUTS.summary.default ?? '', {
        command: 'list-webhooks'
      }),
      timeoutSeconds: Number(COMMON_INPUTS.timeoutSeconds.default),
      concurrency: Number(COMMON_INPUTS.concurrency.default),
      dryRun: false,
      failFast: false,
      commentOnPr: 'never'
    })
    // The runner evaluates `${{ github.token }}`; unset, there is no token, not that text.
    expect(common.githubToken).toBeUndefined()
  })

  it('narrows format to the audit or the webhook formats', () => {
    expect(auditFormat('CEF')).toBe('cef')
    expect(() => auditFormat('slack')).toThrow("Input 'format': 'slack' is not one of csv, cef")
    expect(webhookFormat('slack')).toBe('slack')
    expect(() => webhookFormat('csv')).toThrow("Input 'format'")
  })
})

describe('yearly resource summary', () => {
  it('offers every granularity of the spec', () => {
    expect([...GRANULARITIES].sort()).toEqual(['daily', 'hourly', 'monthly', 'weekly', 'yearly'])
  })

  it('asks for yearly buckets and labels them by year', async () => {
    const result = await run({
      command: 'get-resource-summary',
      organization: 'acme',
      granularity: 'yearly',
      'lookback-days': '400'
    })
    expect(result.exitCode).toBe(0)
    expect(emulator.requests[0]?.query).toBe('granularity=yearly&lookbackDays=400')
    const buckets = JSON.parse(result.outputs.result ?? '[]') as { year: number }[]
    expect(buckets.length).toBeGreaterThan(0)
    for (const bucket of buckets) expect(result.summary).toContain(`| ${bucket.year} |`)
    expect(result.summary).toContain('yearly, last 400 days')
  })

  it('labels by the granularity asked for even when more time fields are filled in', () => {
    const bucket = { year: 2025, month: 1, day: 1, resources: 3 }
    expect(bucketLabel(bucket, 'yearly')).toBe('2025')
    expect(bucketLabel(bucket, 'monthly')).toBe('2025-01')
    expect(renderResourceSummary('acme', 'yearly', 365, [bucket])).toContain('| 2025 | 3 |')
  })
})
