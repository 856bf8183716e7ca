import { join, resolve } from 'node:path'
import { orgPath } from '../api/paths.js'
import { RecordCounter } from '../api/record-counter.js'
import { renderAuditExport } from '../render/audit.js'
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

export const auditCommands: Command[] = [exportAuditLogs]
