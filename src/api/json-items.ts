/**
 * Finds the items of one array in a JSON page as byte ranges, so that a paged listing can
 * copy the items the service sent into the result file without serialising each one again.
 * The page has already been parsed (JSON.parse proved it valid JSON); this only locates
 * positions, and the caller checks it found as many items as JSON.parse did.
 */

import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  WHITESPACE
} from './json-bytes.js'

/** The array's items: item i spans [starts[i], ends[i]) of the page. */
export interface ItemSpans {
  starts: number[]
  ends: number[]
}

/**
 * The items of the array under `key` of the top-level object of `body`, or undefined when
 * the page has no such array (a missing or null value, or a page that is not an object).
 * A key given twice is read as JSON.parse reads it: the last one counts.
 */
export function arrayItemSpans(body: Buffer, key: string): ItemSpans | undefined {
  let at = skipSpace(body, 0)
  if (body[at] !== OPEN_OBJECT) return undefined
  at = skipSpace(body, at + 1)
  const wanted = Buffer.from(JSON.stringify(key))
  let found: ItemSpans | undefined
  while (at < body.length && body[at] === QUOTE) {
    const keyEnd = stringEnd(body, at)
    const matches =
      keyEnd - at === wanted.length && body.compare(wanted, 0, wanted.length, at, keyEnd) === 0
    at = skipSpace(body, keyEnd)
    if (body[at] !== COLON) return undefined
    at = skipSpace(body, at + 1)
    if (matches) {
      found = body[at] === OPEN_ARRAY ? { starts: [], ends: [] } : undefined
      at = found === undefined ? valueEnd(body, at) : items(body, at, found)
    } else at = valueEnd(body, at)
    at = skipSpace(body, at)
    if (body[at] !== COMMA) break
    at = skipSpace(body, at + 1)
  }
  return found
}

/** What a byte is to the item scan (items()); 0 is any other byte. */
const SPACE = 1
const IN_QUOTE = 2
const IN_OPEN = 3
const IN_CLOSE = 4
const IN_COMMA = 5
const KIND = new Uint8Array(256)
for (const byte of WHITESPACE) KIND[byte] = SPACE
KIND[QUOTE] = IN_QUOTE
KIND[OPEN_OBJECT] = IN_OPEN
KIND[OPEN_ARRAY] = IN_OPEN
KIND[CLOSE_OBJECT] = IN_CLOSE
KIND[CLOSE_ARRAY] = IN_CLOSE
KIND[COMMA] = IN_COMMA

/**
 * Records the items of the array opening at `open`; returns the index past its `]`.
 * A page of 100 audit events or 1,000 engine events is nearly all item bytes, so this is
 * one loop with its state in locals (as the export's scanner does): a table lookup a byte
 * between strings, two comparisons a byte inside one. Finding each short string's end with
 * indexOf cost more per call than it saved.
 */
function items(body: Buffer, open: number, spans: ItemSpans): number {
  const end = body.length
  // Depth inside the array; the item being read starts at `start` and, so far, ends at `last`.
  let depth = 0
  let start = -1
  let last = -1
  for (let at = open + 1; at < end; at++) {
    const kind = KIND[body[at] as number] as number
    if (kind === SPACE) continue
    if (depth === 0) {
      if (kind === IN_COMMA || kind === IN_CLOSE) {
        if (start !== -1) {
          spans.starts.push(start)
          spans.ends.push(last)
          start = -1
        }
        if (kind === IN_CLOSE) return at + 1
        continue
      }
      if (start === -1) start = at
    }
    if (kind === IN_QUOTE) {
      // Inside a string only a quote or a backslash matters.
      for (at++; at < end; at++) {
        const byte = body[at]
        if (byte === QUOTE) break
        if (byte === BACKSLASH) at++
      }
    } else if (kind === IN_OPEN) depth++
    else if (kind === IN_CLOSE) depth--
    last = at + 1
  }
  return end
}

/** The index just past the string whose opening quote is at `quote`. */
function stringEnd(body: Buffer, quote: number): number {
  let at = quote + 1
  for (;;) {
    const close = body.indexOf(QUOTE, at)
    if (close === -1) return body.length
    // A quote preceded by an odd number of backslashes is escaped.
    let slashes = 0
    while (body[close - 1 - slashes] === BACKSLASH) slashes++
    if (slashes % 2 === 0) return close + 1
    at = close + 1
  }
}

/** The index just past the value starting at `start`. */
function valueEnd(body: Buffer, start: number): number {
  const first = body[start]
  if (first === QUOTE) return stringEnd(body, start)
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    // A number, true, false or null: up to the next delimiter.
    let at = start
    while (at < body.length) {
      const byte = body[at] as number
      if (byte === COMMA || byte === CLOSE_ARRAY || byte === CLOSE_OBJECT || byte <= 0x20) break
      at++
    }
    return at
  }
  let depth = 0
  for (let at = start; at < body.length; at++) {
    const byte = body[at]
    if (byte === QUOTE) at = stringEnd(body, at) - 1
    else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++
    else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--
      if (depth === 0) return at + 1
    }
  }
  return body.length
}

function skipSpace(body: Buffer, from: number): number {
  let at = from
  while (at < body.length && (body[at] as number) <= 0x20) at++
  return at
}

/**
 * The first `count` items (all by default) of the array under `key`, which holds `expected`
 * items, as one slice of `body`: the items and the commas between them, exactly as sent.
 * Undefined when the page has no such array.
 */
export function arrayItemsBytes(
  body: Buffer,
  key: string,
  expected: number,
  count = expected
): Buffer | undefined {
  const spans = arrayItemSpans(body, key)
  // Not the items JSON.parse found (it never is for valid JSON): the caller serialises.
  if (spans?.ends.length !== expected) return undefined
  const last = Math.min(count, spans.ends.length) - 1
  if (last < 0) return body.subarray(0, 0)
  return body.subarray(spans.starts[0], spans.ends[last])
}
