import type { PlannedRequest, PulumiCloud, Query, WriteMethod } from './api/client.js'
import { stackName, type StackRef } from './api/paths.js'
import type { Settings } from './inputs.js'
import { describeFailure } from './failure.js'
import { hasWildcard } from './input-parsers.js'
import { resolveStacks } from './stack-resolution.js'
import type { CommandContext, CommandOutcome, StackOutcome } from './commands/types.js'
import { renderStackFailures } from './render/failures.js'
import { redactSecrets, renderPlannedRequests } from './render/plan.js'

export interface Environment {
  consoleUrl: string
  /** This workflow run's page, where its whole job summary is (linked from cut lists). */
  runUrl?: string | undefined
  workDir: string
  info(message: string): void
  warning(message: string): void
  mask(secret: string): void
}

export interface StackFailure {
  stack: StackRef
  error: Error
}

export interface Execution {
  outcome: CommandOutcome | undefined
  failures: StackFailure[]
  /** Stacks never started because fail-fast stopped the run at the first failure. */
  skipped: StackRef[]
}

/** Runs the chosen command: once, or once per matched stack with bounded concurrency. */
export async function execute(
  settings: Settings,
  api: PulumiCloud,
  environment: Environment
): Promise<Execution> {
  const { command, common } = settings
  const planned: PlannedRequest[] = []
  const dryRun = common.dryRun && command.mutates
  const write = async <T>(
    method: WriteMethod,
    path: string,
    body?: unknown,
    query?: Query
  ): Promise<T | undefined> => {
    if (dryRun) {
      const target = api.pathWithQuery(path, query)
      const request: PlannedRequest =
        body === undefined
          ? { method, path: target }
          : { method, path: target, body: redactSecrets(body) }
      planned.push(request)
      environment.info(
        `Dry run: ${method} ${target}${request.body === undefined ? '' : ` ${JSON.stringify(request.body)}`}`
      )
      return undefined
    }
    return api.send<T>(method, path, body, query)
  }
  const { stack: patterns, ...values } = settings.values
  const stacks = patterns === undefined ? [undefined] : await resolveStacks(api, patterns)
  // The input's shape, not the match count, picks the mode: `acme/*/*` writes a directory
  // and a manifest even on the day it matches one stack, so the workflow around it holds.
  const multiStack = patterns !== undefined && (patterns.length > 1 || patterns.some(hasWildcard))
  const context: CommandContext = { api, write, dryRun, multiStack, ...environment }

  if (!multiStack) {
    const [only] = stacks
    const outcome = await command.run(
      context,
      only === undefined ? values : { ...values, stack: only }
    )
    return { outcome: withPlan(outcome, planned, dryRun), failures: [], skipped: [] }
  }

  const done: StackOutcome[] = []
  const failures: StackFailure[] = []
  const skipped: StackRef[] = []
  await eachLimited(stacks as StackRef[], common.concurrency, async stack => {
    if (common.failFast && failures.length > 0) {
      skipped.push(stack)
      return
    }
    try {
      done.push({ stack, outcome: await command.run(context, { ...values, stack }) })
    } catch (error) {
      const failure = { stack, error: error instanceof Error ? error : new Error(String(error)) }
      failures.push(failure)
      environment.warning(`${stackName(stack)}: ${describeFailure(failure.error)}`)
    }
  })
  // Stacks finish in any order; report them in the order they were asked for.
  const order = new Map(stacks.map((stack, index) => [stackName(stack as StackRef), index]))
  const byInput = (a: { stack: StackRef }, b: { stack: StackRef }): number =>
    (order.get(stackName(a.stack)) ?? 0) - (order.get(stackName(b.stack)) ?? 0)
  done.sort(byInput)
  failures.sort(byInput)
  skipped.sort((a, b) => byInput({ stack: a }, { stack: b }))
  const combined =
    done.length === 0
      ? undefined
      : command.combine
        ? await command.combine(context, done, values)
        : listOutcomes(done)
  const comment = done.flatMap(({ outcome }) => outcome.comment ?? [])
  const withComments =
    combined && combined.comment === undefined && comment.length > 0
      ? { ...combined, comment }
      : combined
  const outcome = withFailures(withComments, failures, skipped)
  return { outcome: outcome && withPlan(outcome, planned, dryRun), failures, skipped }
}

/** The job summary lists failed and skipped stacks too, not only the step's error. */
function withFailures(
  outcome: CommandOutcome | undefined,
  failures: StackFailure[],
  skipped: StackRef[]
): CommandOutcome | undefined {
  const section = renderStackFailures(
    failures.map(({ stack, error }) => ({
      stack: stackName(stack),
      message: describeFailure(error)
    })),
    skipped.map(stackName)
  )
  if (section === '') return outcome
  if (outcome === undefined) return { result: [], summary: section }
  return { ...outcome, summary: `${section}\n${outcome.summary}` }
}

function listOutcomes(outcomes: StackOutcome[]): CommandOutcome {
  return {
    result: outcomes.map(({ stack, outcome }) => ({
      stack: stackName(stack),
      result: outcome.result
    })),
    outputs: { count: outcomes.length },
    summary: outcomes.map(({ outcome }) => outcome.summary).join('\n')
  }
}

function withPlan(
  outcome: CommandOutcome,
  planned: PlannedRequest[],
  dryRun: boolean
): CommandOutcome {
  if (!dryRun) return outcome
  return {
    ...outcome,
    result: { dryRun: true, requests: planned, result: outcome.result },
    outputs: { ...outcome.outputs, 'dry-run': true },
    summary: `${renderPlannedRequests(planned)}\n${outcome.summary}`
  }
}

/** Runs `work` over `items`, never more than `limit` at once. */
export async function eachLimited<T>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<void>
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T
      await work(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
