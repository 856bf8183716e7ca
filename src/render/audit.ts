import { cell, code, formatBytes, heading, table } from './markdown.js'

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
