import { PulumiCloud } from './client.js'
import { NetworkError, PulumiApiError } from './errors.js'
import { filled, object, optional, shown } from './readers/core.js'
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from './retry.js'
import type { Shown } from './types.js'

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
    /** The service's OAuth `error: error_description` (or message, or raw body). */
    readonly detail: string,
    organization: string
  ) {
    super(
      `Pulumi Cloud refused the OIDC token exchange with ${status} (${detail || 'no details given'}). ` +
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

/** The RFC 8693 fields as the JSON body the OpenAPI spec gives (`expiration` a number). */
function exchangeBody(request: TokenExchangeRequest): Record<string, string | number> {
  return {
    grant_type: GRANT_TYPE,
    audience: audienceFor(request.organization),
    subject_token: request.idToken,
    subject_token_type: ID_TOKEN_TYPE,
    requested_token_type: `${ACCESS_TOKEN_TYPE}${request.tokenType}`,
    ...(request.scope ? { scope: request.scope } : {}),
    ...(request.expirationSeconds !== undefined ? { expiration: request.expirationSeconds } : {})
  }
}

/** The OAuth answer: a token that becomes the run's credential, and how long it lasts. */
const readExchange = object<{ access_token: string; expires_in?: Shown }>({
  access_token: filled,
  expires_in: optional(shown)
})

/**
 * Trades a GitHub ID token for a Pulumi access token. The exchange creates nothing the
 * caller could see twice, so network errors, 429 and 5xx are retried like a GET.
 */
export async function exchangeIdToken(request: TokenExchangeRequest): Promise<ExchangedToken> {
  // No Authorization header: the ID token in the body is the credential. The client never
  // logs bodies, and its errors quote only the response.
  const api = new PulumiCloud({
    baseUrl: request.apiUrl,
    accept: 'application/json',
    userAgent: request.userAgent,
    timeoutSeconds: request.timeoutSeconds,
    ...(request.debug ? { debug: request.debug } : {})
  })
  try {
    const answer = await withRetries(
      request.retry ?? DEFAULT_RETRY,
      request.debug ?? (() => undefined),
      'OIDC token exchange',
      () => api.sendJson('POST', TOKEN_EXCHANGE_PATH, readExchange, exchangeBody(request))
    )
    const accessToken = answer.access_token
    // Only ever logged, so an odd lifetime is left out rather than failing the login.
    const expires = answer.expires_in
    return typeof expires === 'number'
      ? { accessToken, expiresInSeconds: expires }
      : { accessToken }
  } catch (error) {
    throw final(error, request.organization)
  } finally {
    api.dispose()
  }
}

/** The error the user sees once retrying is over. */
function final(error: unknown, organization: string): Error {
  if (error instanceof PulumiApiError && error.status === 429) {
    return new Error(
      `The OIDC token exchange at ${TOKEN_EXCHANGE_PATH} was rate limited; retry later, or spread out the jobs that log in at once. ${error.message}`
    )
  }
  if (error instanceof PulumiApiError && error.status >= 400 && error.status < 500)
    return new TokenExchangeError(error.status, error.detail, organization)
  if (error instanceof PulumiApiError || error instanceof NetworkError) {
    return new Error(
      `The OIDC token exchange at ${TOKEN_EXCHANGE_PATH} failed: ${error.message}. Pulumi Cloud may be unavailable; retry later, or check api-url.`
    )
  }
  return error instanceof Error ? error : new Error(String(error))
}
