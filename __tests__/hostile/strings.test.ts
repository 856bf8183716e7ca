/**
 * Hostile server, strings (issue #12 rows 3, 5, 6, 11, 12, 13, 15), through the bundled
 * action: whatever the server (or GitHub) says, the job summary parses to the tables and
 * links the action meant, secrets never leave in any form, and the log cannot be given a
 * workflow command.
 */
import { startEmulator } from '../../emulator/index.js'
import { LIMITS_ENV } from '../../src/api/limits.js'
import { failureMessage, requireDist, runDist, type ActionRun } from '../support/action.js'
import { connection, exportBody, html, json, withHostile } from './server.js'

beforeAll(requireDist)

const TOKEN = 'pul-hostile-strings-token'

const connect = (url: string): Record<string, string> => connection(url, TOKEN)

/** Log lines that are workflow commands, other than the masks the action registers. */
function commands(run: ActionRun): string[] {
  return run.stdout
    .split(/\r\n|\r|\n/)
    .filter(line => line.trim().startsWith('::') && !line.startsWith('::add-mask::'))
}

describe('hostile server: strings', () => {
  test.concurrent(
    'row 3: line breaks of every kind, HTML, links and mentions in server strings stay inert in the summary',
    async () => {
      const nasty = [
        'a\r| x | <img src=x onerror=alert(1)> |',
        'b\n### Heading\n@acme/admins',
        'c\u2028<script>alert(1)</script>',
        'd\u2029![img](https://evil.example/x.png)',
        'e\u0085[click](https://evil.example) www.evil.example #12',
        'f\r\n<details open>\u202e\u0000'
      ]
      const tags = Object.fromEntries(nasty.map((value, i) => [`tag${i}${value}`, value]))
      await withHostile(
        (_req, res) => {
          json(res, 200, {
            orgName: 'acme',
            projectName: 'web',
            stackName: 'prod',
            version: 3,
            currentOperation: { kind: 'update\r<b>bold</b>', author: '@octocat\n# x', started: 1 },
            tags
          })
        },
        async server => {
          const run = await runDist({
            ...connect(server.url),
            command: 'get-stack',
            stack: 'acme/web/prod'
          })
          expect(run.exitCode).toBe(0)
          const out = html(run.summary)
          // The tags table has exactly one row per tag, and the fields table its three rows.
          const tables = [...out.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)].map(
            match => (match[1] ?? '').match(/<tr>/g)?.length ?? 0
          )
          expect(tables).toEqual([3, nasty.length])
          for (const row of out.match(/<tr>[\s\S]*?<\/tr>/g) ?? [])
            expect(row.match(/<t[dh]>/g)?.length).toBe(2)
          // Only the action's own markup: no HTML, image, heading or link from the server.
          expect(out).not.toMatch(/<(img|script|details|b|h1|h2)[\s>]/)
          expect(out.match(/<a /g) ?? []).toHaveLength(1)
          expect(out).toMatch(
            /<a href="http:\/\/127\.0\.0\.1:\d+\/acme\/web\/prod">View in Pulumi Cloud<\/a>/
          )
          const shown = out.replace(/<[^>]+>/g, '')
          expect(shown).not.toMatch(/@[A-Za-z0-9]/)
          expect(shown).not.toMatch(/#\d/)
          // eslint-disable-next-line no-control-regex
          expect(shown).not.toMatch(/[\u202e\u0000]/)
        }
      )
    }
  )

  test.concurrent(
    'row 5: secrets nested in stack outputs are [secret] in the summary and never plaintext in outputs or files',
    async () => {
      const SIG = '4dabf18193072939515e22adb298388d'
      const outputs = {
        url: 'https://example.com',
        nested: {
          list: [{ [SIG]: '1b47061264138c4ac30d75fd1eb44270', plaintext: '"hunter2-plain"' }],
          deep: { [SIG]: '1b47061264138c4ac30d75fd1eb44270', ciphertext: 'v1:cipher' }
        }
      }
      await withHostile(
        (_req, res) => {
          json(res, 200, exportBody(outputs))
        },
        async server => {
          const run = await runDist({
            ...connect(server.url),
            command: 'export-stack',
            stack: 'acme/web/prod'
          })
          expect(run.exitCode).toBe(0)
          expect(run.summary).toContain('\\[secret\\]')
          expect(run.summary).not.toContain('hunter2')
          expect(run.summary).not.toContain('v1:cipher')
          expect(JSON.parse(run.outputs['stack-outputs'] ?? '')).toEqual({
            url: 'https://example.com',
            nested: {
              list: ['[secret]'],
              deep: { [SIG]: '1b47061264138c4ac30d75fd1eb44270', ciphertext: 'v1:cipher' }
            }
          })
          for (const [name, value] of Object.entries(run.outputs))
            expect([name, value.includes('hunter2')]).toEqual([name, false])
          for (const [file, text] of Object.entries(await run.files())) {
            // The export file itself holds the state as the service sent it.
            if (file.endsWith('acme-web-prod.json')) continue
            expect([file, text.includes('hunter2')]).toEqual([file, false])
          }
          // Masked for the runner, and never printed otherwise.
          expect(run.stdout).toContain('::add-mask::hunter2-plain')
          expect(
            run.stdout
              .split('\n')
              .filter(l => !l.startsWith('::add-mask::') && l.includes('hunter2'))
          ).toEqual([])
        }
      )
    }
  )

  test.concurrent(
    'row 6: an error body echoing the webhook secret shows it nowhere, escaped or not',
    async () => {
      const secret = 'whsec_Abc*def_hostile'
      await withHostile(
        (_req, res) => {
          json(res, 400, { code: 400, message: `invalid secret ${secret} (_${secret}_)` })
        },
        async server => {
          const run = await runDist({
            ...connect(server.url),
            command: 'create-webhook',
            organization: 'acme',
            'display-name': 'hook',
            'payload-url': 'https://hooks.example/x',
            secret
          })
          expect(run.exitCode).toBe(1)
          expect(failureMessage(run)).toContain('invalid secret *** (_***_)')
          for (const text of [run.summary, ...Object.values(run.outputs)]) {
            expect(text).not.toContain('Abc')
            expect(text).not.toContain('hostile')
          }
          expect(run.summary).toContain('invalid secret \\*\\*\\*')
          const printed = run.stdout.split('\n').filter(l => !l.startsWith('::add-mask::'))
          expect(printed.filter(line => line.includes('Abc'))).toEqual([])
        }
      )
    }
  )

  test.concurrent('row 11: input errors write the failure to the job summary', async () => {
    const unknown = await runDist({ command: 'frobnicate', 'access-token': TOKEN })
    expect(unknown.exitCode).toBe(1)
    expect(unknown.summary).toMatch(/❌ frobnicate failed/)
    expect(unknown.summary).toContain('frobnicate')
    const missing = await runDist({ command: 'export-stack', 'access-token': TOKEN })
    expect(missing.exitCode).toBe(1)
    expect(missing.summary).toMatch(/❌ export-stack failed/)
    expect(missing.summary).toMatch(/stack/)
    const quiet = await runDist({ command: 'frobnicate', summary: 'false' })
    expect(quiet.exitCode).toBe(1)
    expect(quiet.summary).toBe('')
  })

  test.concurrent(
    'row 12: http:// to another host is warned about before the first request; loopback is not',
    async () => {
      const remote = await runDist(
        {
          'api-url': 'http://192.0.2.1:9',
          'access-token': TOKEN,
          command: 'get-stack',
          stack: 'acme/web/prod',
          'timeout-seconds': '1'
        },
        { [LIMITS_ENV]: JSON.stringify({ retryBudgetSeconds: 0.001 }) }
      )
      expect(remote.exitCode).toBe(1)
      const lines = remote.stdout.split('\n')
      const warning = lines.findIndex(line =>
        /^::warning::api-url http:\/\/192\.0\.2\.1:9 is plain http:\/\/ to another host/.test(line)
      )
      expect(warning).toBeGreaterThanOrEqual(0)
      expect(warning).toBeLessThan(lines.findIndex(line => line.startsWith('::error::')))
      await withHostile(
        (_req, res) => {
          json(res, 200, { orgName: 'acme', projectName: 'web', stackName: 'prod', version: 1 })
        },
        async server => {
          const local = await runDist({
            ...connect(server.url),
            command: 'get-stack',
            stack: 'acme/web/prod'
          })
          expect(local.exitCode).toBe(0)
          expect(local.stdout).not.toContain('plain http')
        }
      )
    }
  )

  test.concurrent('row 13: api-url with a user name and password is an input error', async () => {
    await withHostile(
      (_req, res) => {
        json(res, 200, {})
      },
      async server => {
        const withUserinfo = server.url.replace('http://', 'http://admin:s3cretpass@')
        const run = await runDist({
          'api-url': withUserinfo,
          'access-token': TOKEN,
          command: 'get-stack',
          stack: 'acme/web/prod'
        })
        expect(run.exitCode).toBe(1)
        expect(failureMessage(run)).toMatch(/api-url.*must not hold a user name or password/)
        expect(server.requests).toEqual([])
        expect(run.stdout).not.toContain('s3cretpass')
        expect(run.summary).not.toContain('s3cretpass')
        expect(run.summary).toMatch(/must not hold a user name or password/)
      }
    )
  })

  test.concurrent(
    'row 15: a GitHub html_url holding a line break and ::error:: cannot start a workflow command',
    async () => {
      const emulator = await startEmulator({})
      try {
        await withHostile(
          (req, res, url) => {
            if (url.pathname === '/graphql')
              return json(res, 200, { data: { viewer: { login: 'github-actions[bot]' } } })
            if (req.method === 'GET') return json(res, 200, [])
            json(res, 201, {
              id: 1,
              body: '',
              user: { login: 'github-actions[bot]' },
              html_url: 'https://github.com/o/r/pull/17#c\n::error::pwned\r::warning file=x::y'
            })
          },
          async github => {
            const run = await runDist(
              {
                'api-url': emulator.url,
                'access-token': emulator.token,
                command: 'list-previews',
                stack: 'acme/website/prod',
                'comment-on-pr': 'true',
                'github-token': 'ghs_hostile',
                'pr-number': '17'
              },
              { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: 'o/r' }
            )
            expect(run.exitCode).toBe(0)
            expect(github.requests.some(request => request.method === 'POST')).toBe(true)
            expect(run.stdout).toMatch(
              /Created https:\/\/github\.com\/o\/r\/pull\/17#c ::error::pwned/
            )
            expect(commands(run).filter(line => /pwned|file=x/.test(line))).toEqual([])
          }
        )
      } finally {
        await emulator.close()
      }
    }
  )
})
