import type { PlannedRequest, PulumiCloud } from './api/client.js'
import { stackName, type StackRef } from './api/paths.js'
import type { Settings } from './inputs.js'
import { describeFailure } from './failure.js'
import { refuseBadlyNamed, resolveStacks } from './stack-resolution.js'
import { commandContext, Writes, type Environment } from './commands/context.js'
import type { CommandOutcome, StackOutcome } from './commands/types.js'
import { renderCommandFailure, renderStackFailures } from './render/failures.js'
import { renderGateOverall } from './render/gate.js'
import { renderPlannedRequests } from './render/plan.js'
import { JobSummary } from './render/summary.js'
import { waitUntilIdle } from './commands/stack-operations.js'
import { DEFAULT_TIMEOUT_MINUTES, Deadline } from './poll.js'

export interface StackFailure {
  stack: StackRef
  error: Error
}

export interface Execution {
  outcome: CommandOutcome | undefined
  failures: StackFailure[]
  /** Stacks never started because fail-fast stopped the run at the first failure. */
  skipped: StackRef[]
  /** The job summary's sections in order; main builds it once the result file is known. */
  summary: JobSummary
}

/** Runs the chosen command: once, or once per matched stack with bounded concurrency. */
export async function execute(
  settings: Settings,
  api: PulumiCloud,
  environment: Environment
): Promise<Execution> {
  const { command, common, stackMode } = settings
  const writes = new Writes(api, settings.dryRun, message => {
    environment.info(message)
  })
  const { stack: patterns, ...values } = settings.values
  // wait-if-busy: wait for a free stack, then the command makes its one attempt (a write is
  // still never retried). One deadline for the whole run, whatever the number of stacks, and
  // the same one for the command's own waiting: the step never runs past timeout-minutes.
  const deadline = new Deadline(values.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES)
  const context = commandContext({ api, writes, stackMode, environment, deadline })
  const stacks = patterns === undefined ? [undefined] : await resolveStacks(api, patterns)
  const planned = writes.planned
  const dryRun = settings.dryRun
  const whenFree = async (stack: StackRef): Promise<void> => {
    if (values.waitIfBusy === true && command.mutates) await waitUntilIdle(context, stack, deadline)
  }

  if (stackMode.kind === 'single') {
    const [only] = stacks
    if (only !== undefined) {
      refuseBadlyNamed(only)
      await whenFree(only)
    }
    const outcome = await command.run(
      context,
      only === undefined ? values : { ...values, stack: only }
    )
    const summary = new JobSummary()
    if (dryRun) summary.append(renderPlannedRequests(planned))
    summary.append(outcome.summary)
    // A command that ran and then failed (a failed deployment, an import left running) says
    // why in the summary too, not only in the step's error.
    if (outcome.failure !== undefined)
      summary.failures(
        renderCommandFailure(
          command.name,
          only === undefined ? [] : [stackName(only)],
          outcome.failure
        )
      )
    return { outcome: withPlan(outcome, planned, dryRun), failures: [], skipped: [], summary }
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
      // A listed stack whose name Pulumi would not allow fails alone, before any request.
      refuseBadlyNamed(stack)
      await whenFree(stack)
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
        ? await command.combine(context, done, values, [
            ...failures.map(({ stack }) => stack),
            ...skipped
          ])
        : listOutcomes(done)
  const comment = done.flatMap(({ outcome }) => outcome.comment ?? [])
  const withComments =
    combined && combined.comment === undefined && comment.length > 0
      ? { ...combined, comment }
      : combined
  const gated = withComments && withGates(withComments, done)
  // Verdict first, then the plan, each stack's section, and the stacks that failed.
  const summary = new JobSummary()
  if (gated?.gate !== undefined && gated.gate.verdict !== 'none')
    summary.verdict(renderGateOverall(gated.gate.verdict, gated.gate.reasons, done.length))
  if (dryRun) summary.append(renderPlannedRequests(planned))
  summary.append(gated?.summary ?? '')
  summary.failures(
    renderStackFailures(
      failures.map(({ stack, error }) => ({
        stack: stackName(stack),
        message: describeFailure(error)
      })),
      skipped.map(stackName)
    )
  )
  if (gated?.failure !== undefined)
    summary.failures(
      renderCommandFailure(
        command.name,
        done.map(d => stackName(d.stack)),
        gated.failure
      )
    )
  // With every stack failed there is no outcome, yet an (empty) result is still published.
  const outcome = gated ?? (failures.length > 0 ? { result: [], summary: '' } : undefined)
  return { outcome: outcome && withPlan(outcome, planned, dryRun), failures, skipped, summary }
}

/** Several stacks' gates as one: failed when any failed, each reason naming its stack. */
function withGates(combined: CommandOutcome, done: StackOutcome[]): CommandOutcome {
  if (combined.gate !== undefined) return combined
  const gates = done.filter(({ outcome }) => outcome.gate && outcome.gate.verdict !== 'none')
  if (gates.length === 0) return combined
  const reasons = gates.flatMap(({ stack, outcome }) =>
    (outcome.gate?.reasons ?? []).map(reason => `${stackName(stack)}: ${reason}`)
  )
  const verdict = gates.some(({ outcome }) => outcome.gate?.verdict === 'failed')
    ? 'failed'
    : 'passed'
  return {
    ...combined,
    gate: { verdict, reasons },
    outputs: { ...combined.outputs, gate: verdict, 'gate-reasons': reasons.join('\n') }
  }
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
    outputs: { ...outcome.outputs, 'dry-run': true }
  }
}

/** Runs `work` over `items`, never more than `limit` at once. */
async function eachLimited<T>(
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
