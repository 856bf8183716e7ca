/**
 * Runs the action as the runner does: INPUT_* variables, real GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files, RUNNER_TEMP. `runAction` calls run() in this process (fast,
 * exercises src/); `runDist` spawns `node dist/index.js` (exactly what the runner executes).
 */
import { execFile, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, writeFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const DIST = join(ROOT, 'dist', 'index.js')

/** The bundled action must exist; a missing dist/ is a setup problem, not a passing test. */
export function requireDist(): void {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run bundle\` first.`)
}

export interface ActionRun {
  /** 0 on success, 1 when the step failed (core.setFailed). */
  exitCode: number
  outputs: Record<string, string>
  summary: string
  stdout: string
  stderr: string
  /** The run's RUNNER_TEMP, to look at files it wrote. */
  runnerTemp: string
  /** Every file the run wrote under RUNNER_TEMP, as text (for leak checks). */
  files(): Promise<Record<string, string>>
}

/** Parses the GITHUB_OUTPUT file format: `name<<DELIM\nvalue\nDELIM`. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '')
    if (!match) continue
    const [, name, delimiter] = match as unknown as [string, string, string]
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '')
    outputs[name] = value.join('\n')
  }
  return outputs
}

function inputEnv(inputs: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [
      `INPUT_${name.replace(/ /g, '_').toUpperCase()}`,
      value
    ])
  )
}

async function prepare(): Promise<{ runnerTemp: string; outputFile: string; summaryFile: string }> {
  const runnerTemp = await mkdtemp(join(tmpdir(), 'pca-run-'))
  const outputFile = join(runnerTemp, 'github_output')
  const summaryFile = join(runnerTemp, 'step_summary.md')
  await writeFile(outputFile, '')
  await writeFile(summaryFile, '')
  return { runnerTemp, outputFile, summaryFile }
}

async function collect(
  runnerTemp: string,
  outputFile: string,
  summaryFile: string,
  exitCode: number,
  stdout: string,
  stderr: string
): Promise<ActionRun> {
  return {
    exitCode,
    outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
    stdout,
    stderr,
    runnerTemp,
    files: async () => {
      const found: Record<string, string> = {}
      for (const entry of await readdir(runnerTemp, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue
        const full = join(entry.parentPath, entry.name)
        found[full] = await readFile(full, 'utf8')
      }
      return found
    }
  }
}

/** Environment a test run starts from: nothing of the developer's own Pulumi or GitHub setup. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue
    if (/^(INPUT_|GITHUB_|RUNNER_|PULUMI_|ACTIONS_)/.test(key)) continue
    env[key] = value
  }
  return env
}

/** Spawns the bundled action with the given inputs and extra environment. */
export async function runDist(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  node = process.execPath,
  /** Given the running action, e.g. to send it SIGTERM as the runner does on cancellation. */
  started?: (child: ChildProcess) => void
): Promise<ActionRun> {
  const { runnerTemp, outputFile, summaryFile } = await prepare()
  const childEnv = {
    ...baseEnv(),
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    ...inputEnv(inputs),
    ...env
  }
  return new Promise((resolve, reject) => {
    const child = execFile(
      node,
      [DIST],
      { env: childEnv, cwd: runnerTemp, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        collect(runnerTemp, outputFile, summaryFile, exitCode, stdout, stderr).then(resolve, reject)
      }
    )
    started?.(child)
  })
}

/** process.exitCode as a number (read in a function, where TypeScript keeps its full type). */
function currentExitCode(): number {
  return Number(process.exitCode ?? 0)
}

/** Runs src/main.ts's run() in this process with the same files and variables. */
export async function runAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {}
): Promise<ActionRun> {
  const { runnerTemp, outputFile, summaryFile } = await prepare()
  const saved = { ...process.env }
  const savedExitCode = process.exitCode
  for (const key of Object.keys(process.env))
    if (/^(INPUT_|GITHUB_|RUNNER_|PULUMI_|ACTIONS_)/.test(key))
      Reflect.deleteProperty(process.env, key)
  Object.assign(
    process.env,
    { GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: runnerTemp },
    inputEnv(inputs),
    env
  )
  let stdout = ''
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (chunk: string | Uint8Array): boolean => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    return true
  }
  let exitCode: number
  try {
    const { run } = await import('../../src/main.js')
    // core.summary caches the summary file of the first run in this process; each run has its own.
    const core = await import('@actions/core')
    Reflect.set(core.summary, '_filePath', undefined)
    core.summary.emptyBuffer()
    process.exitCode = 0
    await run()
    exitCode = currentExitCode()
  } finally {
    process.stdout.write = write
    process.exitCode = savedExitCode
    for (const key of Object.keys(process.env))
      if (!(key in saved)) Reflect.deleteProperty(process.env, key)
    Object.assign(process.env, saved)
  }
  return collect(runnerTemp, outputFile, summaryFile, exitCode, stdout, '')
}

/** The `::error::` line(s) core.setFailed printed, decoded ('' when the run did not fail). */
export function failureMessage(run: ActionRun): string {
  return run.stdout
    .split('\n')
    .filter(line => line.startsWith('::error::'))
    .map(line => decodeCommand(line.slice('::error::'.length)))
    .join('\n')
}

function decodeCommand(value: string): string {
  return value.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')
}

/** Expects the run to have failed and returns its first `::error::` line as printed. */
export function failure(run: ActionRun): string {
  expect(run.exitCode).toBe(1)
  return run.stdout.split('\n').find(line => line.startsWith('::error::')) ?? ''
}
