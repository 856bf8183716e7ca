/**
 * The event model on one fixture per real shape of engine event streams (__tests__/fixtures/
 * events/, written for these tests after the shapes the CLI and the engine produce).
 */
import type { EngineEvent } from '../src/api/types.js'
import {
  countDifferences,
  finishEvents,
  foldEvents,
  modelOf,
  newEventFold,
  parseKind,
  type UpdateModel
} from '../src/events/model.js'
import { fixture } from './support/events.js'

/** As the service serves a CLI-captured stream: `type` added, `sequence` dropped. */
function served(events: EngineEvent[]): EngineEvent[] {
  return events.map(({ sequence: _sequence, ...event }) => {
    const type = Object.keys(event).find(key => key.endsWith('Event'))
    return type === undefined ? event : { ...event, type }
  })
}

function rows(model: UpdateModel): string[] {
  return model.changes.map(change => `${change.op}:${change.status}:${change.name}`)
}

const FIXTURES = [
  'cli-2022-update',
  'cli-2022-preview',
  'service-preview',
  'engine-refresh',
  'failed-update',
  'interrupted-update',
  'policy-violations',
  'stack-outputs-only',
  'import',
  'destroy'
]

describe('totals agree with the engine', () => {
  it.each(FIXTURES)('%s: the counts equal summaryEvent.resourceChanges', name => {
    const model = modelOf(fixture(name))
    expect(model.engineChanges).toBeDefined()
    expect(countDifferences(model)).toEqual({})
    expect(model.counts.resourceChanges).toEqual(model.engineChanges)
  })

  it.each(FIXTURES)('%s: the same model in any page order and as the service serves it', name => {
    const events = fixture(name)
    const expected = modelOf(events)
    // Pages of three, folded last page first.
    const pages: EngineEvent[][] = []
    for (let i = 0; i < events.length; i += 3) pages.push(events.slice(i, i + 3))
    const fold = newEventFold()
    for (const page of pages.reverse()) foldEvents(fold, page)
    const reordered = finishEvents(fold)
    expect(reordered.counts).toEqual(expected.counts)
    expect(new Set(rows(reordered))).toEqual(new Set(rows(expected)))
    // With `sequence`, the stream order is restored exactly.
    if (events.some(event => event.sequence !== undefined && event.sequence > 0))
      expect(rows(reordered)).toEqual(rows(expected))
    expect(modelOf(served(events)).counts).toEqual(expected.counts)
  })
})

describe('per-resource records', () => {
  it('a 2022 CLI update: creates and updates with changed property paths, no result in the summary', () => {
    const model = modelOf(fixture('cli-2022-update'), { status: 'succeeded' })
    expect(model.kind).toEqual({ action: 'update', preview: false })
    expect(model.result).toBe('succeeded')
    expect(rows(model)).toEqual(['create:done:assets', 'update:done:web-sg'])
    expect(model.changes[1]?.changed).toEqual(['ingress[0].fromPort'])
    expect(model.counts).toMatchObject({ creates: 1, updates: 1, same: 1, failed: 0 })
  })

  it('an old CLI preview (planning, no isPreview, no outputs events) is a preview; the Stack update carries its output changes', () => {
    const model = modelOf(fixture('cli-2022-preview'))
    expect(model.kind).toEqual({ action: 'update', preview: true })
    expect(rows(model)).toEqual(['update:planned:shop-dev', 'replace:planned:web'])
    expect(model.changes[1]?.changed).toEqual(['userData'])
    expect(model.stackOutputs).toEqual([
      { name: 'region', change: 'added' },
      { name: 'url', change: 'changed' }
    ])
    expect(model.changes[0]?.changed).toEqual(['region', 'url'])
    expect(model.counts).toMatchObject({ updates: 1, replaces: 1 })
  })

  it('a preview served by the service: isPreview, planned creates and deletes', () => {
    const model = modelOf(fixture('service-preview'))
    expect(model.kind).toEqual({ action: 'update', preview: true })
    expect(rows(model)).toEqual(['create:planned:orders', 'delete:planned:assets'])
  })

  it('a refresh: outcomes come from the outputs events; two copies of one URN are two records', () => {
    const model = modelOf(fixture('engine-refresh'))
    expect(model.kind).toEqual({ action: 'refresh', preview: false })
    expect(model.changes.map(c => [c.op, c.outcome, c.name, c.changed])).toEqual([
      ['refresh', 'delete', 'data', []],
      ['refresh', 'update', 'db', ['instanceClass']]
    ])
    expect(model.counts).toMatchObject({ same: 1, deletes: 1, updates: 1 })
  })

  it('a failed update: the failed step is marked and not counted; errors rank before 120 warnings', () => {
    const model = modelOf(fixture('failed-update'))
    expect(rows(model)).toEqual(['update:failed:handler', 'delete-replaced:done:logs'])
    expect(model.changes[1]?.counted).toBe(false)
    expect(model.counts).toMatchObject({ failed: 1, updates: 0, same: 1 })
    expect(model.diagnosticCounts).toEqual({ errors: 2, warnings: 120 })
    expect(model.diagnostics).toHaveLength(102)
    expect(model.diagnostics.slice(0, 2).map(d => [d.severity, d.name, d.message])).toEqual([
      ['error', 'handler', 'updating handler: AccessDenied: not allowed to update function'],
      ['error', '', 'update failed']
    ])
    expect(model.diagnostics[2]?.message).toBe('retrying update (1/120)')
  })

  it('a cancelled update: steps that started and never finished are interrupted, a component too', () => {
    const model = modelOf(fixture('interrupted-update'), { status: 'cancelled' })
    expect(rows(model)).toEqual([
      'create:done:uploads',
      'create:interrupted:frontend',
      'create:interrupted:frontend-vm',
      'update:interrupted:orders-db'
    ])
    expect(model.counts).toMatchObject({ creates: 1, interrupted: 3 })
  })

  it('an update still running: unfinished steps are running, not interrupted', () => {
    const events = fixture('interrupted-update').filter(event => !event.summaryEvent)
    const model = modelOf(events, { status: 'running' })
    expect(model.counts).toMatchObject({ interrupted: 0, running: 3 })
  })

  it('policy violations by level, mandatory and severe first; remediations counted', () => {
    const model = modelOf(fixture('policy-violations'))
    expect(model.policyCounts).toEqual({
      advisory: 2,
      mandatory: 2,
      remediate: 0,
      other: 0,
      total: 4,
      remediations: 1
    })
    expect(model.policies.map(p => [p.level, p.severity, p.policy])).toEqual([
      ['mandatory', 'critical', 'no-public-buckets'],
      ['mandatory', undefined, 'encryption-at-rest'],
      ['advisory', 'high', 'versioning'],
      ['advisory', 'low', 'tags-required']
    ])
    expect(model.policies[0]?.message).toBe('no-public-buckets failed')
    expect(model.remediations).toEqual([
      {
        pack: 'security',
        policy: 'add-default-tags',
        urn: 'urn:pulumi:dev::shop::aws:s3/bucket:Bucket::public-site',
        name: 'public-site'
      }
    ])
  })

  it('stack outputs that changed on a `same` Stack step, even when a state has no outputs key', () => {
    const model = modelOf(fixture('stack-outputs-only'))
    expect(model.counts.resourceChanges).toEqual({ same: 1 })
    expect(model.stackOutputs).toEqual([
      { name: 'added', change: 'added' },
      { name: 'endpoint', change: 'changed' },
      { name: 'legacy', change: 'removed' }
    ])
  })

  it('an import is one record although its outputs event carries the imported state as old', () => {
    const model = modelOf(fixture('import'))
    expect(model.kind).toEqual({ action: 'update', preview: false })
    expect(rows(model)).toEqual(['create:done:shop-dev', 'import:done:legacy-bucket'])
    expect(model.counts).toMatchObject({ creates: 1, imports: 1 })
    expect(modelOf(fixture('import'), { kind: 'import' }).kind.action).toBe('import')
  })

  it('a destroy is known by the Stack resource itself being deleted', () => {
    const model = modelOf(fixture('destroy'))
    expect(model.kind).toEqual({ action: 'destroy', preview: false })
    expect(model.counts.deletes).toBe(2)
  })
})

describe('kinds', () => {
  it('reads every UpdateKind of the spec', () => {
    expect(parseKind('update')).toEqual({ action: 'update', preview: false })
    expect(parseKind('preview')).toEqual({ action: 'update', preview: true })
    expect(parseKind('Pupdate')).toEqual({ action: 'update', preview: true })
    expect(parseKind('Prefresh')).toEqual({ action: 'refresh', preview: true })
    expect(parseKind('destroy')).toEqual({ action: 'destroy', preview: false })
    expect(parseKind('Pdestroy')).toEqual({ action: 'destroy', preview: true })
    expect(parseKind('Pimport')).toEqual({ action: 'import', preview: true })
    expect(parseKind('rename')).toEqual({ action: 'rename', preview: false })
    expect(parseKind('something-new')).toBeUndefined()
  })

  it("the update list's kind wins over what the events suggest", () => {
    expect(modelOf(fixture('engine-refresh'), { kind: 'Prefresh' }).kind).toEqual({
      action: 'refresh',
      preview: true
    })
    expect(modelOf(fixture('cli-2022-update'), { kind: 'destroy' }).kind.action).toBe('destroy')
  })
})

describe('bounds and hostile shapes', () => {
  it('keeps one record per resource, not per event, and caps the lists', () => {
    const fold = newEventFold()
    for (let page = 0; page < 20; page++)
      foldEvents(
        fold,
        Array.from({ length: 1000 }, (_, i) => ({
          timestamp: 0,
          diagnosticEvent: {
            urn: `urn:pulumi:s::p::t::r${i % 10}`,
            message: 'm',
            severity: 'warning'
          },
          resourcePreEvent: {
            metadata: { op: 'update', urn: `urn:pulumi:s::p::t::r${i % 10}`, type: 't' }
          }
        }))
      )
    expect([...fold.resources.values()].flat()).toHaveLength(10)
    expect(fold.warnings.length).toBeLessThan(200)
    const model = finishEvents(fold, { status: 'succeeded' })
    expect(model.events).toBe(20_000)
    expect(model.diagnostics).toHaveLength(100)
    expect(model.diagnosticCounts.warnings).toBe(20_000)
  })

  it('ignores malformed events instead of failing on them', () => {
    const junk = [
      null,
      42,
      { resourcePreEvent: { metadata: { op: 7, urn: 'u' } } },
      { resOutputsEvent: { metadata: null } },
      { summaryEvent: { resourceChanges: { create: 'many', update: -1, delete: 2 } } },
      { policyEvent: { enforcementLevel: 5 } }
    ] as unknown as EngineEvent[]
    const model = modelOf(junk)
    expect(model.changes).toEqual([])
    expect(model.engineChanges).toEqual({ delete: 2 })
    expect(model.policyCounts).toMatchObject({ total: 1, other: 1 })
  })
})
