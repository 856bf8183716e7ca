export const DEFAULT_API_URL = 'https://api.pulumi.com'

/**
 * The API base: the `api-url` input, else PULUMI_BACKEND_URL when it is an http(s) URL
 * (the CLI also accepts file:// and s3:// backends, which are not Pulumi Cloud), else the
 * public service. The console host app.pulumi.com is mapped to its API host.
 */
export function resolveApiUrl(input: string | undefined, backendUrl: string | undefined): string {
  if (input) return input.replace(/\/+$/, '')
  const fromEnv = backendUrl?.trim()
  if (fromEnv && /^https?:\/\//i.test(fromEnv)) {
    const url = new URL(fromEnv)
    if (url.hostname === 'app.pulumi.com') url.hostname = 'api.pulumi.com'
    return url.toString().replace(/\/+$/, '')
  }
  return DEFAULT_API_URL
}

/** Console links follow the API: api.example.com -> app.example.com; `console-url` overrides. */
export function resolveConsoleUrl(input: string | undefined, apiUrl: string): string {
  if (input) return input.replace(/\/+$/, '')
  const url = new URL(apiUrl)
  if (url.hostname.startsWith('api.')) url.hostname = `app.${url.hostname.slice(4)}`
  return url.toString().replace(/\/+$/, '')
}
