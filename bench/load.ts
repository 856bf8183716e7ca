/**
 * Other work on the machine while a contender runs: the CPU time all processes used
 * (/proc/stat) minus what the contender, the bench's server and the bench itself used.
 * A figure well above zero means another process competed for the cores, and the run's
 * times are flagged in the results.
 */
import { readFileSync } from 'node:fs'

const TICK_MS = 10 // USER_HZ is 100 on Linux

/** CPU milliseconds all CPUs spent busy since boot, or undefined off Linux. */
export function machineBusyMs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
    const fields = line.trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait
    const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0)
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
    return (total - idle) * TICK_MS
  } catch {
    return undefined
  }
}

/** CPU milliseconds (user + system) process `pid` has used, or undefined. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS
  } catch {
    return undefined
  }
}

/** This process's own CPU milliseconds. */
export function selfCpuMs(): number {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}
