/**
 * comment-on-pr: which pull request, which token, then one sticky comment per stack.
 * `@actions/github` is imported here on demand, so a run that posts no comment never
 * loads Octokit (the bundle puts it in its own chunk).
 */
import { readFile } from 'node:fs/promises'
import { commentBody, commentMarker, runUrl } from '../render/comment.js'
import { USER_AGENT } from '../version.js'
import {
  findStickyComments,
  viewerLogin,
  writeStickyComment,
  type GitHubClient,
  type PullRequest
} from './comment.js'

export interface CommentRequest {
  /** Compact markdown per stack, from the command. */
  comments: { stack: string; body: string }[]
  token: string | undefined
  /** The pr-number input. */
  prNumber: number | undefined
  env: NodeJS.ProcessEnv
  info(message: string): void
  warning(message: string): void
}

const PR_EVENTS = new Set(['pull_request', 'pull_request_target'])

/** The pull request number: the pr-number input, else the pull_request event's payload. */
export async function pullRequestNumber(
  env: NodeJS.ProcessEnv,
  input: number | undefined
): Promise<number | undefined> {
  if (input !== undefined) return input
  if (!PR_EVENTS.has(env.GITHUB_EVENT_NAME ?? '') || !env.GITHUB_EVENT_PATH) return undefined
  const payload = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) as {
    pull_request?: { number?: unknown }
  }
  const number = payload.pull_request?.number
  return typeof number === 'number' ? number : undefined
}

/** Where a request failed because the token may not write (a fork's read-only token). */
function isForbidden(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'status' in error && error.status === 403
}

/** Posts or updates each stack's comment; returns their URLs. Never fails on a read-only token. */
export async function publishComments(request: CommentRequest): Promise<string[]> {
  const { comments, env } = request
  const warning = (message: string): void => {
    request.warning(message)
  }
  if (comments.length === 0) {
    request.info('comment-on-pr: nothing to comment (no preview or update was found).')
    return []
  }
  const number = await pullRequestNumber(env, request.prNumber)
  if (number === undefined) {
    warning(
      `comment-on-pr is true but this run (event '${env.GITHUB_EVENT_NAME ?? 'unknown'}') is not for a pull request; set pr-number, or run on pull_request. No comment was written.`
    )
    return []
  }
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo) {
    warning('comment-on-pr needs GITHUB_REPOSITORY (owner/repo); no comment was written.')
    return []
  }
  if (!request.token) {
    warning(
      'comment-on-pr is true but github-token is empty; pass github-token: ${{ github.token }} (with permissions: pull-requests: write). No comment was written.'
    )
    return []
  }
  const { getOctokit } = await import('@actions/github')
  const octokit: GitHubClient = getOctokit(request.token, {
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    userAgent: USER_AGENT
  })
  const pr: PullRequest = { owner, repo, number }
  const summaryUrl = runUrl({
    serverUrl: env.GITHUB_SERVER_URL,
    repository: env.GITHUB_REPOSITORY,
    runId: env.GITHUB_RUN_ID
  })
  const urls: string[] = []
  try {
    const login = await viewerLogin(octokit)
    const markers = comments.map(({ stack }) => commentMarker(stack))
    const existing = await findStickyComments(octokit, pr, markers, login)
    // One after another: GitHub's secondary rate limit punishes bursts of writes.
    for (const [index, { stack, body }] of comments.entries()) {
      const marker = markers[index] ?? commentMarker(stack)
      const written = await writeStickyComment(
        octokit,
        pr,
        commentBody(stack, body, summaryUrl),
        existing.get(marker)
      )
      request.info(`${written.action === 'created' ? 'Created' : 'Updated'} ${written.url}`)
      urls.push(written.url)
    }
  } catch (error) {
    if (!isForbidden(error)) {
      const message = error instanceof Error ? error.message : String(error)
      throw new Error(
        `Could not write the pull request comment on ${owner}/${repo}#${number}: ${message}. Check github-token and that the job has permissions: pull-requests: write.`
      )
    }
    warning(
      `The token may not comment on ${owner}/${repo}#${number} (403: it is read-only, as on a pull request from a fork). The job summary still has the result. To comment, give the job permissions: pull-requests: write, or for fork pull requests run on pull_request_target with a token that can write — carefully: never check out or run the fork's code in that job.`
    )
  }
  return urls
}
