import { HttpClient } from '@actions/http-client'
import type { IncomingMessage } from 'node:http'
import { readBody } from './body.js'
import { NetworkError, PulumiApiError, ResponseFormatError, TimeoutError } from './errors.js'
import { DEFAULT_RETRY, parseRetryAfter, retryDelayMs, sleep, type RetryPolicy } from './retry.js'

export const TOKEN_EXCHANGE_PATH = '/api/oauth/token'
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token'
const ACCESS_TOKEN_TYPE = 'urn:pulumi:token-type:access_token:'

export interface TokenExchangeRequest {
  /** API root, a path prefix included. */
  apiUrl: string
  organization: string
  /** The GitHub ID token (a JWT) whose audience is `audienceFor(organization)`. */
  idToken: string
  /** organization, team, personal or runner. */
  tokenType: string
  scope?: string
  expirationSeconds?: number
  userAgent: string
  timeoutSeconds: number
  retry?: RetryPolicy
  debug?: (message: string) => void
}

export interface ExchangedToken {
  accessToken: string
  expiresInSeconds?: number
}

/** The exchange answered 4xx: the request or the org's OIDC setup is wrong; retrying will not help. */
export class TokenExchangeError extends Error {
  override readonly name = 'TokenExchangeError'
  constructor(
    readonly status: number,
    /** OAuth `error` code, such as invalid_request or unauthorized_client. */
    readonly error: string | undefined,
    readonly description: string | undefined,
    organization: string
  ) {
    const detail = [error, description].filter(Boolean).join(': ') || 'no details given'
    super(
      `Pulumi Cloud refused the OIDC token exchange with ${status} (${detail}). ` +
        (status === 400 || status === 401 || status === 403
          ? `Configure an OIDC issuer for GitHub (https://token.actions.githubusercontent.com) and an authorization policy that matches this repository in the Pulumi organization '${organization}' (Settings > OIDC Issuers), and check oidc-token-type and oidc-scope.`
          : 'Check api-url and the oidc-* inputs.')
    )
  }
}

/** The audience Pulumi Cloud expects in the GitHub ID token. */
export function audienceFor(organization: string): string {
  return `urn:pulumi:org:${organization}`
}

/** The RFC 8693 form fields; exported so tests can compare with what the service received. */
export function exchangeForm(request: TokenExchangeRequest): URLSearchParams {
  const form = new URLSearchParams({
    grant_type: GRANT_TYPE,
    audience: audienceFor(request.organization),
    subject_token: request.idToken,
    subject_token_type: ID_TOKEN_TYPE,
    requested_token_type: `${ACCESS_TOKEN_TYPE}${request.tokenType}`
  })
  if (request.scope) form.set('scope', request.scope)
  if (request.expirationSeconds !== undefined)
    form.set('expiration', String(request.expirationSeconds))
  return form
}

/**
 * Trades a GitHub ID token for a Pulumi access token. The exchange creates nothing the
 * caller could see twice, so network errors and 5xx are retried like a GET.
 */
export async function exchangeIdToken(request: TokenExchangeRequest): Promise<ExchangedToken> {
  const policy = request.retry ?? DEFAULT_RETRY
  const debug = request.debug ?? (() => undefined)
  const http = new HttpClient(request.userAgent, [], {
    allowRedirects: false,
    allowRetries: false,
    socketTimeout: request.timeoutSeconds * 1000
  })
  try {
    for (let failed = 0; ;) {
      try {
        return await exchangeOnce(http, request)
      } catch (error) {
        failed += 1
        const delay = retryDelayMs(error, failed, policy)
        if (delay === undefined) throw final(error, request.organization, failed)
        debug(
          `OIDC token exchange: ${(error as Error).message}; attempt ${failed + 1} in ${delay} ms`
        )
        await sleep(delay)
      }
    }
  } finally {
    http.dispose()
  }
}

async function exchangeOnce(
  http: HttpClient,
  request: TokenExchangeRequest
): Promise<ExchangedToken> {
  const url = `${request.apiUrl.replace(/\/+$/, '')}${TOKEN_EXCHANGE_PATH}`
  let response: IncomingMessage
  try {
    // The body holds the ID token: it is never logged, and errors quote only the response.
    const answer = await http.post(url, exchangeForm(request).toString(), {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json'
    })
    response = answer.message
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (message.startsWith('Request timeout'))
      throw new TimeoutError('POST', TOKEN_EXCHANGE_PATH, request.timeoutSeconds)
    throw new NetworkError('POST', TOKEN_EXCHANGE_PATH, message)
  }
  const status = response.statusCode ?? 0
  const retryAfter = response.headers['retry-after']
  // body.ts fails on a connection cut mid-body (http-client's readBody would wait forever).
  const text = await readBody(response, {
    method: 'POST',
    path: TOKEN_EXCHANGE_PATH,
    timeoutSeconds: request.timeoutSeconds,
    limitBytes: 64 * 1024
  })
  const body = parseObject(text)
  if (status >= 200 && status < 300) {
    const accessToken = body?.access_token
    if (typeof accessToken !== 'string' || accessToken === '')
      throw new ResponseFormatError('POST', TOKEN_EXCHANGE_PATH, 'no access_token in the answer')
    const expires = body?.expires_in
    return typeof expires === 'number'
      ? { accessToken, expiresInSeconds: expires }
      : { accessToken }
  }
  const error = typeof body?.error === 'string' ? body.error : undefined
  const description =
    typeof body?.error_description === 'string'
      ? body.error_description
      : typeof body?.message === 'string'
        ? body.message
        : undefined
  throw new ExchangeFailure(status, error, description, text, parseRetryAfter(retryAfter))
}

/** A non-2xx answer, keeping the OAuth fields apart; a PulumiApiError so retry.ts judges it. */
class ExchangeFailure extends PulumiApiError {
  constructor(
    status: number,
    readonly oauthError: string | undefined,
    readonly description: string | undefined,
    text: string,
    retryAfterMs: number | undefined
  ) {
    super(
      'POST',
      TOKEN_EXCHANGE_PATH,
      status,
      [oauthError, description].filter(Boolean).join(': ') || text.trim().slice(0, 300),
      undefined,
      oauthError !== undefined || description !== undefined,
      retryAfterMs
    )
  }
}

/** The error the user sees once retrying is over. */
function final(error: unknown, organization: string, attempts: number): Error {
  if (error instanceof ExchangeFailure && error.status >= 400 && error.status < 500) {
    return new TokenExchangeError(
      error.status,
      error.oauthError,
      error.fromService ? error.description : error.detail || undefined,
      organization
    )
  }
  if (error instanceof PulumiApiError || error instanceof NetworkError) {
    return new Error(
      `The OIDC token exchange at ${TOKEN_EXCHANGE_PATH} failed after ${attempts} attempt(s): ${error.message}. Pulumi Cloud may be unavailable; retry later, or check api-url.`
    )
  }
  return error instanceof Error ? error : new Error(String(error))
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}
