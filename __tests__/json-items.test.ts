/**
 * Paged listings copy the items of each page into the result file as the service sent them:
 * the byte ranges found must be exactly the items JSON.parse sees, whatever the page holds.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { arrayItemSpans, arrayItemsBytes } from '../src/api/json-items.js'
import { JsonStreamWriter } from '../src/result-file.js'

/** Re-reads the spans as JSON values. */
function itemsAt(body: Buffer, key: string): unknown[] | undefined {
  const spans = arrayItemSpans(body, key)
  return spans?.starts.map((start, i): unknown =>
    JSON.parse(body.subarray(start, spans.ends[i]).toString('utf8'))
  )
}

describe('arrayItemSpans', () => {
  it('finds exactly the items JSON.parse finds, for any values and spacing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { maxLength: 8 }),
        fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
        fc.constantFrom(0, 2),
        (events, others, indent) => {
          const rest = Object.fromEntries(Object.entries(others).filter(([k]) => k !== 'events'))
          const text = JSON.stringify({ ...rest, events, tail: rest }, null, indent)
          const body = Buffer.from(text)
          const parsed = JSON.parse(text) as { events: unknown[] }
          expect(itemsAt(body, 'events')).toEqual(parsed.events)
          const all = arrayItemsBytes(body, 'events', parsed.events.length)
          expect(JSON.parse(`[${all?.toString('utf8') ?? ''}]`)).toEqual(parsed.events)
        }
      ),
      { numRuns: 200 }
    )
  })

  it('cuts at an item boundary, and reads a repeated key as JSON.parse does (the last)', () => {
    const body = Buffer.from(
      '{ "events" : [1], "note": "a \\"]\\" \\\\", "events":[ {"a":"}]\\""} , [2,[3]] ,"x" ],"t":null}'
    )
    const parsed = JSON.parse(body.toString()) as { events: unknown[] }
    expect(itemsAt(body, 'events')).toEqual(parsed.events)
    expect(JSON.parse(`[${arrayItemsBytes(body, 'events', 3, 2)?.toString() ?? ''}]`)).toEqual(
      parsed.events.slice(0, 2)
    )
  })

  it('has nothing to copy when the array is missing, null or not what was parsed', () => {
    expect(arrayItemSpans(Buffer.from('{"events":null}'), 'events')).toBeUndefined()
    expect(arrayItemSpans(Buffer.from('[1,2]'), 'events')).toBeUndefined()
    expect(arrayItemSpans(Buffer.from('{"other":[1]}'), 'events')).toBeUndefined()
    expect(arrayItemsBytes(Buffer.from('{"events":[1,2]}'), 'events', 3)).toBeUndefined()
    expect(arrayItemsBytes(Buffer.from('{"events":[]}'), 'events', 0)?.length).toBe(0)
  })
})

describe('JsonStreamWriter.rawItems', () => {
  it('writes copied items and serialised values into one valid document', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'pca-items-')), 'result.json')
    const writer = await JsonStreamWriter.create(path)
    const page = Buffer.from('{"events":[{"n":1}, {"n":2}],"continuationToken":"x"}')
    await writer.begin('{')
    writer.key('events')
    await writer.begin('[')
    await writer.value({ n: 0 })
    await writer.rawItems(arrayItemsBytes(page, 'events', 2) ?? Buffer.alloc(0))
    await writer.rawItems(Buffer.alloc(0))
    await writer.rawItems(Buffer.from('{"n":3}'))
    await writer.end()
    await writer.field('count', 4)
    await writer.end()
    await writer.close()
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      events: [{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }],
      count: 4
    })
  })
})
