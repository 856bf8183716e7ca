/**
 * Every bound the action puts on what a server can make it do, in one place (the README's
 * Reliability section lists these values). Each one ends in a clear error, never in a hang
 * or a crash.
 */

export interface Limits {
  /** Largest buffered (JSON) response body, after gzip decoding. */
  maxJsonBodyBytes: number
  /**
   * A buffered request (headers and whole body) must be done within this many times
   * `timeout-seconds`: the idle timeout alone never fires on a server trickling bytes.
   */
  bufferedDeadlineFactor: number
  /** A download fails when fewer bytes than this per second arrive over a whole window. */
  minDownloadBytesPerSecond: number
  downloadRateWindowSeconds: number
  /** Pages one paged listing may have; a service repeating new tokens forever stops here. */
  maxPages: number
  /** Total time one run may spend waiting between retries, across all its requests. */
  retryBudgetSeconds: number
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxJsonBodyBytes: 64 * 1024 * 1024,
  bufferedDeadlineFactor: 3,
  minDownloadBytesPerSecond: 1024,
  downloadRateWindowSeconds: 60,
  maxPages: 100_000,
  retryBudgetSeconds: 300
})

/**
 * Tests (the hostile-server suite runs the bundled action) lower limits that would take
 * minutes to reach through this variable: a JSON object of Limits fields. Unknown fields and
 * values that are not positive numbers are ignored, so it can only be used to set limits.
 */
export const LIMITS_ENV = 'PULUMI_CLOUD_ACTION_TEST_LIMITS'

let current: Limits = fromEnvironment(process.env[LIMITS_ENV])

/** The limits in force. */
export function limits(): Readonly<Limits> {
  return current
}

/**
 * Overrides some limits (unit tests); returns the function that restores the previous ones.
 * @public (for tests not yet written; knip keeps it)
 */
export function setLimits(overrides: Partial<Limits>): () => void {
  const previous = current
  current = { ...current, ...overrides }
  return () => {
    current = previous
  }
}

function fromEnvironment(raw: string | undefined): Limits {
  if (!raw) return { ...DEFAULT_LIMITS }
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return { ...DEFAULT_LIMITS }
  }
  const out: Limits = { ...DEFAULT_LIMITS }
  if (typeof parsed !== 'object' || parsed === null) return out
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const value = (parsed as Record<string, unknown>)[key]
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) out[key] = value
  }
  return out
}

/** The whole-request deadline of a buffered request, in milliseconds. */
export function bufferedDeadlineMs(timeoutSeconds: number): number {
  return timeoutSeconds * current.bufferedDeadlineFactor * 1000
}

/**
 * The whole-request deadline of a streamed upload of `bytes`: the buffered deadline plus the
 * time those bytes take at the rate floor, so a large state is never cut short for its size.
 */
export function uploadDeadlineMs(timeoutSeconds: number, bytes: number): number {
  return (
    bufferedDeadlineMs(timeoutSeconds) + Math.ceil(bytes / current.minDownloadBytesPerSecond) * 1000
  )
}

/** Shared by every request of one client: the waits between retries draw on it. */
export class RetryBudget {
  private spentMs = 0

  constructor(private readonly totalMs = current.retryBudgetSeconds * 1000) {}

  /** Takes `ms` from the budget, or returns false (and takes nothing) when it would run out. */
  take(ms: number): boolean {
    if (this.spentMs + ms > this.totalMs) return false
    this.spentMs += ms
    return true
  }

  get seconds(): number {
    return Math.round(this.totalMs / 100) / 10
  }
}

/**
 * Watches a download's (or upload's) rate: `add` for every chunk, which throws (with the reason) once a
 * whole window has passed with fewer bytes than the floor allows.
 */
export class RateFloor {
  private windowStart = Date.now()
  private windowBytes = 0
  readonly windowMs = current.downloadRateWindowSeconds * 1000
  readonly floor = current.minDownloadBytesPerSecond

  /** The same floor bounds an import's upload (bytes handed to the socket). */
  constructor(private readonly what: 'download' | 'upload' = 'download') {}

  /** Returns a reason to fail, or undefined while the rate is acceptable. */
  add(bytes: number, now = Date.now()): string | undefined {
    this.windowBytes += bytes
    const elapsed = now - this.windowStart
    if (elapsed < this.windowMs) return undefined
    const rate = (this.windowBytes * 1000) / elapsed
    if (rate < this.floor) {
      return `the ${this.what} ran below ${this.floor} bytes/s (${Math.round(rate)} bytes/s over ${Math.round(elapsed / 1000)} s)`
    }
    this.windowStart = now
    this.windowBytes = 0
    return undefined
  }
}
