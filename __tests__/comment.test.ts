/**
 * comment-on-pr end to end: the action reads from the Pulumi Cloud emulator and writes one
 * sticky comment per stack to a local stand-in for the GitHub API (GITHUB_API_URL). Finding,
 * paging, someone else's marker and the cut itself are tested on the module directly
 * (sticky-comment.test.ts); here, what the inputs and the command's outcome decide.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { JsonObject } from '../emulator/types.js'
import { commentMarker } from '../src/github/sticky-comment.js'
import { failureMessage, runAction, runDist } from './support/action.js'
import { useEmulator } from './support/emulator.js'
import { startGitHubStandin, type GitHubStandin } from './support/github-standin.js'

const PR = 17
const REPO = { owner: 'octo', repo: 'app' }
const STACK = 'acme/website/prod'
const MARKER = commentMarker(STACK)

const emulator = useEmulator()
let github: GitHubStandin
let eventPath: string

beforeEach(async () => {
  github = await startGitHubStandin()
  const dir = await mkdtemp(join(tmpdir(), 'pca-event-'))
  eventPath = join(dir, 'event.json')
  await writeFile(
    eventPath,
    JSON.stringify({ action: 'synchronize', pull_request: { number: PR } })
  )
})

afterEach(async () => {
  await github.close()
})

function pullRequestEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_API_URL: github.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: `${REPO.owner}/${REPO.repo}`,
    GITHUB_RUN_ID: '4242',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    ...overrides
  }
}

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    command: 'list-previews',
    stack: STACK,
    'comment-on-pr': 'true',
    'github-token': github.token,
    // The event's PR has no preview in the seed; these tests are about the comment itself.
    'match-preview': 'latest',
    ...emulator.connection(),
    ...extra
  }
}

const writes = (): { method: string; path: string }[] =>
  github.calls.filter(call => call.method !== 'GET' && call.path !== '/graphql')

const ours = (): typeof github.comments =>
  github.comments.filter(comment => comment.body.includes(MARKER))

describe('sticky pull request comment', () => {
  test('the bundled action loads its GitHub client chunk on demand and writes the comment', async () => {
    const run = await runDist(inputs(), pullRequestEnv())
    expect(run.exitCode).toBe(0)
    expect(ours()).toHaveLength(1)
    expect(ours()[0]?.body).toContain('Preview of acme/website/prod')
    expect(writes()).toEqual([
      expect.objectContaining({ method: 'POST', path: `/repos/octo/app/issues/${PR}/comments` })
    ])
    expect(run.outputs['comment-url']).toMatch(/#issuecomment-\d+$/)
  })

  test('the first run creates the comment, the second updates the same one in place', async () => {
    const first = await runAction(inputs(), pullRequestEnv())
    expect(first.exitCode).toBe(0)
    expect(ours()).toHaveLength(1)
    const [comment] = ours()
    expect(comment?.issue).toBe(PR)
    expect(comment?.login).toBe('github-actions[bot]')
    expect(comment?.body.startsWith(`${MARKER}\n`)).toBe(true)
    expect(comment?.body).toContain('Preview of acme/website/prod')
    expect(first.outputs['comment-url']).toBe(
      `https://github.com/octo/app/pull/${PR}#issuecomment-${comment?.id}`
    )
    expect(writes()).toEqual([
      expect.objectContaining({ method: 'POST', path: `/repos/octo/app/issues/${PR}/comments` })
    ])
    // Who we are comes from GraphQL: the workflow token may not call REST GET /user.
    expect(github.calls.some(call => call.path === '/graphql')).toBe(true)
    expect(github.calls.some(call => call.path === '/user')).toBe(false)
    expect(github.calls.every(call => call.authorization === `token ${github.token}`)).toBe(true)

    github.calls.length = 0
    const second = await runAction(inputs(), pullRequestEnv())
    expect(second.exitCode).toBe(0)
    expect(ours()).toHaveLength(1)
    expect(writes()).toEqual([
      expect.objectContaining({
        method: 'PATCH',
        path: `/repos/octo/app/issues/comments/${comment?.id}`
      })
    ])
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url'])
  })

  test('a read-only token (fork pull request) warns with the fix and does not fail the step', async () => {
    github.readOnly = true
    const run = await runAction(inputs(), pullRequestEnv())
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/::warning::.*403.*pull-requests: write/)
    expect(run.stdout).toContain('pull_request_target')
    expect(run.outputs['comment-url']).toBeUndefined()
    // The command's own work is still published.
    expect(run.outputs.count).toBeDefined()
    expect(run.summary).toContain('Preview of acme/website/prod')
    expect(github.comments).toHaveLength(0)
  })

  test('a body over 65,536 characters is cut at a line with a link to the job summary', async () => {
    const stack = emulator.state.getStack('acme', 'website', 'prod')
    const latest = stack?.updates
      .filter(update => update.kind === 'Pupdate')
      .sort((a, b) => b.startTime - a.startTime)[0]
    if (!latest) throw new Error('the seed has no preview on acme/website/prod')
    const policy = (i: number): JsonObject => ({
      timestamp: latest.startTime,
      type: 'policyEvent',
      policyEvent: {
        resourceUrn: `urn:pulumi:prod::website::aws:s3/bucket:Bucket::bucket-${i}`,
        message: `violation ${i}: ${'x'.repeat(1990)}`,
        color: 'raw',
        policyName: 'no-public-buckets',
        policyPackName: 'security',
        policyPackVersion: '1.0.0',
        enforcementLevel: 'mandatory'
      }
    })
    // The comment shows 20 of each; 20 policies and 20 errors of 2,000 characters are too many.
    const error = (i: number): JsonObject => ({
      timestamp: latest.startTime,
      type: 'diagnosticEvent',
      diagnosticEvent: { message: `error ${i}: ${'y'.repeat(1990)}`, severity: 'error' }
    })
    latest.events.splice(
      1,
      0,
      ...Array.from({ length: 45 }, (_, i) => policy(i)),
      ...Array.from({ length: 45 }, (_, i) => error(i))
    )

    const run = await runAction(inputs(), pullRequestEnv())
    expect(run.exitCode).toBe(0)
    const [comment] = ours()
    if (!comment) throw new Error('no comment was written')
    expect(comment.body.length).toBeLessThanOrEqual(65_536)
    expect(comment.body.length).toBeGreaterThan(60_000)
    expect(comment.body).toContain(
      '[the job summary](https://github.com/octo/app/actions/runs/4242)'
    )
    // Cut between lines: every table row that is there is whole.
    const rows = comment.body.split('\n').filter(line => line.startsWith('| ❌ error'))
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.length).toBeLessThan(20)
    for (const row of rows) expect(row.endsWith(' |')).toBe(true)
    // The job summary keeps everything.
    expect(run.summary).toContain('violation 44')
  })

  test('pr-number is used when the event is not a pull request; neither warns', async () => {
    const push = pullRequestEnv({ GITHUB_EVENT_NAME: 'push' })
    const withNumber = await runAction(inputs({ 'pr-number': '99' }), push)
    expect(withNumber.exitCode).toBe(0)
    expect(github.comments.map(comment => comment.issue)).toEqual([99])

    const without = await runAction(inputs(), push)
    expect(without.exitCode).toBe(0)
    expect(without.stdout).toMatch(/::warning::comment-on-pr is true but this run .*pr-number/)
    expect(github.comments).toHaveLength(1)
  })

  test('get-update and list-update-events comment too, each on its stack', async () => {
    const preview = emulator.state
      .getStack('acme', 'website', 'prod')
      ?.updates.find(update => update.kind === 'Pupdate')
    if (!preview) throw new Error('the seed has no preview on acme/website/prod')
    const viaGet = await runAction(
      inputs({ command: 'get-update', 'update-id': preview.updateID }),
      pullRequestEnv()
    )
    expect(viaGet.exitCode).toBe(0)
    expect(ours()).toHaveLength(1)
    expect(ours()[0]?.body).toContain(preview.updateID)

    const viaEvents = await runAction(
      inputs({ command: 'list-update-events', stack: 'acme/infra/prod' }),
      pullRequestEnv()
    )
    expect(viaEvents.exitCode).toBe(0)
    expect(github.comments.map(comment => comment.body.split('\n')[0])).toEqual([
      MARKER,
      commentMarker('acme/infra/prod')
    ])
  })

  test('comment-on-pr on a command that cannot comment is an input error before any request', async () => {
    const run = await runAction(inputs({ command: 'get-stack' }), pullRequestEnv())
    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toMatch(
      /^Input 'comment-on-pr': get-stack has nothing to comment .*works with list-previews/
    )
    expect(emulator.requests).toHaveLength(0)
    expect(github.calls).toHaveLength(0)
  })

  test('a multi-stack run writes one comment per stack, each updated on the next run', async () => {
    const source = emulator.state
      .getStack('acme', 'website', 'prod')
      ?.updates.find(u => u.kind === 'Pupdate')
    const infra = emulator.state.getStack('acme', 'infra', 'prod')
    if (!source || !infra) throw new Error('seed changed: need a preview and acme/infra/prod')
    emulator.state.addUpdate(infra, {
      ...source,
      updateID: '5d0c4f36-9c39-4c8a-9a55-3f1b8a6c1e01'
    })
    const stacks = { stack: 'acme/website/prod\nacme/infra/prod' }

    const first = await runAction(inputs(stacks), pullRequestEnv())
    expect(first.exitCode).toBe(0)
    const markers = github.comments.map(comment => comment.body.split('\n')[0])
    expect(markers.sort()).toEqual([commentMarker('acme/infra/prod'), MARKER].sort())
    expect(first.outputs['comment-url']?.split('\n')).toHaveLength(2)

    github.calls.length = 0
    const second = await runAction(inputs(stacks), pullRequestEnv())
    expect(second.exitCode).toBe(0)
    expect(github.comments).toHaveLength(2)
    expect(writes().map(call => call.method)).toEqual(['PATCH', 'PATCH'])
    // One listing of the conversation serves every stack.
    expect(github.calls.filter(call => call.method === 'GET')).toHaveLength(1)
  })

  test('a long change table folds into <details>; a failed gate stays in the open above it', async () => {
    const preview = emulator.state
      .getStack('acme', 'website', 'prod')
      ?.updates.find(update => update.updateID === '41a0f3b8-2c4d-4e6f-a1b3-c5d7e9f1a2b4')
    if (!preview) throw new Error('the seed lost its preview with a create')
    const create = (i: number): JsonObject => {
      const urn = `urn:pulumi:prod::website::aws:s3/bucketV2:BucketV2::extra-${i}`
      const state = { type: 'aws:s3/bucketV2:BucketV2', urn }
      return {
        timestamp: preview.startTime + 2,
        type: 'resourcePreEvent',
        resourcePreEvent: {
          metadata: { op: 'create', urn, type: state.type, old: null, new: state }
        }
      }
    }
    preview.events.splice(-1, 0, ...Array.from({ length: 60 }, (_, i) => create(i)))
    const run = await runAction(
      inputs({ command: 'get-update', 'update-id': preview.updateID, 'fail-on': 'create' }),
      pullRequestEnv()
    )
    expect(run.exitCode).toBe(1)
    const body = ours()[0]?.body ?? ''
    const gate = body.indexOf('Gate failed')
    const folded = body.indexOf('<details>')
    expect(gate).toBeGreaterThan(0)
    expect(folded).toBeGreaterThan(gate)
    // Every <details> block closes, and none holds the verdict.
    const blocks = [...body.matchAll(/<details>[\s\S]*?<\/details>/g)]
    expect(blocks.length).toBe(body.split('<details>').length - 1)
    for (const block of blocks) expect(block[0]).not.toContain('Gate')
    expect(body).toContain('…and 11 more resource changes')
  })
})

describe('comment-on-pr: on-change, through the bundled action', () => {
  // Two previews of acme/website/prod in the seed: one creates a resource, one changes nothing.
  const CHANGES = '41a0f3b8-2c4d-4e6f-a1b3-c5d7e9f1a2b4'
  const NO_CHANGES = '40d3e9a1-7b2c-4f5d-8e6a-0c1b2a3d4e5f'
  const onChange = (updateId: string): Record<string, string> =>
    inputs({ command: 'get-update', 'update-id': updateId, 'comment-on-pr': 'on-change' })

  test('a preview with changes writes the comment', async () => {
    const run = await runDist(onChange(CHANGES), pullRequestEnv())
    expect(run.exitCode).toBe(0)
    expect(run.outputs['has-changes']).toBe('true')
    expect(ours()).toHaveLength(1)
    expect(ours()[0]?.body).toContain(CHANGES)
    expect(run.outputs['comment-url']).toMatch(/#issuecomment-\d+$/)
  })

  test('a preview without changes deletes the comment an earlier run wrote', async () => {
    const first = await runDist(onChange(CHANGES), pullRequestEnv())
    expect(first.exitCode).toBe(0)
    const [earlier] = ours()
    if (!earlier) throw new Error('the first run wrote no comment')

    github.calls.length = 0
    const second = await runDist(onChange(NO_CHANGES), pullRequestEnv())
    expect(second.exitCode).toBe(0)
    expect(second.outputs['has-changes']).toBe('false')
    expect(writes()).toEqual([
      expect.objectContaining({
        method: 'DELETE',
        path: `/repos/octo/app/issues/comments/${earlier.id}`
      })
    ])
    expect(github.comments).toHaveLength(0)
    expect(second.outputs['comment-url']).toBeUndefined()
    expect(second.stdout).toContain('has no changes any more: deleted its earlier comment')
  })

  test('a preview without changes and no earlier comment writes nothing', async () => {
    const run = await runDist(onChange(NO_CHANGES), pullRequestEnv())
    expect(run.exitCode).toBe(0)
    expect(run.outputs['has-changes']).toBe('false')
    expect(writes()).toEqual([])
    expect(github.comments).toHaveLength(0)
    expect(run.outputs['comment-url']).toBeUndefined()
  })
})
