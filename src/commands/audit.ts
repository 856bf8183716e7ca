import { join, resolve } from 'node:path'
import { orgPath } from '../api/paths.js'
import { RecordCounter } from '../api/record-counter.js'
import type { AuditLogEvent, AuditLogsResponse } from '../api/types.js'
import { renderAuditExport, renderAuditLogs, type AuditRow } from '../render/audit.js'
import { defineCommand, type Command } from './types.js'
import type { AuditFormat } from '../input-catalog.js'

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
    const chosen = (format ?? 'csv') as AuditFormat
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
  async run(context, { organization, startTime, userFilter, eventFilter, maxEvents }) {
    // The service needs a starting point: events older than now, unless start-time says otherwise.
    const query = {
      startTime: startTime ?? Math.floor(Date.now() / 1000) + 1,
      userFilter,
      eventFilter
    }
    const events: AuditLogEvent[] = []
    const limit = maxEvents ?? Number.POSITIVE_INFINITY
    for await (const page of context.api.pages<AuditLogsResponse>(
      orgPath(organization, 'auditlogs'),
      query,
      p => p.continuationToken
    )) {
      for (const event of Array.isArray(page.auditLogEvents) ? page.auditLogEvents : []) {
        if (events.length < limit) events.push(event)
      }
      // Stop paging once enough are collected: later pages would only be thrown away.
      if (events.length >= limit) break
    }
    const rows: AuditRow[] = events.map(event => ({
      timestamp: event.timestamp,
      user: event.user?.githubLogin ?? event.user?.name ?? '',
      event: event.event,
      description: event.description,
      sourceIP: event.sourceIP ?? ''
    }))
    const filters = [
      startTime === undefined ? '' : `before ${new Date(startTime * 1000).toISOString()}`,
      userFilter === undefined ? '' : `user ${userFilter}`,
      eventFilter === undefined ? '' : `event ${eventFilter}`,
      maxEvents === undefined ? '' : `at most ${maxEvents}`
    ].filter(Boolean)
    return {
      result: events,
      outputs: { count: events.length },
      summary: renderAuditLogs(organization, rows, filters)
    }
  }
})

export const auditCommands: Command[] = [exportAuditLogs, listAuditLogs]
