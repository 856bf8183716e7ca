import { cell, code, heading, table } from './escape.js'
import { formatTime } from './markdown.js'

/** The stack's `currentOperation`, with the update it belongs to when known. */
export interface RunningOperation {
  kind: string
  author: string
  started: number
  updateId?: string
}

export interface WaitReport {
  stack: string
  /** idle, or the awaited update's final status */
  status: string
  waitedSeconds: number
  /** the operation that was running when the wait began */
  waitedFor?: RunningOperation
  update?: { updateId: string; kind: string }
}

export interface CancelReport {
  stack: string
  /** cancel-requested, idle, or the status of an update that had already ended */
  status: string
  update?: { updateId: string; kind: string }
  operation?: RunningOperation
}

/** One line for logs and errors: "an update by alice (update 123…), started 2026-…". */
export function describeOperation(operation: RunningOperation): string {
  const id = operation.updateId === undefined ? '' : ` (update ${operation.updateId})`
  const started = Number.isFinite(operation.started) ? formatTime(operation.started) : ''
  return `a ${operation.kind} by ${operation.author}${id}${started ? `, started ${started}` : ''}`
}

function operationRow(operation: RunningOperation): string[] {
  return [
    cell(operation.kind),
    cell(operation.author),
    operation.updateId === undefined ? '' : code(operation.updateId),
    cell(formatTime(operation.started))
  ]
}

export function renderWait(report: WaitReport): string {
  let markdown = heading(
    3,
    report.update
      ? `${cell(report.stack)}: the ${cell(report.update.kind)} ended ${cell(report.status)}`
      : `${cell(report.stack)} is idle`
  )
  markdown += `Waited ${report.waitedSeconds} s.\n`
  if (report.update) markdown += `\nUpdate ${code(report.update.updateId)}.\n`
  if (report.waitedFor) {
    markdown += `\n${heading(4, 'Waited for')}${table(
      ['Kind', 'Author', 'Update', 'Started'],
      [operationRow(report.waitedFor)]
    )}`
  }
  return markdown
}

export function renderCancel(report: CancelReport, dryRun: boolean): string {
  if (report.update === undefined)
    return `${heading(3, `${cell(report.stack)}: nothing to cancel`)}No operation is running.\n`
  const title =
    report.status === 'cancel-requested'
      ? dryRun
        ? `${cell(report.stack)}: would cancel the ${cell(report.update.kind)}`
        : `${cell(report.stack)}: cancellation of the ${cell(report.update.kind)} requested`
      : `${cell(report.stack)}: the ${cell(report.update.kind)} had already ended (${cell(report.status)})`
  let markdown = `${heading(3, title)}Update ${code(report.update.updateId)}.\n`
  if (report.operation)
    markdown += `\n${table(['Kind', 'Author', 'Update', 'Started'], [operationRow(report.operation)])}`
  return markdown
}
