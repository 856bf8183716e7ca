/**
 * The change gate: given what a preview (or update) would do to each resource and the
 * policy violations it raised, decide whether the step passes. Pure: no I/O, no markdown.
 *
 * - `fail-on` names kinds of change that fail the gate; resources matched by `allow` are
 *   exempt from it.
 * - `protect` fails on any delete or replace of a matched resource, whatever `fail-on` says
 *   and whatever `allow` says.
 * - A replace is a replace, never also a delete (the engine's delete-replaced half of a
 *   replacement is folded into the resource's `replace`).
 */

/** The values `fail-on` accepts. */
export const FAIL_ON = [
  'create',
  'update',
  'delete',
  'replace',
  'any-change',
  'policy-mandatory',
  'policy-advisory',
  'failed'
] as const
export type FailOn = (typeof FAIL_ON)[number]

/** The change a resource gets, as the gate counts it. */
export type ChangeKind = 'create' | 'update' | 'delete' | 'replace'

/** One resource of the preview or update, as the event model folds it. */
export interface GateResource {
  urn: string
  /** The resource's own type token, e.g. `aws:s3/bucket:Bucket`. */
  type: string
  /** The engine step op that sums up the resource (`create`, `replace`, `same`, …). */
  op: string
  /** Its step failed (a resOpFailedEvent). */
  failed?: boolean
}

export interface GatePolicyViolation {
  /** `advisory`, `mandatory`, `remediate`, … as the engine reports it. */
  level: string
  pack: string
  policy: string
  urn?: string
}

export interface GateInput {
  resources: readonly GateResource[]
  policies: readonly GatePolicyViolation[]
  /** The preview or update itself failed (status failed), with or without a failed resource. */
  failed: boolean
  /** Still running: its changes are not final, so the gate cannot pass. */
  unfinished?: boolean
  /** `preview`, `update`, …: names the thing in reasons. */
  kind?: string
}

export interface GateRules {
  failOn: readonly FailOn[]
  allow: readonly string[]
  protect: readonly string[]
}

/** Why the gate failed, one entry per tripped resource, violation or condition. */
export interface GateTrip {
  /** The rule that tripped: a fail-on value, or `protect`. */
  rule: FailOn | 'protect' | 'unfinished'
  /** The resource, when the trip is about one. */
  urn?: string
  type?: string
  change?: ChangeKind
  /** The protect (or policy) pattern or name that matched. */
  detail?: string
  /** One line for `gate-reasons`. */
  reason: string
}

export interface ChangeCounts {
  creates: number
  updates: number
  deletes: number
  replaces: number
  policyViolations: number
}

export interface GateVerdict {
  /** `none` when no gate is set (no fail-on, no protect). */
  verdict: 'passed' | 'failed' | 'none'
  trips: GateTrip[]
  counts: ChangeCounts
  hasChanges: boolean
}

/**
 * The change a step op stands for. Imports count as creates (they add resources to the
 * stack, and the CLI counts them under `+`); every half of a replacement is the replace.
 */
export function changeOf(op: string): ChangeKind | undefined {
  switch (op) {
    case 'create':
    case 'import':
      return 'create'
    case 'update':
      return 'update'
    case 'delete':
      return 'delete'
    case 'replace':
    case 'create-replacement':
    case 'delete-replaced':
    case 'import-replacement':
      return 'replace'
    default:
      // same, read, refresh, discard, read-replacement, read-discard, discard-replaced,
      // remove-pending-replace: nothing in the cloud changes.
      return undefined
  }
}

/**
 * A glob over a type token or a URN: `*` is any run of characters (`:`, `/`, `::` and `$`
 * included), `?` one character; everything else is literal and case-sensitive, and the
 * whole string must match. A resource nested in a component has its parent's type in its
 * URN (`…::my:app:Db$aws:rds/instance:Instance::db`), which `…::*aws:rds/instance:Instance::*`
 * reaches and `…::aws:rds/instance:Instance::*` does not.
 */
export function globToRegExp(glob: string): RegExp {
  let source = ''
  for (const char of glob) {
    if (char === '*') source += '.*'
    else if (char === '?') source += '.'
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')
  }
  return new RegExp(`^${source}$`, 's')
}

/** A pattern starting `urn:` matches the URN; any other matches the resource's type. */
export function matchesResource(
  pattern: string,
  resource: Pick<GateResource, 'urn' | 'type'>
): boolean {
  const subject = pattern.startsWith('urn:') ? resource.urn : resource.type
  return globToRegExp(pattern).test(subject)
}

/** The name part of a URN (after its last `::`). */
export function resourceName(urn: string): string {
  const at = urn.lastIndexOf('::')
  return at === -1 ? urn : urn.slice(at + 2)
}

function firstMatch(
  patterns: readonly string[],
  resource: GateResource,
  compiled: Map<string, RegExp>
): string | undefined {
  return patterns.find(pattern => {
    let regexp = compiled.get(pattern)
    if (regexp === undefined) {
      regexp = globToRegExp(pattern)
      compiled.set(pattern, regexp)
    }
    return regexp.test(pattern.startsWith('urn:') ? resource.urn : resource.type)
  })
}

function describe(resource: GateResource): string {
  return `${resource.type} "${resourceName(resource.urn)}" (${resource.urn})`
}

/** Counts of the changes and violations, whether or not a gate is set. */
export function countChanges(input: GateInput): ChangeCounts {
  const counts: ChangeCounts = {
    creates: 0,
    updates: 0,
    deletes: 0,
    replaces: 0,
    policyViolations: input.policies.length
  }
  for (const resource of input.resources) {
    const change = changeOf(resource.op)
    if (change === 'create') counts.creates++
    else if (change === 'update') counts.updates++
    else if (change === 'delete') counts.deletes++
    else if (change === 'replace') counts.replaces++
  }
  return counts
}

export function hasGate(rules: GateRules): boolean {
  return rules.failOn.length > 0 || rules.protect.length > 0
}

/** Decides the gate. Trips come in a fixed order: protect, then resources, then policy. */
export function evaluateGate(input: GateInput, rules: GateRules): GateVerdict {
  const counts = countChanges(input)
  const hasChanges = counts.creates + counts.updates + counts.deletes + counts.replaces > 0
  if (!hasGate(rules)) return { verdict: 'none', trips: [], counts, hasChanges }

  const failOn = new Set(rules.failOn)
  const compiled = new Map<string, RegExp>()
  const trips: GateTrip[] = []
  const what = input.kind ?? 'preview'

  if (input.unfinished) {
    trips.push({
      rule: 'unfinished',
      reason: `the ${what} has not finished, so its changes are not final (set wait-seconds to wait for it)`
    })
  }

  for (const resource of input.resources) {
    const change = changeOf(resource.op)
    if (change !== 'delete' && change !== 'replace') continue
    const pattern = firstMatch(rules.protect, resource, compiled)
    if (pattern === undefined) continue
    trips.push({
      rule: 'protect',
      urn: resource.urn,
      type: resource.type,
      change,
      detail: pattern,
      reason: `${change} of protected ${describe(resource)} (protect: ${pattern})`
    })
  }

  for (const resource of input.resources) {
    if (firstMatch(rules.allow, resource, compiled) !== undefined) continue
    const change = changeOf(resource.op)
    if (change !== undefined && (failOn.has(change) || failOn.has('any-change'))) {
      const rule: FailOn = failOn.has(change) ? change : 'any-change'
      trips.push({
        rule,
        urn: resource.urn,
        type: resource.type,
        change,
        reason: `${change} of ${describe(resource)} (fail-on: ${rule})`
      })
    }
    if (resource.failed === true && failOn.has('failed')) {
      trips.push({
        rule: 'failed',
        urn: resource.urn,
        type: resource.type,
        ...(change === undefined ? {} : { change }),
        reason: `${describe(resource)} failed (fail-on: failed)`
      })
    }
  }

  if (failOn.has('failed') && input.failed && !trips.some(trip => trip.rule === 'failed')) {
    trips.push({ rule: 'failed', reason: `the ${what} failed (fail-on: failed)` })
  }

  for (const violation of input.policies) {
    const level = violation.level.toLowerCase()
    const rule: FailOn | undefined =
      level === 'mandatory' && failOn.has('policy-mandatory')
        ? 'policy-mandatory'
        : level === 'advisory' && failOn.has('policy-advisory')
          ? 'policy-advisory'
          : undefined
    if (rule === undefined) continue
    const on = violation.urn ? ` on "${resourceName(violation.urn)}" (${violation.urn})` : ''
    trips.push({
      rule,
      ...(violation.urn ? { urn: violation.urn } : {}),
      detail: `${violation.pack}/${violation.policy}`,
      reason: `${level} policy violation ${violation.pack}/${violation.policy}${on} (fail-on: ${rule})`
    })
  }

  return { verdict: trips.length > 0 ? 'failed' : 'passed', trips, counts, hasChanges }
}
