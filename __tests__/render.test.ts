import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { EngineEvent } from '../src/api/types.js'
import { modelOf } from '../src/events/model.js'
import { changeCounts, renderUpdate } from '../src/render/events.js'
import { stripColors } from '../src/render/escape.js'
import { limitBytes } from '../src/render/markdown.js'
import { redactSecrets, renderPlannedRequests } from '../src/render/plan.js'
import { ROOT } from './support/action.js'

/** `n` planned creates of buckets b0, b1, … */
function creates(n: number): EngineEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: i,
    resourcePreEvent: {
      metadata: {
        op: 'create',
        urn: `urn:pulumi:s::p::aws:s3/bucket:Bucket::b${i}`,
        type: 'aws:s3/bucket:Bucket'
      }
    }
  }))
}

describe('markdown escaping', () => {
  it('strips Pulumi colour directives and ANSI escapes', () => {
    expect(stripColors('<{%reset%}>VPCs <{%fg 1%}>too big<{%reset%}>\u001b[31m!\u001b[0m')).toBe(
      'VPCs too big!'
    )
  })

  it('cuts at a line boundary with a visible note', () => {
    const cut = limitBytes('line one\nline two\nline three\n', 28, 'NOTE')
    expect(cut).toBe('line one\nline two\n\nNOTE\n')
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(28)
    expect(limitBytes('short', 100, 'NOTE')).toBe('short')
  })
})

describe('update summary', () => {
  it('renders an update event stream: counts, operations, policies, diagnostics, escaped and uncoloured', async () => {
    const page = JSON.parse(
      await readFile(join(ROOT, '__tests__', 'fixtures', 'update-events.json'), 'utf8')
    ) as {
      events: EngineEvent[]
    }
    const markdown = renderUpdate(
      {
        stack: 'acme/payments-api/staging',
        updateId: 'u-1',
        status: 'succeeded',
        url: 'https://app.pulumi.com/acme/payments-api/staging/updates/12'
      },
      modelOf(page.events, { kind: 'update', status: 'succeeded' })
    )
    expect(markdown).toContain(
      '### ✅ Update of acme/payments-api/staging succeeded: `+2 ~0 -0 ±0`'
    )
    expect(markdown).toContain('| 🟢 create | ✅ done | `gcp:storage/bucket:Bucket` | receipts |')
    expect(markdown).toContain(
      '| advisory |  | gcp-baseline/bucket-versioning | receipts | Buckets that hold receipts must keep object versions.'
    )
    expect(markdown).toContain('| ⚠️ warning | receipts | location EU is multi-region')
    // The server's text cannot mention anyone or break the table: the mention is neutralised and
    // its row keeps exactly three cells (four unescaped pipes) despite the '|' in the message.
    expect(markdown).not.toContain('@payments')
    const row = markdown.split('\n').find(line => line.startsWith('| ⚠️ warning |')) ?? ''
    expect(row.match(/(?<!\\)\|/g)).toHaveLength(4)
    expect(markdown).toContain(
      '[View in Pulumi Cloud](https://app.pulumi.com/acme/payments-api/staging/updates/12)'
    )
    expect(markdown).not.toContain('<{%')
    expect(markdown).toContain('took 5s')
  })

  it('counts replacements once, as the CLI does', () => {
    expect(changeCounts({ create: 2, update: 1, delete: 0, replace: 3, same: 10 })).toBe(
      '+2 ~1 -0 ±3'
    )
  })

  it('keeps a 50k-event update under 1 MiB by counting rows it does not show', () => {
    const events = creates(50_000)
    const markdown = renderUpdate(
      { stack: 'a/b/c', updateId: 'u', status: 'succeeded' },
      modelOf(events, { kind: 'update', status: 'succeeded' })
    )
    expect(Buffer.byteLength(markdown)).toBeLessThan(1024 * 1024)
    expect(markdown).toContain(
      "…and 49500 more resource changes, listed in this step's result file."
    )
    expect(markdown).toContain('<details><summary>480 more resource changes</summary>')
    expect(markdown).toContain('`+50000 ~0 -0 ±0`')
  })
})

describe('the change table of a pull request comment', () => {
  const comment = (n: number): string =>
    renderUpdate(
      { stack: 'a/b/c', updateId: 'u', status: 'succeeded' },
      modelOf(creates(n), { kind: 'preview', status: 'succeeded' }),
      { compact: true }
    )

  it('shows up to 50 rows whole, in the open', () => {
    const markdown = comment(50)
    expect(markdown).not.toContain('<details>')
    expect(markdown).toContain('| b49 |')
  })

  it('folds a longer table entirely into <details>, counting what is past 50 rows', () => {
    const markdown = comment(51)
    const folded = markdown.indexOf('<details><summary>50 more resource changes</summary>')
    expect(folded).toBeGreaterThan(0)
    // No row before the fold: the table is in the block as a whole.
    expect(markdown.slice(0, folded)).not.toContain('| b0 |')
    expect(markdown).toContain('…and 1 more resource change, listed in')
  })
})

describe('dry-run plan', () => {
  it('redacts secrets in planned bodies', () => {
    expect(
      redactSecrets({ displayName: 'hook', secret: 's3cr3t', nested: [{ tokenValue: 'v' }] })
    ).toEqual({
      displayName: 'hook',
      secret: '***',
      nested: [{ tokenValue: '***' }]
    })
    expect(renderPlannedRequests([{ method: 'DELETE', path: '/api/stacks/a/b/c' }])).toContain(
      '`DELETE /api/stacks/a/b/c`'
    )
  })
})
