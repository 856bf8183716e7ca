import { join, resolve } from 'node:path'
import { arrayItemsBytes } from '../api/json-items.js'
import { orgPath } from '../api/paths.js'
import { RecordCounter } from '../api/record-counter.js'
import { readAuditPage } from '../api/readers/organization.js'
import type { AuditLogEvent } from '../api/types.js'
import {
  MAX_AUDIT_ROWS,
  renderAuditExport,
  renderAuditLogs,
  type AuditRow
} from '../render/audit.js'
import { defineCommand, type Command } from './types.js'
import { auditFormat } from '../input-catalog.js'

const exportAuditLogs = defineCommand({
  name: 'export-audit-logs',
  area: 'audit',
  description:
    "Export an organization's audit log as CSV or CEF (for a SIEM), streamed and decompressed to a file.",
  required: ['organization'],
  optional: ['startTime', 'userFilter', 'format', 'path'],
  mutates: false,
  outputs: {
    path: 'The exported file.',
    bytes: 'Size of the file in bytes.',
    sha256: 'SHA-256 of the file.',
    count: 'Number of events (CSV rows without the header, or CEF lines).'
  },
  async run(context, { organization, startTime, userFilter, format, path }) {
    const chosen = format === undefined ? 'csv' : auditFormat(format)
    const destination = resolve(
      path ?? join(context.workDir, `${organization}-audit-logs.${chosen}`)
    )
    const saved = await context.api.download(
      orgPath(organization, 'auditlogs', 'export'),
      { format: chosen, startTime, userFilter },
      destination,
      { gunzip: true, inspector: () => new RecordCounter(chosen) }
    )
    const count = saved.inspected ?? 0
    const result = {
      organization,
      format: chosen,
      path: saved.path,
      bytes: saved.bytes,
      sha256: saved.sha256,
      count
    }
    return {
      result,
      outputs: { path: saved.path, bytes: saved.bytes, sha256: saved.sha256, count },
      summary: renderAuditExport(result)
    }
  }
})

const listAuditLogs = defineCommand({
  name: 'list-audit-logs',
  area: 'audit',
  description:
    "List an organization's audit log events, newest first (all pages, or up to max-events).",
  required: ['organization'],
  optional: ['startTime', 'userFilter', 'eventFilter', 'maxEvents'],
  mutates: false,
  outputs: { count: 'Number of events returned.' },
  // `result` holds the count and time range; the events are in the result file (`.events`).
  async run(context, { organization, startTime, userFilter, eventFilter, maxEvents }) {
    // The service needs a starting point: events older than now, unless start-time says otherwise.
    const query = {
      startTime: startTime ?? Math.floor(Date.now() / 1000) + 1,
      userFilter,
      eventFilter
    }
    const limit = maxEvents ?? Number.POSITIVE_INFINITY
    const rows: AuditRow[] = []
    // A hundred thousand events go straight to the result file, page by page; only the rows
    // the summary shows are kept. The file is `result`'s fields plus `events`.
    const result = await context.resultFile.stream(async writer => {
      let count = 0
      let newest: number | undefined
      let oldest: number | undefined
      await writer.begin('{')
      writer.key('events')
      await writer.begin('[')
      // Pages are fetched one ahead while fewer than max-events have arrived, never past.
      let arrived = 0
      for await (const { value: page, body } of context.api.pagesWithBytes(
        orgPath(organization, 'auditlogs'),
        query,
        readAuditPage,
        p => (arrived += p.items.length) < limit
      )) {
        const events = page.items
        const take = Math.min(events.length, limit - count)
        // The events go to the file as the service sent them, not serialised again.
        const raw = arrayItemsBytes(body, 'auditLogEvents', events.length, take)
        if (raw === undefined) {
          for (const event of events.slice(0, take)) await writer.value(event)
        } else await writer.rawItems(raw)
        for (let i = 0; i < take; i++) {
          const event = events[i] as AuditLogEvent
          if (rows.length < MAX_AUDIT_ROWS) rows.push(auditRow(event))
          newest = Math.max(newest ?? event.timestamp, event.timestamp)
          oldest = Math.min(oldest ?? event.timestamp, event.timestamp)
        }
        count += take
        // Stop paging once enough are collected: later pages would only be thrown away.
        if (count >= limit) break
      }
      await writer.end()
      const compact = {
        organization,
        count,
        ...(newest === undefined ? {} : { newest }),
        ...(oldest === undefined ? {} : { oldest })
      }
      await writer.fields(compact)
      await writer.end()
      return compact
    })
    const filters = [
      startTime === undefined ? '' : `before ${new Date(startTime * 1000).toISOString()}`,
      userFilter === undefined ? '' : `user ${userFilter}`,
      eventFilter === undefined ? '' : `event ${eventFilter}`,
      maxEvents === undefined ? '' : `at most ${maxEvents}`
    ].filter(Boolean)
    return {
      result,
      outputs: { count: result.count },
      summary: renderAuditLogs(organization, rows, filters, result.count)
    }
  }
})

function auditRow(event: AuditLogEvent): AuditRow {
  return {
    timestamp: event.timestamp,
    user: event.user?.githubLogin ?? event.user?.name ?? '',
    event: event.event,
    description: event.description,
    sourceIP: event.sourceIP ?? ''
  }
}

export const auditCommands: Command[] = [exportAuditLogs, listAuditLogs]
