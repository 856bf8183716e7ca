import type { PlannedRequest } from '../api/client.js'
import { code, heading } from './escape.js'
import { formatBytes } from './markdown.js'

const SECRET_KEYS = /^(secret|tokenValue|token|password|accessToken|access_token|subject_token)$/i

/** A copy of a request body with secret-bearing fields replaced, safe to print. */
export function redactSecrets(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redactSecrets)
  if (typeof body !== 'object' || body === null) return body
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [
      key,
      SECRET_KEYS.test(key) && value !== undefined && value !== '' ? '***' : redactSecrets(value)
    ])
  )
}

/** The dry-run plan: each request that would have been sent, in order. */
export function renderPlannedRequests(planned: PlannedRequest[]): string {
  if (planned.length === 0)
    return `${heading(3, 'Dry run')}No request would be sent: nothing to change.\n`
  const items = planned.map(
    request =>
      `- ${code(`${request.method} ${request.path}`)}${request.body === undefined ? '' : ` with body ${code(JSON.stringify(request.body))}`}${request.bodyFile === undefined ? '' : ` with the bytes of ${code(request.bodyFile.path)} (${formatBytes(request.bodyFile.bytes)}, SHA-256 ${code(request.bodyFile.sha256.slice(0, 12))})`}`
  )
  return `${heading(3, 'Dry run')}These requests would be sent (nothing was changed):\n\n${items.join('\n')}\n`
}
