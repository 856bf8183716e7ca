/**
 * match-preview and wait-seconds: the pure selector, the event reader, and the bundled action
 * picking the right preview from the emulator's previews of several PRs and commits.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { UpdateState } from '../emulator/state.js'
import { pullRequestOf, readRunEvent } from '../src/github/event.js'
import {
  describeOrigin,
  describeSelector,
  matchesPreview,
  previewSelector
} from '../src/preview-match.js'
import { failureMessage, requireDist } from './support/action.js'
import { useEmulator } from './support/emulator.js'

const STACK = 'acme/website/prod'
/** The seed's previews of acme/website/prod (see emulator/seed.json). */
const PREVIEW = {
  pr41Second: '41b7c2e0-5d1a-4c3e-9f08-2a6b1d4e7c93',
  pr41First: '41a0f3b8-2c4d-4e6f-a1b3-c5d7e9f1a2b4',
  pr40: '40d3e9a1-7b2c-4f5d-8e6a-0c1b2a3d4e5f',
  newest: '2133dd2a-5153-4b7e-845f-d90828bc3c00'
}
const HEAD = {
  pr41Second: '3f2a1c0d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49',
  pr41First: '1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e',
  unknown: '9999999aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
}
const MERGE_SHA = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'

describe('the run event', () => {
  test('keeps a whole PR number and a hex head SHA, nothing else', () => {
    expect(pullRequestOf({ pull_request: { number: 41, head: { sha: HEAD.pr41Second } } })).toEqual(
      { number: 41, headSha: HEAD.pr41Second }
    )
    expect(pullRequestOf({ pull_request: { number: 41, head: { sha: 'main; rm -rf' } } })).toEqual({
      number: 41
    })
    expect(pullRequestOf({ pull_request: { number: '41' } })).toBeUndefined()
    expect(pullRequestOf({ pull_request: { number: 4.5 } })).toBeUndefined()
    expect(pullRequestOf({ pull_request: { number: -3 } })).toBeUndefined()
    expect(pullRequestOf(null)).toBeUndefined()
  })

  test('reads the payload only on pull request events; an unreadable one leaves the PR unknown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pca-event-'))
    const path = join(dir, 'event.json')
    await writeFile(path, JSON.stringify({ pull_request: { number: 7, head: { sha: MERGE_SHA } } }))
    expect(
      readRunEvent({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: path, GITHUB_SHA: MERGE_SHA })
    ).toEqual({ name: 'push', sha: MERGE_SHA })
    expect(readRunEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path })).toEqual({
      name: 'pull_request',
      pullRequest: { number: 7, headSha: MERGE_SHA }
    })
    await writeFile(path, '{not json')
    expect(readRunEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path })).toEqual({
      name: 'pull_request'
    })
    expect(readRunEvent({ GITHUB_SHA: 'not-a-sha' })).toEqual({ name: '' })
  })
})

describe('preview selector', () => {
  const prEvent = {
    name: 'pull_request',
    pullRequest: { number: 41, headSha: HEAD.pr41Second },
    sha: MERGE_SHA
  }
  const env = (pr: string | undefined, head: string, gitHead = MERGE_SHA.replace(/a/g, 'b')) => ({
    ...(pr === undefined ? {} : { 'ci.pr.number': pr }),
    'ci.pr.headSHA': head,
    'git.head': gitHead,
    'ci.system': 'GitHub Actions'
  })

  test('commit: this PR at its head commit, or at the merge commit the checkout ran', () => {
    const selector = previewSelector('commit', prEvent, undefined)
    expect(selector).toEqual({
      mode: 'commit',
      pullRequest: 41,
      shas: [HEAD.pr41Second, MERGE_SHA]
    })
    expect(matchesPreview(selector, env('41', HEAD.pr41Second))).toBe(true)
    expect(matchesPreview(selector, env('41', HEAD.unknown, MERGE_SHA))).toBe(true)
    expect(matchesPreview(selector, env('41', HEAD.pr41First))).toBe(false)
    expect(matchesPreview(selector, env('40', HEAD.pr41Second))).toBe(false)
    expect(matchesPreview(selector, env(undefined, HEAD.pr41Second.toUpperCase()))).toBe(true)
    expect(matchesPreview(selector, undefined)).toBe(false)
    expect(describeSelector(selector)).toBe('for PR #41 at 3f2a1c0 or aaaaaaa')
  })

  test("commit on pull_request_target: GITHUB_SHA is the base branch's, not this change", () => {
    const selector = previewSelector(
      'commit',
      { ...prEvent, name: 'pull_request_target' },
      undefined
    )
    expect(selector).toEqual({ mode: 'commit', pullRequest: 41, shas: [HEAD.pr41Second] })
  })

  test('pull-request: any commit of this PR; pr-number stands in for the event', () => {
    const selector = previewSelector('pull-request', { name: 'workflow_run' }, 41)
    expect(matchesPreview(selector, env('41', HEAD.pr41First))).toBe(true)
    expect(matchesPreview(selector, env('410', HEAD.pr41First))).toBe(false)
    expect(matchesPreview(selector, env(undefined, HEAD.pr41First))).toBe(false)
    expect(() => previewSelector('pull-request', { name: 'push' }, undefined)).toThrow(
      "Input 'match-preview': pull-request needs a pull request, and this run (event 'push') is not for one"
    )
    expect(() => previewSelector('commit', { name: '' }, undefined)).toThrow(
      /GITHUB_SHA is not set/
    )
  })

  test('describes where a preview ran from digits and hex only', () => {
    expect(describeOrigin(env('40', HEAD.pr41First))).toBe('from PR #40 at 1b2c3d4')
    expect(describeOrigin({ 'git.head': HEAD.pr41First })).toBe('from commit 1b2c3d4')
    expect(describeOrigin({})).toBe('with no CI record')
    expect(describeOrigin({ 'ci.pr.number': '1\n::error::x', 'git.head': 'zz' })).toBe(
      'from an unreadable PR number'
    )
  })
})

describe('list-previews picks the preview of this change (bundled action)', () => {
  beforeAll(requireDist)
  const emulator = useEmulator({ scope: 'all' })
  let eventPath: string

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pca-event-'))
    eventPath = join(dir, 'event.json')
  })

  async function onPullRequest(number: number, headSha: string): Promise<Record<string, string>> {
    await writeFile(
      eventPath,
      JSON.stringify({ action: 'synchronize', pull_request: { number, head: { sha: headSha } } })
    )
    return {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_SHA: MERGE_SHA
    }
  }

  const previewsAsked = (): string[] =>
    emulator.requestsTo('GET', /\/updates\/latest\/previews$/).map(request => request.query)

  test('commit (the default on pull_request): the PR head commit, not the newest preview', async () => {
    const run = await emulator.runDist(
      { command: 'list-previews', stack: STACK },
      await onPullRequest(41, HEAD.pr41Second)
    )
    expect(failureMessage(run)).toBe('')
    expect(run.outputs['update-id']).toBe(PREVIEW.pr41Second)
    expect(run.summary).toContain(PREVIEW.pr41Second)
    expect(previewsAsked()).toEqual(['asc=false&page=1&pageSize=100'])
  })

  test('commit at an earlier head of the same PR picks that commit', async () => {
    const run = await emulator.runDist(
      { command: 'list-previews', stack: STACK },
      await onPullRequest(41, HEAD.pr41First)
    )
    expect(run.outputs['update-id']).toBe(PREVIEW.pr41First)
  })

  test('pull-request: the newest preview of the PR, whatever its commit', async () => {
    const run = await emulator.runDist(
      { command: 'list-previews', stack: STACK, 'match-preview': 'pull-request' },
      await onPullRequest(41, HEAD.unknown)
    )
    expect(run.outputs['update-id']).toBe(PREVIEW.pr41Second)
  })

  test('latest: the newest preview, today’s behaviour and the default off pull requests', async () => {
    const explicit = await emulator.runDist(
      { command: 'list-previews', stack: STACK, 'match-preview': 'latest' },
      await onPullRequest(41, HEAD.pr41Second)
    )
    expect(explicit.outputs['update-id']).toBe(PREVIEW.newest)
    const push = await emulator.runDist({ command: 'list-previews', stack: STACK })
    expect(push.outputs['update-id']).toBe(PREVIEW.newest)
    expect(previewsAsked().at(-1)).toBe('asc=false&page=1&pageSize=10')
  })

  test('no match fails clearly: what was looked for, and what the latest is', async () => {
    const run = await emulator.runDist(
      { command: 'list-previews', stack: STACK },
      await onPullRequest(41, HEAD.unknown)
    )
    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toContain(
      'No preview of acme/website/prod for PR #41 at 9999999 or aaaaaaa; the latest is from PR #15 at d0bf3e6'
    )
    expect(failureMessage(run)).toMatch(/set wait-seconds/)
    // The summary has the same message, escaped (a `#` there never links an issue).
    expect(run.summary).toMatch(/No preview of acme\/website\/prod for PR \\#\u200b?41 at 9999999/)
  })
})

describe('wait-seconds', () => {
  const emulator = useEmulator()

  /** A finished preview of PR 42 like the CLI leaves it, copied from PR 41's. */
  function previewOfPr42(headSha: string): UpdateState {
    const prod = emulator.state.getStack('acme', 'website', 'prod')
    const template = prod?.updates.find(update => update.updateID === PREVIEW.pr41First)
    if (prod === undefined || template === undefined) throw new Error('seed changed')
    return {
      ...template,
      updateID: '42000000-0000-4000-8000-000000000042',
      startTime: Math.floor(Date.now() / 1000),
      environment: {
        ...template.environment,
        'ci.pr.number': '42',
        'ci.pr.headSHA': headSha,
        'git.head': MERGE_SHA
      }
    }
  }

  test('finds a preview that appears after 2 s, polling meanwhile', async () => {
    requireDist()
    const dir = await mkdtemp(join(tmpdir(), 'pca-event-'))
    const eventPath = join(dir, 'event.json')
    const head = 'c0ffee0000000000000000000000000000000042'
    await writeFile(
      eventPath,
      JSON.stringify({ pull_request: { number: 42, head: { sha: head } } })
    )
    const timer = setTimeout(() => {
      emulator.state.getStack('acme', 'website', 'prod')?.updates.push(previewOfPr42(head))
    }, 2000)
    try {
      const run = await emulator.runDist(
        { command: 'list-previews', stack: STACK, 'wait-seconds': '60' },
        { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath, GITHUB_SHA: head }
      )
      expect(failureMessage(run)).toBe('')
      expect(run.outputs['update-id']).toBe('42000000-0000-4000-8000-000000000042')
      expect(run.stdout).toContain('No preview of acme/website/prod for PR #42 at c0ffee0 yet')
      expect(
        emulator.requestsTo('GET', /\/updates\/latest\/previews$/).length
      ).toBeGreaterThanOrEqual(2)
    } finally {
      clearTimeout(timer)
    }
  })

  test('waits for a matching preview still running to finish', async () => {
    const prod = emulator.state.getStack('acme', 'website', 'prod')
    const preview = prod?.updates.find(update => update.updateID === PREVIEW.pr41Second)
    if (preview === undefined) throw new Error('seed changed')
    preview.result = 'in-progress'
    const timer = setTimeout(() => {
      preview.result = 'succeeded'
    }, 1500)
    const dir = await mkdtemp(join(tmpdir(), 'pca-event-'))
    const eventPath = join(dir, 'event.json')
    await writeFile(
      eventPath,
      JSON.stringify({ pull_request: { number: 41, head: { sha: HEAD.pr41Second } } })
    )
    try {
      const run = await emulator.run(
        { command: 'list-previews', stack: STACK, 'wait-seconds': '60' },
        { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath }
      )
      expect(run.outputs.status).toBe('succeeded')
      expect(run.stdout).toContain('has not finished; looking again')
    } finally {
      clearTimeout(timer)
    }
  })

  test('pages through previews until the match: 150 newer previews of other PRs', async () => {
    const prod = emulator.state.getStack('acme', 'website', 'prod')
    const template = prod?.updates.find(update => update.updateID === PREVIEW.pr40)
    if (prod === undefined || template === undefined) throw new Error('seed changed')
    for (let i = 0; i < 150; i++)
      prod.updates.push({
        ...template,
        updateID: `50000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        startTime: 1_800_000_000 + i,
        environment: { ...template.environment, 'ci.pr.number': String(500 + i) }
      })
    const run = await emulator.run({
      command: 'list-previews',
      stack: STACK,
      'match-preview': 'pull-request',
      'pr-number': '41'
    })
    expect(run.outputs['update-id']).toBe(PREVIEW.pr41Second)
    expect(run.outputs.count).toBe('10')
    expect(
      emulator.requestsTo('GET', /\/updates\/latest\/previews$/).map(request => request.query)
    ).toEqual(['asc=false&page=1&pageSize=100', 'asc=false&page=2&pageSize=100'])
  })

  test('the wait ends at wait-seconds with the no-match failure', async () => {
    const run = await emulator.run(
      {
        command: 'list-previews',
        stack: STACK,
        'wait-seconds': '1',
        'match-preview': 'pull-request',
        'pr-number': '999'
      },
      {}
    )
    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toContain(
      'No preview of acme/website/prod for PR #999 after waiting 1 s; the latest is from PR #15'
    )
  })
})
