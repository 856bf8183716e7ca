/**
 * `npm run bench`: builds dist/, builds (or reuses) the fixtures, starts the static server in
 * its own process and measures the bundled action on Node 24 (its runtime) and Node 20
 * against curl and minimal Node clients doing the same work, then writes bench/results.md
 * and the README's performance table.
 *
 *   npm run bench -- [--only cold-start,export,link,events,audit] [--rounds N] [--no-bundle]
 *                    [--state-mb 200] [--events 50000] [--audit 100000] [--rate-mb 50]
 *                    [--nodes 24,20] [--no-write]
 *
 * Sizes are parameters so that a quick run (e.g. --state-mb 20 --events 5000 --audit 10000)
 * takes seconds; the published numbers use the defaults. Other CPU load during every run is
 * measured (/proc/stat) and flagged in the results: on a busy machine the ratios still
 * compare contenders of the same run, but the absolute times are not to be trusted.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { buildFixtures } from './fixtures.js'
import { machineBusyMs } from './load.js'
import { calibrate, finish, measure, type Sample } from './measure.js'
import {
  benchTable,
  disturbed,
  DISTURBED_CORES,
  find,
  machine,
  mib,
  ms,
  pairedInterval,
  peakRss,
  ratio,
  targetTable,
  times,
  wallMedian,
  type BenchResult,
  type ContenderResult,
  type TargetCheck
} from './report.js'
import { runtimes, type Runtime } from './runtimes.js'
import {
  benches,
  haveDist,
  ROOT,
  type Baseline,
  type Bench,
  type Extras,
  type Servers
} from './scenarios.js'

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    rounds: { type: 'string' },
    'no-bundle': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    'state-mb': { type: 'string', default: '200' },
    events: { type: 'string', default: '50000' },
    audit: { type: 'string', default: '100000' },
    'rate-mb': { type: 'string', default: '50' },
    nodes: { type: 'string', default: '24,20' }
  }
})

/**
 * The build whose cold start issue 14 says must not regress: the `dist/` committed with the
 * results issue 7 published (1.39× the Node floor on Node 20). It runs in the same rounds as
 * this build, so the two are compared on the same machine state, not with an old number.
 */
const BASELINE_REF = 'af5aceb'

/**
 * Run-to-run noise on this kind of machine is ±20% for a 200 ms process, so "no regression"
 * is judged on an interval: met when even its slow end is within 5% of the baseline.
 */
const NO_REGRESSION_TOLERANCE = 1.05

/** The baseline's committed dist/, extracted from git; undefined (and said why) without it. */
async function extractBaseline(cache: string): Promise<Baseline | undefined> {
  const dir = join(cache, `baseline-${BASELINE_REF}`)
  const dist = join(dir, 'dist', 'index.js')
  if (existsSync(dist)) return { ref: BASELINE_REF, dist }
  // Extracted beside its place and renamed into it: a half-extracted copy is never reused.
  const partial = `${dir}.partial-${process.pid}`
  try {
    const archive = execFileSync('git', ['archive', BASELINE_REF, 'dist'], {
      cwd: ROOT,
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    await rm(partial, { recursive: true, force: true })
    await mkdir(partial, { recursive: true })
    execFileSync('tar', ['-x', '-C', partial], { input: archive })
    await rename(partial, dir)
    return { ref: BASELINE_REF, dist }
  } catch (error) {
    await rm(partial, { recursive: true, force: true })
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim()
    log(
      `no baseline build: ${stderr || (error instanceof Error ? error.message : String(error))} (a shallow clone lacks commit ${BASELINE_REF}: fetch it, e.g. git fetch --unshallow)`
    )
    return undefined
  }
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`)
}

async function startServer(
  dir: string,
  rate: number
): Promise<{ servers: Servers; pid: number | undefined; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bench', 'static-server.mjs'), dir, String(rate)],
    {
      stdio: ['ignore', 'pipe', 'inherit']
    }
  )
  const line = await new Promise<string>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', code => {
      reject(new Error(`the static server exited (${code})`))
    })
    createInterface({ input: child.stdout }).once('line', resolve)
  })
  const ports = JSON.parse(line) as { plain: number; link: number }
  return {
    servers: {
      plain: `http://127.0.0.1:${ports.plain}`,
      link: `http://127.0.0.1:${ports.link}`,
      rate
    },
    pid: child.pid,
    stop: () => {
      child.removeAllListeners('exit')
      child.kill()
    }
  }
}

async function runBench(bench: Bench, serverPid: number | undefined): Promise<BenchResult> {
  const results: ContenderResult[] = bench.contenders.map(contender => ({
    contender,
    samples: [],
    extras: {}
  }))
  /** One checked run; a run that did not do the whole job stops the bench. */
  const once = async (result: ContenderResult): Promise<{ sample: Sample; extras: Extras }> => {
    const prepared = await result.contender.prepare()
    try {
      const sample = await measure(prepared.run, serverPid)
      return { sample, extras: await prepared.check(sample) }
    } finally {
      await prepared.cleanup()
    }
  }
  for (const result of results) await once(result)
  for (let round = 0; round < bench.rounds; round++) {
    // Rotated each round and reversed every other one, so that in any pair of contenders
    // each runs first about as often as the other.
    const order = results.map((_, i) => results[(i + round) % results.length] as ContenderResult)
    if (round % 2 === 1) order.reverse()
    for (const result of order) {
      const { sample, extras } = await once(result)
      result.samples.push(sample)
      result.extras = extras
    }
    log(
      `${bench.id}: round ${round + 1}/${bench.rounds}: ` +
        results
          .map(
            r => `${r.contender.label.split(':')[0] ?? ''} ${ms(r.samples.at(-1)?.wallMs ?? NaN)}`
          )
          .join(', ')
    )
  }
  return { bench, results }
}

function targets(results: BenchResult[]): TargetCheck[] {
  const byId = new Map(results.map(r => [r.bench.id, r]))
  const checks: TargetCheck[] = []
  const node24 = 'node24'
  const check = (target: string, value: number | undefined, met: (v: number) => boolean): void => {
    checks.push({
      target,
      measured: times(value),
      met: value === undefined ? undefined : met(value)
    })
  }
  const cold = byId.get('cold-start')
  if (cold) {
    const r24 = ratio(find(cold, 'action', node24), find(cold, 'floor', node24))
    checks.push({
      target: 'Cold start: action / `node -e` one GET (Node 24)',
      measured: times(r24),
      met: undefined
    })
    for (const runtime of [node24, 'node20']) {
      const compared = pairedInterval(
        find(cold, 'action', runtime),
        find(cold, 'baseline', runtime)
      )
      checks.push({
        target: `Cold start, no regression (${runtime === node24 ? 'Node 24' : 'Node 20'}): this build / the build at ${BASELINE_REF}, median of the rounds' ratios with its 90% interval; met when the interval ends ≤ ${NO_REGRESSION_TOLERANCE.toFixed(2)}×`,
        measured:
          compared === undefined
            ? '? (no baseline build: see the log)'
            : `${times(compared.median)} (${compared.low.toFixed(2)}–${compared.high.toFixed(2)})`,
        met: compared === undefined ? undefined : compared.high <= NO_REGRESSION_TOLERANCE
      })
    }
  }
  const exp = byId.get('export')
  if (exp) {
    const action = find(exp, 'action', node24)
    check(
      'export-stack, static server: ≤ 1.6× fresh-file `curl -o`',
      ratio(action, find(exp, 'curl')),
      v => v <= 1.6
    )
    const rss = action ? peakRss(action) : undefined
    checks.push({
      target: 'export-stack peak RSS ≤ 96 MiB',
      measured: mib(rss),
      met: rss === undefined ? undefined : rss <= 96 * 1024
    })
  }
  const link = byId.get('link')
  if (link) {
    const action = find(link, 'action', node24)
    check(
      'export-stack over the throttled gzip link: ≤ 1.2× `curl --compressed -o`',
      ratio(action, find(link, 'curl-compressed')),
      v => v <= 1.2
    )
    check(
      '… and ≥ 3× faster than `curl -o` (curl -o / action)',
      ratio(find(link, 'curl'), action),
      v => v >= 3
    )
  }
  for (const [id, name] of [
    ['events', 'list-update-events'],
    ['audit', 'list-audit-logs']
  ] as const) {
    const bench = byId.get(id)
    if (bench)
      check(
        `${name}: ≤ 1.15× the Node paging floor`,
        ratio(find(bench, 'action', node24), find(bench, 'floor', node24)),
        v => v <= 1.15
      )
  }
  return checks
}

/** The README's table, from the Node 24 rows of this run. */
function readmeTable(results: BenchResult[]): string {
  const byId = new Map(results.map(r => [r.bench.id, r]))
  const rows: string[][] = []
  const cell = (r: ContenderResult | undefined, rss = false): string =>
    r ? `${ms(wallMedian(r))}${rss ? `, ${mib(peakRss(r))}` : ''}` : '?'
  const cold = byId.get('cold-start')
  if (cold)
    rows.push([
      'Cold start, one small GET (`get-stack`)',
      cell(find(cold, 'action', 'node24'), true),
      `\`node -e\` one GET: ${cell(find(cold, 'floor', 'node24'))}; curl: ${cell(find(cold, 'curl'))}`,
      `${times(ratio(find(cold, 'action', 'node24'), find(cold, 'floor', 'node24')))} the Node floor`
    ])
  const exp = byId.get('export')
  if (exp)
    rows.push([
      `\`export-stack\`, ${exp.bench.title.split(', ')[1] ?? ''}, static server`,
      cell(find(exp, 'action', 'node24'), true),
      `\`curl -o\`: ${cell(find(exp, 'curl'))}; Node GET+sha256+write: ${cell(find(exp, 'floor', 'node24'), true)}`,
      `${times(ratio(find(exp, 'action', 'node24'), find(exp, 'curl')))} curl`
    ])
  const link = byId.get('link')
  if (link)
    rows.push([
      `\`export-stack\` over a throttled link, gzip available`,
      cell(find(link, 'action', 'node24'), true),
      `\`curl --compressed -o\`: ${cell(find(link, 'curl-compressed'))}; \`curl -o\`: ${cell(find(link, 'curl'))}`,
      `${times(ratio(find(link, 'action', 'node24'), find(link, 'curl-compressed')))} curl --compressed; ${times(ratio(find(link, 'curl'), find(link, 'action', 'node24')))} faster than curl -o`
    ])
  for (const id of ['events', 'audit']) {
    const bench = byId.get(id)
    if (bench)
      rows.push([
        bench.bench.title.replace(/^([\w-]+)/, '`$1`'),
        cell(find(bench, 'action', 'node24'), true),
        `Node paging floor (GET, parse, write): ${cell(find(bench, 'floor', 'node24'), true)}`,
        `${times(ratio(find(bench, 'action', 'node24'), find(bench, 'floor', 'node24')))} the floor`
      ])
  }
  return [
    '| Task (Node 24) | Action | Compared with | Ratio |',
    '| --- | --- | --- | --- |',
    ...rows.map(row => `| ${row.join(' | ')} |`)
  ].join('\n')
}

const README_START = '<!-- bench-table:start -->'
const README_END = '<!-- bench-table:end -->'

async function writeReadme(table: string, stamp: string): Promise<void> {
  const path = join(ROOT, 'README.md')
  const text = await readFile(path, 'utf8')
  const start = text.indexOf(README_START)
  const end = text.indexOf(README_END)
  if (start === -1 || end === -1) {
    log('README.md has no bench-table markers: its table is left alone')
    return
  }
  const generated = `${README_START}\n<!-- Generated by npm run bench from bench/results.md; do not edit. -->\n${stamp}\n\n${table}\n`
  await writeFile(path, text.slice(0, start) + generated + text.slice(end))
}

async function main(): Promise<void> {
  const started = Date.now()
  const loadBefore = loadavg()
  if (!args['no-bundle']) {
    log('building dist/index.js (npm run bundle)')
    execFileSync('npm', ['run', '--silent', 'bundle'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit']
    })
  }
  if (!haveDist()) throw new Error('dist/index.js is missing: run npm run bundle')
  const cache = join(ROOT, 'node_modules', '.cache', 'pca-bench')
  const nodes: Runtime[] = await runtimes(args.nodes.split(',').map(Number), cache, log)
  log(`runtimes: ${nodes.map(n => `${n.label} ${n.version} (${n.path})`).join(', ')}`)
  const fixtures = await buildFixtures(
    cache,
    {
      stateBytes: Number(args['state-mb']) * 1e6,
      updateEvents: Number(args.events),
      auditEvents: Number(args.audit)
    },
    log
  )
  const rate = Number(args['rate-mb']) * 1e6
  const server = await startServer(fixtures.dir, rate)
  log(
    `static server: ${server.servers.plain} (full speed), ${server.servers.link} (${args['rate-mb']} MB/s, gzip)`
  )
  const only = args.only?.split(',').map(s => s.trim())
  const roundsOverride = args.rounds === undefined ? undefined : Number(args.rounds)
  const baseline = !only || only.includes('cold-start') ? await extractBaseline(cache) : undefined
  const all = benches(
    fixtures,
    server.servers,
    nodes,
    (_id, fallback) => roundsOverride ?? fallback,
    baseline
  ).filter(b => !only || only.includes(b.id))
  // How busy the machine is before anything runs: one second of /proc/stat.
  const idleBusy = machineBusyMs()
  await new Promise(resolve => setTimeout(resolve, 1000))
  const busyAtStart =
    idleBusy === undefined ? undefined : ((machineBusyMs() ?? idleBusy) - idleBusy) / 1000
  const results: BenchResult[] = []
  try {
    await calibrate()
    for (const bench of all) {
      log(bench.title)
      results.push(await runBench(bench, server.pid))
    }
  } finally {
    server.stop()
    await finish()
  }
  const loadAfter = loadavg()
  const noisy = disturbed(results)
  const loadLine = `- Load: 1-minute load average ${loadBefore[0]?.toFixed(2)} at start, ${loadAfter[0]?.toFixed(2)} at end; CPU busy in the second before the first run: ${busyAtStart === undefined ? '?' : `${busyAtStart.toFixed(2)} of ${cpus().length} cores`}.${noisy ? ` **Other processes used more than ${DISTURBED_CORES} of a core during some runs (⚠ below): the absolute times are disturbed; ratios compare contenders of the same rounds.**` : ' No run was disturbed by other load.'}`
  const doc = [
    '# Benchmarks: the action against curl and minimal Node clients',
    '',
    'Generated by `npm run bench` (bench/run.ts); every number below is from the run that wrote this file.',
    `Fixtures: a ${fixtures.stateBytes.toLocaleString('en')} B state (gzip ${fixtures.stateGzipBytes.toLocaleString('en')} B, ${(fixtures.stateBytes / fixtures.stateGzipBytes).toFixed(1)}×), ${fixtures.updateEvents.toLocaleString('en')} engine events, ${fixtures.auditTotal.toLocaleString('en')} audit events.`,
    '',
    ...machine(nodes.map(n => `${n.label} ${n.version}`)),
    loadLine,
    "- Other load (cores): CPU time of all other processes during a contender's runs (/proc/stat, minus the contender, the server and the bench), per second of wall time.",
    '',
    '## Targets',
    '',
    targetTable(targets(results)),
    '## Measurements',
    '',
    ...results.map(r =>
      benchTable(
        r,
        nodes.map(n => n.label)
      )
    ),
    `Total bench time: ${((Date.now() - started) / 1000).toFixed(0)} s.`,
    '',
    // Where the time and memory go, from profiles taken by hand (bench/profile.md): kept
    // beside the numbers so that every regenerated results.md explains them.
    await readFile(join(ROOT, 'bench', 'profile.md'), 'utf8')
  ].join('\n')
  process.stdout.write(doc)
  if (args['no-write'] || only) {
    log('partial or --no-write run: bench/results.md and README.md left as they were')
    return
  }
  await writeFile(join(ROOT, 'bench', 'results.md'), doc)
  await writeReadme(
    readmeTable(results),
    `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench\` on ${cpus().length} vCPUs, ${nodes[0]?.version ?? ''}${noisy ? ' (other load was flagged during the run: see bench/results.md)' : ''}.`
  )
  log('wrote bench/results.md and the README table')
}

await main()
