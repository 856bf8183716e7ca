import { stackName, stackPath, type StackRef } from '../api/paths.js'
import {
  readCreatedDeployment,
  readDeploymentLogs,
  readDeploymentStatus,
  readDeploymentUpdates
} from '../api/readers/stacks.js'
import type { DeploymentStatus } from '../api/types.js'
import { Backoff, CancelledError, Deadline, WaitTimeoutError, pause } from '../poll.js'
import { renderDeployment, type DeploymentReport } from '../render/deployments.js'
import type { CommandContext, DeploymentMirror, FinalState, StackComment } from './context.js'
import {
  GATE_INPUTS,
  GATE_OUTPUTS,
  gateReport,
  gateRules,
  outcomeGate,
  type GateReport
} from './gate-outputs.js'
import type { GateRules } from '../gate.js'
import { InputError } from '../input-parsers.js'
import { defineCommand, type Command, type CommandOutcome } from './types.js'
import { summariseUpdate } from './updates.js'

/** Deployment (job) statuses after which nothing more happens. */
const FINAL_STATUSES = new Set(['succeeded', 'failed', 'skipped'])
/** How many of the last log lines a failure message quotes. */
const LAST_LINES = 20
/** Log pages read after the deployment ended, at most (the rest is in the console). */
const MAX_DRAIN_PAGES = 200

function deploymentPath(stack: StackRef, id: string, ...rest: string[]): string {
  return stackPath(stack, 'deployments', id, ...rest)
}

/** The request body: the operation, the settings to inherit, then the inputs' overrides. */
export function deploymentRequest(inputs: {
  operation: string
  inheritSettings?: boolean
  gitRef?: string
  gitCommit?: string
  environmentVariables?: Record<string, string>
}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    operation: inputs.operation,
    inheritSettings: inputs.inheritSettings ?? true
  }
  if (inputs.gitCommit !== undefined) body.sourceContext = { git: { commit: inputs.gitCommit } }
  else if (inputs.gitRef !== undefined) body.sourceContext = { git: { branch: inputs.gitRef } }
  if (inputs.environmentVariables !== undefined) {
    // Sent as SecretValues: the service stores them encrypted and never shows them again.
    body.operationContext = {
      environmentVariables: Object.fromEntries(
        Object.entries(inputs.environmentVariables).map(([name, value]) => [
          name,
          { secret: value }
        ])
      )
    }
  }
  return body
}

/** Streams the log into the job log, one group per deployment step, keeping the last lines. */
class LogFollower {
  private token: string | undefined
  private group = false
  readonly last: string[] = []
  /** True once the service said there is nothing more (no nextToken). */
  done = false

  constructor(
    private readonly context: CommandContext,
    private readonly path: string
  ) {}

  /** Reads one page; returns how many lines it brought. */
  async page(): Promise<number> {
    const page = await this.context.api.getJson(
      this.path,
      this.token === undefined ? {} : { continuationToken: this.token },
      readDeploymentLogs
    )
    const { lines } = page
    for (const entry of lines) {
      if (entry.header !== undefined && entry.header !== '') {
        this.close()
        this.context.startGroup(entry.header)
        this.group = true
      }
      // A line may hold several; each is its own log line (made inert by the runner side).
      for (const line of (entry.line ?? '').split(/\r?\n/)) {
        this.context.info(line)
        this.last.push(line)
        if (this.last.length > LAST_LINES) this.last.shift()
      }
    }
    const next = page.nextToken
    if (next === undefined || next === '') this.done = true
    else this.token = next
    return lines.length
  }

  close(): void {
    if (this.group) this.context.endGroup()
    this.group = false
  }
}

async function readStatus(
  context: CommandContext,
  stack: StackRef,
  id: string
): Promise<DeploymentStatus> {
  const found = await context.api.getJson(deploymentPath(stack, id), {}, readDeploymentStatus)
  return found.status
}

/**
 * Follows a deployment to its end: its status, and its log page by page into the job log.
 * The deadline or a cancelled job cancel the deployment (POST …/cancel, once) and fail.
 */
async function follow(
  context: CommandContext,
  stack: StackRef,
  id: string,
  deadline: Deadline
): Promise<{ status: string; last: string[] }> {
  const logs = new LogFollower(context, deploymentPath(stack, id, 'logs'))
  const backoff = new Backoff()
  try {
    for (;;) {
      const status = await readStatus(context, stack, id)
      if (FINAL_STATUSES.has(status)) {
        for (let pages = 0; !logs.done && pages < MAX_DRAIN_PAGES; pages++)
          if ((await logs.page()) === 0 && pages > 0) break
        return { status, last: logs.last }
      }
      const lines = await logs.page()
      if (lines > 0) backoff.reset()
      if (deadline.expired()) {
        await cancelDeployment(context, stack, id)
        throw new WaitTimeoutError(
          `The deployment ${id} on ${stackName(stack)} did not end within ${deadline.describe()} (timeout-minutes) and was cancelled.${lastLines(logs.last)}`
        )
      }
      await pause(backoff.next(), context.signal, deadline)
    }
  } catch (error) {
    if (error instanceof CancelledError) {
      await cancelDeployment(context, stack, id)
      throw new CancelledError(
        `${error.message} The deployment ${id} on ${stackName(stack)} was cancelled with it.${lastLines(logs.last)}`
      )
    }
    throw error
  } finally {
    logs.close()
  }
}

async function cancelDeployment(
  context: CommandContext,
  stack: StackRef,
  id: string
): Promise<void> {
  context.warning(`Cancelling the deployment ${id} on ${stackName(stack)}.`)
  await context.write('POST', deploymentPath(stack, id, 'cancel'))
}

function lastLines(lines: string[]): string {
  return lines.length === 0 ? '' : `\nLast log lines:\n${lines.join('\n')}`
}

/** The gate's counts and verdict for the `result` output, in its camelCase. */
function gateResult({ verdict }: GateReport): Record<string, unknown> {
  const { counts } = verdict
  return {
    hasChanges: verdict.hasChanges,
    creates: counts.creates,
    updates: counts.updates,
    deletes: counts.deletes,
    replaces: counts.replaces,
    policyViolations: counts.policyViolations,
    gate: verdict.verdict,
    gateReasons: verdict.trips.map(trip => trip.reason)
  }
}

const runDeployment = defineCommand({
  name: 'run-deployment',
  area: 'operations',
  description:
    'Run a Pulumi Deployments operation (preview, update, refresh, destroy, detect-drift) on a stack, stream its log into the job log, and render its update like get-update, gated by fail-on / protect. A failed or cancelled deployment fails the step; a timeout or a cancelled job cancels it.',
  required: ['stack', 'operation'],
  optional: [
    'inheritSettings',
    'gitRef',
    'gitCommit',
    'environmentVariables',
    'wait',
    'timeoutMinutes',
    'waitIfBusy',
    ...GATE_INPUTS,
    'githubDeployment'
  ],
  mutates: true,
  comments: true,
  outputs: {
    'deployment-id': 'ID of the deployment.',
    status:
      "The deployment's final status (succeeded, failed, skipped), or its status when wait is false.",
    'update-id': 'ID of the update the deployment ran.',
    'console-url': 'Pulumi console page of the deployment.',
    'github-deployment-id': 'ID of the GitHub deployment mirroring it (github-deployment).',
    ...GATE_OUTPUTS
  },
  validate(inputs) {
    if (inputs.gitRef !== undefined && inputs.gitCommit !== undefined)
      throw new InputError('git-ref', 'give git-ref or git-commit, not both.')
    // Its final status is posted when the deployment ends, which wait: false never sees.
    if (inputs.githubDeployment !== undefined && inputs.wait === false)
      throw new InputError(
        'github-deployment',
        'needs wait: true, so the GitHub deployment gets the final status.'
      )
  },
  async run(context, inputs) {
    const { stack } = inputs
    const gitCommit =
      inputs.gitCommit ?? (inputs.gitRef === undefined ? context.pullRequestHeadSha : undefined)
    const body = deploymentRequest({ ...inputs, ...(gitCommit === undefined ? {} : { gitCommit }) })
    const written = await context.writeJson(
      'POST',
      stackPath(stack, 'deployments'),
      readCreatedDeployment,
      body
    )
    const base: DeploymentReport = {
      stack: stackName(stack),
      operation: inputs.operation,
      status: 'planned',
      ...(gitCommit === undefined ? {} : { commit: gitCommit }),
      ...(inputs.gitRef === undefined ? {} : { ref: inputs.gitRef })
    }
    if (!written.sent) return { result: base, summary: renderDeployment(base) }
    const created = written.response
    const { consoleUrl } = created
    context.info(`Deployment ${created.id} of ${stackName(stack)} queued: ${consoleUrl}`)
    const outputs: Record<string, string | number> = {
      'deployment-id': created.id,
      'console-url': consoleUrl
    }
    if (inputs.wait === false) {
      const status = await readStatus(context, stack, created.id)
      const report = { ...base, id: created.id, consoleUrl, status }
      return {
        result: report,
        outputs: { ...outputs, status },
        summary: renderDeployment(report)
      }
    }
    const mirror = await openMirror(context, inputs, { id: created.id, consoleUrl, gitCommit })
    if (mirror?.id !== undefined) outputs['github-deployment-id'] = mirror.id
    // The run's deadline: time spent waiting for a free stack (wait-if-busy) counts too.
    const deadline = context.deadline
    let followed: { status: string; last: string[] }
    try {
      followed = await follow(context, stack, created.id, deadline)
    } catch (error) {
      await mirror?.finish(
        'error',
        `Pulumi ${inputs.operation} of ${stackName(stack)}: ${unfollowed(error)}`
      )
      throw error
    }
    // Posted before the update is read for the summary: the GitHub deployment shows Pulumi's
    // result, whatever reading the update or the gate say afterwards.
    if (mirror !== undefined) {
      const result = `Pulumi ${inputs.operation} of ${stackName(stack)} ${followed.status}`
      const other =
        gitCommit === undefined ? await otherCommit(context, stack, created.id, mirror) : undefined
      await mirror.finish(
        mirrorState(inputs.operation, followed.status),
        other === undefined ? result : `Deployed ${other.slice(0, 12)}, not this commit: ${result}`
      )
    }
    return followedOutcome(context, stack, inputs.operation, gateRules(inputs), {
      base: { ...base, id: created.id, consoleUrl, status: followed.status },
      outputs,
      last: followed.last
    })
  }
})

/** The GitHub deployment of this run, when github-deployment asks for one. */
async function openMirror(
  context: CommandContext,
  inputs: { stack: StackRef; operation: string; githubDeployment?: string; gitRef?: string },
  deployment: { id: string; consoleUrl: string; gitCommit: string | undefined }
): Promise<DeploymentMirror | undefined> {
  if (inputs.githubDeployment === undefined || context.openGitHubDeployment === undefined)
    return undefined
  return context.openGitHubDeployment({
    environment: inputs.githubDeployment,
    ...(deployment.gitCommit === undefined ? {} : { commit: deployment.gitCommit }),
    ...(inputs.gitRef === undefined ? {} : { branch: inputs.gitRef }),
    operation: inputs.operation,
    stack: stackName(inputs.stack),
    pulumiDeploymentId: deployment.id,
    logUrl: deployment.consoleUrl,
    environmentUrl: `${context.consoleUrl}/${stackName(inputs.stack)}`
  })
}

const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/i

/**
 * The commit Pulumi reports it deployed (its update's `git.head`), when the run named none and
 * that is not the commit the GitHub deployment records; warned about, with the fix. Pinning
 * git-commit to GITHUB_SHA ourselves would be exact but would change what Pulumi deploys: the
 * stack's deployment settings may name another branch, or another repository where that commit
 * does not exist. Best effort: a failed read leaves the status as it is (the summary's read of
 * the same updates reports the failure).
 */
async function otherCommit(
  context: CommandContext,
  stack: StackRef,
  id: string,
  mirror: DeploymentMirror
): Promise<string | undefined> {
  if (mirror.id === undefined || mirror.commit === undefined) return undefined
  let head: string | undefined
  try {
    const updates = await context.api.getJson(
      deploymentPath(stack, id, 'updates'),
      {},
      readDeploymentUpdates
    )
    head = updates.findLast(update => update.info?.environment !== undefined)?.info?.environment?.[
      'git.head'
    ]
  } catch {
    return undefined
  }
  if (head === undefined || !COMMIT.test(head)) return undefined
  if (head.toLowerCase() === mirror.commit.toLowerCase()) return undefined
  context.warning(
    `Pulumi deployed commit ${head} (git.head of its update), but the GitHub deployment ${mirror.id} records ${mirror.commit}: the run named no commit, so Pulumi deployed the branch of the stack's deployment settings. Its final status names ${head.slice(0, 12)}; pin git-commit (e.g. \${{ github.sha }}) so both name the same commit.`
  )
  return head
}

/**
 * The GitHub state for Pulumi's final status: a successful destroy leaves no environment
 * (`inactive`); a skipped deployment deployed nothing, which is not the code's failure.
 */
function mirrorState(operation: string, status: string): FinalState {
  if (status === 'succeeded') return operation === 'destroy' ? 'inactive' : 'success'
  return status === 'failed' ? 'failure' : 'error'
}

/** Why a deployment was not followed to its end, for the GitHub status description. */
function unfollowed(error: unknown): string {
  if (error instanceof WaitTimeoutError) return 'cancelled after timeout-minutes'
  if (error instanceof CancelledError) return 'cancelled with the job'
  return 'not followed to its end (see the job log)'
}

/** The outcome of a deployment followed to its end: its update rendered and gated. */
async function followedOutcome(
  context: CommandContext,
  stack: StackRef,
  operation: string,
  rules: GateRules,
  run: {
    base: DeploymentReport & { id: string; consoleUrl: string }
    outputs: Record<string, string | number>
    last: string[]
  }
): Promise<CommandOutcome> {
  const report: DeploymentReport = { ...run.base }
  const { status, id, consoleUrl } = run.base
  const updates = await context.api.getJson(
    deploymentPath(stack, id, 'updates'),
    {},
    readDeploymentUpdates
  )
  const update = updates.findLast(candidate => candidate.updateID !== undefined)
  const failed = status !== 'succeeded'
  let summary = ''
  let comment: StackComment[] = []
  // A deployment that failed before its Pulumi step ran has no update: nothing changed,
  // and the gate judges the failure alone (fail-on: failed).
  let gate = gateReport(
    stackName(stack),
    { resources: [], policies: [], failed, kind: operation },
    rules
  )
  if (update?.updateID !== undefined) {
    const summarised = await summariseUpdate(
      context,
      stack,
      {
        updateId: update.updateID,
        status: update.info?.result ?? status,
        finished: true,
        ...(update.info?.kind === undefined ? {} : { kind: update.info.kind }),
        ...(update.version === undefined ? {} : { version: update.version })
      },
      rules
    )
    report.updateId = update.updateID
    summary = summarised.summary
    comment = [summarised.comment]
    gate = summarised.gate
  }
  return {
    result: { ...report, ...gateResult(gate) },
    outputs: { ...run.outputs, status, 'update-id': report.updateId ?? '', ...gate.outputs },
    summary: `${renderDeployment(report)}\n${summary}`,
    comment,
    gate: outcomeGate(gate),
    ...(failed
      ? {
          failure: `The deployment ${id} on ${stackName(stack)} ended ${status}: ${consoleUrl}${lastLines(run.last)}`
        }
      : {})
  }
}

export const deploymentCommands: Command[] = [runDeployment]
