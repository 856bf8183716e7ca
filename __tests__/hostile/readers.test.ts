/**
 * Hostile server, checked readers (issue #12 rows 4, 14 and 6), through the bundled action:
 * a number that is not a number is shown as `invalid`, never raw; an id, version or status
 * that could smuggle a line into a step output fails the read instead; an error body echoing
 * the job's OIDC ID token shows it nowhere.
 */
import { readFile } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { join } from 'node:path'
import { failureMessage, requireDist, runDist, type ActionRun } from '../support/action.js'
import { startIdTokenStandin } from '../support/id-token-standin.js'
import { connection, html, json, withHostile, type Handler } from './server.js'

beforeAll(requireDist)

const TOKEN = 'pul-hostile-readers-token'
const STACK = '/api/stacks/acme/web/prod'
const UPDATE_ID = '3f2a1c0e-1111-4a4a-9999-0123456789ab'

const connect = (url: string): Record<string, string> => connection(url, TOKEN)

/** Answers `routes[path]` (by exact path) as JSON, anything else with a 404. */
function routes(table: Record<string, unknown>): Handler {
  return (_req, res, url) => {
    if (url.pathname in table) return json(res, 200, table[url.pathname])
    return json(res, 404, { code: 404, message: 'not found' })
  }
}

function update(fields: Record<string, unknown> = {}, info: Record<string, unknown> = {}): unknown {
  return {
    updateID: UPDATE_ID,
    version: 4,
    info: {
      kind: 'update',
      startTime: 1_700_000_000,
      endTime: 1_700_000_060,
      result: 'succeeded',
      resourceChanges: { create: 1 },
      ...info
    },
    ...fields
  }
}

const STACK_BODY = { orgName: 'acme', projectName: 'web', stackName: 'prod', version: 3 }

/** No raw HTML from the server, and no live mention: every `@` is followed by the ZWSP. */
function expectInert(run: ActionRun, ...mentions: string[]): void {
  const out = html(run.summary)
  expect(out).not.toMatch(/<(img|b|i)[\s>]/)
  for (const mention of mentions) {
    expect(run.summary).not.toContain(mention)
    for (const value of Object.values(run.outputs)) expect(value).not.toContain(mention)
  }
}

describe('hostile server: checked readers', () => {
  test.concurrent(
    'row 4: a version holding HTML and a mention fails the read, quoted inert, never raw',
    async () => {
      await withHostile(
        routes({ [`${STACK}/updates`]: { updates: [update({ version: '1<img src=x>@team' })] } }),
        async server => {
          const run = await runDist({
            ...connect(server.url),
            command: 'list-updates',
            stack: 'acme/web/prod'
          })
          expect(run.exitCode).toBe(1)
          expect(failureMessage(run)).toMatch(
            /^The service answered GET \/api\/stacks\/acme\/web\/prod\/updates with `updates\[0\]\.version` = "1<img src=x>@team" where a whole number of at least 0 was expected; .*Re-run the step/
          )
          expect(run.outputs['update-id']).toBeUndefined()
          expectInert(run, '@team')
          expect(run.summary).toContain('updates\\[0\\].version')
        }
      )
    }
  )

  test.concurrent(
    'row 4: delivery response codes and durations that are not numbers read "invalid"',
    async () => {
      const delivery = {
        id: 'dl-1',
        kind: 'ping',
        timestamp: 1_700_000_000,
        duration: '<i>9</i> @org/ops',
        requestUrl: 'https://hooks.example.com/in',
        responseCode: '<b>500</b> @org/team',
        payload: '{}',
        requestHeaders: '',
        responseHeaders: '',
        responseBody: ''
      }
      await withHostile(
        routes({ '/api/orgs/acme/hooks/h1/deliveries': [delivery] }),
        async server => {
          const run = await runDist({
            ...connect(server.url),
            command: 'list-webhook-deliveries',
            organization: 'acme',
            webhook: 'h1'
          })
          expect(run.exitCode).toBe(0)
          const row = html(run.summary).match(/<tbody>\s*<tr>([\s\S]*?)<\/tr>/)?.[1] ?? ''
          const cells = [...row.matchAll(/<td>([\s\S]*?)<\/td>/g)].map(match => match[1])
          expect(cells.slice(3, 5)).toEqual(['invalid', 'invalid'])
          expectInert(run, '@org/team', '@org/ops')
          // `result` says invalid too: the hostile value is not passed on.
          expect(run.outputs.result).toContain('"responseCode":"invalid"')
        }
      )
    }
  )

  test.concurrent(
    'row 4: resource counts sent as strings read "invalid"; the resources output stays empty',
    async () => {
      await withHostile(
        routes({
          '/api/orgs/acme/resources/summary': {
            summary: [
              { year: 2025, month: 3, day: 1, resources: 10, resourceHours: 240 },
              { year: 2025, month: 3, day: 2, resources: '<b>12</b>', resourceHours: '@team' }
            ]
          }
        }),
        async server => {
          const run = await runDist({
            ...connect(server.url),
            command: 'get-resource-summary',
            organization: 'acme'
          })
          expect(run.exitCode).toBe(0)
          expect(run.summary).toContain('Now: **invalid** resources.')
          expect(run.summary).toMatch(/\| 2025-03-02 \| invalid \| invalid \|/)
          expectInert(run, '@team', '<b>12')
          expect(run.outputs.resources).toBe('')
          expect(run.outputs.count).toBe('2')
          expect(run.stdout).toMatch(
            /::warning::The newest resource count of acme was not a number/
          )
        }
      )
    }
  )

  const injections: {
    name: string
    inputs: Record<string, string>
    answers: Record<string, unknown>
    field: string
  }[] = [
    {
      name: 'list-updates update-id',
      inputs: { command: 'list-updates', stack: 'acme/web/prod' },
      answers: {
        [`${STACK}/updates`]: {
          updates: [update({ updateID: 'u1\n::set-output name=injected::1' })]
        }
      },
      field: 'updates[0].updateID'
    },
    {
      name: 'list-updates status',
      inputs: { command: 'list-updates', stack: 'acme/web/prod' },
      answers: {
        [`${STACK}/updates`]: { updates: [update({}, { result: 'succeeded\ninjected=1' })] }
      },
      field: 'updates[0].info.result'
    },
    {
      name: 'get-stack version',
      inputs: { command: 'get-stack', stack: 'acme/web/prod' },
      answers: { [STACK]: { ...STACK_BODY, version: '3\ninjected=1' } },
      field: 'version'
    },
    {
      name: 'get-stack update-id',
      inputs: { command: 'get-stack', stack: 'acme/web/prod' },
      answers: { [STACK]: { ...STACK_BODY, activeUpdate: 'u1\n::set-output name=injected::1' } },
      field: 'activeUpdate'
    },
    {
      name: 'get-update status',
      inputs: { command: 'get-update', stack: 'acme/web/prod', 'update-id': UPDATE_ID },
      answers: { [`${STACK}/update/${UPDATE_ID}`]: { status: 'succeeded\ninjected=1' } },
      field: 'status'
    },
    {
      name: 'run-deployment deployment-id',
      inputs: { command: 'run-deployment', stack: 'acme/web/prod', operation: 'update' },
      answers: {
        [`${STACK}/deployments`]: {
          id: 'd1\ninjected=1',
          consoleUrl: 'https://app.pulumi.com/acme/web/prod/deployments/1',
          version: 1
        }
      },
      field: 'id'
    }
  ]

  test.concurrent.each(injections)(
    'row 14: $name holding a line break and a workflow command fails the read; no such output',
    async ({ inputs, answers, field }) => {
      await withHostile(routes(answers), async server => {
        const run = await runDist({ ...connect(server.url), ...inputs })
        expect(run.exitCode).toBe(1)
        const message = failureMessage(run)
        expect(message).toMatch(/^The service answered (GET|POST) \S+ with `/)
        expect(message).toContain(`\`${field}\``)
        expect(message).toMatch(/(Re-run the step; if|If) it persists/)
        expect(Object.keys(run.outputs)).not.toContain('injected')
        for (const value of Object.values(run.outputs)) {
          expect(value).not.toContain('injected')
          expect(value).not.toContain('set-output')
        }
        // GITHUB_OUTPUT as the runner reads it: no line of the server's, anywhere.
        const output = await readFile(join(run.runnerTemp, 'github_output'), 'utf8')
        expect(output).toContain('access-token-source<<')
        expect(output).not.toMatch(/injected|set-output/)
        // The log cannot be handed a workflow command either.
        expect(run.stdout).not.toMatch(/^::set-output/m)
      })
    }
  )

  test.concurrent(
    "row 6: an error body echoing the job's OIDC ID token shows it nowhere, escaped or not",
    async () => {
      const standin = await startIdTokenStandin()
      try {
        const echo: Handler = (req, res, url) => {
          if (url.pathname !== '/api/oauth/token') return json(res, 404, { message: 'not found' })
          void readJson(req).then(body => {
            const token = String(body.subject_token)
            json(res, 400, {
              error: 'invalid_request',
              error_description: `subject_token ${token} (_${token}_) is not trusted`
            })
          })
          return true
        }
        await withHostile(echo, async server => {
          const run = await runDist(
            {
              'api-url': server.url,
              'oidc-token-type': 'organization',
              organization: 'acme',
              command: 'list-stacks'
            },
            standin.env
          )
          expect(run.exitCode).toBe(1)
          const [token] = standin.issued
          if (token === undefined) throw new Error('no ID token was issued')
          const [, claims = ''] = token.split('.')
          expect(failureMessage(run)).toContain('subject_token *** (_***_) is not trusted')
          // The ID token was masked in the log before the exchange could echo it.
          expect(run.stdout).toContain(`::add-mask::${token}`)
          for (const text of [run.summary, ...Object.values(run.outputs)]) {
            // Escaping inserts backslashes; without them, still no trace of the token.
            const plain = text.replace(/\\/g, '')
            expect(plain).not.toContain(token)
            expect(plain).not.toContain(claims.slice(0, 24))
          }
          const printed = run.stdout.split('\n').filter(line => !line.startsWith('::add-mask::'))
          expect(printed.filter(line => line.includes(claims.slice(0, 24)))).toEqual([])
        })
      } finally {
        await standin.close()
      }
    }
  )
})

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
}
