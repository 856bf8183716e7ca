/**
 * Waiting for something that happens in Pulumi Cloud: a deadline from `timeout-minutes`, a
 * backoff that starts small (a quick operation is seen quickly, tests stay fast) and grows to a
 * polite interval, and pauses that end at once when the run is cancelled (SIGINT/SIGTERM).
 */

/** The run was cancelled (the runner sent SIGINT or SIGTERM) while waiting. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError'
}

/** Waiting took longer than `timeout-minutes`. */
export class WaitTimeoutError extends Error {
  override readonly name = 'WaitTimeoutError'
}

export const DEFAULT_TIMEOUT_MINUTES = 60

export class Deadline {
  private readonly start = Date.now()
  readonly ms: number

  constructor(minutes: number) {
    this.ms = Math.round(minutes * 60_000)
  }

  elapsedMs(): number {
    return Date.now() - this.start
  }

  remainingMs(): number {
    return Math.max(0, this.ms - this.elapsedMs())
  }

  expired(): boolean {
    return this.remainingMs() === 0
  }

  /** "3 s" or "2.5 min", as a timeout message says it. */
  describe(): string {
    const seconds = this.ms / 1000
    return seconds < 120 ? `${+seconds.toFixed(1)} s` : `${+(seconds / 60).toFixed(2)} min`
  }
}

/** Poll intervals: 250 ms doubling to 10 s; `reset` after progress polls quickly again. */
export class Backoff {
  private current: number

  constructor(
    private readonly firstMs = 250,
    private readonly maxMs = 10_000
  ) {
    this.current = firstMs
  }

  next(): number {
    const value = this.current
    this.current = Math.min(this.maxMs, this.current * 2)
    return value
  }

  reset(): void {
    this.current = this.firstMs
  }
}

/**
 * Sleeps `ms`, but never past the deadline; throws CancelledError as soon as `signal` aborts
 * (also when it already had).
 */
export async function pause(ms: number, signal: AbortSignal, deadline?: Deadline): Promise<void> {
  const wait = deadline === undefined ? ms : Math.min(ms, deadline.remainingMs())
  if (signal.aborted) throw new CancelledError(cancelReason(signal))
  const aborted = await new Promise<boolean>(resolve => {
    const finish = (value: boolean): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      resolve(value)
    }
    const onAbort = (): void => {
      finish(true)
    }
    const timer = setTimeout(() => {
      finish(false)
    }, wait)
    signal.addEventListener('abort', onAbort)
  })
  if (aborted) throw new CancelledError(cancelReason(signal))
}

function cancelReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason
  return reason instanceof Error ? reason.message : 'The run was cancelled'
}
