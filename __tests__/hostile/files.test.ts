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
import { closeDelimited, exportBody, json, stackList, withHostile } from './server.js'

beforeAll(requireDist)

const TOKEN = 'pul-hostile-files-token'

function connection(url: string): Record<string, string> {
  return { 'api-url': url, 'access-token': TOKEN }
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
    'row 1: a listing with stack names holding /, \\ or .. fails the read; nothing is written anywhere',
    async () => {
      const root = await workspace()
      const dir = join(root, 'exports')
      const names: [string, string, string][] = [
        ['acme', 'web', 'prod'],
        ['acme', 'web', '../../escaped/pwned'],
        ['acme', '..', 'x'],
        ['acme', 'web', 'a\\b'],
        ['acme', 'web/../..', 'y']
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
          // Names are Pulumi names (api/readers): a listing holding others is not Pulumi
          // Cloud's, so none of it is used, and no export starts.
          expect(await tree(root)).toEqual([])
          expect(failureMessage(run)).toMatch(
            /^The service answered GET \/api\/user\/stacks with `stacks\[1\]\.stackName` = "\.\.\/\.\.\/escaped\/pwned" where a Pulumi name/
          )
          expect(server.requests.map(request => request.url.split('?')[0])).toEqual([
            '/api/user/stacks'
          ])
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
        (_req, res, url) => {
          if (url.pathname === '/api/user/stacks')
            return json(
              res,
              200,
              stackList([
                ['acme', 'web', 'prod'],
                ['acme', 'linked', 'prod']
              ])
            )
          json(res, 200, exportBody())
        },
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
