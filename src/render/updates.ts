import type { UpdateSummary } from '../api/types.js'
import { changeCounts } from './events.js'
import { cell, code, formatTime, heading, table } from './markdown.js'

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
