import type { Settings } from './inputs.js'

export type TokenSource = 'input' | 'env' | 'oidc'

export interface Credentials {
  token: string
  source: TokenSource
}

/** The access token: the input, else PULUMI_ACCESS_TOKEN. */
export async function login(settings: Settings, _apiUrl: string): Promise<Credentials> {
  if (settings.common.accessToken) return { token: settings.common.accessToken, source: 'input' }
  const fromEnv = process.env.PULUMI_ACCESS_TOKEN?.trim()
  if (fromEnv) return { token: fromEnv, source: 'env' }
  return Promise.reject(
    new Error(
      'No Pulumi access token: set the input access-token (e.g. ${{ secrets.PULUMI_ACCESS_TOKEN }}), the environment variable PULUMI_ACCESS_TOKEN, or oidc-token-type for keyless login.'
    )
  )
}
