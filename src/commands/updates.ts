import type { JsonPage } from '../api/client.js'
import { ResponseFormatError } from '../api/errors.js'
import { arrayItemsBytes } from '../api/json-items.js'
import { limits } from '../api/limits.js'
import { stackName, stackPath, type StackRef } from '../api/paths.js'
import type { Page } from '../api/readers/core.js'
import { readEventPage, readUpdateList, readUpdateResults } from '../api/readers/stacks.js'
import type { EngineEvent, UpdateStatus, UpdateSummary } from '../api/types.js'
import { finishEvents, foldEvents, newEventFold, type EventFold } from '../events/model.js'
import { renderUpdate, type UpdateMeta } from '../render/events.js'
import { renderUnfinishedNote, renderUpdateList, renderUpdatePage } from '../render/updates.js'
import type { ReadApi, StackComment } from './context.js'
import { findPreview, isUnfinished } from './preview-search.js'
import {
  GATE_INPUTS,
  GATE_OUTPUTS,
  gateReport,
  gateRules,
  outcomeGate,
  type GateReport
} from './gate-outputs.js'
import type { GateRules } from '../gate.js'
import { defineCommand, type Command, type CommandContext } from './types.js'

const DEFAULT_PAGE_SIZE = 10
/** Resource records in the compact `result` output; the result file has them all. */
const RESULT_CHANGES = 100

/** UpdateStatus values (GET …/update/{id}) of an update that may still produce events. */
const UNFINISHED_STATUSES = new Set(['not started', 'requested', 'running'])

/**
 * Called with each page of events as it arrives, e.g. to stream them to the result file;
 * `raw` is the same events as the service sent them (JSON values separated by commas).
 */
export type EventSink = (events: EngineEvent[], raw: Buffer | undefined) => Promise<void>

/**
 * Walks the pages of an update's engine events (previews too: the CLI reads them on the
 * `update` path), folding them into the event model page by page; no event is kept.
 *
 * A finished update's token runs out; one repeating is a fault and ends in an error. An
 * unfinished update always hands back a token to poll with, repeating it while nothing new
 * has arrived: its events are read until a page brings none or the token repeats, and the
 * digest then holds the events produced so far. The command does not wait for the end.
 */
async function readEvents(
  api: ReadApi,
  stack: StackRef,
  updateId: string,
  options: { finished: boolean; sink?: EventSink }
): Promise<EventFold> {
  const digest = newEventFold()
  const path = stackPath(stack, 'update', updateId, 'events')
  const fold = async ({ value: page, body }: JsonPage<Page<EngineEvent>>): Promise<number> => {
    const events = page.items
    foldEvents(digest, events)
    if (options.sink && events.length > 0)
      await options.sink(events, arrayItemsBytes(body, 'events', events.length))
    return events.length
  }
  if (options.finished) {
    // The next page is fetched while this one is folded and written.
    for await (const page of api.pagesWithBytes(path, {}, readEventPage)) await fold(page)
    return digest
  }
  const seen = new Set<string>()
  let token: string | undefined
  for (let pages = 1; ; pages++) {
    if (pages > limits().maxPages)
      throw new ResponseFormatError(
        'GET',
        path,
        `the events went on past ${limits().maxPages} pages`
      )
    const page = await api.getJsonBytes(
      path,
      token === undefined ? {} : { continuationToken: token },
      readEventPage
    )
    const count = await fold(page)
    const next = page.value.continuationToken
    if (count === 0 || next === undefined || next === '' || seen.has(next)) return digest
    seen.add(next)
    token = next
  }
}

export function updateUrl(
  consoleUrl: string,
  stack: StackRef,
  update: { version?: number; updateId: string; preview: boolean }
): string | undefined {
  const base = `${consoleUrl}/${stackName(stack)}`
  if (update.preview) return `${base}/previews/${update.updateId}`
  // An update's console page is by version; without it there is nothing right to link.
  return update.version === undefined ? undefined : `${base}/updates/${update.version}`
}

/** What is known of an update before its events are read. */
interface UpdateTarget {
  updateId: string
  status: string
  /** False while the update may still produce events. */
  finished: boolean
  /** From the update list; unknown when the update was named by update-id. */
  kind?: string
  version?: number
}

interface UpdateReport {
  /** Compact JSON for the `result` output: counts and capped lists, never the events. */
  result: Record<string, unknown>
  summary: string
  comment: StackComment
  count: number
  gate: GateReport
}

/**
 * Reads an update's events (each page handed to `sink`) and renders them: the one path
 * list-update-events, get-update and list-previews share. A kind given by the update list
 * decides preview-ness, otherwise the summary event's isPreview does.
 */
export async function summariseUpdate(
  context: CommandContext,
  stack: StackRef,
  target: UpdateTarget,
  rules: GateRules,
  sink?: EventSink
): Promise<UpdateReport> {
  const fold = await readEvents(context.api, stack, target.updateId, {
    finished: target.finished,
    ...(sink ? { sink } : {})
  })
  const model = finishEvents(fold, { kind: target.kind, status: target.status })
  const preview = model.kind.preview
  const { action } = model.kind
  const kind = target.kind ?? (preview ? (action === 'update' ? 'preview' : `P${action}`) : action)
  const url = updateUrl(context.consoleUrl, stack, {
    updateId: target.updateId,
    preview,
    ...(target.version === undefined ? {} : { version: target.version })
  })
  const meta: UpdateMeta = {
    stack: stackName(stack),
    updateId: target.updateId,
    status: target.status,
    ...(target.version === undefined || preview ? {} : { version: target.version }),
    ...(url === undefined ? {} : { url }),
    ...(context.runUrl === undefined ? {} : { runUrl: context.runUrl })
  }
  const note = target.finished ? '' : renderUnfinishedNote(target.status, model.events)
  const { counts } = model
  const gate = gateReport(
    meta.stack,
    {
      // A refresh's record says what it found; everything else, what was planned or done.
      resources: model.changes.map(({ urn, type, op, outcome, failed }) => ({
        urn,
        type,
        op: outcome ?? op,
        failed
      })),
      policies: model.policies.map(({ level, pack, policy, urn }) => ({
        level,
        pack,
        policy,
        ...(urn === undefined ? {} : { urn })
      })),
      failed: target.status === 'failed' || counts.failed > 0,
      unfinished: !target.finished,
      kind: preview ? 'preview' : kind
    },
    rules
  )
  return {
    result: {
      updateId: target.updateId,
      kind,
      action,
      preview,
      status: target.status,
      finished: target.finished,
      ...(meta.version === undefined ? {} : { version: meta.version }),
      count: model.events,
      resourceChanges: counts.resourceChanges,
      ...(model.engineChanges === undefined ? {} : { engineResourceChanges: model.engineChanges }),
      creates: counts.creates,
      updates: counts.updates,
      deletes: counts.deletes,
      replaces: counts.replaces,
      imports: counts.imports,
      failedResources: counts.failed,
      interruptedResources: counts.interrupted,
      changes: model.changes.slice(0, RESULT_CHANGES).map(change => ({
        urn: change.urn,
        type: change.type,
        op: change.op,
        ...(change.outcome === undefined ? {} : { outcome: change.outcome }),
        status: change.status,
        ...(change.changed.length === 0 ? {} : { changed: change.changed })
      })),
      ...(model.stackOutputs.length === 0 ? {} : { stackOutputs: model.stackOutputs }),
      policyViolationCount: model.policyCounts.total,
      policyViolationLevels: {
        advisory: model.policyCounts.advisory,
        mandatory: model.policyCounts.mandatory,
        remediate: model.policyCounts.remediate
      },
      policyViolations: model.policies,
      diagnosticCount: model.diagnosticCounts.errors + model.diagnosticCounts.warnings,
      errorCount: model.diagnosticCounts.errors,
      diagnostics: model.diagnostics,
      gate: gate.verdict.verdict,
      gateReasons: gate.verdict.trips.map(trip => trip.reason)
    },
    summary: gate.markdown + renderUpdate(meta, model) + note,
    comment: {
      stack: meta.stack,
      body: gate.markdown + renderUpdate(meta, model, { compact: true }) + note,
      // comment-on-pr: on-change decides on the gate's own has-changes, never a recount.
      hasChanges: gate.verdict.hasChanges,
      gateFailed: gate.verdict.verdict === 'failed'
    },
    count: model.events,
    gate
  }
}

async function updateStatus(
  api: ReadApi,
  stack: StackRef,
  updateId: string
): Promise<UpdateStatus> {
  const { status } = await api.getJson(stackPath(stack, 'update', updateId), {}, readUpdateResults)
  return status
}

/** The newest update, for commands whose `update-id` defaults to the latest. */
async function latestUpdate(api: ReadApi, stack: StackRef): Promise<UpdateSummary> {
  const { updates } = await api.getJson(
    stackPath(stack, 'updates'),
    { 'output-type': 'service', page: 1, pageSize: 1 },
    readUpdateList
  )
  const [latest] = updates
  if (latest === undefined)
    throw new Error(
      `The stack ${stackName(stack)} has no updates yet, so there is no latest update; give update-id.`
    )
  return latest
}

function compactUpdate(update: UpdateSummary): Record<string, unknown> {
  return {
    updateID: update.updateID,
    version: update.version,
    kind: update.info.kind,
    result: update.info.result,
    startTime: update.info.startTime,
    endTime: update.info.endTime,
    message: update.info.message,
    resourceChanges: update.info.resourceChanges
  }
}

const listPreviews = defineCommand({
  name: 'list-previews',
  area: 'updates',
  description:
    "List a stack's latest previews, newest first, and render the preview of this run's change (match-preview): on a pull request, the preview of its head commit.",
  required: ['stack'],
  optional: ['pageSize', 'matchPreview', 'waitSeconds', ...GATE_INPUTS],
  mutates: false,
  perStack: true,
  comments: true,
  outputs: {
    count: 'Number of previews returned.',
    'update-id': 'ID of the matched preview (match-preview).',
    status: 'Result of the matched preview.',
    ...GATE_OUTPUTS
  },
  async run(context, { stack, pageSize, matchPreview, waitSeconds, ...inputs }) {
    const { firstPage, match } = await findPreview(
      context,
      stack,
      matchPreview ?? { mode: 'latest' },
      { pageSize: pageSize ?? DEFAULT_PAGE_SIZE, waitSeconds: waitSeconds ?? 0 }
    )
    const list = renderUpdateList(stackName(stack), 'Previews', firstPage)
    const report =
      match === undefined
        ? undefined
        : await summariseUpdate(
            context,
            stack,
            {
              updateId: match.updateID,
              status: match.info.result ?? 'unknown',
              finished: !isUnfinished(match),
              kind: match.info.kind
            },
            gateRules(inputs)
          )
    return {
      result: firstPage.map(compactUpdate),
      outputs: {
        count: firstPage.length,
        'update-id': match?.updateID ?? '',
        status: match?.info.result ?? '',
        ...report?.gate.outputs
      },
      summary: report ? `${report.summary}\n${list}` : list,
      ...(report ? { comment: [report.comment], gate: outcomeGate(report.gate) } : {})
    }
  }
})

const listUpdateEvents = defineCommand({
  name: 'list-update-events',
  area: 'updates',
  description:
    'Read all engine events of an update or preview (default: the latest update) into the result file and summarise its changes, policy violations and diagnostics. For an update still running, the events so far.',
  required: ['stack'],
  optional: ['updateId', ...GATE_INPUTS],
  mutates: false,
  comments: true,
  outputs: {
    count: 'Number of engine events.',
    status: 'Status of the update.',
    'update-id': 'ID of the update read.',
    ...GATE_OUTPUTS
  },
  async run(context, { stack, updateId, ...inputs }) {
    const latest = updateId === undefined ? await latestUpdate(context.api, stack) : undefined
    const id = updateId ?? latest?.updateID ?? ''
    const status = await updateStatus(context.api, stack, id)
    const target: UpdateTarget = {
      updateId: id,
      status,
      finished: !UNFINISHED_STATUSES.has(status),
      ...(latest ? { kind: latest.info.kind, version: latest.version } : {})
    }
    // Tens of thousands of events go straight to the result file, page by page; `result`
    // keeps the digest. The file is the digest's fields plus `events`.
    const report = await context.resultFile.stream(async writer => {
      await writer.begin('{')
      writer.key('events')
      await writer.begin('[')
      const summarised = await summariseUpdate(
        context,
        stack,
        target,
        gateRules(inputs),
        async (events, raw) => {
          // As the service sent them: no event is serialised again.
          if (raw !== undefined) await writer.rawItems(raw)
          else for (const event of events) await writer.value(event)
        }
      )
      await writer.end()
      await writer.fields(summarised.result)
      await writer.end()
      return summarised
    })
    return {
      result: report.result,
      outputs: { count: report.count, status, 'update-id': id, ...report.gate.outputs },
      summary: report.summary,
      comment: [report.comment],
      gate: outcomeGate(report.gate)
    }
  }
})

const listUpdates = defineCommand({
  name: 'list-updates',
  area: 'updates',
  description: "List a stack's updates (history), newest first, one page at a time.",
  required: ['stack'],
  optional: ['page', 'pageSize'],
  mutates: false,
  perStack: true,
  outputs: {
    count: 'Number of updates on this page.',
    'update-id': 'ID of the newest update on the page.',
    status: 'Result of the newest update on the page.'
  },
  async run(context, { stack, page, pageSize }) {
    const response = await context.api.getJson(
      stackPath(stack, 'updates'),
      { 'output-type': 'service', page: page ?? 1, pageSize: pageSize ?? DEFAULT_PAGE_SIZE },
      readUpdateList
    )
    const { updates } = response
    const [latest] = updates
    return {
      result: updates.map(compactUpdate),
      outputs: {
        count: updates.length,
        'update-id': latest?.updateID ?? '',
        status: latest?.info.result ?? ''
      },
      summary: renderUpdatePage(
        stackName(stack),
        updates,
        page ?? 1,
        pageSize ?? DEFAULT_PAGE_SIZE,
        response.total
      )
    }
  }
})

const getUpdate = defineCommand({
  name: 'get-update',
  area: 'updates',
  description:
    "Read an update's (or preview's) status and summarise its engine events: resource changes, policy violations, diagnostics. For an update still running, the events so far.",
  required: ['stack', 'updateId'],
  optional: [...GATE_INPUTS],
  mutates: false,
  comments: true,
  outputs: {
    status: 'Status of the update: succeeded, failed, running, …',
    count: 'Number of engine events read.',
    ...GATE_OUTPUTS
  },
  async run(context, { stack, updateId, ...inputs }) {
    const status = await updateStatus(context.api, stack, updateId)
    const report = await summariseUpdate(
      context,
      stack,
      { updateId, status, finished: !UNFINISHED_STATUSES.has(status) },
      gateRules(inputs)
    )
    return {
      result: report.result,
      outputs: { status, count: report.count, ...report.gate.outputs },
      summary: report.summary,
      comment: [report.comment],
      gate: outcomeGate(report.gate)
    }
  }
})

export const updateCommands: Command[] = [listPreviews, listUpdateEvents, listUpdates, getUpdate]
