/**
 * Previews and updates created the way the Pulumi CLI creates them (create, start, events,
 * complete; the environment in UpdateProgramRequest.metadata recorded on the update), and
 * the environment a Pulumi Deployments run records; then match-preview finding each pull
 * request's preview among them, and run-deployment's preview found by list-previews.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator()
const STACK = '/api/stacks/acme/website/prod'
const REPO = 'acme/website'

interface Sent {
  status: number
  body: unknown
}

async function send(
  method: string,
  path: string,
  body: unknown,
  authorization = `token ${emulator.token}`
): Promise<Sent> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) }
}

/** What the CLI records on GitHub Actions for a pull_request run (ciutil + git metadata). */
function ciEnvironment(pr: number, headSha: string, mergeSha: string): Record<string, string> {
  return {
    'exec.kind': 'cli',
    'git.head': mergeSha,
    'git.headName': `refs/pull/${pr}/merge`,
    'git.dirty': 'false',
    'vcs.kind': 'github.com',
    'vcs.owner': 'acme',
    'vcs.repo': 'website',
    'ci.system': 'GitHub Actions',
    'ci.build.id': String(9000 + pr),
    'ci.build.type': 'pull_request',
    'ci.build.url': `https://github.com/${REPO}/actions/runs/${9000 + pr}`,
    'ci.pr.headSHA': headSha,
    'ci.pr.number': String(pr)
  }
}

function programRequest(environment: Record<string, string>, message: string): unknown {
  return {
    name: 'website',
    runtime: 'nodejs',
    main: '',
    description: '',
    options: {
      localPolicyPackPaths: [],
      color: 'never',
      dryRun: true,
      parallel: 0,
      showConfig: false,
      showReplacementSteps: false,
      showNames: false,
      summary: false,
      debug: false
    },
    config: {},
    metadata: { message, environment }
  }
}

function previewEvents(resource: string): unknown[] {
  const urn = `urn:pulumi:prod::website::aws:s3/bucket:Bucket::${resource}`
  const metadata = { op: 'create', urn, type: 'aws:s3/bucket:Bucket', old: null, new: { urn } }
  return [
    { sequence: 1, timestamp: 1, preludeEvent: { config: {} } },
    { sequence: 2, timestamp: 1, resourcePreEvent: { metadata, planning: true } },
    {
      sequence: 3,
      timestamp: 2,
      summaryEvent: {
        maybeCorrupt: false,
        durationSeconds: 1,
        resourceChanges: { create: 1 },
        isPreview: true
      }
    }
  ]
}

/** `pulumi preview` against the emulator: create, start, one batch of events, complete. */
async function cliPreview(environment: Record<string, string>, resource: string): Promise<string> {
  const created = await send('POST', `${STACK}/preview`, programRequest(environment, resource))
  expect(created.status).toBe(200)
  const { updateID } = created.body as { updateID: string }
  const started = await send('POST', `${STACK}/preview/${updateID}`, {})
  expect(started.status).toBe(200)
  const { token } = started.body as { token: string; version: number }
  const lease = `update-token ${token}`
  const events = previewEvents(resource)
  expect(
    (await send('POST', `${STACK}/preview/${updateID}/events/batch`, { events }, lease)).status
  ).toBe(200)
  const done = await send(
    'POST',
    `${STACK}/preview/${updateID}/complete`,
    {
      status: 'succeeded'
    },
    lease
  )
  expect(done.status).toBe(204)
  return updateID
}

async function pullRequestEnv(pr: number, headSha: string, mergeSha: string) {
  const dir = await mkdtemp(join(tmpdir(), 'pca-event-'))
  const eventPath = join(dir, 'event.json')
  await writeFile(
    eventPath,
    JSON.stringify({ pull_request: { number: pr, head: { sha: headSha } } })
  )
  return {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_SHA: mergeSha,
    GITHUB_REPOSITORY: REPO
  }
}

const sha = (digit: string): string => digit.repeat(40)

describe('updates created as the CLI creates them', () => {
  test('create, start, events, complete: the environment and events are recorded', async () => {
    const environment = ciEnvironment(12, sha('a'), sha('b'))
    const id = await cliPreview(environment, 'assets-12')
    const previews = await send('GET', `${STACK}/updates/latest/previews?pageSize=1`, undefined)
    const [latest] = (previews.body as { updates: { updateID: string; info: unknown }[] }).updates
    expect(latest?.updateID).toBe(id)
    expect(latest?.info).toMatchObject({
      kind: 'preview',
      result: 'succeeded',
      message: 'assets-12',
      environment,
      resourceChanges: { create: 1 }
    })
    const events = await send('GET', `${STACK}/update/${id}/events`, undefined)
    expect((events.body as { events: unknown[] }).events).toHaveLength(3)
    // a preview holds no lock on the stack
    expect(emulator.state.getStack('acme', 'website', 'prod')?.currentOperation).toBeUndefined()
  })

  test('events and complete need the lease token; complete once, with a final status', async () => {
    const created = await send('POST', `${STACK}/update`, programRequest({}, 'up'))
    const { updateID } = created.body as { updateID: string }
    const path = `${STACK}/update/${updateID}`
    // not started: no lease yet
    expect((await send('POST', `${path}/complete`, { status: 'succeeded' })).status).toBe(401)
    const { token, version } = (await send('POST', path, { tags: { team: 'web' } })).body as {
      token: string
      version: number
    }
    const stack = () => emulator.state.getStack('acme', 'website', 'prod')
    expect(version).toBe((stack()?.version ?? 0) + 1)
    expect(stack()?.currentOperation?.kind).toBe('update')
    expect(stack()?.tags).toEqual({ team: 'web' })
    // another update can be created meanwhile (the spec answers only 200 there), but not started
    const again = await send('POST', `${STACK}/update`, programRequest({}, 'again'))
    expect(again.status).toBe(200)
    const second = `${STACK}/update/${(again.body as { updateID: string }).updateID}`
    expect((await send('POST', second, {})).status).toBe(409)
    // the access token is not the lease
    expect((await send('POST', `${path}/events/batch`, { events: [{ sequence: 1 }] })).status).toBe(
      401
    )
    const lease = `update-token ${token}`
    expect((await send('POST', `${path}/events/batch`, { events: [] }, lease)).status).toBe(400)
    expect((await send('POST', `${path}/complete`, { status: 'running' }, lease)).status).toBe(400)
    // a preview path does not reach an update
    expect((await send('POST', `${STACK}/preview/${updateID}/complete`, {}, lease)).status).toBe(
      404
    )
    expect((await send('POST', `${path}/complete`, { status: 'failed' }, lease)).status).toBe(204)
    expect((await send('POST', `${path}/complete`, { status: 'failed' }, lease)).status).toBe(409)
    expect(stack()?.currentOperation).toBeUndefined()
    expect(stack()?.version).toBe(version)
    const status = await send('GET', path, undefined)
    expect((status.body as { status: string }).status).toBe('failed')
  })

  test('a request without metadata, or with a non-string environment value, is refused', async () => {
    expect((await send('POST', `${STACK}/preview`, { name: 'website' })).status).toBe(400)
    const bad = programRequest({ 'ci.pr.number': 12 } as unknown as Record<string, string>, 'x')
    expect((await send('POST', `${STACK}/preview`, bad)).status).toBe(400)
  })
})

describe('Pulumi Deployments record the environment of what they ran', () => {
  test('a commit: git.head, no branch; a branch: its head and refs/heads name', async () => {
    await emulator.run({
      command: 'run-deployment',
      stack: 'acme/website/prod',
      operation: 'preview',
      'git-commit': sha('c')
    })
    await emulator.run({
      command: 'run-deployment',
      stack: 'acme/website/prod',
      operation: 'preview',
      'git-ref': 'release/2.0'
    })
    const updates = emulator.state.getStack('acme', 'website', 'prod')?.updates ?? []
    const [byCommit, byBranch] = updates.slice(-2).map(update => update.environment)
    expect(byCommit).toMatchObject({ 'exec.kind': 'auto.local', 'git.head': sha('c') })
    expect(byCommit?.['git.headName']).toBeUndefined()
    expect(byBranch).toMatchObject({
      'git.headName': 'refs/heads/release/2.0',
      'vcs.owner': 'acme',
      'vcs.repo': 'website'
    })
    expect(byBranch?.['git.head']).toMatch(/^[0-9a-f]{40}$/)
  })
})

describe('match-preview on previews the CLI and Pulumi Deployments created', () => {
  test('each pull request finds its own preview, not the newer one of another', async () => {
    const pr12 = await cliPreview(ciEnvironment(12, sha('1'), sha('2')), 'assets-12')
    const pr13 = await cliPreview(ciEnvironment(13, sha('3'), sha('4')), 'assets-13')
    const listFor = async (pr: number, head: string, merge: string) =>
      emulator.run(
        { command: 'list-previews', stack: 'acme/website/prod', 'match-preview': 'commit' },
        await pullRequestEnv(pr, head, merge)
      )
    const for12 = await listFor(12, sha('1'), sha('2'))
    expect(for12.exitCode).toBe(0)
    expect(for12.outputs['update-id']).toBe(pr12)
    expect(for12.summary).toContain('assets-12')
    const for13 = await listFor(13, sha('3'), sha('4'))
    expect(for13.outputs['update-id']).toBe(pr13)
    // a new push to PR 12 has no preview yet: nothing of PR 13 is taken for it
    const pushed = await listFor(12, sha('5'), sha('6'))
    expect(pushed.exitCode).toBe(1)
    expect(pushed.outputs['update-id'] ?? '').toBe('')
  })

  test("run-deployment's preview of the pull request head is the one list-previews matches", async () => {
    await cliPreview(ciEnvironment(13, sha('3'), sha('4')), 'assets-13')
    const env = await pullRequestEnv(14, sha('7'), sha('8'))
    const deployed = await emulator.run(
      { command: 'run-deployment', stack: 'acme/website/prod', operation: 'preview' },
      env
    )
    expect(deployed.exitCode).toBe(0)
    const updateId = deployed.outputs['update-id']
    expect(updateId).toMatch(/^[0-9a-f-]{36}$/)
    const listed = await emulator.run(
      { command: 'list-previews', stack: 'acme/website/prod', 'match-preview': 'commit' },
      env
    )
    expect(listed.exitCode).toBe(0)
    expect(listed.outputs['update-id']).toBe(updateId)
  })
})
