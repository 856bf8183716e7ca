/**
 * What `npm run bench` compares. Every contender prepares one run (a command line, its
 * environment and a fresh output directory) and checks afterwards that the run really did
 * the whole job, so that a failing command can never show up as a fast one. The server is
 * the static server process (bench/static-server.mjs): bodies built beforehand, no work per
 * request, the same bytes for everyone.
 */
import { createHash } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BIG_UPDATE_ID } from '../emulator/index.js'
import { actionEnv, cleanEnv } from './action.js'
import { BIG_STACK, ORG, SMALL_STACK, type Fixtures } from './fixtures.js'
import type { Run, Sample } from './measure.js'
import type { Runtime } from './runtimes.js'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const DIST = join(ROOT, 'dist', 'index.js')
const FLOORS = join(ROOT, 'bench', 'floors')
const TOKEN = 'pul-bench'

/** An earlier build of the action: its committed `dist/index.js`, extracted from git. */
export interface Baseline {
  ref: string
  dist: string
}

/** What a run produced besides its time, shown in the report. */
export interface Extras {
  summaryBytes?: number
  items?: number
  bytes?: number
}

export interface Prepared {
  run: Run
  /** Throws when the run did not do the whole job; returns what to report. */
  check(sample: Sample): Promise<Extras>
  cleanup(): Promise<void>
}

export type Role = 'action' | 'baseline' | 'floor' | 'curl' | 'curl-compressed'

export interface Contender {
  label: string
  role: Role
  /** The runtime, for Node contenders (the action and the floors). */
  runtime?: Runtime
  prepare(): Promise<Prepared>
}

export interface Bench {
  id: string
  title: string
  rounds: number
  contenders: Contender[]
}

export interface Servers {
  /** Full speed, never compressed. */
  plain: string
  /** Throttled to `rate` bytes a second, gzip when asked. */
  link: string
  rate: number
}

function failed(label: string, sample: Sample, why: string): Error {
  return new Error(
    `${label}: ${why} (exit ${sample.exitCode})\n${sample.stderr.slice(-2000)}\n${sample.stdout.slice(-2000)}`
  )
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * `dist/index.js` on `runtime` with the given inputs; `expect` checks the outputs it set.
 * `build` runs another build of the action instead (the baseline a target compares with).
 */
function action(
  runtime: Runtime,
  api: string,
  label: string,
  inputs: (runnerTemp: string) => Record<string, string>,
  expect: (outputs: Record<string, string>, runnerTemp: string) => Promise<Extras> | Extras,
  build?: Baseline
): Contender {
  const dist = build?.dist ?? DIST
  return {
    label: build
      ? `baseline (${runtime.label}): ${label}, the build at ${build.ref}`
      : `action (${runtime.label}): ${label}`,
    role: build ? 'baseline' : 'action',
    runtime,
    async prepare() {
      const env = await actionEnv(runnerTemp => ({
        'api-url': api,
        'access-token': TOKEN,
        ...inputs(runnerTemp)
      }))
      return {
        run: { argv: [runtime.path, dist], env: env.env, cwd: env.runnerTemp },
        async check(sample) {
          if (sample.exitCode !== 0) throw failed(label, sample, 'the action failed')
          const extras = await expect(await env.outputs(), env.runnerTemp)
          return { ...extras, summaryBytes: await env.summaryBytes() }
        },
        cleanup: () => env.dispose()
      }
    }
  }
}

/** Any other command, run in a fresh directory whose `out` is its output file. */
function command(
  label: string,
  role: Role,
  argv: (out: string) => string[],
  expect: (out: string, sample: Sample) => Promise<Extras>,
  runtime?: Runtime
): Contender {
  return {
    label,
    role,
    ...(runtime ? { runtime } : {}),
    async prepare() {
      const dir = await mkdtemp(join(tmpdir(), 'pca-bench-out-'))
      const out = join(dir, 'out')
      return {
        run: { argv: argv(out), env: cleanEnv(), cwd: dir },
        async check(sample) {
          if (sample.exitCode !== 0) throw failed(label, sample, 'the command failed')
          return expect(out, sample)
        },
        cleanup: () => rm(dir, { recursive: true, force: true })
      }
    }
  }
}

function curl(api: string, path: string, compressed: boolean): (out: string) => string[] {
  return out => [
    'curl',
    '-sSf',
    ...(compressed ? ['--compressed'] : []),
    '-H',
    `Authorization: token ${TOKEN}`,
    '-H',
    'Accept: application/vnd.pulumi+8',
    '-o',
    out,
    `${api}${path}`
  ]
}

export function benches(
  fixtures: Fixtures,
  servers: Servers,
  nodes: Runtime[],
  rounds: (id: string, fallback: number) => number,
  baseline?: Baseline
): Bench[] {
  const { paths } = fixtures
  const stateSha = (async () => sha256Of(join(fixtures.dir, 'state.json')))()
  const exactState = async (file: string): Promise<Extras> => {
    const bytes = (await stat(file)).size
    if (bytes !== fixtures.stateBytes)
      throw new Error(`wrote ${bytes} bytes of ${fixtures.stateBytes}`)
    if ((await sha256Of(file)) !== (await stateSha)) throw new Error('the file differs')
    return { bytes }
  }
  const exportAction = (runtime: Runtime, api: string): Contender =>
    action(
      runtime,
      api,
      'export-stack',
      runnerTemp => ({
        command: 'export-stack',
        stack: BIG_STACK,
        path: join(runnerTemp, 'state.json')
      }),
      async (outputs, runnerTemp) => {
        const extras = await exactState(join(runnerTemp, 'state.json'))
        if (outputs.sha256 !== (await stateSha))
          throw new Error('export-stack reported another sha256')
        return { ...extras, items: Number(outputs['resource-count']) }
      }
    )
  const curlExport = (api: string, compressed: boolean): Contender =>
    command(
      compressed ? 'curl --compressed -o' : 'curl -o',
      compressed ? 'curl-compressed' : 'curl',
      curl(api, paths.export, compressed),
      out => exactState(out)
    )
  const pagingFloor = (runtime: Runtime, path: string, key: string, expected: number): Contender =>
    command(
      `floor (${runtime.label}): node bench/floors/pages.cjs`,
      'floor',
      out => [
        runtime.path,
        join(FLOORS, 'pages.cjs'),
        `${servers.plain}${path}`,
        TOKEN,
        key,
        out,
        String(expected)
      ],
      async out => {
        const items = (JSON.parse(await readFile(out, 'utf8')) as unknown[]).length
        if (items !== expected) throw new Error(`the floor wrote ${items} items`)
        return { items }
      },
      runtime
    )
  const resultCount = async (runnerTemp: string, expected: number): Promise<number> => {
    // The result file is the one JSON file the action wrote under its work directory.
    const { readdir } = await import('node:fs/promises')
    const found: string[] = []
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) await walk(path)
        else if (/^list-(update-events|audit-logs)-.*\.json$/.test(entry.name)) found.push(path)
      }
    }
    await walk(runnerTemp)
    if (found.length !== 1) throw new Error(`expected one result file, found ${found.length}`)
    const events = (JSON.parse(await readFile(found[0] as string, 'utf8')) as { events: unknown[] })
      .events
    if (events.length !== expected) throw new Error(`the result file holds ${events.length} events`)
    return events.length
  }

  const perNode = <T>(make: (runtime: Runtime) => T): T[] => nodes.map(make)
  const getStack = (runtime: Runtime, build?: Baseline): Contender =>
    action(
      runtime,
      servers.plain,
      'get-stack',
      () => ({ command: 'get-stack', stack: SMALL_STACK }),
      outputs => {
        if (!outputs.version) throw new Error('get-stack set no version output')
        return {}
      },
      build
    )
  const mb = (bytes: number): string => `${Math.round(bytes / 1e6)} MB`
  return [
    {
      id: 'cold-start',
      title: `Cold start: get-stack ${SMALL_STACK} (one small GET)`,
      rounds: rounds('cold-start', 21),
      contenders: [
        ...perNode(runtime => getStack(runtime)),
        ...(baseline ? perNode(runtime => getStack(runtime, baseline)) : []),
        ...perNode(runtime =>
          command(
            `floor (${runtime.label}): node bench/floors/get.cjs`,
            'floor',
            () => [runtime.path, join(FLOORS, 'get.cjs'), `${servers.plain}${paths.small}`, TOKEN],
            () => Promise.resolve({}),
            runtime
          )
        ),
        command('curl -o', 'curl', curl(servers.plain, paths.small, false), async out => ({
          bytes: (await stat(out)).size
        }))
      ]
    },
    {
      id: 'export',
      title: `export-stack, ${mb(fixtures.stateBytes)} state, static server at full speed (uncompressed)`,
      rounds: rounds('export', 5),
      contenders: [
        ...perNode(runtime => exportAction(runtime, servers.plain)),
        ...perNode(runtime =>
          command(
            `floor (${runtime.label}): node bench/floors/download.cjs (GET, sha256, write)`,
            'floor',
            out => [
              runtime.path,
              join(FLOORS, 'download.cjs'),
              `${servers.plain}${paths.export}`,
              TOKEN,
              out
            ],
            out => exactState(out),
            runtime
          )
        ),
        curlExport(servers.plain, false)
      ]
    },
    {
      id: 'link',
      title: `export-stack, ${mb(fixtures.stateBytes)} state over a ${mb(servers.rate)}/s link, gzip available (${(fixtures.stateBytes / fixtures.stateGzipBytes).toFixed(1)}× smaller)`,
      rounds: rounds('link', 3),
      contenders: [
        ...perNode(runtime => exportAction(runtime, servers.link)),
        curlExport(servers.link, true),
        curlExport(servers.link, false)
      ]
    },
    {
      id: 'events',
      title: `list-update-events, ${fixtures.updateEvents.toLocaleString('en')} engine events (1,000 a page)`,
      rounds: rounds('events', 5),
      contenders: [
        ...perNode(runtime =>
          action(
            runtime,
            servers.plain,
            'list-update-events',
            () => ({ command: 'list-update-events', stack: BIG_STACK, 'update-id': BIG_UPDATE_ID }),
            async (outputs, runnerTemp) => {
              if (Number(outputs.count) !== fixtures.updateEvents)
                throw new Error(`list-update-events counted ${outputs.count}`)
              return { items: await resultCount(runnerTemp, fixtures.updateEvents) }
            }
          )
        ),
        ...perNode(runtime => pagingFloor(runtime, paths.events, 'events', fixtures.updateEvents))
      ]
    },
    {
      id: 'audit',
      title: `list-audit-logs, ${fixtures.auditEvents.toLocaleString('en')} events (100 a page)`,
      rounds: rounds('audit', 3),
      contenders: [
        ...perNode(runtime =>
          action(
            runtime,
            servers.plain,
            'list-audit-logs',
            () => ({ command: 'list-audit-logs', organization: ORG }),
            async (outputs, runnerTemp) => {
              if (Number(outputs.count) !== fixtures.auditTotal)
                throw new Error(`list-audit-logs counted ${outputs.count}`)
              return { items: await resultCount(runnerTemp, fixtures.auditTotal) }
            }
          )
        ),
        ...perNode(runtime =>
          pagingFloor(runtime, paths.audit, 'auditLogEvents', fixtures.auditTotal)
        )
      ]
    }
  ]
}

export function haveDist(): boolean {
  return existsSync(DIST)
}
