import {
  COMMAND_INPUTS,
  COMMON_INPUTS,
  type CommonValues,
  type InputKey,
  type InputValues,
  type ParseContext
} from './input-catalog.js'
import { InputError, hasWildcard } from './input-parsers.js'
import { findCommand, commandNames } from './commands/registry.js'
import type { Command } from './commands/types.js'
import { runUrl } from './render/comment.js'

/** Reads one raw input the way the runner passes it (INPUT_<NAME>), trimmed. */
export type InputReader = (name: string) => string

export const readFromEnvironment: InputReader = name =>
  (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()

export interface Settings {
  command: Command
  common: Required<
    Pick<
      CommonValues,
      'summary' | 'timeoutSeconds' | 'dryRun' | 'concurrency' | 'failFast' | 'commentOnPr'
    >
  > &
    Omit<CommonValues, 'command'>
  /** The command's own inputs, parsed; `stack` still as patterns. */
  values: Partial<InputValues>
  /** Inputs that were set but that this command does not read (warned about, not fatal). */
  ignored: string[]
  /** This workflow run's page (where its job summary is), when the runner says which run. */
  runUrl: string | undefined
}

/** The runner's variables that name the workflow run. */
export interface RunnerRun {
  GITHUB_SERVER_URL?: string | undefined
  GITHUB_REPOSITORY?: string | undefined
  GITHUB_RUN_ID?: string | undefined
}

const STACK_COMPLETING = ['organization', 'project'] as const

/**
 * Reads and validates every input once, before any request: an unknown command, a
 * missing required input or a malformed value is an InputError naming the input.
 */
export function readSettings(
  read: InputReader = readFromEnvironment,
  runner: RunnerRun = process.env
): Settings {
  const name = read('command')
  if (name === '')
    throw new InputError('command', `is required; one of ${commandNames().join(', ')}`)
  const command = findCommand(name)
  if (command === undefined)
    throw new InputError(
      'command',
      `'${name}' is not a command; use one of ${commandNames().join(', ')}`
    )

  const common = readCommon(read, name)
  const values: Partial<InputValues> = {}
  // organization and project also complete stack names, so every command reads them.
  for (const key of STACK_COMPLETING) {
    const raw = read(COMMAND_INPUTS[key].name)
    if (raw !== '') values[key] = COMMAND_INPUTS[key].parse(raw, { command: name })
  }
  const context: ParseContext = {
    command: name,
    organization: values.organization,
    project: values.project
  }
  const wanted = new Set<InputKey>([...command.required, ...command.optional])
  for (const key of wanted) {
    const spec = COMMAND_INPUTS[key]
    if (values[key] !== undefined) continue
    const raw = read(spec.name)
    // No required input has an action.yml default (a test checks), so '' is the only "not set".
    if (raw === '') {
      if (command.required.includes(key)) throw new InputError(spec.name, `is required by ${name}`)
      continue
    }
    assign(values, key, spec.parse(raw, context))
  }
  checkStackCount(command, values)
  const ignored = (Object.keys(COMMAND_INPUTS) as InputKey[])
    .filter(key => !wanted.has(key) && key !== 'organization' && key !== 'project')
    .map(key => COMMAND_INPUTS[key])
    .filter(spec => {
      const raw = read(spec.name)
      return raw !== '' && raw !== spec.default
    })
    .map(spec => spec.name)
  return {
    command,
    common,
    values,
    ignored,
    runUrl: runUrl({
      serverUrl: runner.GITHUB_SERVER_URL,
      repository: runner.GITHUB_REPOSITORY,
      runId: runner.GITHUB_RUN_ID
    })
  }
}

/**
 * The value the runner passes for an unset input: its action.yml default. An expression
 * default (`${{ github.token }}`) is the runner's to evaluate, so here it means no value.
 */
function literalDefault(spec: { default?: string }): string {
  return spec.default === undefined || spec.default.includes('${{') ? '' : spec.default
}

function readCommon(read: InputReader, command: string): Settings['common'] {
  const common: CommonValues = {}
  const context: ParseContext = { command }
  for (const key of Object.keys(COMMON_INPUTS) as (keyof typeof COMMON_INPUTS)[]) {
    if (key === 'command') continue
    const spec = COMMON_INPUTS[key]
    const raw = read(spec.name) || literalDefault(spec)
    if (raw !== '') assign(common, key, spec.parse(raw, context))
  }
  return withDefaults(common)
}

/** Narrows the common values to the ones action.yml defaults guarantee. */
function withDefaults(common: CommonValues): Settings['common'] {
  const { summary, timeoutSeconds, dryRun, concurrency, failFast, commentOnPr } = common
  if (
    summary === undefined ||
    timeoutSeconds === undefined ||
    dryRun === undefined ||
    concurrency === undefined ||
    failFast === undefined ||
    commentOnPr === undefined
  ) {
    throw new Error('The input catalog lost an action.yml default of a common input')
  }
  return { ...common, summary, timeoutSeconds, dryRun, concurrency, failFast, commentOnPr }
}

/** Commands that take exactly one stack refuse several lines or wildcards up front. */
function checkStackCount(command: Command, values: Partial<InputValues>): void {
  const patterns = values.stack
  if (patterns === undefined || command.perStack === true) return
  if (patterns.length > 1 || patterns.some(hasWildcard)) {
    throw new InputError(
      'stack',
      `${command.name} works on one stack; give a single org/project/stack without '*'`
    )
  }
}

function assign<T extends object>(target: T, key: keyof T, value: unknown): void {
  ;(target as Record<keyof T, unknown>)[key] = value
}
