import { INVALID, type Shown } from '../api/types.js'
import {
  countDifferences,
  isChange,
  type Counts,
  type ResourceRecord,
  type RunKind,
  type UpdateModel
} from '../events/model.js'
import { cell, code, heading, link, table } from './escape.js'
import { formatDuration } from './markdown.js'

/**
 * An update kind that is a preview: `preview`, or the `P`-prefixed kinds of the spec's
 * UpdateKind enum (Pupdate, Prefresh, Pdestroy, Pimport, Prename).
 */
export function isPreviewKind(kind: string): boolean {
  return kind === 'preview' || /^P[a-z]/.test(kind)
}

/** What a summary says about an update besides its events. */
export interface UpdateMeta {
  stack: string
  updateId: string
  /** The service's status of the update (succeeded, failed, cancelled, running, …). */
  status: string
  version?: number
  /** Console page of the update or preview. */
  url?: string
  /** This workflow run's page, where the whole job summary is (for cut tables). */
  runUrl?: string
}

const STATUS_ICONS: Record<string, string> = {
  succeeded: '✅',
  failed: '❌',
  cancelled: '⚪',
  canceled: '⚪',
  running: '⏳',
  requested: '⏳',
  'not started': '⏳',
  'in-progress': '⏳',
  'not-started': '⏳'
}

/**
 * Rows shown in the open before the rest folds into a `<details>` block. A pull request
 * comment shows a table of up to 50 rows whole and folds a longer one entirely: reviewers
 * see every change of an ordinary preview without a click.
 */
const OPEN_ROWS = { full: 20, compact: 50 }
/** Rows shown at most; the rest are counted, with a link to where they all are. */
const MAX_ROWS = { full: 500, compact: 50 }
const MAX_DIAGNOSTIC_ROWS = { full: 100, compact: 20 }
const MAX_POLICY_ROWS = { full: 100, compact: 20 }

const SYMBOLS: [op: string, symbol: string][] = [
  ['create', '+'],
  ['update', '~'],
  ['delete', '-'],
  ['replace', '±']
]

/**
 * `+2 ~1 -0 ±1`: create, update, delete, replace, as the CLI prints them; imports (`=`),
 * reads (`>`) and discards (`×`) follow when there are any, never folded into `+`.
 */
export function changeCounts(changes: Partial<Record<string, Shown>>): string {
  const of = (op: string): Shown => changes[op] ?? 0
  // A count the service sent as something else reads `invalid`, never the value itself.
  const some = (op: string): boolean => {
    const value = of(op)
    return value === INVALID || value > 0
  }
  const parts = SYMBOLS.map(([op, symbol]) => `${symbol}${of(op)}`)
  if (some('import')) parts.push(`=${of('import')}`)
  if (some('read')) parts.push(`>${of('read')}`)
  if (some('discard')) parts.push(`×${of('discard')}`)
  return parts.join(' ')
}

const ACTION_LABELS: Record<RunKind['action'], string> = {
  update: 'Update',
  refresh: 'Refresh',
  destroy: 'Destroy',
  import: 'Import',
  rename: 'Rename'
}

/** `Update`, `Preview` (of an update), `Refresh preview`, `Destroy`, … */
export function kindLabel(kind: RunKind): string {
  if (!kind.preview) return ACTION_LABELS[kind.action]
  return kind.action === 'update' ? 'Preview' : `${ACTION_LABELS[kind.action]} preview`
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

/** Failed, interrupted and running steps, which the engine's counts leave out. */
function unfinishedCounts(counts: Counts): string[] {
  const parts: string[] = []
  if (counts.failed > 0) parts.push(`${counts.failed} failed`)
  if (counts.interrupted > 0) parts.push(`${counts.interrupted} interrupted`)
  if (counts.running > 0) parts.push(`${counts.running} still running`)
  return parts
}

/** The heading: kind, stack, outcome, and the counts the table's rows add up to. */
function renderHeading(meta: UpdateMeta, model: UpdateModel): string {
  const status = meta.status === 'unknown' && model.result ? model.result : meta.status
  const icon = STATUS_ICONS[status] ?? 'ℹ️'
  const counts = [
    code(changeCounts(model.counts.resourceChanges)),
    ...unfinishedCounts(model.counts)
  ]
  return heading(
    3,
    `${icon} ${kindLabel(model.kind)} of ${cell(meta.stack)} ${cell(status)}: ${counts.join(' · ')}`
  )
}

/** Rows the table shows: every change but the Stack resource's output-only `same` step. */
function tableRows(model: UpdateModel): ResourceRecord[] {
  return model.changes.filter(isChange)
}

/**
 * One-line explanations wherever the heading, the table and the engine's own summary could
 * seem to disagree.
 */
function renderNotes(model: UpdateModel): string[] {
  const notes: string[] = []
  const rows = tableRows(model)
  const stack = rows.find(row => row.type === 'pulumi:pulumi:Stack')
  const outputs = plural(model.stackOutputs.length, 'change')
  if (stack?.op === 'update' && model.stackOutputs.length > 0)
    notes.push(
      `${model.kind.preview ? 'One planned update' : 'One update'} is to the stack itself: ${outputs} to stack outputs.`
    )
  else if (stack === undefined && model.stackOutputs.length > 0)
    notes.push(`${outputs} to stack outputs, which the engine counts as no resource change.`)
  if (model.kind.action === 'refresh' && rows.length > 0)
    notes.push(
      'A refresh changes no resource: update means one drifted from the state, delete that it no longer exists (both now recorded in the state).'
    )
  const cleanups = rows.filter(row => !row.counted && row.op.endsWith('-replaced'))
  if (cleanups.length > 0)
    notes.push(
      `${plural(cleanups.length, 'row')} remove${cleanups.length === 1 ? 's' : ''} the old copy of a resource replaced in an earlier update; the engine does not count ${cleanups.length === 1 ? 'it' : 'them'}.`
    )
  const differences = countDifferences(model)
  const ops = Object.keys(differences).sort()
  if (ops.length > 0) {
    const engine = ops.map(op => `${op} ${differences[op]?.[1] ?? 0}`).join(', ')
    const shown = ops.map(op => `${op} ${differences[op]?.[0] ?? 0}`).join(', ')
    notes.push(
      `The engine's own summary counts ${engine}; the events show ${shown} (steps whose end the event stream does not record are listed as interrupted).`
    )
  }
  return notes.map(note => `_${note}_\n`)
}

const OP_LABELS: Record<string, string> = {
  create: '🟢 create',
  update: '🟡 update',
  delete: '🔴 delete',
  replace: '🟣 replace',
  import: '🔵 import',
  read: '⚪ read',
  discard: '⚫ discard',
  'delete-replaced': '🔴 delete-replaced',
  'discard-replaced': '⚫ discard-replaced'
}

const STATUS_LABELS: Record<ResourceRecord['status'], string> = {
  done: '✅ done',
  planned: '📋 planned',
  failed: '❌ failed',
  interrupted: '⚠️ interrupted',
  running: '⏳ running'
}

function opLabel(op: string): string {
  return OP_LABELS[op] ?? cell(op)
}

/** A row's op: what a refresh found, otherwise the step planned. */
function rowOp(row: ResourceRecord): string {
  return row.op === 'refresh' && row.outcome !== undefined ? row.outcome : row.op
}

function changedCell(row: ResourceRecord): string {
  const more = row.changedOmitted > 0 ? `, … (${row.changedOmitted} more)` : ''
  return row.changed.length > 0 ? cell(row.changed.slice(0, 10).join(', ') + more) : ''
}

function resourceTable(rows: ResourceRecord[]): string {
  return table(
    ['Op', 'Status', 'Type', 'Name', 'Changed'],
    rows.map(row => [
      opLabel(rowOp(row)),
      STATUS_LABELS[row.status],
      code(row.type),
      cell(row.name),
      changedCell(row)
    ])
  )
}

/** Where the rest of a cut list can be read: this run's job summary, linked when known. */
function elsewhere(meta: UpdateMeta, compact: boolean): string {
  const where = compact ? "the run's job summary" : "this step's result file"
  if (!meta.runUrl) return where
  return compact
    ? link("the run's job summary", meta.runUrl)
    : `${where} (${link('run', meta.runUrl)})`
}

/**
 * The resource table: the first rows in the open, the rest in a `<details>` block, and past
 * the cap a count with a link to where every row is.
 */
function renderResources(meta: UpdateMeta, model: UpdateModel, compact: boolean): string {
  const rows = tableRows(model)
  const title = model.kind.preview ? 'Planned changes' : 'Resource changes'
  if (rows.length === 0) {
    const nothing = model.kind.preview ? 'No resource changes planned.' : 'No resource changes.'
    return `${nothing}\n\n`
  }
  const open = compact ? (rows.length > OPEN_ROWS.compact ? 0 : OPEN_ROWS.compact) : OPEN_ROWS.full
  const max = compact ? MAX_ROWS.compact : MAX_ROWS.full
  const parts = [heading(4, title)]
  if (open > 0) parts.push(resourceTable(rows.slice(0, open)))
  const folded = rows.slice(open, max)
  if (folded.length > 0)
    parts.push(
      `\n<details><summary>${plural(folded.length, 'more resource change')}</summary>\n\n${resourceTable(folded)}\n</details>\n`
    )
  const hidden = rows.length - open - folded.length
  if (hidden > 0)
    parts.push(
      `\n_…and ${plural(hidden, 'more resource change')}, listed in ${elsewhere(meta, compact)}._\n`
    )
  parts.push('\n')
  return parts.join('')
}

function renderOutputs(model: UpdateModel): string {
  if (model.stackOutputs.length === 0) return ''
  const rows = model.stackOutputs.map(output => [code(output.name), output.change])
  return `${heading(4, 'Stack outputs')}${table(['Output', 'Change'], rows)}\n`
}

function renderPolicies(meta: UpdateMeta, model: UpdateModel, compact: boolean): string {
  if (model.policies.length === 0) return ''
  const counts = model.policyCounts
  const shown = model.policies.slice(0, compact ? MAX_POLICY_ROWS.compact : MAX_POLICY_ROWS.full)
  const levels = [
    counts.mandatory > 0 ? `${counts.mandatory} mandatory` : '',
    counts.advisory > 0 ? `${counts.advisory} advisory` : '',
    counts.remediate > 0 ? `${counts.remediate} remediate` : '',
    counts.other > 0 ? `${counts.other} other` : ''
  ].filter(Boolean)
  const parts = [
    heading(4, `Policy violations (${levels.join(', ')})`),
    table(
      ['Level', 'Severity', 'Policy', 'Resource', 'Message'],
      shown.map(p => [
        p.level === 'mandatory' ? '⛔ mandatory' : cell(p.level),
        cell(p.severity ?? ''),
        cell(`${p.pack}/${p.policy}`),
        cell(p.name),
        cell(p.message)
      ])
    )
  ]
  const hidden = counts.total - shown.length
  if (hidden > 0)
    parts.push(
      `\n_…and ${plural(hidden, 'more policy violation')}, listed in ${elsewhere(meta, compact)}._\n`
    )
  parts.push('\n')
  return parts.join('')
}

function renderDiagnostics(meta: UpdateMeta, model: UpdateModel, compact: boolean): string {
  if (model.diagnostics.length === 0) return ''
  const { errors, warnings } = model.diagnosticCounts
  // The model ranks errors first, so a cut drops warnings before any error.
  const shown = model.diagnostics.slice(
    0,
    compact ? MAX_DIAGNOSTIC_ROWS.compact : MAX_DIAGNOSTIC_ROWS.full
  )
  const title = [
    errors > 0 ? plural(errors, 'error') : '',
    warnings > 0 ? plural(warnings, 'warning') : ''
  ]
    .filter(Boolean)
    .join(', ')
  const parts = [
    heading(4, `Diagnostics (${title})`),
    table(
      ['Severity', 'Resource', 'Message'],
      shown.map(d => [
        d.severity === 'error' ? '❌ error' : '⚠️ warning',
        cell(d.name),
        cell(d.message)
      ])
    )
  ]
  const shownErrors = shown.filter(d => d.severity === 'error').length
  const hiddenErrors = errors - shownErrors
  const hiddenWarnings = warnings - (shown.length - shownErrors)
  if (hiddenErrors + hiddenWarnings > 0) {
    const what = [
      hiddenErrors > 0 ? plural(hiddenErrors, 'error') : '',
      hiddenWarnings > 0 ? plural(hiddenWarnings, 'warning') : ''
    ]
      .filter(Boolean)
      .join(' and ')
    parts.push(`\n_…and ${what} more, listed in ${elsewhere(meta, compact)}._\n`)
  }
  return parts.join('')
}

/** The job summary (or, compact, the PR comment) for one update or preview. */
export function renderUpdate(
  meta: UpdateMeta,
  model: UpdateModel,
  options: { compact?: boolean } = {}
): string {
  const compact = options.compact === true
  const facts = [
    `${model.kind.preview ? 'Preview' : 'Update'} ${code(meta.updateId)}`,
    meta.version ? `version ${meta.version}` : '',
    model.durationSeconds !== undefined ? `took ${formatDuration(model.durationSeconds)}` : '',
    plural(model.events, 'event'),
    meta.url ? link('View in Pulumi Cloud', meta.url) : ''
  ]
  const notes = renderNotes(model)
  return [
    renderHeading(meta, model),
    `${facts.filter(Boolean).join(' · ')}\n\n`,
    notes.length > 0 ? `${notes.join('\n')}\n` : '',
    model.maybeCorrupt
      ? '_The engine marked this update as possibly leaving the state out of step with the cloud (an operation with an unknown outcome); a refresh shows what is real._\n\n'
      : '',
    renderResources(meta, model, compact),
    renderOutputs(model),
    renderPolicies(meta, model, compact),
    renderDiagnostics(meta, model, compact)
  ].join('')
}
