/**
 * The event model: an update's engine events folded, page by page, into one record per
 * resource (what was planned, what it came to, whether it failed or never finished, which
 * properties changed), the stack's output changes, ranked diagnostics, policy violations and
 * totals counted the way the engine counts its own `summaryEvent.resourceChanges`.
 *
 * Pure: no HTTP, no markdown. Every field of an event is untrusted and checked before use.
 * Memory is bounded by the number of resources, never by the number of events: the fold keeps
 * per-resource records and capped lists, not events.
 *
 * Engine facts this follows (pulumi/pulumi pkg/engine/update.go, sdk/go/common/apitype):
 * - a step's `resourcePreEvent` comes before it runs; after it succeeds the engine counts it
 *   (logical steps only) and, for custom resources, deletes and refreshes, emits a
 *   `resOutputsEvent` with the op it counted (for a refresh: what it found, same/update/delete);
 *   component resources report outputs only if the program registers them;
 * - a failed step emits `resOpFailedEvent` and is not counted; a preview reports a failed
 *   step as an error diagnostic on its URN;
 * - a replacement is several steps (create-replacement, replace, delete-replaced), counted
 *   once as `replace`; default providers and remove-pending-replace are internal, never counted;
 * - previews set `planning: true` on step events, new CLIs also `summaryEvent.isPreview`;
 *   CLI-captured streams carry `sequence`, the service's do not; timestamps may be 0.
 */
import type { EngineEvent, ResourceChanges } from '../api/types.js'

/** What an update did, as the update list names it: `Pupdate` is a preview of an update. */
export type Action = 'update' | 'refresh' | 'destroy' | 'import' | 'rename'

export interface RunKind {
  action: Action
  preview: boolean
}

/**
 * done: the step finished (counted by the engine if logical); planned: a preview's step;
 * failed: the step failed; interrupted: it started and never finished; running: it has not
 * finished yet, in an update still running.
 */
export type ResourceStatus = 'done' | 'planned' | 'failed' | 'interrupted' | 'running'

export interface OutputChange {
  name: string
  change: 'added' | 'removed' | 'changed'
}

/** One resource of the update. */
export interface ResourceRecord {
  urn: string
  type: string
  /** The URN's last segment. */
  name: string
  /**
   * The step planned for it, as the CLI names it: create, update, delete, replace, import,
   * read, same, discard, refresh; or delete-replaced / discard-replaced for an old copy left
   * by an earlier replacement, which the engine does not count.
   */
  op: string
  /**
   * What it came to, when it finished or was planned: the op, except for a refresh, where it
   * is what the refresh found (same, update or delete).
   */
  outcome: string | undefined
  status: ResourceStatus
  failed: boolean
  interrupted: boolean
  /** The engine counts it in its totals (a logical, non-internal step that finished). */
  counted: boolean
  /** A custom resource (not a component); unknown counts as custom. */
  custom: boolean
  /** Changed property names: the detailed diff's paths, else `diffs`, else the replace keys. */
  changed: string[]
  /** Changed names beyond MAX_CHANGED, counted, not kept. */
  changedOmitted: number
  /** The Stack resource only: its outputs that differ, old to new. */
  outputChanges: OutputChange[]
}

export interface Diagnostic {
  severity: 'error' | 'warning'
  urn: string | undefined
  /** The URN's last segment, '' for a diagnostic of the whole update. */
  name: string
  /** Colour directives removed, trimmed, clipped at MAX_MESSAGE characters. */
  message: string
}

export interface PolicyViolation {
  /** advisory, mandatory, remediate, … as the policy pack set it. */
  level: string
  /** low, medium, high, critical; undefined when the pack gave none. */
  severity: string | undefined
  pack: string
  policy: string
  urn: string | undefined
  name: string
  message: string
}

export interface Remediation {
  pack: string
  policy: string
  urn: string | undefined
  name: string
}

/**
 * Totals over the records, counted as the engine counts (finished or planned logical steps,
 * by outcome), plus the failed and interrupted ones, which the engine does not count.
 */
export interface Counts {
  creates: number
  updates: number
  deletes: number
  replaces: number
  imports: number
  reads: number
  discards: number
  same: number
  failed: number
  interrupted: number
  /** Steps not finished yet, in an update still running. */
  running: number
  /** The same totals in the engine's `resourceChanges` shape (op -> count, zeros left out). */
  resourceChanges: Record<string, number>
}

export interface PolicyCounts {
  advisory: number
  mandatory: number
  remediate: number
  /** Any other level a pack used. */
  other: number
  total: number
  /** policyRemediationEvent count. */
  remediations: number
}

/** Everything a summary of one update shows; render functions take this and nothing else. */
export interface UpdateModel {
  kind: RunKind
  /** succeeded, failed, cancelled; running, not started, … for an update still going; or undefined. */
  result: string | undefined
  /** Engine events folded. */
  events: number
  durationSeconds: number | undefined
  /** The engine said the state may not match reality (a step's outcome is unknown). */
  maybeCorrupt: boolean
  /**
   * Every record that is not simply unchanged, in stream order: changes, failures,
   * interruptions, uncounted steps, and the Stack resource when its outputs changed.
   */
  changes: ResourceRecord[]
  counts: Counts
  /** `summaryEvent.resourceChanges` as the engine reported it; undefined when the stream has none. */
  engineChanges: Record<string, number> | undefined
  /** The Stack resource's output changes (also on its record, if it has one among `changes`). */
  stackOutputs: OutputChange[]
  /** Errors first, then warnings, each in stream order; at most MAX_DIAGNOSTICS of each. */
  diagnostics: Diagnostic[]
  diagnosticCounts: { errors: number; warnings: number }
  /** Mandatory first, then by severity; at most MAX_POLICIES. */
  policies: PolicyViolation[]
  policyCounts: PolicyCounts
  remediations: Remediation[]
}

export const MAX_DIAGNOSTICS = 100
export const MAX_POLICIES = 100
export const MAX_CHANGED = 20
export const MAX_MESSAGE = 2000
const MAX_OUTPUT_CHANGES = 100
const MAX_ERROR_URNS = 10_000

const STACK_TYPE = 'pulumi:pulumi:Stack'
/** Steps of a replacement besides `replace` itself. */
const REPLACEMENT_PARTS = new Set(['create-replacement', 'import-replacement', 'read-replacement'])
/** Deleting or forgetting the old copy of a replaced resource: not a logical step. */
const REPLACED_CLEANUP = new Set(['delete-replaced', 'discard-replaced'])
/** The order in which one op wins over another when a record saw several. */
const OP_PRIORITY = ['create', 'update', 'delete', 'import', 'read', 'discard', 'same']

interface Accumulator {
  urn: string
  type: string
  /** IDs of its prior state seen in its events (several only for a replacement's halves). */
  ids: string[]
  custom: boolean
  order: number
  /** Ops of its resourcePreEvents. */
  pre: string[]
  /** Ops of its resOutputsEvents. */
  post: string[]
  failed: boolean
  /** read steps: the outputs differed (the engine counts only those). */
  readChanged: boolean
  changed: string[]
  changedOmitted: number
  outputChanges: OutputChange[] | undefined
  /** Order key of the event the output changes came from (the latest wins). */
  outputsAt: number
}

interface Ranked<T> {
  order: number
  item: T
}

/** The fold's state: create with `newEventFold`, feed with `foldEvents`, end with `finishEvents`. */
export interface EventFold {
  events: number
  arrivals: number
  /** Records by URN: usually one each. */
  resources: Map<string, Accumulator[]>
  planning: boolean
  summary:
    | {
        resourceChanges: Record<string, number> | undefined
        durationSeconds: number | undefined
        result: string | undefined
        isPreview: boolean | undefined
        maybeCorrupt: boolean
      }
    | undefined
  errors: Ranked<Diagnostic>[]
  warnings: Ranked<Diagnostic>[]
  errorCount: number
  warningCount: number
  /** URNs with an error diagnostic: how a preview reports a failed step. */
  errorUrns: Set<string>
  policies: Ranked<PolicyViolation>[]
  policyCounts: PolicyCounts
  remediations: Remediation[]
}

export function newEventFold(): EventFold {
  return {
    events: 0,
    arrivals: 0,
    resources: new Map(),
    planning: false,
    summary: undefined,
    errors: [],
    warnings: [],
    errorCount: 0,
    warningCount: 0,
    errorUrns: new Set(),
    policies: [],
    policyCounts: { advisory: 0, mandatory: 0, remediate: 0, other: 0, total: 0, remediations: 0 },
    remediations: []
  }
}

// --- untrusted field readers -------------------------------------------------------------

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined
}

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : []
}

const COLOR_DIRECTIVE = /<\{%[^%]*%\}>/g
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g

/** A message as text: Pulumi colour directives and ANSI escapes removed, trimmed, clipped. */
function plain(value: unknown): string {
  const message = (text(value) ?? '').replace(COLOR_DIRECTIVE, '').replace(ANSI, '').trim()
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message
}

/** The last segment of a URN (`…::name`). */
export function nameOf(urn: string | undefined): string {
  if (!urn) return ''
  const at = urn.lastIndexOf('::')
  return at === -1 ? urn : urn.slice(at + 2)
}

/** Default providers are internal steps: the engine neither shows nor counts them. */
function isDefaultProvider(type: string, urn: string): boolean {
  return type.startsWith('pulumi:providers:') && nameOf(urn).startsWith('default')
}

// --- folding -----------------------------------------------------------------------------

/**
 * Where an event sits in the stream: its `sequence` when the stream has them (CLI captures),
 * else its arrival (the service serves events in order and drops `sequence`).
 */
function orderOf(fold: EventFold, event: Record<string, unknown>): number {
  const arrival = fold.arrivals++
  const sequence = count(event['sequence'])
  // Sequences of a real stream are far below 2^40; arrivals rank after any of them.
  return sequence !== undefined ? sequence : 2 ** 40 + arrival
}

interface Step {
  op: string
  urn: string
  type: string
  metadata: Record<string, unknown>
}

function stepOf(payload: unknown): Step | undefined {
  const metadata = record(record(payload)?.['metadata'])
  if (!metadata) return undefined
  const op = text(metadata['op'])
  const urn = text(metadata['urn'])
  if (op === undefined || urn === undefined || urn === '') return undefined
  return { op, urn, type: text(metadata['type']) ?? '', metadata }
}

/**
 * The record a step belongs to. Usually one per URN, but a refresh or a delete can meet
 * several resources with one URN (copies pending deletion), each counted by the engine: those
 * are told apart by their prior state's ID. A step without one (a create, an import's first
 * event) joins the URN's record.
 */
function accumulatorFor(fold: EventFold, step: Step, order: number): Accumulator {
  const old = record(step.metadata['old'])
  const oldId = text(old?.['id']) ?? ''
  let group = fold.resources.get(step.urn)
  if (!group) {
    group = []
    fold.resources.set(step.urn, group)
  }
  let found =
    oldId === ''
      ? group[0]
      : (group.find(candidate => candidate.ids.includes(oldId)) ??
        group.find(candidate => candidate.ids.length === 0))
  if (!found) {
    found = {
      urn: step.urn,
      type: step.type,
      ids: [],
      custom: false,
      order,
      pre: [],
      post: [],
      failed: false,
      readChanged: false,
      changed: [],
      changedOmitted: 0,
      outputChanges: undefined,
      outputsAt: -1
    }
    group.push(found)
  }
  if (oldId !== '' && !found.ids.includes(oldId)) found.ids.push(oldId)
  if (order < found.order) found.order = order
  if (found.type === '' && step.type !== '') found.type = step.type
  const custom = record(step.metadata['new'])?.['custom'] === true || old?.['custom'] === true
  if (custom) found.custom = true
  if (found.changed.length === 0 && found.changedOmitted === 0) setChanged(found, step)
  return found
}

function setChanged(found: Accumulator, step: Step): void {
  const detailed = record(step.metadata['detailedDiff'])
  let names = detailed ? Object.keys(detailed) : []
  if (names.length === 0) names = strings(step.metadata['diffs'])
  if (names.length === 0 && (step.op === 'replace' || REPLACEMENT_PARTS.has(step.op)))
    names = strings(step.metadata['keys'])
  // Most steps (creates, sames) name no property: nothing to record, nothing to allocate.
  if (names.length === 0) return
  const unique = [...new Set(names)]
  found.changed = unique.slice(0, MAX_CHANGED)
  found.changedOmitted = Math.max(0, unique.length - MAX_CHANGED)
}

function addOp(list: string[], op: string): void {
  if (!list.includes(op)) list.push(op)
}

function outputsOf(state: unknown): Record<string, unknown> | undefined {
  return record(record(state)?.['outputs'])
}

/** Stack outputs that differ between two output maps (compared as JSON). */
export function diffOutputs(
  before: Record<string, unknown>,
  after: Record<string, unknown>
): OutputChange[] {
  const changes: OutputChange[] = []
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
  for (const name of names) {
    if (!(name in after)) changes.push({ name, change: 'removed' })
    else if (!(name in before)) changes.push({ name, change: 'added' })
    else if (JSON.stringify(before[name]) !== JSON.stringify(after[name]))
      changes.push({ name, change: 'changed' })
    if (changes.length >= MAX_OUTPUT_CHANGES) break
  }
  return changes
}

/**
 * The Stack's outputs: from its outputs event, or from a preview's step event (whose `new`
 * holds the planned outputs). An update's step event has not got them yet, and a state with
 * no `outputs` key says nothing about them: neither is compared.
 */
function noteStackOutputs(found: Accumulator, step: Step, order: number, planned: boolean): void {
  if (step.type !== STACK_TYPE || order < found.outputsAt) return
  const after = outputsOf(step.metadata['new'])
  if (after === undefined) return
  if (!planned && Object.keys(after).length === 0 && found.post.length === 0) return
  found.outputChanges = diffOutputs(outputsOf(step.metadata['old']) ?? {}, after)
  found.outputsAt = order
}

function keepRanked<T>(
  list: Ranked<T>[],
  entry: Ranked<T>,
  limit: number,
  rank: (a: Ranked<T>, b: Ranked<T>) => number
): void {
  list.push(entry)
  // Trimmed in batches: sorting on every push would make a long stream quadratic.
  if (list.length >= limit * 2) {
    list.sort(rank)
    list.length = limit
  }
}

const byOrder = <T>(a: Ranked<T>, b: Ranked<T>): number => a.order - b.order

const LEVEL_RANK: Record<string, number> = { mandatory: 0, remediate: 1, advisory: 2 }
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 }

function policyRank(a: Ranked<PolicyViolation>, b: Ranked<PolicyViolation>): number {
  return (
    (LEVEL_RANK[a.item.level] ?? 3) - (LEVEL_RANK[b.item.level] ?? 3) ||
    (SEVERITY_RANK[a.item.severity ?? ''] ?? 4) - (SEVERITY_RANK[b.item.severity ?? ''] ?? 4) ||
    a.order - b.order
  )
}

function foldDiagnostic(fold: EventFold, payload: Record<string, unknown>, order: number): void {
  const severity = text(payload['severity'])
  if ((severity !== 'error' && severity !== 'warning') || payload['ephemeral'] === true) return
  const urn = text(payload['urn']) || undefined
  const diagnostic: Diagnostic = {
    severity,
    urn,
    name: nameOf(urn),
    message: plain(payload['message'])
  }
  if (severity === 'error') {
    fold.errorCount++
    if (urn !== undefined && fold.errorUrns.size < MAX_ERROR_URNS) fold.errorUrns.add(urn)
    keepRanked(fold.errors, { order, item: diagnostic }, MAX_DIAGNOSTICS, byOrder)
  } else {
    fold.warningCount++
    keepRanked(fold.warnings, { order, item: diagnostic }, MAX_DIAGNOSTICS, byOrder)
  }
}

function foldPolicy(fold: EventFold, payload: Record<string, unknown>, order: number): void {
  const level = text(payload['enforcementLevel']) ?? ''
  const urn = text(payload['resourceUrn']) || undefined
  const counts = fold.policyCounts
  counts.total++
  if (level === 'advisory' || level === 'mandatory' || level === 'remediate') counts[level]++
  else counts.other++
  keepRanked(
    fold.policies,
    {
      order,
      item: {
        level,
        severity: text(payload['severity']) || undefined,
        pack: text(payload['policyPackName']) ?? '',
        policy: text(payload['policyName']) ?? '',
        urn,
        name: nameOf(urn),
        message: plain(payload['message'])
      }
    },
    MAX_POLICIES,
    policyRank
  )
}

function foldSummary(fold: EventFold, payload: Record<string, unknown>): void {
  const changes = record(payload['resourceChanges'])
  let resourceChanges: Record<string, number> | undefined
  if (changes) {
    resourceChanges = {}
    for (const [op, value] of Object.entries(changes)) {
      const n = count(value)
      if (n !== undefined && n > 0) resourceChanges[op] = n
    }
  }
  const isPreview = payload['isPreview']
  fold.summary = {
    resourceChanges,
    durationSeconds: count(payload['durationSeconds']),
    result: text(payload['result']),
    isPreview: typeof isPreview === 'boolean' ? isPreview : undefined,
    maybeCorrupt: payload['maybeCorrupt'] === true
  }
}

function foldStep(
  fold: EventFold,
  kind: 'pre' | 'post' | 'failed',
  payload: unknown,
  order: number
): void {
  const step = stepOf(payload)
  if (!step) return
  if (record(payload)?.['planning'] === true) fold.planning = true
  const found = accumulatorFor(fold, step, order)
  if (kind === 'failed') {
    found.failed = true
    // The step was attempted even if its start event is missing (a page lost, a cut stream).
    addOp(found.pre, step.op)
    return
  }
  if (kind === 'pre') {
    addOp(found.pre, step.op)
    if (record(payload)?.['planning'] === true) noteStackOutputs(found, step, order, true)
    return
  }
  addOp(found.post, step.op)
  if (step.op === 'read') {
    const before = outputsOf(step.metadata['old'])
    const after = outputsOf(step.metadata['new'])
    if (before && after && JSON.stringify(before) !== JSON.stringify(after))
      found.readChanged = true
  }
  noteStackOutputs(found, step, order, record(payload)?.['planning'] === true)
}

/** Folds one page of events (in any order relative to other pages) into the fold. */
export function foldEvents(fold: EventFold, events: readonly EngineEvent[]): void {
  for (const raw of events) {
    const event = record(raw)
    if (!event) continue
    fold.events++
    const order = orderOf(fold, event)
    if (event['resourcePreEvent'] !== undefined)
      foldStep(fold, 'pre', event['resourcePreEvent'], order)
    if (event['resOutputsEvent'] !== undefined)
      foldStep(fold, 'post', event['resOutputsEvent'], order)
    if (event['resOpFailedEvent'] !== undefined)
      foldStep(fold, 'failed', event['resOpFailedEvent'], order)
    const diagnostic = record(event['diagnosticEvent'])
    if (diagnostic) foldDiagnostic(fold, diagnostic, order)
    const failure = record(event['errorEvent'])
    if (failure) foldDiagnostic(fold, { severity: 'error', message: failure['error'] }, order)
    const policy = record(event['policyEvent'])
    if (policy) foldPolicy(fold, policy, order)
    const remediation = record(event['policyRemediationEvent'])
    if (remediation) {
      fold.policyCounts.remediations++
      if (fold.remediations.length < MAX_POLICIES) {
        const urn = text(remediation['resourceUrn']) || undefined
        fold.remediations.push({
          pack: text(remediation['policyPackName']) ?? '',
          policy: text(remediation['policyName']) ?? '',
          urn,
          name: nameOf(urn)
        })
      }
    }
    const summary = record(event['summaryEvent'])
    if (summary) foldSummary(fold, summary)
  }
}

// --- finishing ---------------------------------------------------------------------------

/** An update-list kind (`update`, `preview`, `Prefresh`, …) as an action and preview-ness. */
export function parseKind(kind: string): RunKind | undefined {
  if (kind === 'preview') return { action: 'update', preview: true }
  const preview = /^P[a-z]/.test(kind)
  const action = preview ? kind.slice(1) : kind
  if (
    action === 'update' ||
    action === 'refresh' ||
    action === 'destroy' ||
    action === 'import' ||
    action === 'rename'
  )
    return { action, preview }
  return undefined
}

/** The record's logical op from the ops of its step events. */
function logicalOp(found: Accumulator): string {
  const ops = found.pre.length > 0 ? found.pre : found.post
  if (ops.includes('replace') || ops.some(op => REPLACEMENT_PARTS.has(op))) return 'replace'
  for (const op of OP_PRIORITY) if (ops.includes(op)) return op
  if (ops.includes('refresh')) return 'refresh'
  return ops.find(op => REPLACED_CLEANUP.has(op)) ?? ops[0] ?? 'same'
}

interface FinishContext {
  preview: boolean
  /** The run ended well: components that never reported outputs still finished. */
  succeeded: boolean
  /** What a step that never finished is: running while the update still is, else interrupted. */
  unfinished: 'running' | 'interrupted'
  errorUrns: Set<string>
}

function finishRecord(found: Accumulator, context: FinishContext): ResourceRecord | undefined {
  if (found.pre.includes('remove-pending-replace') || isDefaultProvider(found.type, found.urn))
    return undefined
  const op = logicalOp(found)
  let outcome: string | undefined
  let status: ResourceStatus
  if (found.failed) {
    status = 'failed'
  } else if (op === 'refresh') {
    // A refresh's outputs event carries what it found; `up --refresh` reports `refresh`.
    const result = found.post.find(candidate => candidate !== 'refresh')
    outcome = result ?? (found.post.includes('refresh') ? 'refresh' : undefined)
    status = outcome !== undefined ? (context.preview ? 'planned' : 'done') : context.unfinished
    if (outcome === undefined && context.preview && !context.errorUrns.has(found.urn)) {
      outcome = 'same'
      status = 'planned'
    }
  } else if (context.preview) {
    // A preview's failed step is an error diagnostic on its URN, and it has no outputs event.
    const reported = found.post.length > 0
    status = !reported && context.errorUrns.has(found.urn) ? 'failed' : 'planned'
    if (status === 'planned') outcome = op
  } else {
    const finished =
      found.post.includes(op) ||
      // A same step does nothing that could be cut short.
      op === 'same' ||
      // Components report outputs only if the program registers them.
      (!found.custom && op !== 'delete' && context.succeeded)
    status = finished ? 'done' : context.unfinished
    if (finished) outcome = op
  }
  const logical = !REPLACED_CLEANUP.has(op) && (op !== 'read' || found.readChanged)
  const outputChanges = found.outputChanges ?? []
  return {
    urn: found.urn,
    type: found.type,
    name: nameOf(found.urn),
    op,
    outcome,
    status,
    failed: status === 'failed',
    interrupted: status === 'interrupted',
    counted: logical && outcome !== undefined && outcome !== 'refresh',
    custom: found.custom,
    changed:
      found.changed.length === 0 && found.type === STACK_TYPE && op === 'update'
        ? outputChanges.map(change => change.name).slice(0, MAX_CHANGED)
        : found.changed,
    changedOmitted: found.changedOmitted,
    outputChanges
  }
}

/** Whether a record is shown as a change: anything but a resource left as it was. */
export function isChange(resource: ResourceRecord): boolean {
  if (resource.status === 'failed' || resource.status === 'interrupted') return true
  if (resource.status === 'running') return true
  if (resource.op === 'read' && !resource.counted) return false
  return resource.outcome !== 'same' && resource.outcome !== 'refresh'
}

function emptyCounts(): Counts {
  return {
    creates: 0,
    updates: 0,
    deletes: 0,
    replaces: 0,
    imports: 0,
    reads: 0,
    discards: 0,
    same: 0,
    failed: 0,
    interrupted: 0,
    running: 0,
    resourceChanges: {}
  }
}

const COUNT_FIELDS: Record<string, keyof Omit<Counts, 'resourceChanges'>> = {
  create: 'creates',
  update: 'updates',
  delete: 'deletes',
  replace: 'replaces',
  import: 'imports',
  read: 'reads',
  discard: 'discards',
  same: 'same'
}

/** Totals over records, counted as the engine counts. */
export function countRecords(resources: Iterable<ResourceRecord>): Counts {
  const counts = emptyCounts()
  for (const resource of resources) {
    if (resource.failed) counts.failed++
    if (resource.interrupted) counts.interrupted++
    if (resource.status === 'running') counts.running++
    if (!resource.counted || resource.outcome === undefined) continue
    const op = resource.outcome
    counts.resourceChanges[op] = (counts.resourceChanges[op] ?? 0) + 1
    const field = COUNT_FIELDS[op]
    if (field) counts[field]++
  }
  return counts
}

function inferAction(resources: ResourceRecord[]): Action {
  const stack = resources.find(resource => resource.type === STACK_TYPE)
  // Only a destroy deletes the Stack resource itself; a program run always registers it.
  if (stack?.op === 'delete') return 'destroy'
  const ops = new Set(resources.map(resource => resource.op))
  if (ops.has('refresh') && [...ops].every(op => op === 'refresh')) return 'refresh'
  return 'update'
}

/** Statuses (and update-list results) of an update that has not ended. */
const UNFINISHED = new Set(['running', 'not started', 'requested', 'in-progress', 'not-started'])

export interface FinishOptions {
  /** The kind from the update list (`update`, `preview`, `Prefresh`, …), when known. */
  kind?: string | undefined
  /** The service's status of the update (succeeded, failed, cancelled, running, …), when known. */
  status?: string | undefined
}

/** Ends the fold: the update's model. The fold may still be read but should not be fed. */
export function finishEvents(fold: EventFold, options: FinishOptions = {}): UpdateModel {
  const given = options.kind === undefined ? undefined : parseKind(options.kind)
  const preview = given?.preview ?? fold.summary?.isPreview ?? fold.planning
  const rawResult = fold.summary?.result ?? options.status
  const result = rawResult === 'canceled' ? 'cancelled' : rawResult
  const context: FinishContext = {
    preview,
    succeeded: result === 'succeeded',
    unfinished: result !== undefined && UNFINISHED.has(result) ? 'running' : 'interrupted',
    errorUrns: fold.errorUrns
  }
  const records = [...fold.resources.values()]
    .flat()
    .sort((a, b) => a.order - b.order)
    .map(found => finishRecord(found, context))
    .filter((resource): resource is ResourceRecord => resource !== undefined)
  const stack = records.find(resource => resource.type === STACK_TYPE)
  const kind: RunKind = given ?? { action: inferAction(records), preview }
  const errors = [...fold.errors].sort(byOrder).slice(0, MAX_DIAGNOSTICS)
  const warnings = [...fold.warnings].sort(byOrder).slice(0, MAX_DIAGNOSTICS)
  return {
    kind,
    result,
    events: fold.events,
    durationSeconds: fold.summary?.durationSeconds,
    maybeCorrupt: fold.summary?.maybeCorrupt ?? false,
    changes: records.filter(
      resource => isChange(resource) || (resource === stack && resource.outputChanges.length > 0)
    ),
    counts: countRecords(records),
    engineChanges: fold.summary?.resourceChanges,
    stackOutputs: stack?.outputChanges ?? [],
    diagnostics: [...errors, ...warnings].map(entry => entry.item),
    diagnosticCounts: { errors: fold.errorCount, warnings: fold.warningCount },
    policies: [...fold.policies]
      .sort(policyRank)
      .slice(0, MAX_POLICIES)
      .map(entry => entry.item),
    policyCounts: { ...fold.policyCounts },
    remediations: [...fold.remediations]
  }
}

/** Folds a whole stream at once (tests, small streams). */
export function modelOf(events: readonly EngineEvent[], options: FinishOptions = {}): UpdateModel {
  const fold = newEventFold()
  foldEvents(fold, events)
  return finishEvents(fold, options)
}

/**
 * Where the model's totals and the engine's own differ: op -> [model, engine]. Empty when
 * they agree or the stream has no summary event.
 */
export function countDifferences(model: UpdateModel): Record<string, [number, number]> {
  const engine = model.engineChanges
  if (engine === undefined) return {}
  const ours = model.counts.resourceChanges
  const differences: Record<string, [number, number]> = {}
  for (const op of new Set([...Object.keys(ours), ...Object.keys(engine)])) {
    const a = ours[op] ?? 0
    const b = engine[op] ?? 0
    if (a !== b) differences[op] = [a, b]
  }
  return differences
}

export type { ResourceChanges }
