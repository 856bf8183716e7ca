/**
 * The five comparisons of issue 7. Each contender prepares one run (a command line and its
 * environment) and checks afterwards that the run really did the whole job, so that a
 * failing command can never show up as a fast one.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RunningEmulator } from '../emulator/index.js'
import { BIG_UPDATE_ID } from '../emulator/index.js'
import { actionEnv, cleanEnv } from './action.js'
import type { Run, Sample } from './measure.js'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const DIST = join(ROOT, 'dist', 'index.js')
const LOOPS = join(ROOT, 'bench', 'loops')

export const GENERATE = {
  stacks: 10_000,
  auditEvents: 100_000,
  stateBytes: 200_000_000,
  updateEvents: 50_000
}
export const BIG_STACK = 'acme/big/state'
export const SMALL_STACK = 'acme/website/prod'

/** What a run produced besides its time, shown in the report. */
export interface Extras {
  requests?: number
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

export interface Contender {
  label: string
  role: 'action' | 'curl' | 'floor'
  /** false for the slow shell loops: thousands of short processes gain nothing from a warm-up. */
  warmUp?: boolean
  prepare(): Promise<Prepared>
}

export interface Bench {
  id: string
  title: string
  rounds: number
  contenders: Contender[]
}

/**
 * Stand-in for jq when it is not installed, used ONLY by the bench loops and reported as such
 * in bench/results.md: it understands exactly the filters the loops use. Written to a temp
 * file on demand (`npm run bench` installs nothing).
 */
const JQ_FALLBACK = `// Stand-in for jq when it is not installed, used ONLY by the bench loops and reported as
// such in bench/results.md: it understands exactly the filters the loops use.
import { readFileSync } from 'node:fs'

const args = process.argv.slice(2)
const filter = args.find(a => !a.startsWith('-')) ?? '.'
const page = JSON.parse(readFileSync(0, 'utf8'))
let match
if ((match = /^\\.(\\w+)\\[\\]$/.exec(filter))) {
  let out = ''
  for (const item of page[match[1]] ?? []) out += JSON.stringify(item) + '\\n'
  process.stdout.write(out)
} else if ((match = /^\\.(\\w+) \\/\\/ empty$/.exec(filter))) {
  const value = page[match[1]]
  if (value !== undefined && value !== null && value !== '') process.stdout.write(\`\${value}\\n\`)
} else if (filter.startsWith('.stacks[] | ')) {
  let out = ''
  for (const s of page.stacks ?? []) out += \`\${s.orgName}/\${s.projectName}/\${s.stackName}\\n\`
  process.stdout.write(out)
} else {
  process.stderr.write(\`jq-fallback: unsupported filter \${filter}\\n\`)
  process.exit(2)
}
`

export function jqCommand(): { jq: string; fallback: boolean } {
  try {
    execFileSync('jq', ['--version'], { stdio: 'ignore' })
    return { jq: 'jq', fallback: false }
  } catch {
    const file = join(tmpdir(), `pca-bench-jq-fallback-${process.pid}.mjs`)
    writeFileSync(file, JQ_FALLBACK)
    return { jq: `${process.execPath} ${file}`, fallback: true }
  }
}

function failed(label: string, sample: Sample, why: string): Error {
  return new Error(
    `${label}: ${why} (exit ${sample.exitCode})\n${sample.stderr.slice(-2000)}\n${sample.stdout.slice(-2000)}`
  )
}

async function lineCount(file: string): Promise<number> {
  const text = await readFile(file, 'utf8')
  let lines = 0
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++
  return lines
}

/** `node dist/index.js` with the given inputs; `expect` checks the outputs it set. */
function action(
  emulator: RunningEmulator,
  label: string,
  inputs: Record<string, string> | ((runnerTemp: string) => Record<string, string>),
  expect: (outputs: Record<string, string>, runnerTemp: string) => Promise<Extras> | Extras
): Contender {
  return {
    label,
    role: 'action',
    async prepare() {
      const env = await actionEnv(runnerTemp => ({
        'api-url': emulator.url,
        'access-token': emulator.token,
        ...(typeof inputs === 'function' ? inputs(runnerTemp) : inputs)
      }))
      emulator.resetStats()
      return {
        run: { argv: [process.execPath, DIST], env: env.env, cwd: env.runnerTemp },
        async check(sample) {
          const requests = emulator.requests.length
          if (sample.exitCode !== 0) throw failed(label, sample, 'the action failed')
          const extras = await expect(await env.outputs(), env.runnerTemp)
          return { ...extras, requests, summaryBytes: await env.summaryBytes() }
        },
        cleanup: () => env.dispose()
      }
    }
  }
}

/** A shell command (curl, a curl+jq loop, bare node) writing into a scratch directory. */
function shell(
  emulator: RunningEmulator,
  label: string,
  role: 'curl' | 'floor',
  argv: (dir: string) => string[],
  extraEnv: Record<string, string>,
  expect: (dir: string, sample: Sample) => Promise<Extras>
): Contender {
  return {
    label,
    role,
    warmUp: !argv('').includes('bash'),
    async prepare() {
      const dir = await mkdtemp(join(tmpdir(), 'pca-bench-sh-'))
      emulator.resetStats()
      return {
        run: {
          argv: argv(dir),
          env: {
            ...cleanEnv(),
            PULUMI_API: emulator.url,
            PULUMI_ACCESS_TOKEN: emulator.token,
            OUT: join(dir, 'out'),
            ...extraEnv
          },
          cwd: dir
        },
        async check(sample) {
          const requests = emulator.requests.length
          if (sample.exitCode !== 0) throw failed(label, sample, 'the command failed')
          return { ...(await expect(dir, sample)), requests }
        },
        cleanup: () => rm(dir, { recursive: true, force: true })
      }
    }
  }
}

function curlArgs(emulator: RunningEmulator, path: string, out: string): string[] {
  return [
    'curl',
    '-sSf',
    '-H',
    `Authorization: token ${emulator.token}`,
    '-H',
    'Accept: application/vnd.pulumi+8',
    '-o',
    out,
    `${emulator.url}${path}`
  ]
}

function expectCount(output: string, want: number, what: string) {
  return (outputs: Record<string, string>): Extras => {
    const got = Number(outputs[output])
    if (got !== want) throw new Error(`expected ${want} ${what}, the action reported ${got}`)
    return { items: got }
  }
}

export function benches(
  emulator: RunningEmulator,
  expected: { auditEvents: number; stacks: number; stateBytes: number },
  rounds: (id: string, fallback: number) => number
): Bench[] {
  const { jq } = jqCommand()
  const loopEnv = { JQ: jq, ORG: 'acme' }
  const smallPath = `/api/stacks/${SMALL_STACK}`
  const exportPath = `/api/stacks/${BIG_STACK}/export`

  const floorScript = `
const http = require('node:http')
http.get(process.argv[1], { headers: { Authorization: 'token ' + process.argv[2], Accept: 'application/vnd.pulumi+8' } }, res => {
  let body = ''
  res.setEncoding('utf8').on('data', c => { body += c }).on('end', () => { JSON.parse(body); if (res.statusCode !== 200) process.exit(1) })
})`

  const exportFloor = `
const http = require('node:http'), fs = require('node:fs'), { pipeline } = require('node:stream/promises')
http.get(process.argv[1], { headers: { Authorization: 'token ' + process.argv[2], Accept: 'application/vnd.pulumi+8' } }, res => {
  if (res.statusCode !== 200) process.exit(1)
  pipeline(res, fs.createWriteStream(process.argv[3])).catch(() => process.exit(1))
})`
  // Every page over one keep-alive connection, each parsed: what any Node client must at least do.
  const pagesFloor = `
const http = require('node:http')
const agent = new http.Agent({ keepAlive: true })
let events = 0
function page(token) {
  const url = new URL(process.argv[1]); if (token) url.searchParams.set('continuationToken', token)
  http.get(url, { agent, headers: { Authorization: 'token ' + process.argv[2], Accept: 'application/vnd.pulumi+8' } }, res => {
    let body = ''
    res.setEncoding('utf8').on('data', c => { body += c }).on('end', () => {
      const p = JSON.parse(body); events += p.events.length
      if (p.continuationToken) page(p.continuationToken); else { agent.destroy(); if (events !== Number(process.argv[3])) process.exit(1) }
    })
  })
}
page('')`

  return [
    {
      id: 'cold-start',
      title: `Cold start: get-stack ${SMALL_STACK} (one small GET)`,
      rounds: rounds('cold-start', 15),
      contenders: [
        action(
          emulator,
          'action: node dist/index.js (get-stack)',
          { command: 'get-stack', stack: SMALL_STACK },
          outputs => {
            if (!outputs.version) throw new Error('get-stack set no version output')
            return {}
          }
        ),
        shell(
          emulator,
          'floor: node -e (one http.get + JSON.parse)',
          'floor',
          () => [
            process.execPath,
            '-e',
            floorScript,
            `${emulator.url}${smallPath}`,
            emulator.token
          ],
          {},
          () => Promise.resolve({})
        ),
        shell(
          emulator,
          'curl (same URL)',
          'curl',
          dir => curlArgs(emulator, smallPath, join(dir, 'out')),
          {},
          async dir => ({ bytes: (await stat(join(dir, 'out'))).size })
        )
      ]
    },
    {
      id: 'export',
      title: `export-stack of ${BIG_STACK} (~${Math.round(expected.stateBytes / 1e6)} MB state)`,
      rounds: rounds('export', 5),
      contenders: [
        action(
          emulator,
          'action: export-stack',
          runnerTemp => ({
            command: 'export-stack',
            stack: BIG_STACK,
            path: join(runnerTemp, 'state.json')
          }),
          async (outputs, runnerTemp) => {
            const bytes = (await stat(join(runnerTemp, 'state.json'))).size
            if (Number(outputs.bytes) !== bytes || bytes < expected.stateBytes * 0.95)
              throw new Error(`export-stack wrote ${bytes} bytes, reported ${outputs.bytes}`)
            return { bytes, items: Number(outputs['resource-count']) }
          }
        ),
        shell(
          emulator,
          'floor: node -e (http.get piped to a file)',
          'floor',
          dir => [
            process.execPath,
            '-e',
            exportFloor,
            `${emulator.url}${exportPath}`,
            emulator.token,
            join(dir, 'out')
          ],
          {},
          async dir => {
            const bytes = (await stat(join(dir, 'out'))).size
            if (bytes < expected.stateBytes * 0.95)
              throw new Error(`the floor wrote only ${bytes} bytes`)
            return { bytes }
          }
        ),
        shell(
          emulator,
          'curl -o',
          'curl',
          dir => curlArgs(emulator, exportPath, join(dir, 'out')),
          {},
          async dir => {
            const bytes = (await stat(join(dir, 'out'))).size
            if (bytes < expected.stateBytes * 0.95)
              throw new Error(`curl wrote only ${bytes} bytes`)
            return { bytes }
          }
        )
      ]
    },
    {
      id: 'audit',
      title: `list-audit-logs over ${expected.auditEvents.toLocaleString('en')} events (100 per page)`,
      rounds: rounds('audit', 3),
      contenders: [
        action(
          emulator,
          'action: list-audit-logs',
          { command: 'list-audit-logs', organization: 'acme' },
          outputs => {
            const count = Number(outputs.count)
            if (count < expected.auditEvents)
              throw new Error(`list-audit-logs returned ${count} events`)
            return { items: count }
          }
        ),
        shell(
          emulator,
          'curl+jq loop (bench/loops/audit-logs.sh)',
          'curl',
          () => ['bash', join(LOOPS, 'audit-logs.sh')],
          loopEnv,
          async dir => {
            const items = await lineCount(join(dir, 'out'))
            if (items < expected.auditEvents) throw new Error(`the loop collected ${items} events`)
            return { items }
          }
        )
      ]
    },
    {
      id: 'events',
      title: `list-update-events over ${GENERATE.updateEvents.toLocaleString('en')} engine events (1000 per page)`,
      rounds: rounds('events', 5),
      contenders: [
        action(
          emulator,
          'action: list-update-events',
          { command: 'list-update-events', stack: BIG_STACK, 'update-id': BIG_UPDATE_ID },
          expectCount('count', GENERATE.updateEvents, 'events')
        ),
        shell(
          emulator,
          'floor: node -e (every page, keep-alive, JSON.parse)',
          'floor',
          () => [
            process.execPath,
            '-e',
            pagesFloor,
            `${emulator.url}/api/stacks/${BIG_STACK}/update/${BIG_UPDATE_ID}/events`,
            emulator.token,
            String(GENERATE.updateEvents)
          ],
          {},
          () => Promise.resolve({ items: GENERATE.updateEvents })
        ),
        shell(
          emulator,
          'curl+jq loop (bench/loops/update-events.sh)',
          'curl',
          () => ['bash', join(LOOPS, 'update-events.sh')],
          { ...loopEnv, STACK: BIG_STACK, UPDATE_ID: BIG_UPDATE_ID },
          async dir => {
            const items = await lineCount(join(dir, 'out'))
            if (items !== GENERATE.updateEvents)
              throw new Error(`the loop collected ${items} events`)
            return { items }
          }
        )
      ]
    },
    {
      id: 'stacks',
      title: `list-stacks over ${expected.stacks.toLocaleString('en')}+ stacks (100 per page)`,
      rounds: rounds('stacks', 5),
      contenders: [
        action(
          emulator,
          'action: list-stacks',
          { command: 'list-stacks', organization: 'acme' },
          outputs => {
            const count = Number(outputs.count)
            if (count < expected.stacks) throw new Error(`list-stacks returned ${count} stacks`)
            return { items: count }
          }
        ),
        shell(
          emulator,
          'curl+jq loop (bench/loops/stacks.sh)',
          'curl',
          () => ['bash', join(LOOPS, 'stacks.sh')],
          loopEnv,
          async dir => {
            const items = await lineCount(join(dir, 'out'))
            if (items < expected.stacks) throw new Error(`the loop collected ${items} stacks`)
            return { items }
          }
        )
      ]
    }
  ]
}

export function haveDist(): boolean {
  return existsSync(DIST)
}
