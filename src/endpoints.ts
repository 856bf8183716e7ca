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
    if (url.username || url.password)
      throw new Error(
        'PULUMI_BACKEND_URL holds a user name or password, which would be sent with every request and shown in links; remove them and give the token as access-token.'
      )
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

/** True for hosts that never leave the machine: loopback addresses and `.localhost` names. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  )
}

/** The warning for an api-url that would send the token in clear over the network, if any. */
export function plainHttpWarning(apiUrl: string): string | undefined {
  const url = new URL(apiUrl)
  if (url.protocol !== 'http:' || isLoopback(url.hostname)) return undefined
  return `api-url ${url.origin} is plain http:// to another host: the access token and every answer cross the network unencrypted, readable and changeable on the way. Use https:// unless this is a trusted private network.`
}
