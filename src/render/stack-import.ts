import { cell, code, heading, table, text } from './escape.js'
import { formatBytes } from './markdown.js'

/** One stack's import, as the summary and the `result` output show it. */
export interface ImportRecord {
  stack: string
  /** The file whose bytes were (or would be) sent. */
  file: string
  bytes: number
  sha256: string
  /** planned (dry run), the import update's final status, or running (not waited to its end). */
  status: string
  updateId?: string
  /** What the freshness check compared the stack's updates with. */
  backupTime?: string
  resourcesBefore: number
  resourcesInFile: number
  /** Read once the import update ended. */
  resourcesAfter?: number
  /** Checks that force: true overrode, each one sentence. */
  overridden: string[]
}

function title(records: ImportRecord[]): string {
  if (records.length !== 1) return `Import of ${records.length} stacks`
  const [record] = records as [ImportRecord]
  switch (record.status) {
    case 'planned':
      return `Import into ${cell(record.stack)} planned (dry run)`
    case 'succeeded':
      return `Imported ${cell(record.stack)}`
    case 'running':
      return `Import into ${cell(record.stack)} still running`
    default:
      return `Import into ${cell(record.stack)} ${cell(record.status)}`
  }
}

function count(value: number | undefined): string {
  return value === undefined ? '—' : String(value)
}

export function renderImports(records: ImportRecord[]): string {
  const rows = records.map(record => [
    cell(record.stack),
    cell(record.status),
    count(record.resourcesBefore),
    count(record.resourcesInFile),
    count(record.resourcesAfter),
    record.updateId === undefined ? '' : code(record.updateId),
    `${code(record.file)} (${formatBytes(record.bytes)}, ${code(record.sha256.slice(0, 12))})`
  ])
  let markdown =
    heading(3, title(records)) +
    table(['Stack', 'Status', 'Resources before', 'In the file', 'After', 'Update', 'File'], rows)
  const overridden = records.flatMap(record =>
    record.overridden.map(reason => `- ${cell(record.stack)}: ${text(reason)}`)
  )
  if (overridden.length > 0)
    markdown += `\n**Imported with force: true** despite:\n\n${overridden.join('\n')}\n`
  return markdown
}
