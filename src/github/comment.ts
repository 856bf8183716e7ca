/**
 * The sticky pull request comment, GitHub I/O only: find our comment by its marker and its
 * author, then update it in place or create it. The client is a parameter so tests hand in
 * a real Octokit pointed at a local stand-in.
 */
import type { GitHub } from '@actions/github/lib/utils'

export type GitHubClient = InstanceType<typeof GitHub>

export interface PullRequest {
  owner: string
  repo: string
  number: number
}

export interface StickyComment {
  id: number
  url: string
  action: 'created' | 'updated'
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
export async function viewerLogin(octokit: GitHubClient): Promise<string> {
  const response = await octokit.graphql<{ viewer: { login: string } }>(
    'query { viewer { login } }'
  )
  return response.viewer.login
}

/**
 * Our earlier comments for these markers, reading every page of the conversation once
 * (one request per 100 comments however many stacks there are). The oldest match wins.
 */
export async function findStickyComments(
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
export async function writeStickyComment(
  octokit: GitHubClient,
  pr: PullRequest,
  body: string,
  existingId: number | undefined
): Promise<StickyComment> {
  if (existingId !== undefined) {
    const { data } = await octokit.rest.issues.updateComment({
      owner: pr.owner,
      repo: pr.repo,
      comment_id: existingId,
      body
    })
    return { id: data.id, url: data.html_url, action: 'updated' }
  }
  const { data } = await octokit.rest.issues.createComment({
    owner: pr.owner,
    repo: pr.repo,
    issue_number: pr.number,
    body
  })
  return { id: data.id, url: data.html_url, action: 'created' }
}
