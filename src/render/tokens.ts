import type { AccessToken } from '../api/types.js'
import { cell, code, heading, table } from './escape.js'
import { formatTime } from './markdown.js'

function expiry(expires: number | undefined): string {
  return expires === undefined || expires === 0 ? 'never' : formatTime(expires)
}

export function renderTokenList(filter: string, tokens: AccessToken[]): string {
  const title = heading(3, `Access tokens (${cell(filter)}): ${tokens.length}`)
  if (tokens.length === 0) return `${title}No ${cell(filter)} access tokens.\n`
  return (
    title +
    table(
      ['ID', 'Description', 'Created', 'Expires', 'Last used'],
      tokens.map(token => [
        code(token.id),
        cell(token.description || token.name),
        cell(token.created),
        cell(expiry(token.expires)),
        token.lastUsed ? cell(formatTime(token.lastUsed)) : 'never'
      ])
    )
  )
}

/** A created (or, in a dry run, planned) token: its ID only, the value stays in the masked output. */
export function renderTokenCreated(token: {
  id: string | undefined
  description: string
  expires: number
}): string {
  return (
    heading(3, token.id === undefined ? 'Access token would be created' : 'Access token created') +
    table(
      ['ID', 'Description', 'Expires'],
      [
        [
          token.id === undefined ? '' : code(token.id),
          cell(token.description),
          cell(expiry(token.expires))
        ]
      ]
    ) +
    (token.id === undefined
      ? ''
      : '\nThe token value is in the masked step output `token`; it is not shown anywhere else.\n')
  )
}

export function renderTokenDeleted(id: string, dryRun: boolean): string {
  return (
    heading(3, dryRun ? 'Access token would be deleted' : 'Access token deleted') +
    table(['ID'], [[code(id)]])
  )
}
