/**
 * Hostile server, files the action writes (issue #12 rows 1, 2, 7, 16, 17, 18), through the
 * bundled action: names from the server never leave the directory the user chose, nothing
 * is written through a symlink, a cut download never replaces a good file, and a cancelled
 * run leaves no temp file.
 */
import { spawn } from 'node:child_process'
import { lstat, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DIST, failureMessage, requireDist, runDist } from '../support/action.js'
import { closeDelimited, exportBody, json, stackList, withHostile, type Handler } from './server.js'

beforeAll(requireDist)

const TOKEN = 'pul-hostile-files-token'

function connection(url: string): Record<string, string> {
  return { 'api-url': url, 'access-token': TOKEN }
}

/** A service listing these stacks and answering every other request with an export. */
function listingThenExports(names: [string, string, string][]): Handler {
  return (_req, res, url) => {
    if (url.pathname === '/api/user/stacks') return json(res, 200, stackList(names))
    json(res, 200, exportBody())
  }
}

async function workspace(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'pca-hostile-'))
}

/** Every file and directory under `dir`, relative, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true })
  return entries.map(entry => entry.split('\\').join('/')).sort()
}

interface Manifest {
  stacks: { stack: string; path: string; stale?: boolean }[]
}

async function manifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest
}

describe('hostile server: files', () => {
  test.concurrent(
    'row 1: stack names with /, \\ and .. fail alone; the others are exported; nothing is written outside the export directory',
    async () => {
      const root = await workspace()
      const dir = join(root, 'exports')
      const names: [string, string, string][] = [
        ['acme', 'web', 'prod'],
        ['acme', 'web', '../../escaped/pwned'],
        ['acme', '..', 'x'],
        ['acme', 'web', 'a\\b'],
        ['acme', 'web/../..', 'y'],
        ['acme', 'web', 'staging']
      ]
      await withHostile(
        (_req, res, url) => {
          if (url.pathname === '/api/user/stacks') return json(res, 200, stackList(names))
          if (url.pathname.endsWith('/export')) return json(res, 200, exportBody())
          json(res, 404, { code: 404, message: 'not found' })
        },
        async server => {
          const run = await runDist({
            ...connection(server.url),
            command: 'export-stack',
            stack: 'acme/*/*',
            path: dir
          })
          expect(run.exitCode).toBe(1)
          // Only the good stacks were exported, inside the directory; nothing beside it.
          expect(await tree(root)).toEqual([
            'exports',
            'exports/acme',
            'exports/acme/web',
            'exports/acme/web/prod.json',
            'exports/acme/web/staging.json',
            'exports/manifest.json'
          ])
          expect((await manifest(dir)).stacks.map(entry => entry.path)).toEqual([
            'acme/web/prod.json',
            'acme/web/staging.json'
          ])
          expect(run.outputs.count).toBe('2')
          const message = failureMessage(run)
          expect(message).toMatch(/^4 stack\(s\) failed/)
          // Each bad stack fails on its own, named encoded, saying why and what to do.
          expect(message).toContain(
            'acme/web/..%2F..%2Fescaped%2Fpwned: The service listed this stack with the stack name "../../escaped/pwned", which is not a name Pulumi allows'
          )
          expect(message).toContain('acme/%2E%2E/x: ')
          expect(message).toContain('acme/web/a%5Cb: ')
          expect(message).toContain('acme/web%2F..%2F../y: ')
          expect(message).toMatch(/Rename or delete the stack in Pulumi Cloud/)
          // No request for a bad stack at all; no raw bad name in an output or the summary.
          expect(server.requests.map(request => request.url.split('?')[0]).sort()).toEqual([
            '/api/stacks/acme/web/prod/export',
            '/api/stacks/acme/web/staging/export',
            '/api/user/stacks'
          ])
          for (const value of Object.values(run.outputs)) expect(value).not.toMatch(/\.\.\/|\\/)
          expect(run.summary).toContain('4 stack(s) failed')
          expect(run.summary).toContain('acme/web/..%2F..%2Fescaped%2Fpwned')
        }
      )
    }
  )

  test.concurrent(
    'row 1: with fail-fast the first bad name stops the run like any failed stack',
    async () => {
      const root = await workspace()
      const dir = join(root, 'exports')
      await withHostile(
        listingThenExports([
          ['acme', 'web', 'prod'],
          ['acme', 'web', '../x'],
          ['acme', 'web', 'staging']
        ]),
        async server => {
          const run = await runDist({
            ...connection(server.url),
            command: 'export-stack',
            stack: 'acme/*/*',
            path: dir,
            'fail-fast': 'true',
            concurrency: '1'
          })
          expect(run.exitCode).toBe(1)
          const message = failureMessage(run)
          expect(message).toMatch(/^1 stack\(s\) failed:\nacme\/web\/..%2Fx: /)
          expect(message).toMatch(/fail-fast skipped 1 stack\(s\): acme\/web\/staging$/)
          expect((await manifest(dir)).stacks.map(entry => entry.path)).toEqual([
            'acme/web/prod.json'
          ])
        }
      )
    }
  )

  test.concurrent(
    'row 1: list-stacks leaves a bad name out of `stacks` (the matrix) and fails after publishing the rest',
    async () => {
      await withHostile(
        (_req, res) =>
          json(
            res,
            200,
            stackList([
              ['acme', 'web', 'prod'],
              ['acme', 'web', 'a\nb'],
              ['acme', 'web', '_sandbox']
            ])
          ),
        async server => {
          const run = await runDist({ ...connection(server.url), command: 'list-stacks' })
          expect(run.exitCode).toBe(1)
          expect(run.outputs.count).toBe('2')
          expect(
            (JSON.parse(run.outputs.stacks ?? '[]') as { name: string }[]).map(s => s.name)
          ).toEqual(['acme/web/prod', 'acme/web/_sandbox'])
          expect(failureMessage(run)).toMatch(
            /^1 listed stack\(s\) left out of the outputs:\nacme\/web\/a%0Ab: The service listed this stack with the stack name "a\\nb"/
          )
        }
      )
    }
  )

  test.concurrent(
    'row 2: a symlink planted at manifest.json (or a project directory) is replaced or refused, never followed',
    async () => {
      const root = await workspace()
      const dir = join(root, 'exports')
      const outside = join(root, 'outside.txt')
      await writeFile(outside, 'precious\n')
      await mkdir(join(root, 'elsewhere'))
      await mkdir(join(dir, 'acme'), { recursive: true })
      await symlink(outside, join(dir, 'manifest.json'))
      await symlink(join(root, 'elsewhere'), join(dir, 'acme', 'linked'))
      await withHostile(
        listingThenExports([
          ['acme', 'web', 'prod'],
          ['acme', 'linked', 'prod']
        ]),
        async server => {
          const run = await runDist({
            ...connection(server.url),
            command: 'export-stack',
            stack: 'acme/*/*',
            path: dir
          })
          expect(run.exitCode).toBe(1)
          expect(failureMessage(run)).toMatch(/acme\/linked\/prod: .*is a symbolic link/)
          expect(await readFile(outside, 'utf8')).toBe('precious\n')
          expect(await readdir(join(root, 'elsewhere'))).toEqual([])
          expect((await lstat(join(dir, 'manifest.json'))).isSymbolicLink()).toBe(false)
          expect((await manifest(dir)).stacks.map(entry => entry.stack)).toEqual(['acme/web/prod'])
        }
      )
    }
  )

  test.concurrent(
    'row 7: an export cut mid-JSON on a close-delimited connection fails and keeps the earlier file',
    async () => {
      const root = await workspace()
      const path = join(root, 'state.json')
      await writeFile(path, '{"earlier":true}\n')
      const whole = JSON.stringify(exportBody({}, 50))
      await withHostile(
        (_req, res) => {
          closeDelimited(res, whole.slice(0, Math.floor(whole.length / 2)))
        },
        async server => {
          const run = await runDist({
            ...connection(server.url),
            command: 'export-stack',
            stack: 'acme/web/prod',
            path
          })
          expect(run.exitCode).toBe(1)
          expect(failureMessage(run)).toMatch(
            /ended before its JSON document was complete.*earlier file at the path was kept/
          )
          expect(await readFile(path, 'utf8')).toBe('{"earlier":true}\n')
          expect(await tree(root)).toEqual(['state.json'])
          expect(run.outputs.sha256).toBeUndefined()
        }
      )
    }
  )

  test.concurrent(
    'row 16: path ending in / is a directory: the export goes inside it',
    async () => {
      const root = await workspace()
      await withHostile(
        (_req, res) => {
          json(res, 200, exportBody())
        },
        async server => {
          const run = await runDist({
            ...connection(server.url),
            command: 'export-stack',
            stack: 'acme/web/prod',
            path: `${join(root, 'newdir')}/`
          })
          expect(run.exitCode).toBe(0)
          expect(await tree(root)).toEqual(['newdir', 'newdir/acme-web-prod.json'])
          expect(run.outputs.path).toBe(join(root, 'newdir', 'acme-web-prod.json'))
        }
      )
    }
  )

  test.concurrent(
    'row 17: a wildcard export removes the files its earlier manifest listed for stacks gone; a failed stack keeps its file, listed as stale',
    async () => {
      const root = await workspace()
      const dir = join(root, 'exports')
      let listed: [string, string, string][] = [
        ['acme', 'web', 'prod'],
        ['acme', 'web', 'dev'],
        ['acme', 'api', 'prod']
      ]
      let failing = ''
      await withHostile(
        (_req, res, url) => {
          if (url.pathname === '/api/user/stacks') return json(res, 200, stackList(listed))
          if (failing !== '' && url.pathname.includes(failing))
            return json(res, 404, { code: 404, message: 'gone' })
          json(res, 200, exportBody())
        },
        async server => {
          const inputs = {
            ...connection(server.url),
            command: 'export-stack',
            stack: 'acme/*/*',
            path: dir
          }
          expect((await runDist(inputs)).exitCode).toBe(0)
          await writeFile(join(dir, 'notes.json'), 'not ours\n')
          // acme/web/dev is deleted; acme/api/prod fails this time.
          listed = [
            ['acme', 'web', 'prod'],
            ['acme', 'api', 'prod']
          ]
          failing = '/acme/api/prod/'
          const second = await runDist(inputs)
          expect(second.exitCode).toBe(1)
          expect(await tree(dir)).toEqual([
            'acme',
            'acme/api',
            'acme/api/prod.json',
            'acme/web',
            'acme/web/prod.json',
            'manifest.json',
            'notes.json'
          ])
          expect((await manifest(dir)).stacks).toEqual([
            expect.objectContaining({ stack: 'acme/web/prod', path: 'acme/web/prod.json' }),
            expect.objectContaining({
              stack: 'acme/api/prod',
              path: 'acme/api/prod.json',
              stale: true
            })
          ])
          expect(second.stdout).toMatch(/Removed acme\/web\/dev\.json/)
        }
      )
    }
  )

  test.concurrent('row 18: SIGTERM mid-download removes the temp file', async () => {
    const root = await workspace()
    const path = join(root, 'state.json')
    await withHostile(
      (_req, res) => {
        // Headers and the start of the body, then nothing: the download hangs mid-way.
        res.writeHead(200, { 'Content-Type': 'application/json' })
        res.write('{"version":3,"deployment":{"resources":[')
      },
      async server => {
        const child = spawn(process.execPath, [DIST], {
          cwd: root,
          env: {
            PATH: process.env.PATH ?? '',
            RUNNER_TEMP: await workspace(),
            INPUT_COMMAND: 'export-stack',
            INPUT_STACK: 'acme/web/prod',
            INPUT_PATH: path,
            'INPUT_API-URL': server.url,
            'INPUT_ACCESS-TOKEN': TOKEN,
            'INPUT_TIMEOUT-SECONDS': '600'
          },
          stdio: 'ignore'
        })
        const exited = new Promise<number | null>(resolve => child.on('exit', resolve))
        const partial = async (): Promise<string[]> =>
          (await readdir(root)).filter(name => name.endsWith('.partial'))
        const started = Date.now()
        while ((await partial()).length === 0 && Date.now() - started < 30_000)
          await new Promise(resolve => setTimeout(resolve, 50))
        expect(await partial()).toHaveLength(1)
        child.kill('SIGTERM')
        expect(await exited).toBe(143)
        expect(await readdir(root)).toEqual([])
      }
    )
  })
})
