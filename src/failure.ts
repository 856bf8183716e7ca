import {
  NetworkError,
  PulumiApiError,
  ResponseFormatError,
  TimeoutError,
  hintFor,
  notRetriedNote
} from './api/errors.js'

const NETWORK_HINT = 'Check api-url, the network or proxy (https_proxy/no_proxy)'

/** The one-paragraph message a failed step shows: what failed, then what to do. */
export function describeFailure(error: unknown): string {
  if (error instanceof PulumiApiError) {
    const parts = [error.message, hintFor(error)]
    if (error.requestId) parts.push(`(request ID ${error.requestId})`)
    return join(parts)
  }
  if (error instanceof NetworkError) {
    // A GET was already retried; a write was sent once and may have been applied.
    return error.method === 'GET'
      ? join([error.message, `${NETWORK_HINT}; Pulumi Cloud may be unavailable, retry later.`])
      : join([error.message, `${NETWORK_HINT}.`, notRetriedNote(error.method)])
  }
  if (error instanceof TimeoutError || error instanceof ResponseFormatError) {
    return join([error.message, notRetriedNote(error.method)])
  }
  // The runtime's own errors (a property of undefined, …) come from a body the code did not
  // expect, or a bug: the bare message alone would not say what to do.
  if (
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof ReferenceError
  ) {
    return `${error.message.replace(/\.$/, '')}: unexpected response from Pulumi Cloud or a bug in the action; re-run with ACTIONS_STEP_DEBUG=true and report it.`
  }
  if (error instanceof Error) return error.message
  return String(error)
}

function join(parts: string[]): string {
  return parts.filter(part => part !== '').join(' ')
}
