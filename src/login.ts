import * as core from '@actions/core'
import { audienceFor, exchangeIdToken } from './api/oidc.js'
import { InputError } from './input-parsers.js'
import type { Settings } from './inputs.js'
import { rememberSecret } from './redaction.js'
import { logText } from './render/escape.js'
import { USER_AGENT } from './version.js'

export type TokenSource = 'input' | 'env' | 'oidc'

export interface Credentials {
  token: string
  source: TokenSource
}

const NEEDS_PERMISSION =
  'add `permissions: id-token: write` to the job (or the workflow) so it can request a GitHub ID token'

/**
 * The access token: the input, else PULUMI_ACCESS_TOKEN, else (with oidc-token-type) a
 * short-lived token from exchanging the job's GitHub ID token.
 */
export async function login(settings: Settings, apiUrl: string): Promise<Credentials> {
  if (settings.common.accessToken) return { token: settings.common.accessToken, source: 'input' }
  const fromEnv = process.env.PULUMI_ACCESS_TOKEN?.trim()
  if (fromEnv) return { token: fromEnv, source: 'env' }
  if (settings.common.oidcTokenType !== undefined) return loginWithOidc(settings, apiUrl)
  throw new Error(
    'No Pulumi access token: set the input access-token (e.g. ${{ secrets.PULUMI_ACCESS_TOKEN }}), the environment variable PULUMI_ACCESS_TOKEN, or oidc-token-type for keyless login.'
  )
}

async function loginWithOidc(settings: Settings, apiUrl: string): Promise<Credentials> {
  const tokenType = settings.common.oidcTokenType ?? 'organization'
  const organization = settings.values.organization ?? stackOrganization(settings)
  if (organization === undefined) {
    throw new InputError(
      'organization',
      `is required for OIDC login (oidc-token-type: ${tokenType}): the ID token's audience is urn:pulumi:org:<organization>`
    )
  }
  const idToken = await requestIdToken(audienceFor(organization))
  // An error body that echoes the ID token must not show it, escaped or not.
  rememberSecret(idToken)
  const exchanged = await exchangeIdToken({
    apiUrl,
    organization,
    idToken,
    tokenType,
    ...(settings.common.oidcScope ? { scope: settings.common.oidcScope } : {}),
    ...(settings.common.oidcExpiration !== undefined
      ? { expirationSeconds: settings.common.oidcExpiration }
      : {}),
    userAgent: USER_AGENT,
    timeoutSeconds: settings.common.timeoutSeconds,
    debug: message => {
      core.debug(logText(message))
    }
  })
  // Masked before anything else runs, so no later log line can show it.
  core.setSecret(exchanged.accessToken)
  rememberSecret(exchanged.accessToken)
  core.info(
    logText(
      `Logged in to Pulumi Cloud with GitHub OIDC as a ${tokenType} token of ${organization}` +
        (exchanged.expiresInSeconds === undefined
          ? '.'
          : ` (valid for ${exchanged.expiresInSeconds} s).`)
    )
  )
  return { token: exchanged.accessToken, source: 'oidc' }
}

/** The organization every `stack` line names, when they agree: it needs no repeating. */
function stackOrganization(settings: Settings): string | undefined {
  const organizations = new Set(settings.values.stack?.map(pattern => pattern.organization))
  return organizations.size === 1 ? [...organizations][0] : undefined
}

/** The job's GitHub ID token; core.getIDToken masks it. */
async function requestIdToken(audience: string): Promise<string> {
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new Error(
      `oidc-token-type is set, but this job cannot request a GitHub ID token (ACTIONS_ID_TOKEN_REQUEST_URL is not set): ${NEEDS_PERMISSION}, or give access-token instead.`
    )
  }
  try {
    return await core.getIDToken(audience)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new Error(
      `Could not get a GitHub ID token for ${audience}: ${message.replace(/\s+/g, ' ').trim()}. Check that the job has \`permissions: id-token: write\`.`
    )
  }
}
