/**
 * Readers of the stack and update answers (after the OpenAPI spec: Stack, UpdateInfo,
 * UpdateResults, ListUpdatesResponse, the deployments API). Ids, versions, kinds and statuses
 * pick paths, URLs and outputs, so they are checked strictly; counts only shown are `shown`.
 */
import {
  DEPLOYMENT_STATUSES,
  UPDATE_KINDS,
  UPDATE_RESULTS,
  UPDATE_STATUSES,
  type CreatedDeployment,
  type DeploymentLogs,
  type DeploymentStatus,
  type DeploymentUpdate,
  type EngineEvent,
  type ListUpdatesResponse,
  type Stack,
  type StackSummary,
  type UpdateStatusResponse,
  type UpdateSummary
} from '../types.js'
import {
  count,
  emptyOr,
  httpUrl,
  identifier,
  integer,
  list,
  object,
  oneOf,
  optional,
  page,
  pulumiName,
  record,
  shownMap,
  stringMap,
  text,
  type Page,
  type Reader
} from './core.js'

const stackNames = {
  orgName: pulumiName,
  projectName: pulumiName,
  stackName: pulumiName
}

/** A page of GET /api/user/stacks: each name becomes a path and the `stacks` output. */
export const readStackPage: Reader<Page<StackSummary>> = page('stacks', object(stackNames))

export const readStack: Reader<Stack> = object({
  ...stackNames,
  version: count,
  activeUpdate: optional(emptyOr(identifier)),
  currentOperation: optional(object({ kind: text, author: text, started: integer })),
  tags: optional(stringMap)
})

const updateKind = oneOf(UPDATE_KINDS)
const updateResult = oneOf(UPDATE_RESULTS)

const readUpdateSummary: Reader<UpdateSummary> = object({
  updateID: identifier,
  version: count,
  latestVersion: optional(count),
  info: object({
    kind: updateKind,
    startTime: integer,
    endTime: optional(integer),
    message: optional(text),
    environment: optional(stringMap),
    result: optional(updateResult),
    resourceChanges: optional(shownMap)
  })
})

/** GET …/updates and …/updates/latest/previews (pages by number, not by token). */
export const readUpdateList: Reader<ListUpdatesResponse> = object({
  updates: list(readUpdateSummary),
  total: optional(count)
})

/** GET …/{kind}/{updateId}: the update's status (its events are read on their own path). */
export const readUpdateResults: Reader<UpdateStatusResponse> = object({
  status: oneOf(UPDATE_STATUSES)
})

/**
 * An engine event is only checked to be an object here: the event model (events/model.ts)
 * checks each field as it folds it, and a stream holds up to hundreds of thousands of them.
 */
const engineEvent: Reader<EngineEvent> = (value, at) => record(value, at) as unknown as EngineEvent

export const readEventPage: Reader<Page<EngineEvent>> = page('events', engineEvent)

/** GET …/resources/count: the number import-stack compares before replacing a state. */
export const readResourceCount: Reader<{ resourceCount: number }> = object({
  resourceCount: count
})

/**
 * POST …/import: the update id to wait for. Absent is the caller's to explain (the state may
 * have been replaced); present, it must be an identifier.
 */
export const readImportAnswer: Reader<{ updateId?: string }> = object({
  updateId: optional(identifier)
})

export const readCreatedDeployment: Reader<CreatedDeployment> = object({
  id: identifier,
  consoleUrl: httpUrl,
  version: count
})

export const readDeploymentStatus: Reader<{ status: DeploymentStatus }> = object({
  status: oneOf(DEPLOYMENT_STATUSES)
})

export const readDeploymentLogs: Reader<DeploymentLogs> = object({
  lines: list(object({ header: optional(text), timestamp: optional(text), line: optional(text) })),
  nextToken: optional(text)
})

export const readDeploymentUpdates: Reader<DeploymentUpdate[]> = list(
  object({
    updateID: optional(identifier),
    version: optional(count),
    info: optional(object({ kind: optional(updateKind), result: optional(updateResult) }))
  })
)
