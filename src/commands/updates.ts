import type { PulumiCloud } from '../api/client.js'
import { stackName, stackPath, type StackRef } from '../api/paths.js'
import type {
  EngineEvent,
  ListUpdatesResponse,
  UpdateEventsResponse,
  UpdateStatusResponse,
  UpdateSummary
} from '../api/types.js'
import { addEvents, emptyDigest, renderUpdate, type EventDigest } from '../render/events.js'
import { renderUnfinishedNote, renderUpdateList, renderUpdatePage } from '../render/updates.js'
import { defineCommand, type Command } from './types.js'

const DEFAULT_PAGE_SIZE = 10

/**
 * Walks every page of an update's engine events (previews too: the CLI reads them on the
 * `update` path). Events are folded into the digest page by page; `keep` collects them.
 */
export async function readEvents(
  api: PulumiCloud,
  stack: StackRef,
  updateId: string,
  keep: EngineEvent[] | undefined
): Promise<EventDigest> {
  const digest = emptyDigest()
  const pages = api.pages<UpdateEventsResponse>(
    stackPath(stack, 'update', updateId, 'events'),
    {},
    page => page.continuationToken
  )
  for await (const page of pages) {
    const events = Array.isArray(page.events) ? page.events : []
    addEvents(digest, events)
    if (keep) for (const event of events) keep.push(event)
  }
  return digest
}

export function updateUrl(
  consoleUrl: string,
  stack: StackRef,
  update: { version?: number; updateId: string; preview: boolean }
): string {
  const base = `${consoleUrl}/${stackName(stack)}`
  return update.preview || update.version === undefined
    ? `${base}/previews/${update.updateId}`
    : `${base}/updates/${update.version}`
}

/** The newest update, for commands whose `update-id` defaults to the latest. */
async function latestUpdate(api: PulumiCloud, stack: StackRef): Promise<UpdateSummary> {
  const { updates } = await api.getJson<ListUpdatesResponse>(stackPath(stack, 'updates'), {
    'output-type': 'service',
    page: 1,
    pageSize: 1
  })
  const [latest] = Array.isArray(updates) ? updates : []
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
    "List a stack's latest previews, newest first, and render the latest preview's changes.",
  required: ['stack'],
  optional: ['pageSize'],
  mutates: false,
  perStack: true,
  outputs: {
    count: 'Number of previews returned.',
    'update-id': 'ID of the latest preview.',
    status: 'Result of the latest preview.'
  },
  async run(context, { stack, pageSize }) {
    const response = await context.api.getJson<ListUpdatesResponse>(
      stackPath(stack, 'updates', 'latest', 'previews'),
      {
        asc: false,
        page: 1,
        pageSize: pageSize ?? DEFAULT_PAGE_SIZE
      }
    )
    const previews = Array.isArray(response.updates) ? response.updates : []
    const [latest] = previews
    let summary = renderUpdateList(stackName(stack), 'Previews', previews)
    let comment: { stack: string; body: string }[] | undefined
    if (latest !== undefined) {
      const digest = await readEvents(context.api, stack, latest.updateID, undefined)
      const status = latest.info.result ?? 'unknown'
      const meta = {
        stack: stackName(stack),
        kind: latest.info.kind,
        updateId: latest.updateID,
        status,
        url: updateUrl(context.consoleUrl, stack, { updateId: latest.updateID, preview: true })
      }
      summary = renderUpdate(meta, digest) + '\n' + summary
      comment = [{ stack: meta.stack, body: renderUpdate(meta, digest, { compact: true }) }]
    }
    return {
      result: previews.map(compactUpdate),
      outputs: {
        count: previews.length,
        'update-id': latest?.updateID ?? '',
        status: latest?.info.result ?? ''
      },
      summary,
      ...(comment ? { comment } : {})
    }
  }
})

const listUpdateEvents = defineCommand({
  name: 'list-update-events',
  area: 'updates',
  description:
    'Read all engine events of an update or preview (default: the latest update) and summarise its changes, policy violations and diagnostics.',
  required: ['stack'],
  optional: ['updateId'],
  mutates: false,
  outputs: {
    count: 'Number of engine events.',
    status: 'Status of the update.'
  },
  async run(context, { stack, updateId }) {
    const latest = updateId === undefined ? await latestUpdate(context.api, stack) : undefined
    const id = updateId ?? latest?.updateID ?? ''
    const { status } = await context.api.getJson<UpdateStatusResponse>(
      stackPath(stack, 'update', id)
    )
    const events: EngineEvent[] = []
    const digest = await readEvents(context.api, stack, id, events)
    const kind = latest?.info.kind ?? (digest.summary ? 'update' : 'update')
    const url = updateUrl(context.consoleUrl, stack, {
      updateId: id,
      version: latest?.version,
      preview: kind.startsWith('P')
    })
    const meta = {
      stack: stackName(stack),
      kind,
      updateId: id,
      status,
      url,
      ...(latest ? { version: latest.version } : {})
    }
    return {
      result: { updateId: id, status, count: events.length, events },
      outputs: { count: events.length, status, 'update-id': id },
      summary: renderUpdate(meta, digest),
      comment: [{ stack: meta.stack, body: renderUpdate(meta, digest, { compact: true }) }]
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
    const response = await context.api.getJson<ListUpdatesResponse>(stackPath(stack, 'updates'), {
      'output-type': 'service',
      page: page ?? 1,
      pageSize: pageSize ?? DEFAULT_PAGE_SIZE
    })
    const updates = Array.isArray(response.updates) ? response.updates : []
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

/** Statuses of an update that may still produce events: its event stream has no end yet. */
const UNFINISHED = new Set(['running', 'not started', 'in-progress', 'not-started'])

const getUpdate = defineCommand({
  name: 'get-update',
  area: 'updates',
  description:
    "Read an update's (or preview's) status and summarise its engine events: resource changes, policy violations, diagnostics.",
  required: ['stack', 'updateId'],
  optional: [],
  mutates: false,
  outputs: {
    status: 'Status of the update: succeeded, failed, running, …',
    count: 'Number of engine events read.'
  },
  async run(context, { stack, updateId }) {
    const { status } = await context.api.getJson<UpdateStatusResponse>(
      stackPath(stack, 'update', updateId)
    )
    const finished = !UNFINISHED.has(status)
    // A running update's events never end; summarise them once it has finished.
    const digest = finished
      ? await readEvents(context.api, stack, updateId, undefined)
      : emptyDigest()
    const preview = digest.summary?.isPreview === true
    const changes = digest.summary?.resourceChanges ?? digest.counted
    const meta = {
      stack: stackName(stack),
      kind: preview ? 'preview' : 'update',
      updateId,
      status,
      // Without a version only a preview's console page can be linked.
      ...(preview ? { url: updateUrl(context.consoleUrl, stack, { updateId, preview: true }) } : {})
    }
    const summary = renderUpdate(meta, digest)
    return {
      result: {
        updateId,
        status,
        kind: preview ? 'preview' : 'update',
        eventCount: digest.events,
        resourceChanges: changes,
        failedResources: digest.failedResources,
        policyViolations: digest.policies,
        diagnostics: digest.diagnostics
      },
      outputs: { status, count: digest.events },
      summary: finished ? summary : summary + renderUnfinishedNote(status),
      comment: [
        {
          stack: meta.stack,
          body:
            renderUpdate(meta, digest, { compact: true }) +
            (finished ? '' : renderUnfinishedNote(status))
        }
      ]
    }
  }
})

export const updateCommands: Command[] = [listPreviews, listUpdateEvents, listUpdates, getUpdate]
