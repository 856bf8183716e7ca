import { cell, code, formatBytes, heading, table } from './markdown.js'

export interface ExportRecord {
  stack: string
  path: string
  bytes: number
  sha256: string
  resourceCount: number
  exportedAt: string
  version?: number
}

export interface TagChange {
  name: string
  before: string | undefined
  after: string
  action: 'created' | 'updated' | 'unchanged'
}

const SECRET_SIGNATURE = '4dabf18193072939515e22adb298388d'

/** Secret outputs are shown as such, never as their ciphertext. */
function outputValue(value: unknown): string {
  if (typeof value === 'object' && value !== null && SECRET_SIGNATURE in value) return '[secret]'
  return typeof value === 'string' ? value : JSON.stringify(value)
}

export function renderExports(
  records: ExportRecord[],
  stackOutputs?: Record<string, unknown>
): string {
  const title =
    records.length === 1
      ? `Exported ${cell(records[0]?.stack)}`
      : `Exported ${records.length} stacks`
  const rows = records.map(record => [
    cell(record.stack),
    String(record.resourceCount),
    formatBytes(record.bytes),
    code(record.sha256.slice(0, 12)),
    code(record.path)
  ])
  let markdown = heading(3, title) + table(['Stack', 'Resources', 'Size', 'SHA-256', 'File'], rows)
  const outputs = Object.entries(stackOutputs ?? {})
  if (outputs.length > 0) {
    markdown += `\n${heading(4, 'Stack outputs')}${table(
      ['Output', 'Value'],
      outputs.map(([name, value]) => [cell(name), cell(outputValue(value))])
    )}`
  }
  return markdown
}

export function renderTagChanges(stack: string, changes: TagChange[]): string {
  const changed = changes.filter(change => change.action !== 'unchanged').length
  return (
    heading(3, `Tags of ${cell(stack)}: ${changed} changed`) +
    table(
      ['Tag', 'Before', 'After', ''],
      changes.map(change => [
        cell(change.name),
        cell(change.before ?? '—'),
        cell(change.after),
        change.action
      ])
    )
  )
}

export function renderTransfer(from: string, to: string, dryRun: boolean): string {
  return `${heading(3, dryRun ? 'Transfer planned' : 'Stack transferred')}${cell(from)} → ${cell(to)}\n`
}
