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
import { isPulumiName, PULUMI_NAME_RULE } from '../../pulumi-names.js'

const stackNames = {
  orgName: pulumiName,
  projectName: pulumiName,
  stackName: pulumiName
}

const NAME_KINDS = { orgName: 'organization', projectName: 'project', stackName: 'stack' }

/**
 * A name as a refused stack shows it: percent-encoded (a name of dots too), so it holds no
 * separator, no `..` segment and no line break wherever it is shown.
 */
function encodedName(value: unknown): string {
  if (typeof value !== 'string') return `(${value === null ? 'null' : typeof value})`
  if (value === '') return '(empty)'
  const encoded = encodeURIComponent(value.slice(0, 100))
  return /^\.+$/.test(encoded) ? '%2E'.repeat(encoded.length) : encoded
}

/**
 * One stack of a listing. A name Pulumi would not allow does not fail the page (issue #12
 * row 1): the stack is kept, refused, with its names encoded, so it fails alone (execute.ts)
 * and the other stacks go on; no request, path or output is made from its names.
 */
const listedStack: Reader<StackSummary> = (value, at) => {
  const source = record(value, at)
  const bad = Object.entries(NAME_KINDS).find(([key]) => {
    const name = source[key]
    return typeof name !== 'string' || !isPulumiName(name)
  })
  if (bad === undefined)
    // Built field by field: a `refused` the service sent never passes through.
    return {
      orgName: pulumiName(source.orgName, at.key('orgName')),
      projectName: pulumiName(source.projectName, at.key('projectName')),
      stackName: pulumiName(source.stackName, at.key('stackName'))
    }
  const [key, kind] = bad
  const sent = source[key] === undefined ? '(absent)' : JSON.stringify(source[key])
  return {
    orgName: encodedName(source.orgName),
    projectName: encodedName(source.projectName),
    stackName: encodedName(source.stackName),
    refused: `The service listed this stack with the ${kind} name ${sent.length > 60 ? `${sent.slice(0, 60)}…` : sent}, which is not a name Pulumi allows (${PULUMI_NAME_RULE}; not '.' or '..'), so the action made no request, file or output for it. Rename or delete the stack in Pulumi Cloud, or narrow the stack pattern to leave it out.`
  }
}

/** A page of GET /api/user/stacks: each name becomes a path and the `stacks` output. */
export const readStackPage: Reader<Page<StackSummary>> = page('stacks', listedStack)

export const readStack: Reader<Stack> = object({
  id: optional(text),
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
  }),
  // Shown by import-stack when it refuses a stack changed since the export.
  requestedBy: optional(object({ name: optional(text), githubLogin: optional(text) })),
  githubCommitInfo: optional(
    object({ slug: optional(text), sha: optional(text), url: optional(text) })
  )
})

/** GET …/updates and …/updates/latest/previews (pages by number, not by token). */
export const readUpdateList: Reader<ListUpdatesResponse> = object({
  updates: list(readUpdateSummary),
  itemsPerPage: optional(count),
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
    info: optional(
      object({
        kind: optional(updateKind),
        result: optional(updateResult),
        environment: optional(stringMap)
      })
    )
  })
)
