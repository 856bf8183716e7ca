/**
 * What a run published, read back: the `result` output, the file `result-file` names, and the
 * seeded stack the run read (the emulator's own state, to compare with).
 */
import { readFile } from 'node:fs/promises'
import type { StackState } from '../../emulator/state.js'
import type { ActionRun } from './action.js'

/** The `result` output, parsed. */
export function resultOf(action: ActionRun): Record<string, unknown> {
  return JSON.parse(action.outputs.result ?? 'null') as Record<string, unknown>
}

/** The file the `result-file` output names, parsed; the output must be set. */
export async function resultFileOf(action: ActionRun): Promise<Record<string, unknown>> {
  const path = action.outputs['result-file'] ?? ''
  if (path === '') throw new Error('the run set no result-file output')
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
}

/** A stack of acme in the emulator's seed; a missing one fails the test, not a lookup later. */
export function seededStack(
  state: { getStack(org: string, project: string, stack: string): StackState | undefined },
  project: string,
  name: string
): StackState {
  const found = state.getStack('acme', project, name)
  if (!found) throw new Error(`no stack acme/${project}/${name} in the seed`)
  return found
}
