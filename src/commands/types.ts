import type { StackRef } from '../api/paths.js'
import type { InputKey, InputValues } from '../input-catalog.js'
import type { CommandContext, StackComment } from './context.js'

export type { CommandContext } from './context.js'

export type CommandArea =
  | 'stacks'
  | 'updates'
  | 'operations'
  | 'members'
  | 'teams'
  | 'tokens'
  | 'webhooks'
  | 'audit'
  | 'resources'

export interface CommandOutcome {
  /**
   * Becomes the `result` output (compact JSON), and the `result-file` unless the command
   * streamed its full result there (context.resultFile), of which `result` is then a digest.
   */
  result: unknown
  /** Further outputs by name. */
  outputs?: Record<string, string | number | boolean>
  /** Job summary section, already rendered (GFM). */
  summary: string
  /** Compact markdown per stack for the sticky pull request comment (comment-on-pr). */
  comment?: StackComment[]
  /** The gate's verdict (fail-on / protect); a failed one fails the step after the comment. */
  gate?: { verdict: 'passed' | 'failed' | 'none'; reasons: string[] }
  /**
   * Set when the command ran but its outcome fails the step (a failed deployment): outputs,
   * summary and comment are still published, then the step fails with this message.
   */
  failure?: string
}

/** A command's inputs: `stack` arrives resolved to one stack. */
export type Resolved<K extends InputKey> = K extends 'stack' ? StackRef : InputValues[K]
export type CommandInputs<R extends InputKey, O extends InputKey> = { [K in R]: Resolved<K> } & {
  [K in O]?: Resolved<K>
}

export interface CommandSpec<R extends InputKey, O extends InputKey> {
  name: string
  area: CommandArea
  description: string
  required: readonly R[]
  optional: readonly O[]
  /** Changes something in Pulumi Cloud: dry-run applies. */
  mutates: boolean
  /** `stack` may match several stacks; the command then runs once per stack. */
  perStack?: boolean
  /** Its outcome carries `comment`, so comment-on-pr works with it. */
  comments?: boolean
  /** Outputs besides `result` and `result-file`, with their descriptions. */
  outputs: Record<string, string>
  /**
   * Rules between its inputs (two that exclude each other, one that needs another), checked
   * by readSettings with every other input error, before any request; throws an InputError.
   * `stack` is still the patterns as given.
   */
  validate?(inputs: { [K in R | O]?: InputValues[K] }): void
  run(context: CommandContext, inputs: CommandInputs<R, O>): Promise<CommandOutcome>
  /**
   * Joins the outcomes of a multi-stack run; the default lists them one after another.
   * `unfinished`: the stacks that failed or that fail-fast skipped.
   */
  combine?(
    context: CommandContext,
    outcomes: StackOutcome[],
    inputs: CommandInputs<never, R | O>,
    unfinished: StackRef[]
  ): Promise<CommandOutcome> | CommandOutcome
}

export interface StackOutcome {
  stack: StackRef
  outcome: CommandOutcome
}

/** A command with its input types erased, as the registry holds it. */
export type AnyInputs = Partial<{ [K in InputKey]: Resolved<K> }>
export interface Command extends Omit<
  CommandSpec<InputKey, InputKey>,
  'run' | 'required' | 'optional' | 'combine' | 'validate'
> {
  required: readonly InputKey[]
  optional: readonly InputKey[]
  validate?(inputs: Partial<InputValues>): void
  run(context: CommandContext, inputs: AnyInputs): Promise<CommandOutcome>
  combine?(
    context: CommandContext,
    outcomes: StackOutcome[],
    inputs: AnyInputs,
    unfinished: StackRef[]
  ): Promise<CommandOutcome> | CommandOutcome
}

export function defineCommand<R extends InputKey, O extends InputKey = never>(
  spec: CommandSpec<R, O>
): Command {
  // The registry only ever calls run() with inputs validated against required/optional.
  return spec
}
