/** Turns the measured samples into bench/results.md and the README's performance table. */
import { execFileSync } from 'node:child_process'
import { cpus, release, totalmem } from 'node:os'
import type { Bench, Contender, Extras, Role } from './scenarios.js'
import { max, median, rssMethodName, wrapperOverhead, type Sample } from './measure.js'

export interface ContenderResult {
  contender: Contender
  samples: Sample[]
  extras: Extras
}

export interface BenchResult {
  bench: Bench
  results: ContenderResult[]
}

export interface TargetCheck {
  target: string
  measured: string
  met: boolean | undefined
}

/** Other processes' CPU above this share of one core during a run flags it as disturbed. */
export const DISTURBED_CORES = 0.15

function version(argv: [string, ...string[]]): string {
  try {
    const [file, ...args] = argv
    return execFileSync(file, args, { encoding: 'utf8' }).split('\n')[0]?.trim() ?? '?'
  } catch {
    return 'not installed'
  }
}

export function machine(nodes: string[]): string[] {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  return [
    `- Date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- Machine: ${cpus().length} CPU(s) (\`nproc\`), ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Linux ${release()}`,
    `- Runtimes: ${nodes.join(', ')}; ${version(['curl', '--version']).split(' ').slice(0, 2).join(' ')}`,
    `- Peak RSS: ${rssMethodName()}; the wrapper's own ${wrapperOverhead().toFixed(1)} ms (median) is subtracted from every wall time.`,
    '- Server: bench/static-server.mjs in its own process on 127.0.0.1, replaying bodies built beforehand (bench/fixtures.ts) from memory; every contender writes a fresh output file.'
  ]
}

export const ms = (value: number): string =>
  Number.isFinite(value) ? `${Math.round(value).toLocaleString('en')} ms` : '?'
export const mib = (kb: number | undefined): string =>
  kb === undefined ? '?' : `${(kb / 1024).toFixed(1)} MiB`

export function wallMedian(result: ContenderResult): number {
  return median(result.samples.map(s => s.wallMs))
}

export function peakRss(result: ContenderResult): number | undefined {
  return max(result.samples.map(s => s.maxRssKb))
}

/** Other processes' average CPU (in cores) during this contender's runs. */
export function otherLoad(result: ContenderResult): number | undefined {
  const known = result.samples.filter(s => s.otherCpuMs !== undefined)
  if (known.length === 0) return undefined
  const other = known.reduce((sum, s) => sum + (s.otherCpuMs ?? 0), 0)
  const wall = known.reduce((sum, s) => sum + s.wallMs, 0)
  return wall > 0 ? other / wall : undefined
}

export function disturbed(results: BenchResult[]): boolean {
  return results.some(b => b.results.some(r => (otherLoad(r) ?? 0) > DISTURBED_CORES))
}

/** The contender of `role` on `runtime` (curl has none). */
export function find(
  result: BenchResult | undefined,
  role: Role,
  runtime?: string
): ContenderResult | undefined {
  return result?.results.find(
    r =>
      r.contender.role === role &&
      (runtime === undefined ||
        r.contender.runtime === undefined ||
        r.contender.runtime.label === runtime)
  )
}

export function ratio(
  a: ContenderResult | undefined,
  b: ContenderResult | undefined
): number | undefined {
  return a && b ? wallMedian(a) / wallMedian(b) : undefined
}

/** a/b for each round, or undefined when the two did not run the same rounds. */
function roundRatios(
  a: ContenderResult | undefined,
  b: ContenderResult | undefined
): number[] | undefined {
  if (!a || !b || a.samples.length !== b.samples.length || a.samples.length === 0) return undefined
  return a.samples.map((sample, i) => sample.wallMs / (b.samples[i]?.wallMs ?? NaN))
}

/**
 * The median of a/b over the rounds, each round's pair taken together: two builds of the
 * action compared this way are compared at the same moment of a machine whose speed drifts,
 * where the ratio of two medians can pair a fast minute with a slow one.
 */
export function pairedRatio(
  a: ContenderResult | undefined,
  b: ContenderResult | undefined
): number | undefined {
  const ratios = roundRatios(a, b)
  return ratios && median(ratios)
}

/**
 * pairedRatio with a 90% interval: the median of the per-round ratios over 2,000 bootstrap
 * resamples of the rounds (a fixed seed, so a report can be regenerated from its samples).
 */
export function pairedInterval(
  a: ContenderResult | undefined,
  b: ContenderResult | undefined
): { median: number; low: number; high: number } | undefined {
  const ratios = roundRatios(a, b)
  if (ratios === undefined) return undefined
  let seed = 0x9e3779b9
  const random = (): number => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const medians: number[] = []
  for (let n = 0; n < 2000; n++)
    medians.push(median(ratios.map(() => ratios[Math.floor(random() * ratios.length)] ?? NaN)))
  medians.sort((x, y) => x - y)
  return {
    median: median(ratios),
    low: medians[Math.floor(0.05 * medians.length)] ?? NaN,
    high: medians[Math.floor(0.95 * medians.length)] ?? NaN
  }
}

export const times = (value: number | undefined): string =>
  value === undefined ? '?' : `${value.toFixed(2)}×`

export function benchTable(result: BenchResult, runtimes: string[]): string {
  const rows = result.results.map(r => {
    const walls = r.samples.map(s => s.wallMs)
    const load = otherLoad(r)
    return [
      r.contender.label,
      ms(wallMedian(r)),
      `${ms(Math.min(...walls))} – ${ms(Math.max(...walls))}`,
      mib(peakRss(r)),
      load === undefined ? '?' : `${load.toFixed(2)}${load > DISTURBED_CORES ? ' ⚠' : ''}`,
      r.extras.items === undefined ? '' : r.extras.items.toLocaleString('en'),
      r.extras.summaryBytes === undefined ? '' : `${r.extras.summaryBytes.toLocaleString('en')} B`
    ]
  })
  const ratios: string[] = []
  for (const runtime of runtimes) {
    const action = find(result, 'action', runtime)
    if (!action) continue
    for (const role of ['baseline', 'floor', 'curl-compressed', 'curl'] as const) {
      const other = find(result, role, runtime)
      if (other)
        ratios.push(
          role === 'baseline'
            ? `${runtime}: action / baseline, round by round **${times(pairedRatio(action, other))}**`
            : `${runtime}: action / ${other.contender.label.replace(/ \(.*$/, '')} **${times(ratio(action, other))}**`
        )
    }
  }
  return [
    `### ${result.bench.title}`,
    '',
    `${result.bench.rounds} rounds, contenders alternating (order rotated each round) after one untimed warm-up run each.`,
    '',
    '| Contender | Median wall | Range | Peak RSS | Other load (cores) | Items | Step summary |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(row => `| ${row.join(' | ')} |`),
    '',
    ratios.join(' · '),
    ''
  ].join('\n')
}

export function targetTable(checks: TargetCheck[]): string {
  return [
    '| Target (issue 14, Node 24) | Measured | |',
    '| --- | --- | --- |',
    ...checks.map(
      c =>
        `| ${c.target} | ${c.measured} | ${c.met === undefined ? 'reported' : c.met ? '✅ met' : '❌ missed'} |`
    ),
    ''
  ].join('\n')
}
