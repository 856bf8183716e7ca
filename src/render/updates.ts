import type { UpdateSummary } from '../api/types.js'
import { changeCounts } from './events.js'
import { cell, code, heading, table } from './escape.js'
import { formatTime } from './markdown.js'

/** A table of updates or previews, newest first as the service returned them. */
export function renderUpdateList(stack: string, title: string, updates: UpdateSummary[]): string {
  if (updates.length === 0) return `${heading(4, `${title} of ${cell(stack)}`)}None.\n`
  const rows = updates.map(update => [
    update.version ? String(update.version) : '',
    code(update.updateID),
    cell(update.info.kind),
    cell(update.info.result ?? ''),
    code(changeCounts(update.info.resourceChanges ?? {})),
    formatTime(update.info.startTime),
    cell(update.info.message ?? '')
  ])
  return (
    heading(4, `${title} of ${cell(stack)}`) +
    table(['Version', 'Update', 'Kind', 'Result', 'Changes', 'Started', 'Message'], rows)
  )
}

/** One page of a stack's update history, with where it sits in the whole. */
export function renderUpdatePage(
  stack: string,
  updates: UpdateSummary[],
  page: number,
  pageSize: number,
  total: number | undefined
): string {
  const list = renderUpdateList(stack, 'Updates', updates)
  if (total === undefined) return list
  const pages = Math.max(1, Math.ceil(total / pageSize))
  return `${list}\n_Page ${page} of ${pages}: ${total} update${total === 1 ? '' : 's'} in all._\n`
}

/**
 * Said under an update that has not finished: what is shown are the events it had produced
 * when they were read, not its final outcome.
 */
export function renderUnfinishedNote(status: string, events: number): string {
  return `\n_The update is still ${cell(status)}: this shows the ${events} event${
    events === 1 ? '' : 's'
  } it had produced so far; run the command again once it has finished for the full picture._\n`
}
