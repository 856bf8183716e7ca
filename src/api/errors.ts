/** What went wrong talking to Pulumi Cloud, with enough detail to tell the user what to do. */
export class PulumiApiError extends Error {
  override readonly name = 'PulumiApiError'
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    /** The service's `message`, or the raw body text when the body is not JSON. */
    readonly detail: string,
    readonly requestId: string | undefined,
    /** False when the error body was not the service's `{code, message}` JSON. */
    readonly fromService: boolean,
    /** The service's Retry-After, when it sent one. */
    readonly retryAfterMs?: number
  ) {
    super(`${method} ${path} failed with ${status}${detail ? `: ${detail}` : ''}`)
  }
}

/** The connection failed or was cut before a complete response arrived. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError'
  constructor(
    readonly method: string,
    readonly path: string,
    readonly causeMessage: string
  ) {
    super(`${method} ${path} failed: ${causeMessage}`)
  }
}

/** No byte arrived within the time allowed (input `timeout-seconds`). Never retried. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError'
  constructor(
    readonly method: string,
    readonly path: string,
    readonly seconds: number,
    /** What ran out; by default the idle time. */
    reason = `no response for ${seconds} s`,
    advice = 'Raise the input timeout-seconds if the service is slow, or check api-url.'
  ) {
    super(`${method} ${path} timed out: ${reason}. ${advice}`)
  }
}

/** The service answered 2xx but the body was not what its API promises. */
export class ResponseFormatError extends Error {
  override readonly name: string = 'ResponseFormatError'
  constructor(
    readonly method: string,
    readonly path: string,
    reason: string,
    /** The whole message, when the subclass says it its own way. */
    message = `${method} ${path} returned an unexpected body: ${reason}. Check that api-url points at Pulumi Cloud.`
  ) {
    super(message)
  }
}

/**
 * One field of a 2xx answer was not what the API promises (src/api/readers): nothing was taken
 * from the document. `shown` is the value as the message may quote it (see readers/core.ts).
 */
export class ResponseFieldError extends ResponseFormatError {
  override readonly name = 'ResponseFieldError'
  constructor(
    method: string,
    path: string,
    /** Where in the document, e.g. `updates[0].version`; empty for the document itself. */
    readonly field: string,
    expected: string,
    shown: string,
    requestId: string | undefined
  ) {
    const where = field === '' ? shown : `\`${field}\` = ${shown}`
    const report =
      requestId === undefined
        ? 'check that api-url points at Pulumi Cloud'
        : `report it with X-Pulumi-Request-ID ${requestId}`
    // A write is not re-run blindly (failure.ts adds: check the state first).
    const again = method === 'GET' ? 'Re-run the step; if it persists, ' : 'If it persists, '

    super(
      method,
      path,
      expected,
      `The service answered ${method} ${path} with ${where} where ${expected} was expected; the service or a proxy returned an unexpected document, so the action did not use it. ${again}${report}.`
    )
  }
}

/**
 * Said of a failed write: it was sent once on purpose, since the service may have applied it,
 * so the user checks before re-running rather than the action replaying it blindly.
 */
export function notRetriedNote(method: string): string {
  return method === 'GET'
    ? ''
    : `This ${method} was not retried automatically because the service may have applied it; check the current state in Pulumi Cloud before re-running the step.`
}

/** Explains an API failure in terms of what the user should change. */
export function hintFor(error: PulumiApiError): string {
  const base = baseHint(error)
  if (error.status !== 429 && error.status < 500) return base
  return [base, notRetriedNote(error.method)].filter(part => part !== '').join(' ')
}

function baseHint(error: PulumiApiError): string {
  switch (error.status) {
    case 400:
      return 'The service rejected the request; check the inputs named above.'
    case 401:
      return 'The access token was rejected: set access-token (or PULUMI_ACCESS_TOKEN) to a valid Pulumi access token, or use OIDC login.'
    case 403:
      return "The token's identity lacks permission for this, or the organization's plan does not include it."
    case 404:
      return error.fromService
        ? 'Not found: check the organization, stack (org/project/stack) or name given, and that the token can see it.'
        : 'The server answered with a plain 404, not the Pulumi Cloud API: check api-url (it should be the API host, e.g. https://api.pulumi.com).'
    case 409:
      // Under /api/stacks/ a conflict is mostly an update holding the stack; elsewhere
      // (members, teams, webhooks, tokens) it means the thing being created exists already.
      return error.path.startsWith('/api/stacks/')
        ? 'Conflict: another update may be in progress on this stack (retry when it finishes), or the stack named already exists.'
        : 'Conflict: it already exists (check the name or member given); remove or rename the existing one, or leave this step out.'
    case 429:
      return 'Rate limited by Pulumi Cloud; retry later or lower concurrency.'
    default:
      return error.status >= 500 ? 'Pulumi Cloud had a server error; retry later.' : ''
  }
}
