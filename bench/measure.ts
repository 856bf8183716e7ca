/**
 * Runs one child process and reports its wall time and peak RSS.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`, the max RSS of the process tree it
 * waited for) when it is installed; otherwise /proc/<pid>/status VmHWM of the direct child is
 * polled every 10 ms (Node cannot read a child's rusage). The wrapper's own start-up cost is
 * measured once (`calibrate`) and subtracted from every wall time, so that the ratios compare
 * the commands and not the measuring.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { machineBusyMs, processCpuMs, selfCpuMs } from './load.js'

export const GNU_TIME = '/usr/bin/time'

export interface Sample {
  wallMs: number
  /** Peak resident set in KiB, undefined when it could not be read. */
  maxRssKb: number | undefined
  /** CPU time (user + system) of the command, from GNU time; undefined without it. */
  cpuMs: number | undefined
  /**
   * CPU time other processes used meanwhile (all CPUs busy, minus the command, the bench's
   * server and the bench itself): well above zero means the run was disturbed.
   */
  otherCpuMs: number | undefined
  exitCode: number
  stdout: string
  stderr: string
}

export interface Run {
  argv: string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
}

let rssMethod: 'gnu-time' | 'proc-poll' | undefined
let wrapperOverheadMs = 0
let scratch: string | undefined

export function rssMethodName(): string {
  return rssMethod === 'gnu-time'
    ? '`/usr/bin/time -f %M` (max RSS of the process and its children)'
    : 'polling VmHWM in /proc/<pid>/status every 10 ms (direct child only)'
}

export function wrapperOverhead(): number {
  return wrapperOverheadMs
}

/** Picks the RSS method and measures what the wrapper itself costs (median of 15 runs of `true`). */
export async function calibrate(): Promise<void> {
  scratch = await mkdtemp(join(tmpdir(), 'pca-bench-time-'))
  const gnuTime = existsSync(GNU_TIME) && (await raw(['true'], 'gnu-time')).maxRssKb !== undefined
  rssMethod = gnuTime ? 'gnu-time' : 'proc-poll'
  const bare: number[] = []
  const wrapped: number[] = []
  for (let i = 0; i < 15; i++) {
    bare.push((await raw(['true'], 'none')).wallMs)
    wrapped.push((await raw(['true'], rssMethod)).wallMs)
  }
  wrapperOverheadMs = Math.max(0, median(wrapped) - median(bare))
}

export async function finish(): Promise<void> {
  if (scratch) await rm(scratch, { recursive: true, force: true })
}

/** Runs one command; `serverPid` is the bench's server, whose CPU time is not "other" load. */
export async function measure(run: Run, serverPid?: number): Promise<Sample> {
  if (rssMethod === undefined) throw new Error('calibrate() first')
  const busyBefore = machineBusyMs()
  const serverBefore = processCpuMs(serverPid)
  const selfBefore = selfCpuMs()
  const sample = await raw(run.argv, rssMethod, run.env, run.cwd)
  const busy = delta(busyBefore, machineBusyMs())
  const server = delta(serverBefore, processCpuMs(serverPid)) ?? 0
  const self = selfCpuMs() - selfBefore
  const otherCpuMs =
    busy === undefined || sample.cpuMs === undefined
      ? undefined
      : Math.max(0, busy - sample.cpuMs - server - self)
  return { ...sample, otherCpuMs, wallMs: Math.max(0, sample.wallMs - wrapperOverheadMs) }
}

function delta(before: number | undefined, after: number | undefined): number | undefined {
  return before === undefined || after === undefined ? undefined : after - before
}

async function raw(
  argv: string[],
  method: 'gnu-time' | 'proc-poll' | 'none',
  env: NodeJS.ProcessEnv = process.env,
  cwd?: string
): Promise<Omit<Sample, 'otherCpuMs'>> {
  const timeFile = join(scratch ?? tmpdir(), `time-${process.pid}.txt`)
  const full = method === 'gnu-time' ? [GNU_TIME, '-f', '%M %U %S', '-o', timeFile, ...argv] : argv
  const [file, ...args] = full as [string, ...string[]]
  const started = process.hrtime.bigint()
  const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (stdout.length < 1 << 20) stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 1 << 20) stderr += chunk
  })
  let polledKb: number | undefined
  const poll =
    method === 'proc-poll'
      ? setInterval(() => {
          void readFile(`/proc/${child.pid}/status`, 'utf8').then(
            status => {
              const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN)
              if (Number.isFinite(kb)) polledKb = Math.max(polledKb ?? 0, kb)
            },
            () => undefined
          )
        }, 10)
      : undefined
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', code => {
      resolve(code ?? 1)
    })
  })
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6
  if (poll) clearInterval(poll)
  let maxRssKb = polledKb
  let cpuMs: number | undefined
  if (method === 'gnu-time') {
    const text = await readFile(timeFile, 'utf8').catch(() => '')
    // GNU time prints "Command exited with non-zero status N" before the format line.
    const last = /^(\d+) ([\d.]+) ([\d.]+)$/.exec(text.trim().split('\n').pop() ?? '')
    maxRssKb = last ? Number(last[1]) : undefined
    cpuMs = last ? (Number(last[2]) + Number(last[3])) * 1000 : undefined
  }
  return { wallMs, maxRssKb, cpuMs, exitCode, stdout, stderr }
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2
}

export function max(values: (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined)
  return known.length === 0 ? undefined : Math.max(...known)
}
