// Shapes of the seed file and of the emulator's live state. The seed is plain JSON, so
// everything here is JSON-compatible; the live state adds Maps for quick lookups.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject
export interface JsonObject {
  [key: string]: JsonValue
}

export type OrgRole = 'member' | 'admin' | 'billing-manager'
export type TeamRole = 'member' | 'admin'
export type UpdateKind =
  | 'update'
  | 'preview'
  | 'refresh'
  | 'rename'
  | 'destroy'
  | 'import'
  | 'Pupdate'
  | 'Prefresh'
  | 'Pdestroy'
  | 'Pimport'
  | 'Prename'
export type UpdateResult = 'not-started' | 'in-progress' | 'succeeded' | 'failed'

export interface UserInfo {
  name: string
  githubLogin: string
  avatarUrl: string
  email?: string
}

export interface SeedUser {
  id: string
  login: string
  name: string
  email: string
  avatarUrl: string
}

export interface SeedMember {
  login: string
  role: OrgRole
  created: string
}

export interface SeedGitHubTeam {
  id: number
  name: string
  displayName: string
  description: string
}

export interface ResourceUsage {
  /** resources under management at the start of the series */
  baseResources: number
  /** net resources added per day */
  dailyGrowth: number
  /** size of the deterministic hour-to-hour wobble */
  amplitude: number
}

export interface SeedOrg {
  name: string
  displayName: string
  avatarUrl: string
  enterprise: boolean
  oidcIssuers: string[]
  members: SeedMember[]
  githubTeams?: SeedGitHubTeam[]
  resourceUsage?: ResourceUsage
}

// a type alias (not an interface) so it is assignable to JsonObject
export type ConfigValue = {
  string: string
  secret: boolean
  object: boolean
}

export interface SeedUpdate {
  updateID: string
  kind: UpdateKind
  version: number
  startTime: number
  endTime?: number
  result: UpdateResult
  message: string
  environment: Record<string, string>
  config: Record<string, ConfigValue>
  resourceChanges: Record<string, number>
  resourceCount?: number
  /** login of the requesting user */
  requestedBy: string
  githubCommitInfo?: JsonObject
  policyPacks?: JsonObject[]
  /** engine events, served by …/update/{id}/events */
  events: JsonObject[]
}

export interface CurrentOperation {
  kind: string
  author: string
  started: number
}

export interface SeedStack {
  org: string
  project: string
  stack: string
  id?: string
  version: number
  tags: Record<string, string>
  /** deployment resources (the `resources` array of the export) */
  resources: JsonObject[]
  manifestTime: string
  cliVersion: string
  updates: SeedUpdate[]
  currentOperation?: CurrentOperation
  activeUpdate?: string
}

export interface TeamStackPermission {
  projectName: string
  stackName: string
  permission: number
}

export interface SeedTeam {
  org: string
  name: string
  kind: 'pulumi' | 'github'
  displayName: string
  description: string
  githubTeamId?: number
  members: { login: string; role: TeamRole }[]
  stacks: TeamStackPermission[]
}

export interface SeedToken {
  id: string
  value: string
  login: string
  name: string
  description: string
  created: string
  /** unix seconds; 0 = never */
  expires: number
  lastUsed: number
}

export interface WebhookDelivery {
  id: string
  kind: string
  payload: string
  timestamp: number
  duration: number
  requestUrl: string
  requestHeaders: string
  responseCode: number
  responseHeaders: string
  responseBody: string
}

export interface SeedWebhook {
  org: string
  project?: string
  stack?: string
  name: string
  displayName: string
  payloadUrl: string
  active: boolean
  format?: string
  filters?: string[]
  groups?: string[]
  secret?: string
  deliveries: WebhookDelivery[]
}

export interface SeedAuditEvent {
  org: string
  timestamp: number
  sourceIP: string
  event: string
  description: string
  /** login of the acting user (or the org name for org tokens) */
  login: string
  reqOrgAdmin?: boolean
  reqStackAdmin?: boolean
  authFailure?: boolean
  tokenID?: string
  tokenName?: string
}

export interface SeedData {
  users: SeedUser[]
  orgs: SeedOrg[]
  stacks: SeedStack[]
  teams: SeedTeam[]
  tokens: SeedToken[]
  webhooks: SeedWebhook[]
  auditEvents: SeedAuditEvent[]
}

export interface GenerateOptions {
  stacks?: number
  auditEvents?: number
  stateBytes?: number
  updateEvents?: number
}
