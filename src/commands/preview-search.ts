/**
 * Finds the preview of this run's change among a stack's previews (newest first), paging
 * until it is found, and with `wait-seconds` polls until it exists and has finished.
 */
import { PulumiApiError } from '../api/errors.js'
import { stackName, stackPath, type StackRef } from '../api/paths.js'
import { sleep } from '../api/retry.js'
import { readUpdateList } from '../api/readers/stacks.js'
import type { UpdateSummary } from '../api/types.js'
import {
  describeOrigin,
  describeSelector,
  matchesPreview,
  type PreviewSelector
} from '../preview-match.js'
import type { CommandContext } from './types.js'

/** Previews asked for per page while searching. */
export const SEARCH_PAGE_SIZE = 100
/** Pages searched at most: the newest 1,000 previews. */
export const MAX_SEARCH_PAGES = 10
/** Polling backoff while waiting: first delay, growth, longest delay. */
const FIRST_POLL_MS = 1000
const MAX_POLL_MS = 15_000

/** UpdateResult values (`info.result` in preview lists) of an unfinished update. */
export const UNFINISHED_RESULTS: ReadonlySet<string> = new Set(['not-started', 'in-progress'])

export function isUnfinished(preview: UpdateSummary): boolean {
  return UNFINISHED_RESULTS.has(preview.info.result ?? '')
}

export interface PreviewSearch {
  /** The first page as asked for by `page-size` (the list in the summary). */
  firstPage: UpdateSummary[]
  /** The matching preview, or undefined when there is none. */
  match: UpdateSummary | undefined
  /** The stack's newest preview, to say what there is when nothing matched. */
  newest: UpdateSummary | undefined
  /** The search stopped at MAX_SEARCH_PAGES with previews left unread. */
  capped?: boolean
}

/** One look through the newest previews. */
async function search(
  context: CommandContext,
  stack: StackRef,
  selector: PreviewSelector,
  pageSize: number
): Promise<PreviewSearch> {
  const path = stackPath(stack, 'updates', 'latest', 'previews')
  if (selector.mode === 'latest') {
    const { updates: firstPage } = await context.api.getJson(
      path,
      { asc: false, page: 1, pageSize },
      readUpdateList
    )
    return { firstPage, match: firstPage[0], newest: firstPage[0] }
  }
  const size = Math.max(pageSize, SEARCH_PAGE_SIZE)
  let firstPage: UpdateSummary[] = []
  let newest: UpdateSummary | undefined
  for (let page = 1; page <= MAX_SEARCH_PAGES; page++) {
    const response = await context.api.getJson(
      path,
      { asc: false, page, pageSize: size },
      readUpdateList
    )
    const previews = response.updates
    if (page === 1) {
      firstPage = previews.slice(0, pageSize)
      newest = previews[0]
    }
    const match = previews.find(preview => matchesPreview(selector, preview.info.environment))
    if (match !== undefined) return { firstPage, match, newest }
    const { total } = response
    if (previews.length < size || (total !== undefined && page * size >= total))
      return { firstPage, match: undefined, newest }
  }
  return { firstPage, match: undefined, newest, capped: true }
}

/** `preview of acme/website/prod for PR #41 at 3f2a1c0` */
function wanted(stack: StackRef, selector: PreviewSelector): string {
  const selected = describeSelector(selector)
  return `preview of ${stackName(stack)}${selected === '' ? '' : ` ${selected}`}`
}

/** Thrown when no preview matches: says what was looked for and what the newest is. */
export class NoMatchingPreviewError extends Error {
  override readonly name = 'NoMatchingPreviewError'
}

function noMatch(
  stack: StackRef,
  selector: PreviewSelector,
  { newest, capped }: PreviewSearch,
  waited: number
): NoMatchingPreviewError {
  const latest =
    newest === undefined
      ? 'the stack has no previews'
      : `the latest is ${describeOrigin(newest.info.environment)}`
  const after = waited > 0 ? ` after waiting ${waited} s` : ''
  const hint =
    waited > 0
      ? 'Check that the preview job ran for this commit with the Pulumi CLI (it records ci.pr.number and ci.pr.headSHA), or raise wait-seconds.'
      : 'If the preview runs in a parallel job or a Pulumi Deployment, set wait-seconds; to render the newest preview whatever its origin, set match-preview: latest.'
  const searched = capped
    ? ` (only the newest ${MAX_SEARCH_PAGES * SEARCH_PAGE_SIZE} previews are searched)`
    : ''
  return new NoMatchingPreviewError(
    `No ${wanted(stack, selector)}${after}; ${latest}${searched}. ${hint}`
  )
}

/** Rate limited past the client's own retries: wait as asked, if the deadline allows. */
function rateLimitDelay(error: unknown): number | undefined {
  if (!(error instanceof PulumiApiError) || error.status !== 429) return undefined
  return error.retryAfterMs ?? MAX_POLL_MS
}

/**
 * The matching preview, waiting up to `waitSeconds` for it to appear and finish. Without a
 * match at the end, a NoMatchingPreviewError; a match still running at the deadline is
 * returned as it is (its report says it has not finished).
 */
export async function findPreview(
  context: CommandContext,
  stack: StackRef,
  selector: PreviewSelector,
  options: { pageSize: number; waitSeconds: number; now?: () => number }
): Promise<PreviewSearch> {
  const now = options.now ?? Date.now
  const deadline = now() + options.waitSeconds * 1000
  let delay = FIRST_POLL_MS
  for (;;) {
    let found: PreviewSearch | undefined
    let retryIn: number | undefined
    try {
      found = await search(context, stack, selector, options.pageSize)
    } catch (error) {
      retryIn = rateLimitDelay(error)
      if (retryIn === undefined || now() + retryIn > deadline) throw error
    }
    if (found !== undefined) {
      const { match } = found
      if (match !== undefined && !isUnfinished(match)) return found
      if (now() >= deadline) {
        if (match !== undefined) return found
        if (selector.mode === 'latest') return found
        throw noMatch(stack, selector, found, options.waitSeconds)
      }
      context.info(
        match === undefined
          ? `No ${wanted(stack, selector)} yet; looking again in ${Math.ceil(delay / 1000)} s.`
          : `The ${wanted(stack, selector)} has not finished; looking again in ${Math.ceil(delay / 1000)} s.`
      )
    }
    const wait = Math.min(retryIn ?? delay, Math.max(0, deadline - now()))
    await sleep(wait)
    delay = Math.min(Math.round(delay * 1.5), MAX_POLL_MS)
  }
}
