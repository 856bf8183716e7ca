/**
 * Audit log and resource commands over real HTTP against the emulator: list-audit-logs,
 * export-audit-logs and get-resource-summary, plus the pure chart renderer.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { mermaidText } from '../src/render/escape.js'
import { bucketLabel, renderResourceChart } from '../src/render/resources.js'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator()
const { run } = emulator

function auditOf(org: string) {
  return emulator.state.auditLog(org)
}

/** The events list-audit-logs streamed to its result file (`result` holds only the count). */
async function listedEvents(result: { outputs: Record<string, string> }): Promise<ListedEvent[]> {
  const file = JSON.parse(await readFile(result.outputs['result-file'] ?? '', 'utf8')) as {
    count: number
    events: ListedEvent[]
  }
  expect(file.count).toBe(file.events.length)
  return file.events
}

interface ListedEvent {
  timestamp: number
  event: string
  user?: { githubLogin?: string }
}

describe('list-audit-logs', () => {
  it("lists every event of the organization's audit log, newest first", async () => {
    const result = await run({ command: 'list-audit-logs', organization: 'acme' })
    expect(result.exitCode).toBe(0)
    const expected = auditOf('acme')
    expect(expected.length).toBeGreaterThan(0)
    expect(result.outputs.count).toBe(String(expected.length))
    const events = await listedEvents(result)
    expect(events.map(e => e.event)).toEqual(expected.map(e => e.event))
    const times = events.map(e => e.timestamp)
    expect(times).toEqual([...times].sort((a, b) => b - a))
    expect(emulator.requests[0]?.path).toBe('/api/orgs/acme/auditlogs')
    expect(emulator.requests[0]?.query).toMatch(/^startTime=\d+$/)
    expect(result.summary).toContain('| Time | User | Event | Description | Source IP |')
  })

  it('follows pages and stops once max-events are collected', async () => {
    await emulator.restart({ generate: { auditEvents: 450 } })
    const result = await run({
      command: 'list-audit-logs',
      organization: 'acme',
      'max-events': '150'
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.count).toBe('150')
    // 100 a page: two pages hold 150, the remaining pages are never asked for (nor fetched ahead).
    expect(emulator.requests).toHaveLength(2)
    expect(emulator.requests[1]?.query).toContain('continuationToken=')
    // Copied from the pages as sent, cut at the 150th event, newest first.
    const times = (await listedEvents(result)).map(e => e.timestamp)
    expect(times).toHaveLength(150)
    expect(times).toEqual([...times].sort((a, b) => b - a))
  })

  it('fetches nothing ahead once max-events falls on a page boundary', async () => {
    await emulator.restart({ generate: { auditEvents: 450 } })
    const result = await run({
      command: 'list-audit-logs',
      organization: 'acme',
      'max-events': '200'
    })
    expect(result.outputs.count).toBe('200')
    expect(await listedEvents(result)).toHaveLength(200)
    expect(emulator.requests).toHaveLength(2)
  })

  it('reads all pages without max-events', async () => {
    await emulator.restart({ generate: { auditEvents: 250 } })
    const result = await run({ command: 'list-audit-logs', organization: 'acme' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.count).toBe(String(auditOf('acme').length + 250))
    expect(emulator.requests.length).toBeGreaterThanOrEqual(3)
  })

  it('passes the user, event and start-time filters', async () => {
    const result = await run({
      command: 'list-audit-logs',
      organization: 'acme',
      'user-filter': 'bob',
      'event-filter': 'Stack Created',
      'start-time': '2030-01-01T00:00:00Z'
    })
    expect(result.exitCode).toBe(0)
    const expected = auditOf('acme').filter(e => e.login === 'bob' && e.event === 'Stack Created')
    expect(expected.length).toBeGreaterThan(0)
    const events = await listedEvents(result)
    expect(events).toHaveLength(expected.length)
    expect(events.every(e => e.user?.githubLogin === 'bob')).toBe(true)
    const query = new URLSearchParams(emulator.requests[0]?.query)
    expect(query.get('startTime')).toBe(String(Date.parse('2030-01-01T00:00:00Z') / 1000))
    expect(query.get('userFilter')).toBe('bob')
    expect(query.get('eventFilter')).toBe('Stack Created')
  })

  it('rejects a malformed start-time before any request', async () => {
    const result = await run({
      command: 'list-audit-logs',
      organization: 'acme',
      'start-time': 'yesterday'
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain("Input 'start-time'")
    expect(emulator.requests).toEqual([])
  })

  it("reports the service's 400 for an organization without audit logs", async () => {
    const result = await run({ command: 'list-audit-logs', organization: 'acme-labs' })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.map(r => r.status)).toEqual([400])
    expect(result.stdout).toContain('Enterprise')
  })
})

describe('export-audit-logs', () => {
  it('writes the gzip-served CSV decoded, counting rows without the header', async () => {
    const result = await run({ command: 'export-audit-logs', organization: 'acme' })
    expect(result.exitCode).toBe(0)
    const file = await readFile(result.outputs.path ?? '')
    // Not gzip any more: the magic bytes are gone and the text is the CSV itself.
    expect(file.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false)
    const text = file.toString('utf8')
    expect(text.startsWith('Timestamp,Name,Login,Event,')).toBe(true)
    const rows = text.trimEnd().split('\n').slice(1)
    expect(rows).toHaveLength(auditOf('acme').length)
    expect(result.outputs.count).toBe(String(rows.length))
    expect(result.outputs.sha256).toBe(createHash('sha256').update(file).digest('hex'))
    expect(result.outputs.bytes).toBe(String(file.length))
    expect(emulator.requests[0]?.query).toBe('format=csv')
    expect(result.summary).toContain('| CSV |')
  })

  it('writes CEF, one event a line', async () => {
    const result = await run({ command: 'export-audit-logs', organization: 'acme', format: 'cef' })
    expect(result.exitCode).toBe(0)
    const lines = (await readFile(result.outputs.path ?? '', 'utf8')).trimEnd().split('\n')
    expect(lines.every(line => line.startsWith('CEF:0|Pulumi|'))).toBe(true)
    expect(lines).toHaveLength(auditOf('acme').length)
    expect(result.outputs.count).toBe(String(lines.length))
  })

  it('rejects an unknown format before any request', async () => {
    const result = await run({ command: 'export-audit-logs', organization: 'acme', format: 'xml' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain("Input 'format'")
    expect(emulator.requests).toEqual([])
  })

  it("reports the service's 400 for an organization without audit logs", async () => {
    const result = await run({ command: 'export-audit-logs', organization: 'acme-labs' })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.map(r => r.status)).toEqual([400])
    expect(result.stdout).toContain('Enterprise')
  })
})

interface Bucket {
  year: number
  month?: number
  day?: number
  hour?: number
  resources: number
}

describe('get-resource-summary', () => {
  it('charts and tabulates daily resources over the last 30 days by default', async () => {
    const result = await run({ command: 'get-resource-summary', organization: 'acme' })
    expect(result.exitCode).toBe(0)
    expect(emulator.requests[0]?.path).toBe('/api/orgs/acme/resources/summary')
    expect(emulator.requests[0]?.query).toBe('granularity=daily&lookbackDays=30')
    const buckets = JSON.parse(result.outputs.result ?? '') as Bucket[]
    expect(buckets.length).toBeGreaterThanOrEqual(30)
    expect(result.outputs.count).toBe(String(buckets.length))
    expect(result.outputs.resources).toBe(String(buckets.at(-1)?.resources))
    expect(result.summary).toContain('```mermaid\nxychart-beta\n')
    expect(result.summary).toContain(`  line [${buckets.map(b => b.resources).join(', ')}]`)
    const first = buckets[0] as Bucket
    expect(result.summary).toContain(`| ${bucketLabel(first)} | ${first.resources} |`)
  })

  it('looks back 2 days for hourly granularity unless told otherwise', async () => {
    const result = await run({
      command: 'get-resource-summary',
      organization: 'acme',
      granularity: 'hourly'
    })
    expect(result.exitCode).toBe(0)
    expect(emulator.requests[0]?.query).toBe('granularity=hourly&lookbackDays=2')
    const buckets = JSON.parse(result.outputs.result ?? '') as Bucket[]
    expect(buckets.every(b => b.hour !== undefined)).toBe(true)
  })

  it('reports no data when the service answers 204', async () => {
    const result = await run({ command: 'get-resource-summary', organization: 'acme-labs' })
    expect(result.exitCode).toBe(0)
    expect(emulator.requests.map(r => r.status)).toEqual([204])
    expect(result.outputs.count).toBe('0')
    expect(result.summary).toContain('No resource data')
  })

  it('rejects a bad granularity or an hourly lookback over 2 days before any request', async () => {
    const bad = await run({
      command: 'get-resource-summary',
      organization: 'acme',
      granularity: 'minutely'
    })
    expect(bad.exitCode).toBe(1)
    expect(bad.stdout).toContain("Input 'granularity'")
    const tooLong = await run({
      command: 'get-resource-summary',
      organization: 'acme',
      granularity: 'hourly',
      'lookback-days': '10'
    })
    expect(tooLong.exitCode).toBe(1)
    expect(tooLong.stdout).toContain("Input 'lookback-days'")
    expect(emulator.requests).toEqual([])
  })

  it('reports an unknown organization (404)', async () => {
    const result = await run({ command: 'get-resource-summary', organization: 'nobody' })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.map(r => r.status)).toEqual([404])
    expect(result.stdout).toContain('Not found')
  })
})

describe('resource chart rendering', () => {
  it('keeps Mermaid labels from closing their quotes or starting directives', () => {
    expect(mermaidText('ev"il"%%{init: {}}#quot;\nx')).toBe('evilinit: quot x')
    const chart = renderResourceChart('a"b', [
      { year: 2025, month: 1, day: 2, resources: 5 },
      { year: 2025, month: 1, day: 3, resources: 7 }
    ])
    expect(chart).toContain('title "Resources under management - ab"')
    expect(chart).toContain('x-axis ["2025-01-02", "2025-01-03"]')
    expect(chart).toContain('line [5, 7]')
  })

  it('labels each granularity', () => {
    expect(bucketLabel({ year: 2025, month: 3, day: 4, hour: 5, resources: 0 })).toBe(
      '2025-03-04 05:00'
    )
    expect(bucketLabel({ year: 2025, weekNumber: 7, resources: 0 })).toBe('2025 W07')
    expect(bucketLabel({ year: 2025, month: 11, resources: 0 })).toBe('2025-11')
  })
})
