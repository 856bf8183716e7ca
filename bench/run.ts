/**
 * `npm run bench`: builds dist/, starts the emulator with generated data and measures the
 * action against curl (and a bare-node floor), writing bench/results.md.
 *
 *   npm run bench -- [--only cold-start,export,audit,events,stacks] [--rounds N] [--no-bundle]
 *
 * Nothing is installed; jq is used when present (otherwise a documented Node stand-in, JQ_FALLBACK in bench/scenarios.ts).
 */
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { bigUpdateEvent } from '../emulator/generate.js'
import { startEmulator } from '../emulator/index.js'
import type { EngineEvent } from '../src/api/types.js'
import { finishEvents, foldEvents, newEventFold } from '../src/events/model.js'
import { renderUpdate } from '../src/render/events.js'
import { calibrate, finish, measure, median, type Sample } from './measure.js'
import {
  benchTable,
  machine,
  mib,
  ms,
  peakRss,
  targetTable,
  wallMedian,
  type BenchResult,
  type ContenderResult,
  type TargetCheck
} from './report.js'
import {
  benches,
  GENERATE,
  haveDist,
  jqCommand,
  ROOT,
  type Bench,
  type Extras
} from './scenarios.js'

const MIB = 1024 * 1024

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    rounds: { type: 'string' },
    'no-bundle': { type: 'boolean', default: false }
  }
})

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`)
}

async function runBench(bench: Bench): Promise<BenchResult> {
  const results: ContenderResult[] = bench.contenders.map(contender => ({
    contender,
    samples: [],
    extras: {}
  }))
  /** One checked run; a run that did not do the whole job stops the bench. */
  const once = async (result: ContenderResult): Promise<{ sample: Sample; extras: Extras }> => {
    const prepared = await result.contender.prepare()
    try {
      const sample = await measure(prepared.run)
      return { sample, extras: await prepared.check(sample) }
    } finally {
      await prepared.cleanup()
    }
  }
  for (const result of results) {
    if (result.contender.warmUp === false) continue
    const warm = await once(result)
    log(`${bench.id}: warm-up ${result.contender.label}: ${ms(warm.sample.wallMs)}`)
  }
  for (let round = 0; round < bench.rounds; round++) {
    const order = results.map((_, i) => results[(i + round) % results.length] as ContenderResult)
    for (const result of order) {
      const { sample, extras } = await once(result)
      result.samples.push(sample)
      result.extras = extras
    }
    log(
      `${bench.id}: round ${round + 1}/${bench.rounds}: ` +
        results.map(r => `${r.contender.role} ${ms(r.samples.at(-1)?.wallMs ?? NaN)}`).join(', ')
    )
  }
  return { bench, results }
}

/** The renderer alone, in this process: 50k generated events folded page by page, then rendered. */
function renderOnly(): { medianMs: number; bytes: number } {
  const total = GENERATE.updateEvents
  const pages: EngineEvent[][] = []
  for (let start = 0; start < total; start += 1000) {
    const page: EngineEvent[] = []
    for (let i = start; i < Math.min(total, start + 1000); i++)
      page.push(bigUpdateEvent(i, total) as unknown as EngineEvent)
    pages.push(page)
  }
  const times: number[] = []
  let bytes = 0
  for (let round = 0; round < 7; round++) {
    const started = process.hrtime.bigint()
    const fold = newEventFold()
    for (const page of pages) foldEvents(fold, page)
    const markdown = renderUpdate(
      { stack: 'acme/big/state', updateId: 'x', status: 'succeeded' },
      finishEvents(fold, { kind: 'update', status: 'succeeded' })
    )
    times.push(Number(process.hrtime.bigint() - started) / 1e6)
    bytes = Buffer.byteLength(markdown)
  }
  return { medianMs: median(times), bytes }
}

function ratio(result: BenchResult | undefined, role: 'curl' | 'floor'): number | undefined {
  const action = result?.results.find(r => r.contender.role === 'action')
  const other = result?.results.find(r => r.contender.role === role)
  return action && other ? wallMedian(action) / wallMedian(other) : undefined
}

function targets(results: BenchResult[]): TargetCheck[] {
  const byId = new Map(results.map(r => [r.bench.id, r]))
  const checks: TargetCheck[] = []
  const fmt = (value: number | undefined): string =>
    value === undefined ? '?' : `${value.toFixed(2)}×`
  const cold = byId.get('cold-start')
  if (cold) {
    const r = ratio(cold, 'floor')
    checks.push({
      target: 'Cold start ≤ 1.3× the bare-node floor',
      measured: fmt(r),
      met: r === undefined ? undefined : r <= 1.3
    })
  }
  const exp = byId.get('export')
  if (exp) {
    const r = ratio(exp, 'curl')
    checks.push({
      target: 'export-stack ≤ 1.2× curl -o wall time',
      measured: fmt(r),
      met: r === undefined ? undefined : r <= 1.2
    })
    const action = exp.results.find(x => x.contender.role === 'action')
    const rss = action ? peakRss(action) : undefined
    checks.push({
      target: 'export-stack peak RSS ≤ 96 MiB',
      measured: mib(rss),
      met: rss === undefined ? undefined : rss <= 96 * 1024
    })
  }
  const audit = byId.get('audit')
  if (audit) {
    const r = ratio(audit, 'curl')
    checks.push({
      target: 'Audit paging ≤ 0.5× the curl+jq loop',
      measured: fmt(r),
      met: r === undefined ? undefined : r <= 0.5
    })
  }
  const events = byId.get('events')
  const action = events?.results.find(x => x.contender.role === 'action')
  if (action) {
    const wall = wallMedian(action)
    checks.push({
      target: '50k update events: whole command < 1 s',
      measured: ms(wall),
      met: wall < 1000
    })
    const bytes = action.extras.summaryBytes
    checks.push({
      target: '50k update events: step summary ≤ 1 MiB',
      measured: bytes === undefined ? '?' : `${bytes.toLocaleString('en')} B`,
      met: bytes === undefined ? undefined : bytes <= MIB
    })
  }
  return checks
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
  await calibrate()
  const jq = jqCommand()
  if (jq.fallback)
    log(
      'jq is not installed: the loops use a Node stand-in (JQ_FALLBACK in bench/scenarios.ts) (documented in results.md)'
    )
  const emulator = await startEmulator({ generate: GENERATE })
  log(`emulator on ${emulator.url}`)
  const only = args.only?.split(',').map(s => s.trim())
  const roundsOverride = args.rounds === undefined ? undefined : Number(args.rounds)
  const all = benches(
    emulator,
    { auditEvents: GENERATE.auditEvents, stacks: GENERATE.stacks, stateBytes: GENERATE.stateBytes },
    (_id, fallback) => roundsOverride ?? fallback
  ).filter(b => !only || only.includes(b.id))
  const results: BenchResult[] = []
  try {
    for (const bench of all) {
      log(bench.title)
      results.push(await runBench(bench))
    }
  } finally {
    await emulator.close()
    await finish()
  }
  const render = !only || only.includes('events') ? renderOnly() : undefined
  const doc = [
    '# Benchmarks: the action against curl',
    '',
    'Generated by `npm run bench` (bench/run.ts); every number below is from the run that wrote this file.',
    `Data: the emulator's generator with ${JSON.stringify(GENERATE)}.`,
    '',
    ...machine(jq.fallback),
    `- Load average (1 min) at start ${loadBefore[0]?.toFixed(2)}, at end ${loadavg()[0]?.toFixed(2)}${Math.max(loadBefore[0] ?? 0, loadavg()[0] ?? 0) > cpus().length ? ' — **higher than the CPU count: other work competed for the cores, so the times are noisy**' : ''}.`,
    '',
    '## Targets',
    '',
    targetTable(targets(results)),
    '## Measurements',
    '',
    ...results.map(benchTable),
    ...(render
      ? [
          `Renderer alone (src/render/events.ts, in-process, ${GENERATE.updateEvents.toLocaleString('en')} events folded page by page, then rendered): median ${ms(render.medianMs)}, ${render.bytes.toLocaleString('en')} B of markdown.`,
          ''
        ]
      : []),
    `Total bench time: ${((Date.now() - started) / 1000).toFixed(0)} s.`,
    ''
  ].join('\n')
  const file = join(ROOT, 'bench', 'results.md')
  await writeFile(file, doc)
  process.stdout.write(doc)
  log(`wrote ${file}`)
}

await main()
