/**
 * The sticky comment module on its own: a real Octokit (`@actions/github` getOctokit) whose
 * baseUrl is a local stand-in for the GitHub API, without inputs, commands or the job summary.
 */
import { getOctokit } from '@actions/github'
import {
  commentBody,
  commentMarker,
  syncStickyComments,
  type StackComment,
  type StickyMode
} from '../src/github/sticky-comment.js'
import type { GitHubClient } from '../src/github/client.js'
import { limitCharacters } from '../src/render/markdown.js'
import { startGitHubStandin, type GitHubStandin } from './support/github-standin.js'

const PR = { owner: 'octo', repo: 'app', number: 17 }
const STACK = 'acme/website/prod'
const MARKER = commentMarker(STACK)
const RUN = 'https://github.com/octo/app/actions/runs/4242'

let github: GitHubStandin
let octokit: GitHubClient
let info: string[]
let warnings: string[]

beforeEach(async () => {
  github = await startGitHubStandin()
  octokit = getOctokit(github.token, { baseUrl: github.url })
  info = []
  warnings = []
})

afterEach(async () => {
  await github.close()
})

function sync(comments: StackComment[], mode: StickyMode = 'always'): Promise<string[]> {
  return syncStickyComments(octokit, PR, comments, {
    mode,
    summaryUrl: RUN,
    log: { info: m => info.push(m), warning: m => warnings.push(m) }
  })
}

const writes = (): { method: string; path: string }[] =>
  github.calls
    .filter(call => call.method !== 'GET' && call.path !== '/graphql')
    .map(({ method, path }) => ({ method, path }))

const ours = (): GitHubStandin['comments'] =>
  github.comments.filter(comment => comment.body.includes(MARKER))

function addOurs(body: string): GitHubStandin['comments'][number] {
  return github.addComment({
    owner: PR.owner,
    repo: PR.repo,
    issue: PR.number,
    body: `${MARKER}\n${body}`,
    login: 'github-actions[bot]'
  })
}

describe('writing the sticky comment', () => {
  test('creates it on the first run and updates the same one in place on the next', async () => {
    const [url] = await sync([{ stack: STACK, body: '### first\n' }])
    expect(ours()).toHaveLength(1)
    const [comment] = ours()
    expect(comment?.body).toBe(`${MARKER}\n### first\n`)
    expect(url).toBe(`https://github.com/octo/app/pull/17#issuecomment-${comment?.id}`)
    expect(writes()).toEqual([{ method: 'POST', path: '/repos/octo/app/issues/17/comments' }])

    github.calls.length = 0
    expect(await sync([{ stack: STACK, body: '### second\n' }])).toEqual([url])
    expect(ours()).toHaveLength(1)
    expect(comment?.body).toBe(`${MARKER}\n### second\n`)
    expect(writes()).toEqual([
      { method: 'PATCH', path: `/repos/octo/app/issues/comments/${comment?.id}` }
    ])
    expect(info).toEqual([`Created ${url}`, `Updated ${url}`])
  })

  test('pages past 100 comments to find it, and stops reading once every stack is found', async () => {
    for (let i = 0; i < 230; i++)
      github.addComment({ ...PR, issue: PR.number, body: `chatter ${i}`, login: 'someone' })
    const mine = addOurs('old')
    for (let i = 0; i < 150; i++)
      github.addComment({ ...PR, issue: PR.number, body: `later ${i}`, login: 'someone' })
    await sync([{ stack: STACK, body: 'new\n' }])
    const pages = github.calls.filter(call => call.method === 'GET').map(call => call.query)
    expect(pages.map(query => query.get('page') ?? '1')).toEqual(['1', '2', '3'])
    expect(pages.every(query => query.get('per_page') === '100')).toBe(true)
    expect(writes()).toEqual([
      { method: 'PATCH', path: `/repos/octo/app/issues/comments/${mine.id}` }
    ])
    expect(mine.body).toBe(`${MARKER}\nnew\n`)
  })

  test("never edits someone else's comment that quotes our marker", async () => {
    const foreign = github.addComment({
      ...PR,
      issue: PR.number,
      body: `${MARKER}\nI copied your marker`,
      login: 'mallory'
    })
    await sync([{ stack: STACK, body: 'ours\n' }])
    expect(foreign.body).toBe(`${MARKER}\nI copied your marker`)
    expect(writes()).toEqual([{ method: 'POST', path: '/repos/octo/app/issues/17/comments' }])
    expect(ours().map(comment => comment.login)).toEqual(['mallory', 'github-actions[bot]'])
  })

  test('a 403 on a read-only (fork) token is a warning with the fix, not an error', async () => {
    github.readOnly = true
    await expect(sync([{ stack: STACK, body: 'x\n' }])).resolves.toEqual([])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/octo\/app#17 \(403: .*pull-requests: write.*pull_request_target/)
    expect(github.comments).toHaveLength(0)
  })

  test('any other refusal is an error that says what to check', async () => {
    const wrong = getOctokit('ghs_wrong', { baseUrl: github.url })
    await expect(
      syncStickyComments(wrong, PR, [{ stack: STACK, body: 'x\n' }], {
        mode: 'always',
        summaryUrl: RUN,
        log: { info: m => info.push(m), warning: m => warnings.push(m) }
      })
    ).rejects.toThrow(/^Could not write the pull request comment on octo\/app#17: .*github-token/)
  })

  test('a body over 65,536 characters is cut at a line, with a link to the run', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `| row ${i} | ${'x'.repeat(40)} |`)
    await sync([{ stack: STACK, body: `### big\n\n${rows.join('\n')}\n` }])
    const [comment] = ours()
    if (!comment) throw new Error('no comment was written')
    expect(comment.body.length).toBeLessThanOrEqual(65_536)
    expect(comment.body.length).toBeGreaterThan(60_000)
    expect(comment.body.startsWith(`${MARKER}\n### big`)).toBe(true)
    expect(comment.body).toMatch(
      /\| row \d+ \| x+ \|\n\n> \*\*Note:\*\* this comment was cut to fit GitHub’s 65,536-character limit; \[the job summary\]\(https:\/\/github\.com\/octo\/app\/actions\/runs\/4242\) has everything\.\n$/
    )
  })
})

describe('comment-on-pr: on-change', () => {
  test('a stack with changes is written as with true', async () => {
    await sync([{ stack: STACK, body: 'changes\n', hasChanges: true }], 'on-change')
    expect(ours()).toHaveLength(1)
    expect(writes()).toEqual([{ method: 'POST', path: '/repos/octo/app/issues/17/comments' }])
  })

  test('a stack with no changes any more has its earlier comment deleted, no one else’s', async () => {
    const mine = addOurs('had changes')
    const foreign = github.addComment({
      ...PR,
      issue: PR.number,
      body: `${MARKER}\nquoted`,
      login: 'mallory'
    })
    expect(
      await sync([{ stack: STACK, body: 'nothing\n', hasChanges: false }], 'on-change')
    ).toEqual([])
    expect(writes()).toEqual([
      { method: 'DELETE', path: `/repos/octo/app/issues/comments/${mine.id}` }
    ])
    expect(github.comments).toEqual([foreign])
    expect(info[0]).toMatch(/acme\/website\/prod has no changes any more: deleted/)
  })

  test('a stack with no changes and no earlier comment writes nothing', async () => {
    await sync([{ stack: STACK, body: 'nothing\n', hasChanges: false }], 'on-change')
    expect(writes()).toEqual([])
    expect(github.comments).toHaveLength(0)
  })

  test('a failed gate is commented even with no changes; an unknown change count too', async () => {
    await sync(
      [
        { stack: STACK, body: 'gate\n', hasChanges: false, gateFailed: true },
        { stack: 'acme/infra/prod', body: 'unknown\n' }
      ],
      'on-change'
    )
    expect(writes().map(call => call.method)).toEqual(['POST', 'POST'])
  })

  test('true writes a stack with no changes', async () => {
    await sync([{ stack: STACK, body: 'nothing\n', hasChanges: false }], 'always')
    expect(ours()).toHaveLength(1)
  })
})

describe('comment body', () => {
  test('starts with the marker and passes short markdown through', () => {
    expect(commentBody('acme/a/b', '### hi\n', undefined)).toBe(
      '<!-- pulumi-cloud-action:acme/a/b -->\n### hi\n'
    )
  })

  test('a marker never ends its HTML comment early, and no two stacks share one', () => {
    expect(commentMarker('a/b--c/d>e')).toBe('<!-- pulumi-cloud-action:a/b%2D%2Dc/d%3Ee -->')
    expect(commentMarker('a/b-c/d')).toBe('<!-- pulumi-cloud-action:a/b-c/d -->')
    expect(commentMarker('a/b--c/d')).not.toBe(commentMarker('a/b-c/d'))
    expect(commentMarker('a/b_c/d')).not.toBe(commentMarker('a/b c/d'))
  })

  test('cuts never split a surrogate pair and stay within the limit', () => {
    const cut = limitCharacters('😀'.repeat(100), 50, 'note')
    expect(cut.length).toBeLessThanOrEqual(50)
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/)
    expect(cut.endsWith('note\n')).toBe(true)
  })

  test('a cut inside a <details> block closes it, so the note is never folded away', () => {
    const rows = Array.from({ length: 400 }, (_, i) => `| ${i} |`).join('\n')
    const body = commentBody(
      STACK,
      `open\n\n<details><summary>more</summary>\n\n${rows}\n</details>\n`,
      RUN,
      2000
    )
    expect(body.length).toBeLessThanOrEqual(2000)
    const note = body.indexOf('> **Note:**')
    expect(body.lastIndexOf('</details>')).toBeLessThan(note)
    expect(body.lastIndexOf('</details>')).toBeGreaterThan(body.lastIndexOf('<details>'))
  })
})
