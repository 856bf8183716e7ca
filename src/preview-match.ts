/**
 * Which preview belongs to this run's change (input `match-preview`), decided from the
 * update `environment` the Pulumi CLI records (pulumi/pulumi pkg/backend/updates.go,
 * filled by ciutil on GitHub Actions): `ci.pr.number`, `ci.pr.headSHA` (the PR's head
 * commit on pull_request, else GITHUB_SHA) and `git.head` (the checked-out commit: the
 * merge commit on pull_request). Pure: no I/O.
 */
import { PULL_REQUEST_EVENTS, type RunEvent } from './github/event.js'
import { InputError } from './input-parsers.js'

export const PREVIEW_MATCH_MODES = ['commit', 'pull-request', 'latest'] as const
export type PreviewMatchMode = (typeof PREVIEW_MATCH_MODES)[number]

export const CI_PR_NUMBER = 'ci.pr.number'
export const CI_PR_HEAD_SHA = 'ci.pr.headSHA'
export const GIT_HEAD = 'git.head'

export type PreviewSelector =
  | { mode: 'latest' }
  | { mode: 'pull-request'; pullRequest: number }
  | {
      mode: 'commit'
      /** When known, a preview recording another PR number is not ours. */
      pullRequest?: number
      /** Commits that are this change: the PR head, and on pull_request the merge commit. */
      shas: string[]
    }

export function defaultPreviewMode(event: RunEvent): PreviewMatchMode {
  return PULL_REQUEST_EVENTS.has(event.name) ? 'commit' : 'latest'
}

/**
 * The selector for `mode` in this run: the PR number from the event (or the pr-number
 * input), the commits from the event. A mode that needs what this run lacks is an input error.
 */
export function previewSelector(
  mode: PreviewMatchMode,
  event: RunEvent,
  prNumberInput: number | undefined
): PreviewSelector {
  const pullRequest = prNumberInput ?? event.pullRequest?.number
  if (mode === 'latest') return { mode }
  if (mode === 'pull-request') {
    if (pullRequest === undefined)
      throw new InputError(
        'match-preview',
        `pull-request needs a pull request, and this run (event '${event.name || 'unknown'}') is not for one; run on pull_request, or set pr-number`
      )
    return { mode, pullRequest }
  }
  // On pull_request_target GITHUB_SHA is the base branch's commit, not this change.
  const shas = [
    event.pullRequest?.headSha,
    event.name === 'pull_request_target' ? undefined : event.sha
  ].filter((sha): sha is string => sha !== undefined)
  if (shas.length === 0)
    throw new InputError(
      'match-preview',
      'commit needs the commit of this run, and GITHUB_SHA is not set (not on a GitHub runner?); use pull-request or latest'
    )
  return pullRequest === undefined
    ? { mode, shas: [...new Set(shas)] }
    : { mode, pullRequest, shas: [...new Set(shas)] }
}

type Environment = Record<string, unknown> | undefined

function field(environment: Environment, key: string): string | undefined {
  const value = environment?.[key]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** Does the preview with this `environment` belong to the selected change? */
export function matchesPreview(selector: PreviewSelector, environment: Environment): boolean {
  if (selector.mode === 'latest') return true
  const recordedPr = field(environment, CI_PR_NUMBER)
  if (selector.mode === 'pull-request') return recordedPr === String(selector.pullRequest)
  if (selector.pullRequest !== undefined && recordedPr !== undefined) {
    if (recordedPr !== String(selector.pullRequest)) return false
  }
  const commits = [field(environment, CI_PR_HEAD_SHA), field(environment, GIT_HEAD)]
  return commits.some(sha => sha !== undefined && selector.shas.includes(sha.toLowerCase()))
}

const short = (sha: string): string => sha.slice(0, 7)

/** `for PR #41 at 3f2a1c0`, `for PR #41`, `at 3f2a1c0` ('' for latest): what the selector looks for. */
export function describeSelector(selector: PreviewSelector): string {
  if (selector.mode === 'latest') return ''
  if (selector.mode === 'pull-request') return `for PR #${selector.pullRequest}`
  const at = `at ${selector.shas.map(short).join(' or ')}`
  return selector.pullRequest === undefined ? at : `for PR #${selector.pullRequest} ${at}`
}

/**
 * Where a preview ran, from its environment: `from PR #40 at 9c0abe5`, `from commit 9c0abe5`,
 * or `with no CI record`. Only digits and hex reach the text: the environment is server data.
 */
export function describeOrigin(environment: Environment): string {
  const pr = field(environment, CI_PR_NUMBER)
  const sha = field(environment, CI_PR_HEAD_SHA) ?? field(environment, GIT_HEAD)
  const safePr = pr !== undefined && /^\d{1,12}$/.test(pr) ? pr : undefined
  const safeSha = sha !== undefined && /^[0-9a-f]{7,64}$/i.test(sha) ? short(sha) : undefined
  const at = safeSha === undefined ? '' : ` at ${safeSha}`
  if (safePr !== undefined) return `from PR #${safePr}${at}`
  if (pr !== undefined) return `from an unreadable PR number${at}`
  return safeSha === undefined ? 'with no CI record' : `from commit ${safeSha}`
}
