/**
 * Checked readers: a parsed API answer is `unknown` until a reader has looked at every field
 * the action uses. A reader returns the typed value or throws a ResponseFieldError naming the
 * request, the field and what was expected. Hand-written on purpose: a schema library would
 * cost bundle size and cold start for a few dozen shapes.
 *
 * Two kinds of field: those that pick paths, URLs, outputs or decisions (ids, versions,
 * statuses, names) are checked strictly and fail the read; numbers only shown in a summary
 * (`shown`) become INVALID instead, so one odd count does not fail a whole listing.
 */
import { isPulumiName, PULUMI_NAME_RULE } from '../../pulumi-names.js'
import { ResponseFieldError } from '../errors.js'
import { INVALID, type Shown } from '../types.js'

/** The request a document answered, for error messages. */
export interface Site {
  method: string
  path: string
  /** The answer's X-Pulumi-Request-ID, when it had one. */
  requestId?: string | undefined
}

/**
 * Where a reader is in the document: the request, and the field path within its answer.
 * The path is built only when a read fails: a listing of 100,000 events passes through a
 * million fields, and spelling out `auditLogEvents[71234].user.name` for each cost more than
 * checking it.
 */
export class At {
  constructor(
    readonly site: Site,
    private readonly parent?: At,
    private readonly step?: string | number
  ) {}

  key(name: string): At {
    return new At(this.site, this, name)
  }

  index(position: number): At {
    return new At(this.site, this, position)
  }

  /** The field path, e.g. `updates[0].version` ('' for the whole answer). */
  get field(): string {
    if (this.parent === undefined || this.step === undefined) return ''
    const above = this.parent.field
    if (typeof this.step === 'number') return `${above}[${this.step}]`
    return above === '' ? this.step : `${above}.${this.step}`
  }

  /** Throws: the value here is not `expected` (e.g. "an integer"). */
  fail(expected: string, value: unknown): never {
    const { method, path, requestId } = this.site
    throw new ResponseFieldError(
      method,
      path,
      this.field,
      expected,
      quote(method, value),
      requestId
    )
  }
}

/** Longest quoted value in a message; the rest is cut (the value is hostile and may be huge). */
const QUOTE_CHARACTERS = 60

/**
 * The value as an error message may show it: JSON-quoted and cut. A write's answer may hold a
 * secret not yet masked (create-token's value), so for a write only the JSON type is said.
 * Escaping for logs and markdown happens where the message is shown (main.ts fail()).
 */
function quote(method: string, value: unknown): string {
  if (value === undefined) return '(absent)'
  if (method !== 'GET') return `a value of type ${typeName(value)}`
  const json = JSON.stringify(value)
  return json.length > QUOTE_CHARACTERS ? `${json.slice(0, QUOTE_CHARACTERS)}…` : json
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

export type Reader<T> = (value: unknown, at: At) => T

/** Reads a whole answer of `site` with `read`: the entry point the client uses. */
export function readAnswer<T>(read: Reader<T>, value: unknown, site: Site): T {
  return read(value, new At(site))
}

// --- scalars -----------------------------------------------------------------------------

export const text: Reader<string> = (value, at) =>
  typeof value === 'string' ? value : at.fail('a string', value)

export const boolean: Reader<boolean> = (value, at) =>
  typeof value === 'boolean' ? value : at.fail('true or false', value)

/** A whole number, as ids, versions and times are. */
export const integer: Reader<number> = (value, at) =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : at.fail('an integer', value)

/** A non-negative whole number (a count, a version). */
export const count: Reader<number> = (value, at) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
    ? value
    : at.fail('a whole number of at least 0', value)

/**
 * An identifier that may reach a path, a URL or a step output: letters, digits, `.`, `_`,
 * `-`, starting with a letter or digit (UUIDs, update and deployment ids, token values,
 * webhook names). Nothing here can break out of a GITHUB_OUTPUT line, a URL segment or
 * markdown code. Organization, project and stack names are `pulumiName`: Pulumi lets them
 * start with `_` or `.`.
 */
const IDENTIFIER = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254})$/

export const identifier: Reader<string> = (value, at) =>
  typeof value === 'string' && IDENTIFIER.test(value)
    ? value
    : at.fail('an identifier (letters, digits, ".", "_", "-")', value)

/** An organization, project or stack name as Pulumi allows it (src/pulumi-names.ts). */
export const pulumiName: Reader<string> = (value, at) =>
  typeof value === 'string' && isPulumiName(value)
    ? value
    : at.fail(`a Pulumi name (${PULUMI_NAME_RULE}; not '.' or '..')`, value)

/** One of `values` exactly (an API enum such as UpdateResult). */
export function oneOf<const V extends string>(values: readonly V[]): Reader<V> {
  const known = new Set<string>(values)
  const expected = `one of ${values.map(v => JSON.stringify(v)).join(', ')}`
  return (value, at) =>
    typeof value === 'string' && known.has(value) ? (value as V) : at.fail(expected, value)
}

/**
 * A displayed number: never fails the read; anything but a finite number becomes INVALID,
 * so the hostile value is neither shown nor passed on.
 */
export const shown: Reader<Shown> = value =>
  typeof value === 'number' && Number.isFinite(value) ? value : INVALID

// --- structure ---------------------------------------------------------------------------

/** Absent and null both read as undefined; anything else must pass `read`. */
export function optional<T>(read: Reader<T>): Reader<T | undefined> {
  return (value, at) => (value === undefined || value === null ? undefined : read(value, at))
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A JSON object (not an array, not null). */
export const record: Reader<Record<string, unknown>> = (value, at) =>
  isRecord(value) ? value : at.fail('an object', value)

/** An array whose every item passes `read`; absent or null is an empty list. */
export function list<T>(read: Reader<T>): Reader<T[]> {
  return (value, at) => {
    if (value === undefined || value === null) return []
    if (!Array.isArray(value)) return at.fail('an array', value)
    return value.map((item, position) => read(item, at.index(position)))
  }
}

/** An object of string values (stack tags, environment). */
export const stringMap: Reader<Record<string, string>> = (value, at) => {
  const source = record(value, at)
  for (const [key, item] of Object.entries(source)) text(item, at.key(key))
  return source as Record<string, string>
}

/** An object of shown numbers (resourceChanges). */
export const shownMap: Reader<Partial<Record<string, Shown>>> = (value, at) => {
  const source = record(value, at)
  return Object.fromEntries(Object.entries(source).map(([key, item]) => [key, shown(item, at)]))
}

/** The keys of T that may be left out (or hold undefined). */
type OptionalKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T]

/**
 * A reader for every field of T: none may be left out (an optional field's reader may read
 * undefined), and none may be added (T must declare it). So a field an API type declares is
 * always a checked field: the compiler refuses a type that grows a field its reader skips.
 */
export type ShapeOf<T> = {
  [K in keyof T]-?: K extends OptionalKeys<T> ? Reader<T[K] | undefined> : Reader<T[K]>
}

/**
 * An object of type T (given explicitly: `object<Stack>({...})`) whose every declared field
 * passes its reader; other fields pass through as sent (they reach `result` untouched). A
 * field read as undefined is left out.
 */
export function object<T>(shape: NoInfer<ShapeOf<T>>): Reader<T> {
  const entries = Object.entries(shape as Record<string, Reader<unknown>>)
  return (value, at) => {
    const source = record(value, at)
    // Copied only when a reader changed a field (a null read as absent, an odd number read
    // as INVALID, a nested object that changed): most objects come back as they were parsed,
    // and a listing of 100,000 events is not copied event by event. The copy keeps the
    // document's own order, so `result` keeps the fields as the service sent them; spread
    // defines each key as an own field, so a `__proto__` key never sets a prototype.
    let checked: Record<string, unknown> | undefined
    for (const [key, read] of entries) {
      const sent = source[key]
      const field = read(sent, at.key(key))
      if (field === sent && (field !== undefined || !Object.hasOwn(source, key))) continue
      checked ??= { ...source }
      if (field === undefined) Reflect.deleteProperty(checked, key)
      else checked[key] = field
    }
    // Every key of T has had its reader (ShapeOf<T>), so the object is a T.
    return (checked ?? source) as T
  }
}

/** A paged listing: the items under `key` and the token of the next page. */
export interface Page<T> {
  items: T[]
  continuationToken?: string | undefined
}

/**
 * A page of a listing that continues with `continuationToken` (stacks, members, tokens,
 * audit logs, engine events); the items under `key` each pass `read`.
 */
export function page<T>(key: string, read: Reader<T>): Reader<Page<T>> {
  const items = list(read)
  const token = optional(text)
  return (value, at) => {
    const source = record(value, at)
    const next = token(source.continuationToken, at.key('continuationToken'))
    return { items: items(source[key], at.key(key)), continuationToken: next }
  }
}

/** `read`, or the empty string the service sends for "none" (a stack's activeUpdate). */
export function emptyOr(read: Reader<string>): Reader<string> {
  return (value, at) => (value === '' ? '' : read(value, at))
}

/** A string with something in it (an access token). */
export const filled: Reader<string> = (value, at) =>
  typeof value === 'string' && value !== '' ? value : at.fail('a non-empty string', value)

/**
 * An http(s) URL without spaces or control characters: one that may become a step output or
 * a link (a deployment's console URL).
 */
export const httpUrl: Reader<string> = (value, at) => {
  // eslint-disable-next-line no-control-regex
  if (typeof value === 'string' && /^https?:\/\/[^\s\u0000-\u001f\u007f]+$/.test(value)) {
    if (URL.canParse(value)) return value
  }
  return at.fail('an http(s) URL', value)
}
