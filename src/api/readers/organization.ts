/**
 * Readers of the organization answers: members, roles, teams, tokens, webhooks, audit logs
 * and the resource summary (after the OpenAPI spec). Names and ids that reach an output or a
 * request are checked strictly; a delivery's response code and a resource count are only
 * shown, so a value that is not a number reads `invalid` there instead of failing the list.
 */
import type {
  AccessToken,
  AuditLogEvent,
  CreatedToken,
  OrganizationMember,
  ResourceSummaryResponse,
  RoleRecord,
  Team,
  Webhook,
  WebhookDelivery
} from '../types.js'
import {
  boolean,
  identifier,
  integer,
  list,
  object,
  optional,
  page,
  shown,
  text,
  type Page,
  type Reader
} from './core.js'

const readMember: Reader<OrganizationMember> = object({
  role: text,
  user: object({ name: optional(text), githubLogin: text, email: optional(text) }),
  created: optional(text),
  fgaRole: optional(object({ id: text, name: optional(text) }))
})

export const readMemberPage: Reader<Page<OrganizationMember>> = page('members', readMember)

/** POST /api/orgs/{org}/members/{user}: the member added. */
export const readAddedMember: Reader<OrganizationMember> = readMember

/** GET /api/orgs/{org}/roles: a role's id goes into the PATCH that sets it. */
export const readRoles: Reader<{ roles: RoleRecord[] }> = object({
  roles: list(object({ id: identifier, name: optional(text), defaultIdentifier: optional(text) }))
})

export const readTeam: Reader<Team> = object({
  kind: text,
  name: text,
  displayName: optional(text),
  description: optional(text),
  userRole: optional(text),
  members: optional(
    list(object({ githubLogin: text, name: optional(text), role: optional(text) }))
  ),
  stacks: optional(list(object({ projectName: text, stackName: text, permission: integer })))
})

export const readTeams: Reader<{ teams: Team[] }> = object({ teams: list(readTeam) })

export const readTokenPage: Reader<Page<AccessToken>> = page(
  'tokens',
  object({
    id: text,
    name: optional(text),
    description: optional(text),
    created: optional(text),
    createdBy: optional(text),
    expires: optional(integer),
    lastUsed: optional(integer)
  })
)

/**
 * The id becomes the `token-id` output; the value the masked `token` output, which workflows
 * put in env and scripts, so it too may hold no line break or shell character (Pulumi tokens
 * are `pul-` and hex). A write's answer is never quoted, so a failure cannot show it.
 */
export const readCreatedToken: Reader<CreatedToken> = object({
  id: identifier,
  tokenValue: identifier
})

export const readWebhook: Reader<Webhook> = object({
  organizationName: text,
  // The `webhook` output of create-webhook, and a path segment of the other commands.
  name: optional(identifier),
  displayName: text,
  payloadUrl: text,
  active: boolean,
  format: optional(text),
  filters: optional(list(text)),
  groups: optional(list(text)),
  projectName: optional(text),
  stackName: optional(text),
  envName: optional(text),
  // Responses carry only the ciphertext; both are read because Webhook declares them.
  secret: optional(text),
  hasSecret: optional(boolean),
  secretCiphertext: optional(text)
})

export const readWebhooks: Reader<Webhook[]> = list(readWebhook)

const deliveryFields = {
  id: text,
  kind: text,
  timestamp: integer,
  duration: shown,
  requestUrl: text,
  responseCode: shown
}

export const readDeliveries: Reader<WebhookDelivery[]> = list(object(deliveryFields))

/** A ping's response code is the `status` output, so it must be a number, not shown. */
export const readPing: Reader<WebhookDelivery & { responseCode: number }> = object({
  ...deliveryFields,
  responseCode: integer
})

export const readAuditPage: Reader<Page<AuditLogEvent>> = page(
  'auditLogEvents',
  object({
    timestamp: integer,
    event: text,
    description: text,
    sourceIP: optional(text),
    user: optional(object({ name: optional(text), githubLogin: optional(text) })),
    tokenID: optional(text),
    tokenName: optional(text)
  })
)

export const readResourceSummary: Reader<ResourceSummaryResponse> = object({
  summary: list(
    object({
      year: integer,
      month: optional(integer),
      day: optional(integer),
      hour: optional(integer),
      weekNumber: optional(integer),
      resources: shown,
      resourceHours: optional(shown)
    })
  ),
  tagKeys: optional(list(text))
})
