import { NetworkError, PulumiApiError } from './errors.js'
import type { RetryBudget } from './limits.js'

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number
  baseDelayMs: number
  maxDelayMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 }

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined
  const trimmed = header.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

function isRetryable(error: unknown): boolean {
  if (error instanceof NetworkError) return true
  return error instanceof PulumiApiError && (error.status === 429 || error.status >= 500)
}

/**
 * How long to wait before attempt `failedAttempt + 1`, or undefined when the error is final.
 * The service's Retry-After wins (capped); otherwise exponential backoff with full jitter
 * on the upper half, so parallel jobs hitting the same limit spread out.
 */
export function retryDelayMs(
  error: unknown,
  failedAttempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random
): number | undefined {
  if (failedAttempt >= policy.attempts || !isRetryable(error)) return undefined
  const serviceAsked = error instanceof PulumiApiError ? error.retryAfterMs : undefined
  if (serviceAsked !== undefined) return Math.min(serviceAsked, policy.maxDelayMs)
  const exponential = Math.min(policy.baseDelayMs * 2 ** (failedAttempt - 1), policy.maxDelayMs)
  return Math.round(exponential / 2 + (random() * exponential) / 2)
}

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}

/**
 * Runs `attempt` until it succeeds or fails for good (see retryDelayMs). The last error is
 * thrown, saying how many attempts were made when there was more than one.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  debug: (message: string) => void,
  label: string,
  attempt: () => Promise<T>,
  budget?: RetryBudget
): Promise<T> {
  for (let failed = 0; ;) {
    try {
      return await attempt()
    } catch (error) {
      failed += 1
      const delay = retryDelayMs(error, failed, policy)
      if (delay === undefined) throw failed > 1 ? gaveUp(error, failed) : error
      if (budget !== undefined && !budget.take(delay)) throw budgetSpent(error, failed, budget)
      debug(`${label}: ${(error as Error).message}; attempt ${failed + 1} in ${delay} ms`)
      await sleep(delay)
    }
  }
}

/** The last error of a retried request, saying how many attempts were made. */
function gaveUp(error: unknown, attempts: number): unknown {
  if (error instanceof Error)
    error.message = `${error.message} (gave up after ${attempts} attempts)`
  return error
}

/** The last error of a request that could not be retried again: the run's budget is spent. */
function budgetSpent(error: unknown, attempts: number, budget: RetryBudget): unknown {
  if (error instanceof Error)
    error.message = `${error.message} (not retried again after ${attempts} attempt(s): this run already spent its ${budget.seconds} s budget of waiting between retries)`
  return error
}
