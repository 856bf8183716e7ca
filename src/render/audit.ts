import { cell, code, heading, table } from './escape.js'
import { formatBytes, formatTime } from './markdown.js'

export function renderAuditExport(result: {
  organization: string
  format: string
  path: string
  bytes: number
  sha256: string
  count: number
}): string {
  return (
    heading(3, `Audit log of ${cell(result.organization)} exported`) +
    table(
      ['Events', 'Format', 'Size', 'SHA-256', 'File'],
      [
        [
          String(result.count),
          result.format.toUpperCase(),
          formatBytes(result.bytes),
          code(result.sha256.slice(0, 12)),
          code(result.path)
        ]
      ]
    )
  )
}

export interface AuditRow {
  timestamp: number
  user: string
  event: string
  description: string
  sourceIP: string
}

/** Rows beyond this are counted, not shown: the full list is in the result. */
export const MAX_AUDIT_ROWS = 500

export function renderAuditLogs(
  organization: string,
  events: AuditRow[],
  filters: string[],
  /** How many events there were in all, when `events` holds only the first of them. */
  total = events.length
): string {
  const title = `${total} audit event${total === 1 ? '' : 's'} of ${cell(organization)}${
    filters.length > 0 ? ` (${filters.map(cell).join(', ')})` : ''
  }`
  if (total === 0) return `${heading(3, title)}No audit event matched.\n`
  const rows = events
    .slice(0, MAX_AUDIT_ROWS)
    .map(e => [
      formatTime(e.timestamp),
      cell(e.user),
      cell(e.event),
      cell(e.description),
      cell(e.sourceIP)
    ])
  const hidden = total - rows.length
  return (
    heading(3, title) +
    table(['Time', 'User', 'Event', 'Description', 'Source IP'], rows) +
    (hidden > 0 ? `\n_…and ${hidden} more (see the \`result-file\` output)._\n` : '')
  )
}
