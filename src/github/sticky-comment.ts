/**
 * The sticky pull request comment, whole: the hidden marker that finds a stack's comment
 * again, the body cut to GitHub's limit, finding our earlier comment by marker and author,
 * and creating, updating or deleting it. GitHub I/O only, through the Octokit passed in (tests
 * hand in a real one pointed at a local stand-in); the markdown inside comes from render/.
 */
import { commentCutNote } from '../render/comment.js'
import { limitCharacters } from '../render/markdown.js'
import type { StackComment } from '../commands/context.js'
import type { GitHubClient } from './client.js'

export type { StackComment }

/** GitHub refuses an issue comment body over 65,536 characters. */
export const MAX_COMMENT_CHARACTERS = 65_536

export interface PullRequest {
  owner: string
  repo: string
  number: number
}

/** `always` writes every stack's comment; `on-change` only where something changes. */
export type StickyMode = 'always' | 'on-change'

export interface StickyLog {
  info(message: string): void
  warning(message: string): void
}

/**
 * The hidden first line that finds a stack's comment again on the next run. An HTML comment
 * may not hold `--`, so dashes in a run are written `%2D`; stack names never hold `%`, so
 * two stacks never share a marker (`a--b` and `a-b` stay apart).
 */
export function commentMarker(stack: string): string {
  const safe = stack.replace(/[^\w./-]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `<!-- pulumi-cloud-action:${safe.replace(/-{2,}/g, run => '%2D'.repeat(run.length))} -->`
}

/** Marker, compact markdown, and when too long a cut with a link to the whole job summary. */
export function commentBody(
  stack: string,
  markdown: string,
  summaryUrl: string | undefined,
  maxCharacters = MAX_COMMENT_CHARACTERS
): string {
  const marker = commentMarker(stack)
  const note = commentCutNote(maxCharacters, summaryUrl)
  return `${marker}\n${limitCharacters(markdown, maxCharacters - marker.length - 1, note)}`
}

/** The bot suffix differs between GraphQL (`github-actions`) and REST (`github-actions[bot]`). */
function sameLogin(a: string, b: string): boolean {
  const plain = (login: string): string => login.replace(/\[bot\]$/i, '').toLowerCase()
  return plain(a) === plain(b)
}

/**
 * Who this token acts as. GraphQL `viewer` works for the workflow token, where REST
 * `GET /user` answers 403 ("Resource not accessible by integration").
 */
async function viewerLogin(octokit: GitHubClient): Promise<string> {
  const response = await octokit.graphql<{ viewer: { login: string } }>(
    'query { viewer { login } }'
  )
  return response.viewer.login
}

/**
 * Our earlier comments for these markers, reading every page of the conversation once
 * (one request per 100 comments however many stacks there are). The oldest match wins.
 */
async function findStickyComments(
  octokit: GitHubClient,
  pr: PullRequest,
  markers: string[],
  login: string
): Promise<Map<string, number>> {
  const found = new Map<string, number>()
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner: pr.owner,
    repo: pr.repo,
    issue_number: pr.number,
    per_page: 100
  })
  for await (const { data } of pages) {
    for (const comment of data) {
      // Someone else's comment quoting our marker is theirs: never edit it.
      if (comment.user === null || !sameLogin(comment.user.login, login)) continue
      for (const marker of markers)
        if (!found.has(marker) && comment.body?.includes(marker) === true)
          found.set(marker, comment.id)
    }
    if (found.size === markers.length) break
  }
  return found
}

/** Updates our comment in place (PATCH) when there is one, else creates it (POST). */
async function writeStickyComment(
  octokit: GitHubClient,
  pr: PullRequest,
  body: string,
  existingId: number | undefined
): Promise<{ url: string; action: 'Created' | 'Updated' }> {
  if (existingId !== undefined) {
    const { data } = await octokit.rest.issues.updateComment({
      owner: pr.owner,
      repo: pr.repo,
      comment_id: existingId,
      body
    })
    return { url: data.html_url, action: 'Updated' }
  }
  const { data } = await octokit.rest.issues.createComment({
    owner: pr.owner,
    repo: pr.repo,
    issue_number: pr.number,
    body
  })
  return { url: data.html_url, action: 'Created' }
}

/** Where a request failed because the token may not write (a fork's read-only token). */
function isForbidden(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'status' in error && error.status === 403
}

/** Whether this stack's comment is written, or (on-change, nothing changing) taken away. */
function wanted(comment: StackComment, mode: StickyMode): boolean {
  return mode === 'always' || comment.hasChanges !== false || comment.gateFailed === true
}

/**
 * Brings the pull request's sticky comments in line with `comments`: each written (created,
 * or updated in place), or under on-change with nothing changing, our earlier one deleted.
 * Returns the URLs written. A read-only token (403) is a warning: the job summary still has it.
 */
export async function syncStickyComments(
  octokit: GitHubClient,
  pr: PullRequest,
  comments: StackComment[],
  options: { mode: StickyMode; summaryUrl: string | undefined; log: StickyLog }
): Promise<string[]> {
  const { log } = options
  const where = `${pr.owner}/${pr.repo}#${pr.number}`
  const urls: string[] = []
  try {
    const login = await viewerLogin(octokit)
    const markers = comments.map(({ stack }) => commentMarker(stack))
    const existing = await findStickyComments(octokit, pr, markers, login)
    // One after another: GitHub's secondary rate limit punishes bursts of writes.
    for (const [index, comment] of comments.entries()) {
      const earlier = existing.get(markers[index] ?? commentMarker(comment.stack))
      if (wanted(comment, options.mode)) {
        const body = commentBody(comment.stack, comment.body, options.summaryUrl)
        const written = await writeStickyComment(octokit, pr, body, earlier)
        log.info(`${written.action} ${written.url}`)
        urls.push(written.url)
      } else if (earlier === undefined) {
        log.info(`comment-on-pr is on-change and ${comment.stack} has no changes: no comment.`)
      } else {
        await octokit.rest.issues.deleteComment({
          owner: pr.owner,
          repo: pr.repo,
          comment_id: earlier
        })
        log.info(
          `comment-on-pr is on-change and ${comment.stack} has no changes any more: deleted its earlier comment on ${where}.`
        )
      }
    }
  } catch (error) {
    if (!isForbidden(error)) {
      const message = error instanceof Error ? error.message : String(error)
      throw new Error(
        `Could not write the pull request comment on ${where}: ${message}. Check github-token and that the job has permissions: pull-requests: write.`
      )
    }
    log.warning(
      `The token may not comment on ${where} (403: it is read-only, as on a pull request from a fork). The job summary still has the result. To comment, give the job permissions: pull-requests: write, or for fork pull requests run on pull_request_target with a token that can write — carefully: never check out or run the fork's code in that job.`
    )
  }
  return urls
}
