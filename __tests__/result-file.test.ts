/**
 * The result file: commands with large results (list-update-events, list-audit-logs) stream it
 * page by page and keep `result` a digest; the JSON writer underneath never writes invalid JSON
 * and never leaves a partial file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BIG_UPDATE_ID } from '../emulator/index.js'
import { bigUpdateEvent } from '../emulator/generate.js'
import type { EngineEvent } from '../src/api/types.js'
import { isPreviewKind } from '../src/render/events.js'
import { JsonStreamWriter, ResultFile } from '../src/result-file.js'
import { useEmulator } from './support/emulator.js'
import { resultOf, resultFileOf, seededStack } from './support/published.js'

const emulator = useEmulator()
const { run } = emulator

describe('results streamed to the result file', () => {
  it('list-update-events: `result` is a digest, the events are in the result file', async () => {
    const latest = seededStack(emulator.state, 'website', 'prod')
      .updates.filter(u => !isPreviewKind(u.kind))
      .sort((a, b) => b.version - a.version)[0]
    const action = await run({ command: 'list-update-events', stack: 'acme/website/prod' })
    expect(action.exitCode).toBe(0)
    const compact = resultOf(action)
    expect(compact).not.toHaveProperty('events')
    expect(compact).toMatchObject({
      updateId: latest?.updateID,
      status: 'succeeded',
      finished: true,
      count: latest?.events.length
    })
    const file = await resultFileOf(action)
    expect(file.events).toEqual(latest?.events)
    // The file is the digest plus the events.
    expect({ ...file, events: undefined }).toEqual({ ...compact, events: undefined })
  })

  it('list-update-events over 5000 generated events keeps `result` small', async () => {
    await emulator.restart({ generate: { updateEvents: 5000 } })
    const action = await run({
      command: 'list-update-events',
      stack: 'acme/big/state',
      'update-id': BIG_UPDATE_ID
    })
    expect(action.exitCode).toBe(0)
    expect(action.outputs.count).toBe('5000')
    expect(Buffer.byteLength(action.outputs.result ?? '')).toBeLessThan(64 * 1024)
    const events = (await resultFileOf(action)).events as EngineEvent[]
    expect(events).toHaveLength(5000)
    // In the order the service sent them, none lost or doubled.
    for (const index of [0, 1, 2500, 4998, 4999])
      expect(events[index]).toEqual(bigUpdateEvent(index, 5000))
  })

  it('list-audit-logs: `result` holds the count and time range, the file every event', async () => {
    const expected = emulator.state.auditLog('acme')
    expect(expected.length).toBeGreaterThan(1)
    const action = await run({ command: 'list-audit-logs', organization: 'acme' })
    expect(action.exitCode).toBe(0)
    const times = expected.map(e => e.timestamp)
    expect(resultOf(action)).toEqual({
      organization: 'acme',
      count: expected.length,
      newest: Math.max(...times),
      oldest: Math.min(...times)
    })
    const file = await resultFileOf(action)
    expect((file.events as { event: string }[]).map(e => e.event)).toEqual(
      expected.map(e => e.event)
    )
    expect(file.count).toBe(expected.length)
    expect(action.summary).toContain(`${expected.length} audit events of acme`)
  })

  it('a failed paging leaves no partial result file', async () => {
    await emulator.restart({ generate: { auditEvents: 250 } })
    emulator.addFault({
      method: 'GET',
      path: '/api/orgs/acme/auditlogs',
      query: 'continuationToken=',
      kind: 'repeat-token',
      count: -1
    })
    const action = await run({ command: 'list-audit-logs', organization: 'acme' })
    expect(action.exitCode).toBe(1)
    expect(action.outputs['result-file']).toBeUndefined()
    const written = Object.keys(await action.files()).filter(name => name.endsWith('.json'))
    expect(written).toEqual([])
  })
})

describe('the result file writer', () => {
  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pca-json-writer-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function streamed<T>(
    command: string,
    write: (writer: JsonStreamWriter) => Promise<T>
  ): Promise<{ path: string; value: T }> {
    const results = new ResultFile(dir, command)
    const value = await results.stream(write)
    return { path: results.path ?? '', value }
  }

  it('writes nested objects and arrays with commas only between items', async () => {
    const { path, value } = await streamed('test', async writer => {
      await writer.begin('{')
      await writer.field('a', 1)
      writer.key('list')
      await writer.begin('[')
      for (let i = 0; i < 3; i++) await writer.value({ i, text: 'x"\n' })
      await writer.begin('[')
      await writer.end()
      await writer.end()
      writer.key('empty')
      await writer.begin('{')
      await writer.end()
      await writer.fields({ b: 'two', c: null, d: undefined })
      await writer.end()
      return 'done'
    })
    expect(value).toBe('done')
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      a: 1,
      list: [{ i: 0, text: 'x"\n' }, { i: 1, text: 'x"\n' }, { i: 2, text: 'x"\n' }, []],
      empty: {},
      b: 'two',
      c: null,
      d: null
    })
  })

  it('streams a document larger than its buffer intact', async () => {
    const item = { text: 'y'.repeat(1000) }
    const { path } = await streamed('big', async writer => {
      await writer.begin('[')
      for (let i = 0; i < 2000; i++) await writer.value({ ...item, i })
      await writer.end()
    })
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { i: number }[]
    expect(parsed.map(x => x.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i))
  })

  it('refuses misuse instead of writing invalid JSON, and removes the file', async () => {
    const writer = await JsonStreamWriter.create(join(dir, 'misuse.json'))
    await writer.begin('{')
    await expect(writer.value(1)).rejects.toThrow('needs a key first')
    expect(() => {
      writer.key('a')
      writer.key('b')
    }).toThrow("key 'b' out of place")
    await writer.abandon()
    let temp = ''
    const results = new ResultFile(dir, 'unfinished')
    await expect(
      results.stream(async w => {
        temp = w.path
        await w.begin('[')
      })
    ).rejects.toThrow('closed before the document was complete')
    await expect(readFile(temp)).rejects.toThrow('ENOENT')
    expect(results.path).toBeUndefined()
  })

  it('names one fresh file per run under the work directory, for the command', async () => {
    const one = new ResultFile(join(dir, 'work'), 'list-stacks')
    const path = await one.settle('[1,2]')
    expect(path).toMatch(/[/\\]work[/\\]list-stacks-\d+-[0-9a-f]{6}\.json$/)
    expect(await readFile(path, 'utf8')).toBe('[1,2]')
    // Settled again (a second publish), it names the same file and writes nothing new.
    expect(await one.settle('[3]')).toBe(path)
    expect(await readFile(path, 'utf8')).toBe('[1,2]')
    const other = new ResultFile(join(dir, 'work'), 'list-stacks')
    expect(await other.settle('[]')).not.toBe(path)
  })

  it('a streamed result is the file the output names; `result` is not written over it', async () => {
    const results = new ResultFile(dir, 'events')
    await results.stream(async writer => {
      await writer.value({ events: [1, 2, 3] })
    })
    const path = results.path ?? ''
    expect(await results.settle('{"digest":true}')).toBe(path)
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ events: [1, 2, 3] })
    // A command streams once: a second stream would make two files for one output.
    await expect(results.stream(async writer => writer.value(1))).rejects.toThrow(
      'The result file of events was already written.'
    )
  })
})
