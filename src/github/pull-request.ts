/**
 * comment-on-pr's entry: which pull request and repository, which token, then the sticky
 * comments (github/sticky-comment.ts). `@actions/github` is imported here on demand, so a run
 * that posts no comment never loads Octokit (the bundle puts it in its own chunk).
 */
import { USER_AGENT } from '../version.js'
import {
  syncStickyComments,
  type StackComment,
  type StickyLog,
  type StickyMode
} from './sticky-comment.js'
import type { GitHubClient } from './client.js'

export interface CommentRequest {
  /** Compact markdown per stack, from the command. */
  comments: StackComment[]
  mode: StickyMode
  token: string | undefined
  /** The pr-number input, else the pull request of the run's event (decided in readSettings). */
  prNumber: number | undefined
  /** This run's page, linked from a cut comment. */
  summaryUrl: string | undefined
  env: {
    GITHUB_EVENT_NAME?: string | undefined
    GITHUB_REPOSITORY?: string | undefined
    GITHUB_API_URL?: string | undefined
  }
  log: StickyLog
}

/** Posts, updates or deletes each stack's comment; returns the URLs written. */
export async function publishComments(request: CommentRequest): Promise<string[]> {
  const { comments, env, log, prNumber } = request
  if (comments.length === 0) {
    log.info('comment-on-pr: nothing to comment (no preview or update was found).')
    return []
  }
  if (prNumber === undefined) {
    log.warning(
      `comment-on-pr is ${request.mode === 'always' ? 'true' : request.mode} but this run (event '${env.GITHUB_EVENT_NAME || 'unknown'}') is not for a pull request; set pr-number, or run on pull_request. No comment was written.`
    )
    return []
  }
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo) {
    log.warning('comment-on-pr needs GITHUB_REPOSITORY (owner/repo); no comment was written.')
    return []
  }
  if (!request.token) {
    log.warning(
      'comment-on-pr is set but github-token is empty; pass github-token: ${{ github.token }} (with permissions: pull-requests: write). No comment was written.'
    )
    return []
  }
  const { getOctokit } = await import('@actions/github')
  const octokit: GitHubClient = getOctokit(request.token, {
    baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
    userAgent: USER_AGENT
  })
  return syncStickyComments(octokit, { owner, repo, number: prNumber }, comments, {
    mode: request.mode,
    summaryUrl: request.summaryUrl,
    log
  })
}
