/**
 * Response shapes, after the OpenAPI spec and pulumi/pulumi sdk/go/common/apitype.
 * Only the fields the action reads are typed; everything else passes through untouched.
 */

export interface StackSummary {
  id?: string
  orgName: string
  projectName: string
  stackName: string
  lastUpdate?: number
  resourceCount?: number
}

export interface ListStacksResponse {
  stacks: StackSummary[]
  continuationToken?: string | null
}

export interface Stack {
  id?: string
  orgName: string
  projectName: string
  stackName: string
  activeUpdate?: string
  currentOperation?: { kind: string; author: string; started: number }
  tags?: Record<string, string>
  version: number
}

export type ResourceChanges = Partial<Record<string, number>>

export interface UpdateInfo {
  kind: string
  startTime: number
  endTime?: number
  message?: string
  environment?: Record<string, string>
  result?: string
  version?: number
  resourceChanges?: ResourceChanges
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

export interface UpdateEventsResponse {
  events: EngineEvent[]
  continuationToken?: string | null
}

export interface UpdateStatusResponse {
  status: string
  events?: { index?: string; kind?: string; fields?: Record<string, unknown> }[]
  continuationToken?: string | null
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

export interface AuditLogsResponse {
  auditLogEvents: AuditLogEvent[]
  continuationToken?: string | null
}

/** One bucket of GET /api/orgs/{org}/resources/summary; the time fields present depend on granularity. */
export interface ResourceCountSummary {
  year: number
  month?: number
  day?: number
  hour?: number
  weekNumber?: number
  resources: number
  resourceHours?: number
}

export interface ResourceSummaryResponse {
  summary: ResourceCountSummary[]
  tagKeys?: string[]
}
