/**
 * Checks of the fault suite on what a failed run leaves behind: stack traces, partial files,
 * and the bytes a download should have written. Starting an emulator per test (fault rules
 * are global to one, so concurrent tests must not share it) is `withEmulator` in
 * ../support/emulator.ts.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import type { RunningEmulator } from '../../emulator/index.js'
import type { ActionRun } from '../support/action.js'

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
