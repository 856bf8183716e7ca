// Fault injection: rules matched against method + URL path, each applying to a limited
// number of requests. The server consults `take()` once per API request.

export type FaultKind =
  | 'reset'
  | 'status'
  | 'stall'
  | 'slow'
  | 'truncate-gzip'
  | 'corrupt-gzip'
  | 'malformed-json'
  | 'repeat-token'

export interface FaultRule {
  /** default: any method */
  method?: string
  /** glob on the URL path: '*' = one segment, '**' = any number of segments */
  path: string
  /** optional: only requests whose raw query string contains this, e.g. "continuationToken=" */
  query?: string
  kind: FaultKind
  status?: number
  retryAfter?: number
  body?: string
  afterBytes?: number
  delayMs?: number
  /** how many matching requests it applies to; default 1; Infinity or -1 = all */
  count?: number
}

const KINDS: FaultKind[] = [
  'reset',
  'status',
  'stall',
  'slow',
  'truncate-gzip',
  'corrupt-gzip',
  'malformed-json',
  'repeat-token'
]

interface ActiveRule {
  rule: FaultRule
  remaining: number
  regex: RegExp
}

// stands in for '**' while the other segments are escaped; cannot survive escaping itself
const GLOBSTAR = '<<globstar>>'

function globToRegExp(glob: string): RegExp {
  const parts = glob.split('/').map(seg => {
    if (seg === '**') return GLOBSTAR
    return seg
      .split('*')
      .map(lit => lit.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')
  })
  let src = parts.join('/')
  // '/**' matches zero or more whole segments
  src = src.split(`/${GLOBSTAR}`).join('(?:/[^/]*)*').split(GLOBSTAR).join('.*')
  return new RegExp(`^${src}$`)
}

/** Validate a rule coming from JSON (control endpoint); throws with a readable message. */
export function parseFaultRule(v: unknown): FaultRule {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error('fault rule must be an object')
  const o = v as Record<string, unknown>
  if (typeof o['path'] !== 'string') throw new Error('fault rule needs a string "path"')
  const kind = o['kind']
  if (typeof kind !== 'string' || !KINDS.includes(kind as FaultKind)) {
    throw new Error(`fault rule "kind" must be one of ${KINDS.join(', ')}`)
  }
  const rule: FaultRule = { path: o['path'], kind: kind as FaultKind }
  if (typeof o['method'] === 'string') rule.method = o['method']
  if (typeof o['query'] === 'string') rule.query = o['query']
  for (const k of ['status', 'retryAfter', 'afterBytes', 'delayMs', 'count'] as const) {
    const x = o[k]
    if (x !== undefined && x !== null) {
      if (typeof x !== 'number') throw new Error(`fault rule "${k}" must be a number`)
      rule[k] = x
    }
  }
  if (typeof o['body'] === 'string') rule.body = o['body']
  return rule
}

export class FaultSet {
  private rules: ActiveRule[] = []

  add(rule: FaultRule): void {
    const count = rule.count ?? 1
    const remaining = count < 0 || !Number.isFinite(count) ? Number.POSITIVE_INFINITY : count
    this.rules.push({ rule, remaining, regex: globToRegExp(rule.path) })
  }

  clear(): void {
    this.rules = []
  }

  /** The first live rule matching this request, consuming one of its uses. */
  take(method: string, path: string, query = ''): FaultRule | undefined {
    for (const r of this.rules) {
      if (r.remaining <= 0) continue
      if (r.rule.method && r.rule.method.toUpperCase() !== method) continue
      if (!r.regex.test(path)) continue
      if (r.rule.query !== undefined && !query.includes(r.rule.query)) continue
      r.remaining--
      return r.rule
    }
    return undefined
  }
}
