import { cell, code, heading, link, table } from './escape.js'
import { formatBytes, formatTime } from './markdown.js'
import { secretsHidden } from '../state-secrets.js'

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

/** Secrets show as `[secret]` at any depth, never as their ciphertext or plaintext. */
function outputValue(value: unknown): string {
  const shown = secretsHidden(value)
  return typeof shown === 'string' ? shown : JSON.stringify(shown)
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

/** How list-stacks hands out a stack: ready for `strategy.matrix` via `fromJSON`. */
export interface ListedStack {
  organization: string
  project: string
  stack: string
  name: string
}

/** Rows beyond this are counted, not shown: the full list is in the `stacks` output. */
const MAX_STACK_ROWS = 1000

export function renderStackList(stacks: ListedStack[], filters: string[]): string {
  const title = `${stacks.length} stack${stacks.length === 1 ? '' : 's'}${
    filters.length > 0 ? ` (${filters.map(cell).join(', ')})` : ''
  }`
  if (stacks.length === 0) return `${heading(3, title)}No stack matched.\n`
  const rows = stacks
    .slice(0, MAX_STACK_ROWS)
    .map(s => [cell(s.organization), cell(s.project), cell(s.stack)])
  const hidden = stacks.length - rows.length
  return (
    heading(3, title) +
    table(['Organization', 'Project', 'Stack'], rows) +
    (hidden > 0 ? `\n_…and ${hidden} more (see the \`stacks\` output)._\n` : '')
  )
}

export interface StackFacts {
  name: string
  version: number
  activeUpdate: string
  currentOperation?: { kind: string; author: string; started: number }
  tags: Record<string, string>
  url: string
}

export function renderStack(facts: StackFacts): string {
  const rows = [
    ['Version', String(facts.version)],
    ['Active update', facts.activeUpdate ? code(facts.activeUpdate) : '—'],
    [
      'Current operation',
      facts.currentOperation
        ? `${cell(facts.currentOperation.kind)} by ${cell(facts.currentOperation.author)} since ${formatTime(facts.currentOperation.started)}`
        : 'none'
    ]
  ]
  const tags = Object.entries(facts.tags)
  return (
    heading(3, `Stack ${cell(facts.name)}`) +
    table(['Field', 'Value'], rows) +
    `\n${link('View in Pulumi Cloud', facts.url)}\n` +
    (tags.length > 0
      ? `\n${heading(4, 'Tags')}${table(
          ['Tag', 'Value'],
          tags.map(([name, value]) => [cell(name), cell(value)])
        )}`
      : '')
  )
}

export function renderStackDeletion(stack: string, force: boolean, dryRun: boolean): string {
  const title = dryRun ? 'Stack deletion planned' : 'Stack deleted'
  return `${heading(3, title)}${cell(stack)}${force ? ' (forced: its resources are no longer managed by Pulumi)' : ''}\n`
}

export function renderTagDeletion(
  stack: string,
  tag: string,
  outcome: 'deleted' | 'absent',
  tagsAfter: Record<string, string>
): string {
  const title =
    outcome === 'deleted'
      ? `Tag ${cell(tag)} deleted from ${cell(stack)}`
      : `Tag ${cell(tag)} was not on ${cell(stack)}: nothing sent`
  const rows = Object.entries(tagsAfter).map(([name, value]) => [cell(name), cell(value)])
  return heading(3, title) + (rows.length > 0 ? table(['Tag', 'Value'], rows) : 'No tags left.\n')
}
