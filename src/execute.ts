import type { PlannedRequest, PulumiCloud, Query, WriteMethod } from './api/client.js'
import { stackName, type StackRef } from './api/paths.js'
import type { Settings } from './inputs.js'
import { resolveStacks } from './stack-resolution.js'
import type { CommandContext, CommandOutcome, StackOutcome } from './commands/types.js'
import { redactSecrets, renderPlannedRequests } from './render/plan.js'

export interface Environment {
  consoleUrl: string
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
  /** Requests a dry-run would have sent, in order. */
  planned: PlannedRequest[]
  failures: StackFailure[]
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
      const target = api.url(path, query).slice(api.url('').length)
      planned.push(
        body === undefined
          ? { method, path: target }
          : { method, path: target, body: redactSecrets(body) }
      )
      return undefined
    }
    return api.send<T>(method, path, body, query)
  }
  const { stack: patterns, ...values } = settings.values
  const stacks = patterns === undefined ? [undefined] : await resolveStacks(api, patterns)
  const context = (multiStack: boolean): CommandContext => ({
    api,
    write,
    dryRun,
    multiStack,
    ...environment
  })

  if (stacks.length === 1) {
    const [only] = stacks
    const outcome = await command.run(
      context(false),
      only === undefined ? values : { ...values, stack: only }
    )
    return { outcome: withPlan(outcome, planned, dryRun), planned, failures: [] }
  }

  const done: StackOutcome[] = []
  const failures: StackFailure[] = []
  await eachLimited(stacks as StackRef[], common.concurrency, async stack => {
    if (common.failFast && failures.length > 0) return
    try {
      done.push({ stack, outcome: await command.run(context(true), { ...values, stack }) })
    } catch (error) {
      failures.push({ stack, error: error instanceof Error ? error : new Error(String(error)) })
      environment.warning(`${stackName(stack)}: ${failures.at(-1)?.error.message ?? ''}`)
    }
  })
  const order = new Map(stacks.map((stack, index) => [stackName(stack as StackRef), index]))
  done.sort((a, b) => (order.get(stackName(a.stack)) ?? 0) - (order.get(stackName(b.stack)) ?? 0))
  const combined =
    done.length === 0
      ? undefined
      : command.combine
        ? await command.combine(context(true), done, values)
        : listOutcomes(done)
  return { outcome: combined && withPlan(combined, planned, dryRun), planned, failures }
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
