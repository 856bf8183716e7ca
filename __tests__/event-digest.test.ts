/** The event digest: caps kept while folding, and the counts the summary and comment leave out. */
import type { EngineEvent } from '../src/api/types.js'
import { modelOf } from '../src/events/model.js'
import { isPreviewKind, renderUpdate } from '../src/render/events.js'

describe('the event digest', () => {
  const policyEvent = (i: number): EngineEvent => ({
    sequence: i,
    timestamp: 0,
    policyEvent: {
      message: `violation ${i}`,
      policyName: `policy-${i}`,
      policyPackName: 'pack',
      enforcementLevel: 'mandatory'
    }
  })
  const meta = { stack: 'acme/p/s', updateId: 'u1', status: 'failed' }

  it('caps policy violations while folding and says how many more there were', () => {
    const model = modelOf(
      Array.from({ length: 150 }, (_, i) => policyEvent(i)),
      { kind: 'update' }
    )
    expect(model.policies).toHaveLength(100)
    expect(model.policyCounts).toMatchObject({ total: 150, mandatory: 150 })
    expect(renderUpdate(meta, model)).toContain(
      "…and 50 more policy violations, listed in this step's result file."
    )
    expect(renderUpdate(meta, model, { compact: true })).toContain(
      "…and 130 more policy violations, listed in the run's job summary."
    )
  })

  it('counts the diagnostics the compact comment leaves out', () => {
    const model = modelOf(
      Array.from({ length: 30 }, (_, i) => ({
        sequence: i,
        timestamp: 0,
        diagnosticEvent: { message: `warn ${i}`, severity: 'warning' }
      })),
      { kind: 'update' }
    )
    expect(renderUpdate(meta, model)).not.toContain('more, listed')
    expect(renderUpdate(meta, model, { compact: true })).toContain(
      "…and 10 warnings more, listed in the run's job summary."
    )
  })

  it('knows every preview kind of the spec', () => {
    for (const kind of ['preview', 'Pupdate', 'Prefresh', 'Pdestroy', 'Pimport', 'Prename'])
      expect(isPreviewKind(kind)).toBe(true)
    for (const kind of ['update', 'refresh', 'destroy', 'import', 'rename'])
      expect(isPreviewKind(kind)).toBe(false)
  })
})
