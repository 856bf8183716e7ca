import {
  COMMAND_INPUTS,
  COMMON_INPUTS,
  type CommonValues,
  type CommentMode,
  type InputKey,
  type InputSpec,
  type InputValues,
  type ParseContext
} from './input-catalog.js'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { InputError, hasWildcard } from './input-parsers.js'
import type { StackMode } from './commands/context.js'
import type { Command } from './commands/types.js'
import { readRunEvent, runUrl, type RunEvent } from './github/event.js'

/** Reads one raw input the way the runner passes it (INPUT_<NAME>), trimmed. */
export type InputReader = (name: string) => string

export const readFromEnvironment: InputReader = name =>
  (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()

/** What the runner's environment decides about a run: RUNNER_TEMP, the GitHub event, which run. */
export interface RunnerPaths {
  RUNNER_TEMP?: string | undefined
  GITHUB_EVENT_NAME?: string | undefined
  GITHUB_EVENT_PATH?: string | undefined
  GITHUB_SHA?: string | undefined
  GITHUB_SERVER_URL?: string | undefined
  GITHUB_REPOSITORY?: string | undefined
  GITHUB_RUN_ID?: string | undefined
}

/** Every decision that follows from the inputs, made once here and carried to the runner. */
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
  /** Writes are only planned: dry-run on a command that mutates. */
  dryRun: boolean
  /** One stack (or none), or several from a multi-line or wildcard `stack`. */
  stackMode: StackMode
  /** comment-on-pr, on a command that can comment (any other is refused as an input error). */
  comment: CommentMode
  /** The GitHub event of this run (pull request number, head commit), read once. */
  event: RunEvent
  /** The pull request comment-on-pr writes to: pr-number, else the event's pull request. */
  prNumber: number | undefined
  /** The action's own directory under RUNNER_TEMP: result files and default export paths. */
  workDir: string
  /** This workflow run's page (where its job summary is), when the runner says which run. */
  runUrl: string | undefined
}

const STACK_COMPLETING = ['organization', 'project'] as const

/**
 * Reads and validates every input once, before any request: an unknown command, a
 * missing required input or a malformed value is an InputError naming the input.
 */
export function readSettings(
  read: InputReader,
  commands: readonly Command[],
  runner: RunnerPaths = process.env
): Settings {
  const names = commands.map(command => command.name)
  const name = read('command')
  if (name === '') throw new InputError('command', `is required; one of ${names.join(', ')}`)
  const command = commands.find(candidate => candidate.name === name)
  if (command === undefined)
    throw new InputError('command', `'${name}' is not a command; use one of ${names.join(', ')}`)

  const common = readCommon(read, name)
  const event = readRunEvent(runner)
  const values: Partial<InputValues> = {}
  // organization and project also complete stack names, so every command reads them.
  for (const key of STACK_COMPLETING) {
    const raw = read(COMMAND_INPUTS[key].name)
    if (raw !== '') values[key] = COMMAND_INPUTS[key].parse(raw, { command: name })
  }
  const context: ParseContext = {
    command: name,
    organization: values.organization,
    project: values.project,
    event,
    ...(common.prNumber === undefined ? {} : { prNumber: common.prNumber })
  }
  const wanted = new Set<InputKey>([...command.required, ...command.optional])
  for (const key of wanted) {
    const spec = COMMAND_INPUTS[key]
    if (values[key] !== undefined) continue
    const raw = read(spec.name)
    // No required input has an action.yml default (a test checks), so '' is the only "not set".
    if (raw === '') {
      if (command.required.includes(key)) throw new InputError(spec.name, `is required by ${name}`)
      const { derive } = spec as InputSpec<unknown>
      if (derive !== undefined) assign(values, key, derive(context))
      continue
    }
    assign(values, key, spec.parse(raw, context))
  }
  command.validate?.(values)
  const several = checkStackCount(command, values)
  checkComment(command, common.commentOnPr, commands)
  const ignored = (Object.keys(COMMAND_INPUTS) as InputKey[])
    .filter(key => !wanted.has(key) && key !== 'organization' && key !== 'project')
    .map(key => COMMAND_INPUTS[key])
    .filter(spec => {
      const raw = read(spec.name)
      return raw !== '' && raw !== spec.default
    })
    .map(spec => spec.name)
  const workDir = join(runner.RUNNER_TEMP || tmpdir(), 'pulumi-cloud-action')
  return {
    command,
    common,
    values,
    ignored,
    dryRun: common.dryRun && command.mutates,
    stackMode: several
      ? { kind: 'several', directory: resolve(values.path ?? join(workDir, 'exports')) }
      : { kind: 'single' },
    comment: common.commentOnPr,
    event,
    prNumber: common.prNumber ?? event.pullRequest?.number,
    workDir,
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

/**
 * Whether `stack` names several stacks. The input's shape, not the match count, decides:
 * `acme/website/*` writes a directory and a manifest even on the day it matches one stack, so the
 * workflow around it holds. Commands that take exactly one stack refuse that up front.
 */
function checkStackCount(command: Command, values: Partial<InputValues>): boolean {
  const patterns = values.stack
  if (patterns === undefined) return false
  const several = patterns.length > 1 || patterns.some(hasWildcard)
  if (several && command.perStack !== true) {
    throw new InputError(
      'stack',
      `${command.name} works on one stack; give a single org/project/stack without '*'`
    )
  }
  return several
}

/** comment-on-pr on a command that has nothing to comment is a mistake, caught before any request. */
function checkComment(
  command: Command,
  commentOnPr: CommentMode,
  commands: readonly Command[]
): void {
  if (commentOnPr === 'never' || command.comments === true) return
  const commenting = commands.filter(candidate => candidate.comments === true).map(c => c.name)
  throw new InputError(
    'comment-on-pr',
    `${command.name} has nothing to comment on a pull request; comment-on-pr works with ${commenting.join(', ')}. Remove comment-on-pr or use one of them.`
  )
}

function assign<T extends object>(target: T, key: keyof T, value: unknown): void {
  ;(target as Record<keyof T, unknown>)[key] = value
}
