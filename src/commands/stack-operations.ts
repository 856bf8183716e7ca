import { stackName, stackPath, type StackRef } from '../api/paths.js'
import { PulumiApiError } from '../api/errors.js'
import { readStack, readUpdateList, readUpdateResults } from '../api/readers/stacks.js'
import type { Stack, UpdateKind, UpdateStatus } from '../api/types.js'
import { InputError } from '../input-parsers.js'
import { Backoff, DEFAULT_TIMEOUT_MINUTES, Deadline, WaitTimeoutError, pause } from '../poll.js'
import {
  describeOperation,
  renderCancel,
  renderWait,
  type CancelReport,
  type RunningOperation,
  type WaitReport
} from '../render/operations.js'
import { defineCommand, type Command, type CommandContext } from './types.js'

/** UpdateStatus values (GET …/{kind}/{id}) of an update that has not ended. */
export const UNFINISHED_UPDATE_STATUSES = new Set(['not started', 'requested', 'running'])

/** The path segment the service files an update kind under: update, preview, refresh, destroy. */
export function updatePathKind(kind: string): 'update' | 'preview' | 'refresh' | 'destroy' {
  if (kind === 'preview' || kind.startsWith('P')) return 'preview'
  if (kind === 'refresh' || kind === 'destroy') return kind
  return 'update'
}

/** How many of the newest updates (and previews) are searched for an update-id. */
const LOOKUP_PAGE_SIZE = 100

/**
 * An update's kind, read from the stack's newest updates, then its newest previews. A running
 * update is the newest, so one page each is enough for what one waits for or cancels.
 */
export async function findUpdateKind(
  context: CommandContext,
  stack: StackRef,
  updateId: string
): Promise<UpdateKind> {
  const updates = await context.api.getJson(
    stackPath(stack, 'updates'),
    { 'output-type': 'service', page: 1, pageSize: LOOKUP_PAGE_SIZE },
    readUpdateList
  )
  const found = updates.updates.find(update => update.updateID === updateId)
  if (found) return found.info.kind
  const previews = await context.api.getJson(
    stackPath(stack, 'updates', 'latest', 'previews'),
    { asc: false, page: 1, pageSize: LOOKUP_PAGE_SIZE },
    readUpdateList
  )
  const preview = previews.updates.find(update => update.updateID === updateId)
  if (preview) return preview.info.kind
  throw new Error(
    `The update ${updateId} is not among the newest ${LOOKUP_PAGE_SIZE} updates or previews of ${stackName(stack)}; check update-id (get-stack shows the running one).`
  )
}

export async function readUpdateStatus(
  context: CommandContext,
  stack: StackRef,
  updateId: string,
  kind: string
): Promise<UpdateStatus> {
  const response = await context.api.getJson(
    stackPath(stack, updatePathKind(kind), updateId),
    {},
    readUpdateResults
  )
  return response.status
}

/** The stack's running operation (readStack checked its fields). */
function running(found: Stack): RunningOperation | undefined {
  const operation = found.currentOperation
  if (operation === undefined) return undefined
  const { activeUpdate } = found
  return {
    ...operation,
    ...(activeUpdate === undefined || activeUpdate === '' ? {} : { updateId: activeUpdate })
  }
}

/**
 * Polls the stack until no operation runs on it. Returns what it waited for (undefined when
 * the stack was free at once). A timeout names the operation still running.
 */
export async function waitUntilIdle(
  context: CommandContext,
  stack: StackRef,
  deadline: Deadline
): Promise<RunningOperation | undefined> {
  const backoff = new Backoff()
  let first: RunningOperation | undefined
  let last: RunningOperation | undefined
  for (;;) {
    const operation = running(await context.api.getJson(stackPath(stack), {}, readStack))
    if (operation === undefined) {
      if (first) context.info(`${stackName(stack)} is free.`)
      return first
    }
    if (last === undefined || last.updateId !== operation.updateId || last.kind !== operation.kind)
      context.info(`${stackName(stack)} is busy: ${describeOperation(operation)}; waiting.`)
    first ??= operation
    last = operation
    if (deadline.expired())
      throw new WaitTimeoutError(
        `Timed out after ${deadline.describe()} waiting for ${stackName(stack)}: ${describeOperation(operation)} is still running. Raise timeout-minutes, or stop it with cancel-update.`
      )
    await pause(backoff.next(), context.signal, deadline)
  }
}

/** Polls an update until it ends; returns its final status. */
export async function waitForUpdate(
  context: CommandContext,
  stack: StackRef,
  updateId: string,
  kind: string,
  deadline: Deadline
): Promise<string> {
  const backoff = new Backoff()
  let announced = false
  for (;;) {
    const status = await readUpdateStatus(context, stack, updateId, kind)
    if (!UNFINISHED_UPDATE_STATUSES.has(status)) return status
    if (!announced) context.info(`Waiting for the ${kind} ${updateId} (${status}).`)
    announced = true
    if (deadline.expired())
      throw new WaitTimeoutError(
        `Timed out after ${deadline.describe()} waiting for the ${kind} ${updateId} on ${stackName(stack)}: it is still ${status}. Raise timeout-minutes, or stop it with cancel-update.`
      )
    await pause(backoff.next(), context.signal, deadline)
  }
}

const waitForStack = defineCommand({
  name: 'wait-for-stack',
  area: 'operations',
  description:
    'Wait until no operation runs on a stack (or, with update-id, until that update ends), polling with backoff up to timeout-minutes. A finished update is reported in `status`, whatever its result.',
  required: ['stack'],
  optional: ['updateId', 'timeoutMinutes'],
  mutates: false,
  outputs: {
    status: "idle, or with update-id the update's final status (succeeded, failed, cancelled).",
    'waited-seconds': 'Seconds spent waiting.'
  },
  async run(context, { stack, updateId, timeoutMinutes }) {
    const deadline = new Deadline(timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES)
    let report: WaitReport
    if (updateId === undefined) {
      const waitedFor = await waitUntilIdle(context, stack, deadline)
      report = {
        stack: stackName(stack),
        status: 'idle',
        waitedSeconds: Math.round(deadline.elapsedMs() / 1000),
        ...(waitedFor ? { waitedFor } : {})
      }
    } else {
      const kind = await findUpdateKind(context, stack, updateId)
      const status = await waitForUpdate(context, stack, updateId, kind, deadline)
      report = {
        stack: stackName(stack),
        status,
        waitedSeconds: Math.round(deadline.elapsedMs() / 1000),
        update: { updateId, kind }
      }
    }
    return {
      result: report,
      outputs: { status: report.status, 'waited-seconds': report.waitedSeconds },
      summary: renderWait(report)
    }
  }
})

const cancelUpdate = defineCommand({
  name: 'cancel-update',
  area: 'operations',
  description:
    "Cancel a running update, preview, refresh or destroy (its kind read from the update) by update-id; without update-id, the stack's running operation, only with force: true.",
  required: ['stack'],
  optional: ['updateId', 'force'],
  mutates: true,
  outputs: {
    status:
      'cancel-requested; idle when nothing was running; or the status of an update that had already ended.',
    'update-id': 'The update cancelled (or found ended).'
  },
  validate({ updateId, force }) {
    if (updateId === undefined && force !== true)
      throw new InputError(
        'force',
        'cancel-update without update-id cancels whatever runs on the stack; set force: true to mean that, or give update-id'
      )
  },
  async run(context, { stack, updateId }) {
    let target: { updateId: string; kind: string; operation?: RunningOperation }
    if (updateId === undefined) {
      const operation = running(await context.api.getJson(stackPath(stack), {}, readStack))
      if (operation === undefined || operation.updateId === undefined) {
        const report: CancelReport = { stack: stackName(stack), status: 'idle' }
        context.info(`Nothing runs on ${stackName(stack)}; nothing to cancel.`)
        return {
          result: report,
          outputs: { status: 'idle', 'update-id': '' },
          summary: renderCancel(report, context.dryRun)
        }
      }
      target = { updateId: operation.updateId, kind: operation.kind, operation }
    } else {
      target = { updateId, kind: await findUpdateKind(context, stack, updateId) }
      const status = await readUpdateStatus(context, stack, updateId, target.kind)
      if (!UNFINISHED_UPDATE_STATUSES.has(status)) {
        const report: CancelReport = {
          stack: stackName(stack),
          status,
          update: { updateId, kind: target.kind }
        }
        context.info(`The ${target.kind} ${updateId} already ended (${status}); nothing to cancel.`)
        return {
          result: report,
          outputs: { status, 'update-id': updateId },
          summary: renderCancel(report, context.dryRun)
        }
      }
    }
    const path = stackPath(stack, updatePathKind(target.kind), target.updateId, 'cancel')
    try {
      await context.write('POST', path)
    } catch (error) {
      if (error instanceof PulumiApiError && error.status === 409)
        throw new Error(
          `${error.message}. The ${target.kind} ${target.updateId} is not running (it may have just ended); check it with get-update.`
        )
      throw error
    }
    const report: CancelReport = {
      stack: stackName(stack),
      status: 'cancel-requested',
      update: { updateId: target.updateId, kind: target.kind },
      ...(target.operation ? { operation: target.operation } : {})
    }
    return {
      result: report,
      outputs: { status: report.status, 'update-id': target.updateId },
      summary: renderCancel(report, context.dryRun)
    }
  }
})

export const operationCommands: Command[] = [waitForStack, cancelUpdate]
