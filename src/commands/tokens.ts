import { apiPath } from '../api/paths.js'
import { readCreatedToken, readTokenPage } from '../api/readers/organization.js'
import { InputError } from '../input-parsers.js'
import { renderTokenCreated, renderTokenDeleted, renderTokenList } from '../render/tokens.js'
import { defineCommand, type Command } from './types.js'

const TOKENS = apiPath('user', 'tokens')

const listTokens = defineCommand({
  name: 'list-tokens',
  area: 'tokens',
  description: "List the user's personal access tokens: active, expired or all (all pages).",
  required: [],
  optional: ['filter'],
  mutates: false,
  outputs: { count: 'Number of tokens.' },
  async run(context, { filter }) {
    const chosen = filter ?? 'active'
    const tokens = await context.api.collect(TOKENS, { filter: chosen }, readTokenPage)
    return {
      result: tokens,
      outputs: { count: tokens.length },
      summary: renderTokenList(chosen, tokens)
    }
  }
})

const createToken = defineCommand({
  name: 'create-token',
  area: 'tokens',
  description:
    'Create a personal access token; its value is masked and set only as the output `token`.',
  required: ['description'],
  optional: ['expires'],
  mutates: true,
  outputs: {
    'token-id': 'ID of the new token (for delete-token).',
    token: 'The new token value (masked in logs).'
  },
  validate({ expires }) {
    const expiresAt = expires ?? 0
    if (expiresAt !== 0 && expiresAt <= Math.floor(Date.now() / 1000))
      throw new InputError(
        'expires',
        `${expiresAt} is in the past; give a future time or 0 (never)`
      )
  },
  async run(context, { description, expires }) {
    const expiresAt = expires ?? 0
    // A malformed answer fails the read without quoting it (a write's answer may hold the
    // token); the token may exist anyway, which the failure's note says.
    const created = await context.writeJson('POST', TOKENS, readCreatedToken, {
      description,
      expires: expiresAt
    })
    if (!created.sent) {
      return {
        result: { description, expires: expiresAt },
        summary: renderTokenCreated({ id: undefined, description, expires: expiresAt })
      }
    }
    const { id, tokenValue } = created.response
    // Masked first, before it can reach an output, a log line or an error message.
    context.mask(tokenValue)
    return {
      result: { id, description, expires: expiresAt },
      outputs: { 'token-id': id, token: tokenValue },
      summary: renderTokenCreated({ id, description, expires: expiresAt })
    }
  }
})

const deleteToken = defineCommand({
  name: 'delete-token',
  area: 'tokens',
  description: 'Delete (revoke) a personal access token by ID.',
  required: ['tokenId'],
  optional: [],
  mutates: true,
  outputs: {},
  async run(context, { tokenId }) {
    await context.write('DELETE', apiPath('user', 'tokens', tokenId))
    return {
      result: { id: tokenId, deleted: !context.dryRun },
      summary: renderTokenDeleted(tokenId, context.dryRun)
    }
  }
})

export const tokenCommands: Command[] = [listTokens, createToken, deleteToken]
