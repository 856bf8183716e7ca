/**
 * Pure parsers for action inputs: each takes the raw string and returns a typed value or
 * throws an InputError naming the input and the form it expects. No I/O here.
 */
import { isPulumiName, PULUMI_NAME_RULE } from './pulumi-names.js'

/** A user mistake in the workflow file, reported before any request is sent. */
export class InputError extends Error {
  override readonly name = 'InputError'
  constructor(
    readonly input: string,
    problem: string
  ) {
    super(`Input '${input}': ${problem}`)
  }
}

/** A stack, where `project` and `stack` may hold `*` wildcards (resolved through list-stacks). */
export interface StackPattern {
  organization: string
  project: string
  stack: string
}

const ORG_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/
const WILDCARD_PART = /^[A-Za-z0-9_.*-]{1,100}$/

/** `.` and `..` would be removed from a URL path and so address another resource. */
export function isDotSegment(raw: string): boolean {
  return raw === '.' || raw === '..'
}

/**
 * A name used as one URL path segment (webhook, token ID, update ID, user login): `pattern`
 * gives the allowed characters; `.` and `..` are refused whatever the pattern allows.
 */
export function parsePathName(input: string, raw: string, pattern: RegExp, what: string): string {
  if (!pattern.test(raw) || isDotSegment(raw)) {
    throw new InputError(
      input,
      `'${raw}' is not ${what}${isDotSegment(raw) ? " ('.' and '..' are not names)" : ''}`
    )
  }
  return raw
}

export function hasWildcard(pattern: StackPattern): boolean {
  return pattern.project.includes('*') || pattern.stack.includes('*')
}

/** Lines of the multiline inputs, trimmed, blanks and `#` comments dropped. */
export function lines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line !== '' && !line.startsWith('#'))
}

export function parseName(
  input: string,
  raw: string,
  kind: 'organization' | 'project' | 'stack'
): string {
  if (kind === 'organization') {
    if (!ORG_NAME.test(raw) || raw.includes('..'))
      throw new InputError(
        input,
        `'${raw}' is not a valid organization name (letters, digits, '-', '_', starting with a letter or digit; at most 100 characters; no '..')`
      )
    return raw
  }
  // Pulumi's own rule (src/pulumi-names.ts): `_sandbox` and `.hidden` are stack names.
  if (!isPulumiName(raw))
    throw new InputError(
      input,
      `'${raw}' is not a valid ${kind} name (${PULUMI_NAME_RULE}; not '.' or '..')`
    )
  return raw
}

/**
 * `org/project/stack`, `project/stack` or `stack`, one per line, completed from the
 * `organization` and `project` inputs. `*` is allowed in the project and stack parts.
 */
export function parseStacks(
  raw: string,
  defaults: { organization?: string; project?: string },
  input = 'stack'
): StackPattern[] {
  const entries = lines(raw)
  if (entries.length === 0) throw new InputError(input, 'is empty; give org/project/stack')
  return entries.map(entry => parseStackLine(entry, defaults, input))
}

function parseStackLine(
  entry: string,
  defaults: { organization?: string; project?: string },
  input: string
): StackPattern {
  const parts = entry.split('/')
  if (parts.length > 3 || parts.some(part => part === '')) {
    throw new InputError(
      input,
      `'${entry}' must be org/project/stack, project/stack or stack (no empty parts, at most two '/')`
    )
  }
  const [first, second, third] = parts as [string, string?, string?]
  const organization = third !== undefined ? first : defaults.organization
  const project = third !== undefined ? second : second !== undefined ? first : defaults.project
  const stack = third ?? second ?? first
  if (organization === undefined) {
    throw new InputError(
      input,
      `'${entry}' has no organization: write org/project/stack or set the input 'organization'`
    )
  }
  if (project === undefined) {
    throw new InputError(
      input,
      `'${entry}' has no project: write project/stack or set the input 'project'`
    )
  }
  parseName(input, organization, 'organization')
  for (const [part, kind] of [
    [project, 'project'],
    [stack, 'stack']
  ] as const) {
    if (part.includes('*')) {
      if (!WILDCARD_PART.test(part))
        throw new InputError(input, `'${part}' is not a valid ${kind} name or pattern`)
    } else {
      parseName(input, part, kind)
    }
  }
  return { organization, project, stack }
}

export function parseBoolean(input: string, raw: string): boolean {
  if (/^(true|yes|on|1)$/i.test(raw)) return true
  if (/^(false|no|off|0)$/i.test(raw)) return false
  throw new InputError(input, `'${raw}' is not a boolean; use true or false`)
}

export function parseInteger(input: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw new InputError(input, `'${raw}' is not a whole number`)
  const value = Number(raw)
  if (value < min || value > max)
    throw new InputError(input, `${value} is out of range (${min} to ${max})`)
  return value
}

export function parseChoice<T extends string>(
  input: string,
  raw: string,
  choices: readonly T[]
): T {
  const found = choices.find(choice => choice === raw.toLowerCase())
  if (found === undefined)
    throw new InputError(input, `'${raw}' is not one of ${choices.join(', ')}`)
  return found
}

export function parseHttpUrl(input: string, raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new InputError(input, `'${raw}' is not a URL; give an http:// or https:// URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(input, `'${raw}' must be an http:// or https:// URL`)
  }
  // Credentials in a URL travel with every request and show in logs and links: never quoted.
  if (url.username || url.password) {
    throw new InputError(
      input,
      'must not hold a user name or password (user:password@host): they would be sent with every request and shown in logs and links; give the token as access-token instead'
    )
  }
  return raw.replace(/\/+$/, '')
}

/** Unix seconds or an ISO-8601 date (`2026-01-31`, `2026-01-31T12:00:00Z`), as unix seconds. */
export function parseTime(input: string, raw: string): number {
  if (/^\d{1,12}$/.test(raw)) return Number(raw)
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw)) {
    const ms = Date.parse(raw)
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000)
  }
  throw new InputError(
    input,
    `'${raw}' is neither unix seconds nor an ISO-8601 date (e.g. 2026-01-31T00:00:00Z)`
  )
}

const DURATION_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86_400, w: 604_800 }

/** Token expiry: `0` (never), unix seconds, an ISO date, or a duration from now like `30d`. */
export function parseExpiry(input: string, raw: string, now = Date.now()): number {
  if (raw === '0') return 0
  const duration = /^(\d{1,6})([mhdw])$/.exec(raw)
  if (duration)
    return (
      Math.floor(now / 1000) + Number(duration[1]) * (DURATION_SECONDS[duration[2] ?? 'd'] ?? 0)
    )
  try {
    return parseTime(input, raw)
  } catch {
    throw new InputError(
      input,
      `'${raw}' is not 0, unix seconds, an ISO date or a duration such as 30d, 12h, 2w`
    )
  }
}

/** `name=value` lines, or a JSON object of strings. */
export function parseTags(input: string, raw: string): Record<string, string> {
  const trimmed = raw.trim()
  if (trimmed.startsWith('{')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(trimmed)
    } catch {
      throw new InputError(
        input,
        'looks like JSON but does not parse; give a JSON object or name=value lines'
      )
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new InputError(input, 'must be a JSON object of name to value')
    }
    return Object.fromEntries(
      Object.entries(parsed).map(([name, value]) => [
        checkTagName(input, name),
        typeof value === 'string' ? value : JSON.stringify(value)
      ])
    )
  }
  const tags: Record<string, string> = {}
  for (const line of lines(raw)) {
    const equals = line.indexOf('=')
    if (equals <= 0) throw new InputError(input, `line '${line}' is not name=value`)
    tags[checkTagName(input, line.slice(0, equals).trim())] = line.slice(equals + 1).trim()
  }
  if (Object.keys(tags).length === 0) throw new InputError(input, 'has no name=value lines')
  return tags
}

/** A tag name (also a URL path segment of delete-stack-tag, so never `.` or `..`). */
export function checkTagName(input: string, name: string): string {
  if (!/^[A-Za-z0-9_.:-]{1,40}$/.test(name) || isDotSegment(name)) {
    throw new InputError(
      input,
      `tag name '${name}' is invalid (letters, digits, '_', '.', ':', '-'; at most 40 characters; not '.' or '..')`
    )
  }
  return name
}

/** One per line or comma-separated. */
export function parseList(raw: string): string[] {
  return lines(raw)
    .flatMap(line => line.split(','))
    .map(item => item.trim())
    .filter(item => item !== '')
}

/** Stack permission as a word or the service's number. */
export function parsePermission(input: string, raw: string): 101 | 102 | 103 {
  const byName: Record<string, 101 | 102 | 103> = {
    read: 101,
    edit: 102,
    write: 102,
    admin: 103,
    '101': 101,
    '102': 102,
    '103': 103
  }
  const value = byName[raw.toLowerCase()]
  if (value === undefined)
    throw new InputError(input, `'${raw}' is not one of read, edit, admin (or 101, 102, 103)`)
  return value
}

/** A positive number of minutes, decimals allowed (`0.5`), up to `max`. */
export function parseMinutes(input: string, raw: string, max: number): number {
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(raw))
    throw new InputError(input, `'${raw}' is not a number of minutes (e.g. 10 or 0.5)`)
  const value = Number(raw)
  if (value <= 0 || value > max)
    throw new InputError(input, `${value} is out of range (more than 0, at most ${max})`)
  return value
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/

/**
 * `KEY=VALUE` lines. Every value is a secret: an error names the line by its key alone,
 * never quoting the value.
 */
export function parseEnvironmentVariables(input: string, raw: string): Record<string, string> {
  const variables: Record<string, string> = {}
  raw.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.trim().startsWith('#')) return
    const equals = line.indexOf('=')
    const name = equals < 0 ? '' : line.slice(0, equals).trim()
    if (!ENV_NAME.test(name))
      throw new InputError(
        input,
        `line ${index + 1} is not KEY=VALUE with a variable name of letters, digits and '_'`
      )
    if (name in variables) throw new InputError(input, `${name} is given twice`)
    variables[name] = line.slice(equals + 1)
  })
  if (Object.keys(variables).length === 0) throw new InputError(input, 'has no KEY=VALUE lines')
  return variables
}

/** A git branch or tag name as git allows it (check-ref-format), without the refs/ prefix rules. */
export function parseGitRef(input: string, raw: string): string {
  if (
    raw.length > 255 ||
    // eslint-disable-next-line no-control-regex
    /[\s\u0000-\u001f\u007f~^:?*[\\]|\.\.|@\{|\/\/|^\/|\/$|\.lock$|^-/.test(raw)
  )
    throw new InputError(input, `'${raw}' is not a valid git branch or ref name`)
  return raw
}

export function parseGitCommit(input: string, raw: string): string {
  if (!/^[0-9a-f]{7,64}$/i.test(raw))
    throw new InputError(input, `'${raw}' is not a commit SHA (7 to 64 hex digits)`)
  return raw.toLowerCase()
}

/** A GitHub environment name: what GitHub accepts (at most 255 characters), on one line. */
export function parseEnvironmentName(input: string, raw: string): string {
  // eslint-disable-next-line no-control-regex
  if (raw.length > 255 || /[\u0000-\u001f\u007f]/.test(raw))
    throw new InputError(
      input,
      'is not a GitHub environment name (one line, at most 255 characters)'
    )
  return raw
}
