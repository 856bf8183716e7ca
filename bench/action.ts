/**
 * The environment `node dist/index.js` gets from a runner: INPUT_* variables and real
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files under a fresh RUNNER_TEMP (as runDist in
 * __tests__/support/action.ts does), plus helpers to read what the run wrote.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseOutputFile } from '../__tests__/support/action.js'

export interface ActionEnv {
  env: NodeJS.ProcessEnv
  runnerTemp: string
  outputs(): Promise<Record<string, string>>
  summaryBytes(): Promise<number>
  dispose(): Promise<void>
}

/** The developer's own Pulumi/GitHub settings must not leak into a measured run. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(INPUT_|GITHUB_|RUNNER_|PULUMI_|ACTIONS_|NODE_OPTIONS)/.test(key))
      continue
    env[key] = value
  }
  return env
}

/** `inputs` may depend on the run's RUNNER_TEMP (e.g. a path to export to). */
export async function actionEnv(
  inputs: (runnerTemp: string) => Record<string, string>
): Promise<ActionEnv> {
  const runnerTemp = await mkdtemp(join(tmpdir(), 'pca-bench-run-'))
  const outputFile = join(runnerTemp, 'github_output')
  const summaryFile = join(runnerTemp, 'step_summary.md')
  await writeFile(outputFile, '')
  await writeFile(summaryFile, '')
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp
  }
  for (const [name, value] of Object.entries(inputs(runnerTemp)))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  return {
    env,
    runnerTemp,
    outputs: async () => parseOutputFile(await readFile(outputFile, 'utf8')),
    summaryBytes: async () => (await stat(summaryFile)).size,
    dispose: () => rm(runnerTemp, { recursive: true, force: true })
  }
}
