import {
  NetworkError,
  PulumiApiError,
  TimeoutError,
  hintFor,
  notRetriedNote
} from './api/errors.js'

/** The one-paragraph message a failed step shows: what failed, then what to do. */
export function describeFailure(error: unknown): string {
  if (error instanceof PulumiApiError) {
    const parts = [error.message, hintFor(error)]
    if (error.requestId) parts.push(`(request ID ${error.requestId})`)
    return parts.filter(part => part !== '').join(' ')
  }
  if (error instanceof NetworkError || error instanceof TimeoutError) {
    return [error.message, notRetriedNote(error.method)].filter(part => part !== '').join(' ')
  }
  if (error instanceof Error) return error.message
  return String(error)
}
