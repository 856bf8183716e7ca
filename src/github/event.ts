/**
 * The GitHub event this run is for, read once (in readSettings) from the runner's
 * GITHUB_EVENT_NAME, GITHUB_EVENT_PATH and GITHUB_SHA, and carried from there. The payload
 * is untrusted input: only a whole positive PR number and a hex commit SHA are kept.
 */
import { readFileSync } from 'node:fs'

export interface RunEvent {
  /** GITHUB_EVENT_NAME, or '' outside a runner. */
  name: string
  /** The pull request of a pull_request / pull_request_target event. */
  pullRequest?: { number: number; headSha?: string }
  /** GITHUB_SHA: on pull_request the merge commit, on pull_request_target the base's commit. */
  sha?: string
}

export const PULL_REQUEST_EVENTS: ReadonlySet<string> = new Set([
  'pull_request',
  'pull_request_target'
])

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/i

function commitSha(value: unknown): string | undefined {
  return typeof value === 'string' && SHA.test(value) ? value.toLowerCase() : undefined
}

/** The pull request fields of an event payload (already parsed JSON). */
export function pullRequestOf(payload: unknown): RunEvent['pullRequest'] {
  if (typeof payload !== 'object' || payload === null) return undefined
  const pr = (payload as { pull_request?: unknown }).pull_request
  if (typeof pr !== 'object' || pr === null) return undefined
  const { number, head } = pr as { number?: unknown; head?: unknown }
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) return undefined
  const headSha =
    typeof head === 'object' && head !== null
      ? commitSha((head as { sha?: unknown }).sha)
      : undefined
  return headSha === undefined ? { number } : { number, headSha }
}

/**
 * Reads the event. A payload that cannot be read or parsed leaves the pull request unknown
 * (as outside a runner); inputs that need it then say so.
 */
export function readRunEvent(env: {
  GITHUB_EVENT_NAME?: string | undefined
  GITHUB_EVENT_PATH?: string | undefined
  GITHUB_SHA?: string | undefined
}): RunEvent {
  const name = env.GITHUB_EVENT_NAME ?? ''
  const sha = commitSha(env.GITHUB_SHA)
  const event: RunEvent = sha === undefined ? { name } : { name, sha }
  if (!PULL_REQUEST_EVENTS.has(name) || !env.GITHUB_EVENT_PATH) return event
  let payload: unknown
  try {
    payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'))
  } catch {
    return event
  }
  const pullRequest = pullRequestOf(payload)
  return pullRequest === undefined ? event : { ...event, pullRequest }
}

/** Where the whole job summary of this run is: the run's page. */
export function runUrl(env: {
  serverUrl?: string | undefined
  repository?: string | undefined
  runId?: string | undefined
}): string | undefined {
  if (!env.repository || !env.runId) return undefined
  return `${env.serverUrl || 'https://github.com'}/${env.repository}/actions/runs/${env.runId}`
}
