import type { EngineEvent, ResourceChanges, StepEventMetadata } from '../api/types.js'
import { cell, code, heading, link, stripColors, table } from './escape.js'
import { formatDuration } from './markdown.js'

/** What a summary shows of an update's engine events; built page by page, events can be dropped. */
export interface EventDigest {
  events: number
  operations: { op: string; type: string; name: string; changed: string[] }[]
  /** Operations beyond the table's limit are counted, not kept. */
  operationsOmitted: number
  policies: { pack: string; policy: string; level: string; resource: string; message: string }[]
  /** Policy violations beyond the table's limit are counted, not kept. */
  policiesOmitted: number
  diagnostics: { severity: string; resource: string; message: string }[]
  diagnosticsOmitted: number
  counted: ResourceChanges
  summary:
    | {
        resourceChanges?: ResourceChanges
        durationSeconds?: number
        result?: string
        isPreview?: boolean
      }
    | undefined
  failedResources: number
}

const MAX_OPERATIONS = 500
const MAX_DIAGNOSTICS = 100
const MAX_POLICIES = 100
const MAX_MESSAGE = 2000
/**
 * Operations that change nothing do not appear in the table, nor do the halves of a
 * replacement: the engine also emits a `replace` step for it, which is the row the CLI shows.
 */
const QUIET_OPS = new Set([
  'same',
  'read',
  'refresh',
  'read-discard',
  'create-replacement',
  'delete-replaced',
  'discard-replaced',
  'read-replacement',
  'import-replacement'
])

export function emptyDigest(): EventDigest {
  return {
    events: 0,
    operations: [],
    operationsOmitted: 0,
    policies: [],
    policiesOmitted: 0,
    diagnostics: [],
    diagnosticsOmitted: 0,
    counted: {},
    summary: undefined,
    failedResources: 0
  }
}

function nameOf(urn: string | undefined): string {
  if (!urn) return ''
  const at = urn.lastIndexOf('::')
  return at === -1 ? urn : urn.slice(at + 2)
}

function changedKeys(metadata: StepEventMetadata): string[] {
  if (metadata.detailedDiff) return Object.keys(metadata.detailedDiff)
  return metadata.diffs ?? []
}

/** Folds one page of events into the digest. */
export function addEvents(digest: EventDigest, events: EngineEvent[]): void {
  for (const event of events) {
    digest.events++
    const step = event.resourcePreEvent
    if (step) {
      const { metadata } = step
      if (!QUIET_OPS.has(metadata.op) && metadata.type !== 'pulumi:pulumi:Stack') {
        digest.counted[metadata.op] = (digest.counted[metadata.op] ?? 0) + 1
        if (digest.operations.length < MAX_OPERATIONS) {
          digest.operations.push({
            op: metadata.op,
            type: metadata.type,
            name: nameOf(metadata.urn),
            changed: changedKeys(metadata)
          })
        } else {
          digest.operationsOmitted++
        }
      }
    }
    if (event.resOpFailedEvent) digest.failedResources++
    const policy = event.policyEvent
    if (policy) {
      if (digest.policies.length < MAX_POLICIES) {
        digest.policies.push({
          pack: policy.policyPackName,
          policy: policy.policyName,
          level: policy.enforcementLevel,
          resource: nameOf(policy.resourceUrn),
          message: clip(stripColors(policy.message).trim())
        })
      } else {
        digest.policiesOmitted++
      }
    }
    const diagnostic = event.diagnosticEvent
    if (
      diagnostic &&
      (diagnostic.severity === 'error' || diagnostic.severity === 'warning') &&
      !diagnostic.ephemeral
    ) {
      if (digest.diagnostics.length < MAX_DIAGNOSTICS) {
        digest.diagnostics.push({
          severity: diagnostic.severity,
          resource: nameOf(diagnostic.urn),
          message: clip(stripColors(diagnostic.message).trim())
        })
      } else {
        digest.diagnosticsOmitted++
      }
    }
    if (event.summaryEvent) digest.summary = event.summaryEvent
  }
}

function clip(message: string): string {
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message
}

/**
 * An update kind that is a preview: `preview`, or the `P`-prefixed kinds of the spec's
 * UpdateKind enum (Pupdate, Prefresh, Pdestroy, Pimport, Prename).
 */
export function isPreviewKind(kind: string): boolean {
  return kind === 'preview' || /^P[a-z]/.test(kind)
}

export interface UpdateMeta {
  stack: string
  kind: string
  updateId: string
  status: string
  version?: number
  /** Console page of the update or preview. */
  url?: string
}

const STATUS_ICONS: Record<string, string> = {
  succeeded: '✅',
  failed: '❌',
  cancelled: '⚪',
  running: '⏳',
  requested: '⏳',
  'not started': '⏳',
  'in-progress': '⏳',
  'not-started': '⏳'
}

/** `+2 ~1 -0 ±1`: create, update, delete, replace, as the CLI prints them. */
export function changeCounts(changes: ResourceChanges): string {
  const count = (...ops: string[]): number => ops.reduce((sum, op) => sum + (changes[op] ?? 0), 0)
  return `+${count('create', 'import')} ~${count('update')} -${count('delete')} ±${count('replace')}`
}

/** The job summary (or, compact, the PR comment) for one update or preview. */
export function renderUpdate(
  meta: UpdateMeta,
  digest: EventDigest,
  options: { compact?: boolean } = {}
): string {
  const changes = digest.summary?.resourceChanges ?? digest.counted
  const icon = STATUS_ICONS[meta.status] ?? 'ℹ️'
  const label = isPreviewKind(meta.kind)
    ? 'Preview'
    : cell(`${meta.kind.charAt(0).toUpperCase()}${meta.kind.slice(1)}`)
  const parts = [
    heading(
      3,
      `${icon} ${label} of ${cell(meta.stack)} ${cell(meta.status)}: ${code(changeCounts(changes))}`
    )
  ]
  const facts = [
    `Update ${code(meta.updateId)}`,
    meta.version ? `version ${meta.version}` : '',
    digest.summary?.durationSeconds !== undefined
      ? `took ${formatDuration(digest.summary.durationSeconds)}`
      : '',
    `${digest.events} events`,
    meta.url ? link('View in Pulumi Cloud', meta.url) : ''
  ]
  parts.push(`${facts.filter(Boolean).join(' · ')}\n\n`)

  const limit = options.compact ? 50 : MAX_OPERATIONS
  const rows = digest.operations
    .slice(0, limit)
    .map(op => [
      opLabel(op.op),
      code(op.type),
      cell(op.name),
      op.changed.length > 0
        ? cell(op.changed.slice(0, 10).join(', ') + (op.changed.length > 10 ? ', …' : ''))
        : ''
    ])
  if (rows.length > 0) {
    parts.push(heading(4, 'Resource changes') + table(['Op', 'Type', 'Name', 'Changed'], rows))
    const hidden = digest.operations.length - rows.length + digest.operationsOmitted
    if (hidden > 0) parts.push(`\n_…and ${hidden} more resource operations._\n`)
    parts.push('\n')
  } else {
    parts.push('No resource changes.\n\n')
  }
  if (digest.policies.length > 0) {
    const shown = digest.policies.slice(0, limit)
    parts.push(
      heading(4, 'Policy violations') +
        table(
          ['Level', 'Policy', 'Resource', 'Message'],
          shown.map(p => [
            cell(p.level),
            cell(`${p.pack}/${p.policy}`),
            cell(p.resource),
            cell(p.message)
          ])
        )
    )
    const hidden = digest.policies.length - shown.length + digest.policiesOmitted
    if (hidden > 0) parts.push(`\n_…and ${hidden} more policy violations._\n`)
    parts.push('\n')
  }
  if (digest.diagnostics.length > 0) {
    const shown = digest.diagnostics.slice(0, options.compact ? 20 : MAX_DIAGNOSTICS)
    parts.push(
      heading(4, 'Diagnostics') +
        table(
          ['Severity', 'Resource', 'Message'],
          shown.map(d => [
            d.severity === 'error' ? '❌ error' : '⚠️ warning',
            cell(d.resource),
            cell(d.message)
          ])
        )
    )
    // The compact comment shows fewer than the digest keeps: count both kinds of cut.
    const hidden = digest.diagnostics.length - shown.length + digest.diagnosticsOmitted
    if (hidden > 0) parts.push(`\n_…and ${hidden} more diagnostics._\n`)
  }
  return parts.join('')
}

const OP_LABELS: Record<string, string> = {
  create: '🟢 create',
  update: '🟡 update',
  delete: '🔴 delete',
  replace: '🟣 replace',
  'create-replacement': '🟣 create-replacement',
  'delete-replaced': '🟣 delete-replaced',
  import: '🔵 import'
}

function opLabel(op: string): string {
  return OP_LABELS[op] ?? cell(op)
}
