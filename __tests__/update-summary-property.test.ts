/**
 * For any event stream, the counts in a summary's heading and the rows of its table agree:
 * every finished (or planned) row is counted under its op, failed and interrupted rows are
 * counted apart, and nothing is counted that has no row.
 */
import fc from 'fast-check'
import type { EngineEvent } from '../src/api/types.js'
import { modelOf } from '../src/events/model.js'
import { renderUpdate } from '../src/render/events.js'

const OPS = [
  'create',
  'update',
  'delete',
  'replace',
  'import',
  'same',
  'refresh',
  'delete-replaced'
]
const RESULTS = ['same', 'update', 'delete']

const resource = fc.record({
  op: fc.constantFrom(...OPS),
  custom: fc.boolean(),
  pre: fc.boolean(),
  post: fc.boolean(),
  failed: fc.boolean(),
  result: fc.constantFrom(...RESULTS),
  stack: fc.boolean()
})

interface Resource {
  op: string
  custom: boolean
  pre: boolean
  post: boolean
  failed: boolean
  result: string
  stack: boolean
}

function streamOf(resources: Resource[], planning: boolean, summary: boolean): EngineEvent[] {
  const events: unknown[] = []
  resources.forEach((r, i) => {
    const type = r.stack && i === 0 ? 'pulumi:pulumi:Stack' : 'pkg:m:T'
    const urn = `urn:pulumi:s::p::${type}::r${i}`
    const old = r.op === 'create' || r.op === 'import' ? null : { id: `id${i}`, custom: r.custom }
    const step = (op: string) => ({
      metadata: { op, urn, type, old, new: { id: `id${i}`, custom: r.custom } },
      ...(planning ? { planning: true } : {})
    })
    const ops = r.op === 'replace' ? ['create-replacement', 'replace'] : [r.op]
    for (const op of ops) {
      if (r.pre) events.push({ timestamp: 0, resourcePreEvent: step(op) })
      if (r.post)
        events.push({
          timestamp: 0,
          resOutputsEvent: step(op === 'refresh' ? r.result : op)
        })
    }
    if (r.failed) events.push({ timestamp: 0, resOpFailedEvent: step(ops[0] ?? r.op) })
  })
  if (summary) events.push({ timestamp: 0, summaryEvent: { resourceChanges: { create: 1 } } })
  return events as EngineEvent[]
}

const SYMBOL_OPS: Record<string, string> = {
  '+': 'create',
  '~': 'update',
  '-': 'delete',
  '±': 'replace',
  '=': 'import'
}

describe('heading and rows', () => {
  it('never disagree, for any generated event stream', () => {
    fc.assert(
      fc.property(
        fc.array(resource, { maxLength: 25 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('succeeded', 'failed', 'cancelled', 'running'),
        (resources, planning, summary, status) => {
          const model = modelOf(streamOf(resources, planning, summary), { status })
          const markdown = renderUpdate({ stack: 'a/b/c', updateId: 'u', status }, model)
          const head = markdown.split('\n')[0] ?? ''
          const counts = /`([^`]*)`/.exec(head)?.[1] ?? ''
          const heading: Record<string, number> = {
            create: 0,
            update: 0,
            delete: 0,
            replace: 0,
            import: 0
          }
          for (const [, symbol, n] of counts.matchAll(/([+~\-±=])(\d+)/g))
            heading[SYMBOL_OPS[symbol ?? ''] ?? ''] = Number(n)
          const rows = markdown
            .split('\n')
            .filter(line => /^\| [^|]+ \| (✅|📋|❌|⚠️|⏳)/.test(line))
            .map(line => line.split(' | '))
          const shown: Record<string, number> = {
            create: 0,
            update: 0,
            delete: 0,
            replace: 0,
            import: 0
          }
          let failed = 0
          let unfinished = 0
          for (const [op = '', state = ''] of rows) {
            const name = op.replace(/^\| (\S+ )?/, '')
            if (state.includes('failed')) failed++
            else if (state.includes('interrupted') || state.includes('running')) unfinished++
            else if (name in shown) shown[name] = (shown[name] ?? 0) + 1
          }
          expect(shown).toEqual(heading)
          const failedInHeading = Number(/(\d+) failed/.exec(head)?.[1] ?? 0)
          const unfinishedInHeading =
            Number(/(\d+) interrupted/.exec(head)?.[1] ?? 0) +
            Number(/(\d+) still running/.exec(head)?.[1] ?? 0)
          expect(failed).toBe(failedInHeading)
          expect(unfinished).toBe(unfinishedInHeading)
          // Where the engine's own count differs, one line says so.
          if (summary && JSON.stringify(model.counts.resourceChanges) !== '{"create":1}')
            expect(markdown).toContain("The engine's own summary counts")
        }
      ),
      { numRuns: 300 }
    )
  })
})
