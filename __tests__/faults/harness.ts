/**
 * Shared pieces of the fault suite: one emulator per test (fault rules are global to an
 * emulator, so concurrent tests must not share one), inputs pointing the action at it, and
 * checks on what a failed run leaves behind.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../emulator/index.js'
import { DIST, type ActionRun } from '../support/action.js'

export async function withEmulator<T>(
  options: EmulatorOptions,
  body: (emulator: RunningEmulator) => Promise<T>
): Promise<T> {
  const emulator = await startEmulator(options)
  try {
    return await body(emulator)
  } finally {
    await emulator.close()
  }
}

export function connection(emulator: RunningEmulator): Record<string, string> {
  return { 'api-url': emulator.url, 'access-token': emulator.token }
}

/** The bundled action must exist; a missing dist/ is a setup problem, not a passing test. */
export function requireDist(): void {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run bundle\` first.`)
}

/** The `::error::` line(s) core.setFailed printed. */
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

/** A JavaScript stack trace frame such as `    at Object.<anonymous> (file.js:1:2)`. */
export const STACK_FRAME = /^\s+at \S+.*\(.*:\d+:\d+\)|^\s+at .*:\d+:\d+$/m

export function expectNoStackTrace(run: ActionRun): void {
  expect(run.stdout).not.toMatch(STACK_FRAME)
  expect(run.stderr).not.toMatch(STACK_FRAME)
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/at Object\.|at async |node:internal/)
}

/** Files the download left in a directory (the final file and `.name.hex.partial` temps). */
export async function filesIn(directory: string): Promise<string[]> {
  return existsSync(directory) ? (await readdir(directory)).sort() : []
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex')
}

/** What the emulator serves at `path`, fetched without faults, for comparison. */
export async function expectedBody(emulator: RunningEmulator, path: string): Promise<Buffer> {
  const response = await fetch(`${emulator.url}${path}`, {
    headers: { Authorization: `token ${emulator.token}`, Accept: 'application/vnd.pulumi+8' }
  })
  if (!response.ok) throw new Error(`${path}: ${response.status}`)
  return Buffer.from(await response.arrayBuffer())
}

export function sha256(buffer: Buffer): string {
  return createHash('sha256').update(buffer).digest('hex')
}

/** Requests the emulator received for `method` on paths matching `pattern`. */
export function requestsTo(
  emulator: RunningEmulator,
  method: string,
  pattern: RegExp
): RunningEmulator['requests'] {
  return emulator.requests.filter(
    request => request.method === method && pattern.test(request.path)
  )
}
