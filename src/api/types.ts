/**
 * Response shapes, after the OpenAPI spec and pulumi/pulumi sdk/go/common/apitype. Only the
 * fields the action reads are typed; everything else passes through untouched. Every shape
 * here reaches a command through its checked reader (src/api/readers/), never by a cast.
 */

/** What a summary shows for a number the service sent as something else. */
export const INVALID = 'invalid'
/** A number only shown, never used: INVALID when the service sent something else. */
export type Shown = number | typeof INVALID

/** UpdateResult: `info.result` of an update in a list. */
export const UPDATE_RESULTS = ['not-started', 'in-progress', 'succeeded', 'failed'] as const
export type UpdateResult = (typeof UPDATE_RESULTS)[number]

/** UpdateStatus: GET …/update/{id} `status`. */
export const UPDATE_STATUSES = [
  'not started',
  'requested',
  'running',
  'failed',
  'succeeded',
  'cancelled'
] as const
export type UpdateStatus = (typeof UPDATE_STATUSES)[number]

/** UpdateKind: `info.kind`; a `P` prefix is a preview of that kind. */
export const UPDATE_KINDS = [
  'update',
  'preview',
  'refresh',
  'rename',
  'destroy',
  'import',
  'Pupdate',
  'Prefresh',
  'Pdestroy',
  'Pimport',
  'Prename'
] as const
export type UpdateKind = (typeof UPDATE_KINDS)[number]

/** JobStatus: a deployment's `status`. */
export const DEPLOYMENT_STATUSES = [
  'not-started',
  'accepted',
  'running',
  'failed',
  'succeeded',
  'skipped'
] as const
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number]

/** One stack of GET /api/user/stacks: the names become paths and the `stacks` output. */
export interface StackSummary {
  orgName: string
  projectName: string
  stackName: string
  /**
   * Why the action refuses this stack: a name Pulumi does not allow. The names are then
   * percent-encoded for showing only; the stack fails on its own, the listing goes on.
   */
  refused?: string
}

export interface Stack {
  id?: string
  orgName: string
  projectName: string
  stackName: string
  /** The running update's id, or absent (or empty) when none runs. */
  activeUpdate?: string
  currentOperation?: CurrentOperation
  tags?: Record<string, string>
  version: number
}

export interface CurrentOperation {
  kind: string
  author: string
  started: number
}

/** Counts by op, as the engine sends them (summary events: counted by the event model). */
export type ResourceChanges = Partial<Record<string, number>>

export interface UpdateInfo {
  kind: UpdateKind
  startTime: number
  endTime?: number
  message?: string
  environment?: Record<string, string>
  result?: UpdateResult
  /** Only shown: a count that is not a number is INVALID. */
  resourceChanges?: Partial<Record<string, Shown>>
}

export interface UpdateSummary {
  info: UpdateInfo
  updateID: string
  version: number
  latestVersion?: number
  requestedBy?: { name?: string; githubLogin?: string }
  githubCommitInfo?: { slug?: string; sha?: string; url?: string }
}

export interface ListUpdatesResponse {
  updates: UpdateSummary[]
  itemsPerPage?: number
  total?: number
}

export interface StepEventMetadata {
  op: string
  urn: string
  type: string
  diffs?: string[] | null
  detailedDiff?: Record<string, { kind: string; inputDiff?: boolean }> | null
  keys?: string[] | null
  logical?: boolean
  provider?: string
  old?: { outputs?: Record<string, unknown>; inputs?: Record<string, unknown> } | null
  new?: { outputs?: Record<string, unknown>; inputs?: Record<string, unknown> } | null
}

export interface EngineEvent {
  sequence?: number
  timestamp: number
  type?: string
  cancelEvent?: object
  stdoutEvent?: { message: string; color?: string }
  diagnosticEvent?: {
    urn?: string
    prefix?: string
    message: string
    color?: string
    severity: string
    ephemeral?: boolean
  }
  preludeEvent?: { config?: Record<string, string> }
  summaryEvent?: {
    maybeCorrupt?: boolean
    durationSeconds?: number
    resourceChanges?: ResourceChanges
    result?: string
    isPreview?: boolean
  }
  resourcePreEvent?: { metadata: StepEventMetadata; planning?: boolean }
  resOutputsEvent?: { metadata: StepEventMetadata; planning?: boolean }
  resOpFailedEvent?: { metadata: StepEventMetadata; status?: number; steps?: number }
  policyEvent?: {
    resourceUrn?: string
    message: string
    color?: string
    policyName: string
    policyPackName: string
    policyPackVersion?: string
    enforcementLevel: string
  }
}

export interface UpdateStatusResponse {
  status: UpdateStatus
}

export interface AuditLogEvent {
  timestamp: number
  sourceIP?: string
  event: string
  description: string
  user?: { name?: string; githubLogin?: string }
  tokenID?: string
  tokenName?: string
}

/** One bucket of GET /api/orgs/{org}/resources/summary; the time fields present depend on granularity. */
export interface ResourceCountSummary {
  year: number
  month?: number
  day?: number
  hour?: number
  weekNumber?: number
  /** Only shown: a count that is not a number is INVALID. */
  resources: Shown
  resourceHours?: Shown
}

export interface ResourceSummaryResponse {
  summary: ResourceCountSummary[]
  tagKeys?: string[]
}

/** A webhook as sent and as returned (responses add hasSecret and secretCiphertext). */
export interface Webhook {
  organizationName: string
  /** The service's name for it, which the other webhook commands take. */
  name?: string
  displayName: string
  payloadUrl: string
  active: boolean
  format?: string
  filters?: string[]
  groups?: string[]
  projectName?: string
  stackName?: string
  envName?: string
  secret?: string
  hasSecret?: boolean
  secretCiphertext?: string
}

export interface WebhookDelivery {
  id: string
  kind: string
  timestamp: number
  /** Only shown: not a number is INVALID. */
  duration: Shown
  requestUrl: string
  /** Only shown in a listing (a ping's is checked: it is an output). */
  responseCode: Shown
}

/** An organization member as the service returns it (the fields the action reads). */
export interface OrganizationMember {
  role: string
  user: { name?: string; githubLogin: string; email?: string }
  created?: string
  fgaRole?: { id: string; name?: string }
}

/** A role record of GET /api/orgs/{org}/roles (PermissionDescriptorRecord). */
export interface RoleRecord {
  id: string
  name?: string
  defaultIdentifier?: string
}

/** A team as the service returns it (the fields the action reads). */
export interface Team {
  kind: string
  name: string
  displayName?: string
  description?: string
  userRole?: string
  members?: { githubLogin: string; name?: string; role?: string }[]
  stacks?: { projectName: string; stackName: string; permission: number }[]
}

/** A personal access token as listed (the list never carries token values). */
export interface AccessToken {
  id: string
  name?: string
  description?: string
  created?: string
  createdBy?: string
  expires?: number
  lastUsed?: number
}

/** POST /api/user/tokens: the only answer that ever holds a token value. */
export interface CreatedToken {
  id: string
  tokenValue: string
}

export interface CreatedDeployment {
  id: string
  consoleUrl: string
  version: number
}

export interface DeploymentLogLine {
  header?: string
  timestamp?: string
  line?: string
}

export interface DeploymentLogs {
  lines: DeploymentLogLine[]
  nextToken?: string
}

/** An update a deployment ran (GET …/deployments/{id}/updates). */
export interface DeploymentUpdate {
  updateID?: string
  version?: number
  /** `environment`: what the run recorded, `git.head` the commit its Pulumi step ran on. */
  info?: { kind?: UpdateKind; result?: UpdateResult; environment?: Record<string, string> }
}
