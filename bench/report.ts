/** Turns the measured samples into bench/results.md. */
import { execFileSync } from 'node:child_process'
import { cpus, release, totalmem } from 'node:os'
import type { Bench, Contender, Extras } from './scenarios.js'
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

function version(argv: [string, ...string[]]): string {
  try {
    const [file, ...args] = argv
    return execFileSync(file, args, { encoding: 'utf8' }).split('\n')[0]?.trim() ?? '?'
  } catch {
    return 'not installed'
  }
}

export function machine(jqFallback: boolean): string[] {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  const lines = [
    `- Date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- Machine: ${cpus().length} CPU(s) (\`nproc\`), ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory, Linux ${release()}`,
    `- Node ${process.version}; ${version(['curl', '--version'])}; jq: ${version(['jq', '--version'])}`,
    `- Peak RSS: ${rssMethodName()}; the wrapper's own ${wrapperOverhead().toFixed(1)} ms (median) is subtracted from every wall time.`,
    '- The emulator runs in the bench process on 127.0.0.1, so client and server share the same cores (same for every contender).'
  ]
  if (jqFallback)
    lines.push(
      '- **jq is not installed**: the loops used a Node stand-in (JQ_FALLBACK in bench/scenarios.ts that starts slower than jq), so the loop times are pessimistic for curl+jq.'
    )
  return lines
}

export const ms = (value: number): string =>
  value >= 10_000
    ? `${(value / 1000).toFixed(1)} s`
    : value >= 1000
      ? `${(value / 1000).toFixed(2)} s`
      : `${value.toFixed(1)} ms`
export const mib = (kb: number | undefined): string =>
  kb === undefined ? '?' : `${(kb / 1024).toFixed(1)} MiB`

export function wallMedian(result: ContenderResult): number {
  return median(result.samples.map(s => s.wallMs))
}

export function peakRss(result: ContenderResult): number | undefined {
  return max(result.samples.map(s => s.maxRssKb))
}

export function benchTable(result: BenchResult): string {
  const rows = result.results.map(r => {
    const walls = r.samples.map(s => s.wallMs)
    return [
      r.contender.label,
      ms(wallMedian(r)),
      `${ms(Math.min(...walls))} – ${ms(Math.max(...walls))}`,
      mib(peakRss(r)),
      String(r.extras.requests ?? ''),
      r.extras.items === undefined ? '' : r.extras.items.toLocaleString('en'),
      r.extras.summaryBytes === undefined ? '' : `${r.extras.summaryBytes.toLocaleString('en')} B`
    ]
  })
  const action = result.results.find(r => r.contender.role === 'action')
  const others = result.results.filter(r => r.contender.role !== 'action')
  const ratios = action
    ? others.map(
        o => `**action / ${o.contender.role}: ${(wallMedian(action) / wallMedian(o)).toFixed(2)}×**`
      )
    : []
  return [
    `### ${result.bench.title}`,
    '',
    `${result.bench.rounds} rounds, contenders alternating (order rotated each round) after one untimed warm-up run each.`,
    '',
    '| Contender | Median wall | Range | Peak RSS | Requests | Items | Step summary |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(row => `| ${row.join(' | ')} |`),
    '',
    ratios.join(' · '),
    ''
  ].join('\n')
}

export function targetTable(checks: TargetCheck[]): string {
  return [
    '| Target (issue 7) | Measured | |',
    '| --- | --- | --- |',
    ...checks.map(
      c =>
        `| ${c.target} | ${c.measured} | ${c.met === undefined ? 'n/a' : c.met ? '✅ met' : '❌ missed'} |`
    ),
    ''
  ].join('\n')
}
