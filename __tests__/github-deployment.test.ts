/**
 * github-deployment end to end through the bundled action: run-deployment against the
 * emulator's Pulumi Deployments, mirrored as a GitHub deployment on a local stand-in for the
 * GitHub API (GITHUB_API_URL): the deployment and its statuses, a failed deployment, a token
 * that may not write deployments, dry-run, and strings from GitHub reaching the log.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { failureMessage, requireDist, runDist, type ActionRun } from './support/action.js'
import { useEmulator } from './support/emulator.js'
import { startGitHubStandin, type GitHubStandin } from './support/github-standin.js'

const REPO = 'octo/app'
const RUN_SHA = '1111111111111111111111111111111111111111'
const HEAD_SHA = '2222222222222222222222222222222222222222'
/** The head of the branch the emulator's Deployments clone when the run names no commit. */
const BRANCH_HEAD = '9028e9275434ac4812cf0c268ad719a60f13967b'

const emulator = useEmulator()
let github: GitHubStandin

beforeAll(requireDist)

beforeEach(async () => {
  github = await startGitHubStandin()
})

afterEach(async () => {
  await github.close()
})

function runEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    GITHUB_API_URL: github.url,
    GITHUB_REPOSITORY: REPO,
    GITHUB_SHA: RUN_SHA,
    GITHUB_EVENT_NAME: 'push',
    ...extra
  }
}

function deploy(inputs: Record<string, string> = {}, env = runEnv()): Promise<ActionRun> {
  return emulator.runDist(
    {
      command: 'run-deployment',
      stack: 'acme/website/prod',
      operation: 'update',
      'github-deployment': 'staging',
      'github-token': github.token,
      ...inputs
    },
    env
  )
}

async function pullRequestEnv(): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'pca-event-'))
  const eventPath = join(dir, 'event.json')
  await writeFile(
    eventPath,
    JSON.stringify({ action: 'synchronize', pull_request: { number: 12, head: { sha: HEAD_SHA } } })
  )
  return runEnv({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath })
}

const warnings = (run: ActionRun): string[] =>
  run.stdout.split('\n').filter(line => line.startsWith('::warning::'))

describe('github-deployment', () => {
  test('an update pinned to the run commit: a deployment of it, in_progress then success, linked to Pulumi', async () => {
    const run = await deploy({ 'git-commit': RUN_SHA })
    expect(run.exitCode).toBe(0)
    expect(github.deployments).toHaveLength(1)
    const [deployment] = github.deployments
    expect(deployment?.request).toEqual({
      ref: RUN_SHA,
      task: 'pulumi:update',
      auto_merge: false,
      required_contexts: [],
      environment: 'staging',
      description: 'Pulumi update of acme/website/prod',
      payload: { stack: 'acme/website/prod', pulumiDeploymentId: run.outputs['deployment-id'] },
      transient_environment: false
    })
    const consoleUrl = run.outputs['console-url']
    expect(consoleUrl).toMatch(/\/acme\/website\/prod\/deployments\/1$/)
    expect(deployment?.statuses.map(status => status.state)).toEqual(['in_progress', 'success'])
    for (const status of deployment?.statuses ?? []) {
      expect(status.log_url).toBe(consoleUrl)
      expect(status.environment_url).toMatch(/\/acme\/website\/prod$/)
      expect(status.auto_inactive).toBeUndefined()
    }
    expect(deployment?.statuses[1]?.description).toBe(
      'Pulumi update of acme/website/prod succeeded'
    )
    expect(run.outputs['github-deployment-id']).toBe(String(deployment?.id))
    expect(warnings(run)).toEqual([])
    expect(github.calls.every(call => call.authorization === `token ${github.token}`)).toBe(true)
  })

  test('no commit named: GitHub records GITHUB_SHA with a warning, and the final status names the commit Pulumi deployed', async () => {
    const run = await deploy()
    expect(run.exitCode).toBe(0)
    // Pulumi deployed its settings' branch: the update's git.head is that branch's head.
    const update = emulator.state.getStack('acme', 'website', 'prod')?.updates.at(-1)
    const head = update?.environment['git.head'] ?? ''
    expect(head).toMatch(/^[0-9a-f]{40}$/)
    expect(head).not.toBe(RUN_SHA)
    expect(emulator.writes().map(write => write.body)).toEqual([
      { operation: 'update', inheritSettings: true }
    ])
    const [deployment] = github.deployments
    expect(deployment?.request).toMatchObject({ ref: RUN_SHA })
    expect(deployment?.statuses.map(status => [status.state, status.description])).toEqual([
      ['in_progress', 'Pulumi update of acme/website/prod is running'],
      [
        'success',
        `Deployed ${head.slice(0, 12)}, not this commit: Pulumi update of acme/website/prod succeeded`
      ]
    ])
    const warned = warnings(run).join('\n')
    expect(warned).toContain(`records GITHUB_SHA ${RUN_SHA}, but the run names no commit`)
    expect(warned).toContain('Pin git-commit: ${{ github.sha }}')
    expect(warned).toContain(`Pulumi deployed commit ${head}`)
    expect(warnings(run)).toHaveLength(2)
  })

  test('no commit named, and Pulumi deployed GITHUB_SHA after all: only the warning up front', async () => {
    const run = await deploy({}, runEnv({ GITHUB_SHA: BRANCH_HEAD }))
    expect(run.exitCode).toBe(0)
    expect(github.deployments[0]?.statuses[1]?.description).toBe(
      'Pulumi update of acme/website/prod succeeded'
    )
    expect(warnings(run)).toHaveLength(1)
  })

  test('a preview on a pull request: its head commit, transient, never marking others inactive', async () => {
    const run = await deploy({ operation: 'preview' }, await pullRequestEnv())
    expect(run.exitCode).toBe(0)
    const [deployment] = github.deployments
    expect(deployment?.request).toMatchObject({
      ref: HEAD_SHA,
      task: 'pulumi:preview',
      transient_environment: true,
      production_environment: false
    })
    expect(deployment?.statuses.map(status => [status.state, status.auto_inactive])).toEqual([
      ['in_progress', false],
      ['success', false]
    ])
  })

  test('a failed Pulumi deployment: failure status, and the step fails as without the mirror', async () => {
    emulator.state.scriptDeployments({ result: 'failed' })
    const run = await deploy()
    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toContain('quota exceeded')
    expect(github.deployments[0]?.statuses.map(status => status.state)).toEqual([
      'in_progress',
      'failure'
    ])
  })

  test('a deployment cancelled at timeout-minutes ends in error', async () => {
    emulator.state.scriptDeployments({ result: 'succeeded', durationMs: 120_000 })
    const run = await deploy({ 'timeout-minutes': '0.01' })
    expect(run.exitCode).toBe(1)
    const statuses = github.deployments[0]?.statuses ?? []
    expect(statuses.map(status => status.state)).toEqual(['in_progress', 'error'])
    expect(statuses[1]?.description).toMatch(/cancelled after timeout-minutes/)
  })

  test('a job cancelled (SIGTERM) while the deployment runs: the Pulumi deployment is cancelled and the mirror ends in error', async () => {
    emulator.state.scriptDeployments({ result: 'succeeded', durationMs: 120_000 })
    let child: ChildProcess | undefined
    const running = runDist(
      {
        'api-url': emulator.url,
        'access-token': emulator.token,
        command: 'run-deployment',
        stack: 'acme/website/prod',
        operation: 'update',
        'github-deployment': 'staging',
        'github-token': github.token
      },
      runEnv(),
      process.execPath,
      started => {
        child = started
      }
    )
    // Once GitHub shows the deployment in progress, the runner cancels the job.
    for (let i = 0; i < 200 && (github.deployments[0]?.statuses.length ?? 0) === 0; i++)
      await new Promise(resolve => setTimeout(resolve, 50))
    child?.kill('SIGTERM')
    const run = await running
    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toMatch(/cancelled/)
    expect(emulator.requestsTo('POST', /\/deployments\/[^/]+\/cancel$/)).toHaveLength(1)
    const statuses = github.deployments[0]?.statuses ?? []
    expect(statuses.map(status => status.state)).toEqual(['in_progress', 'error'])
    expect(String(statuses[1]?.description)).toMatch(/cancel/i)
  })

  test('403 (no deployments: write) is a warning: the Pulumi deployment and the step are unchanged', async () => {
    github.deploymentsForbidden = true
    const run = await deploy()
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    expect(run.outputs['github-deployment-id']).toBeUndefined()
    expect(warnings(run).join('\n')).toMatch(/403.*permissions: deployments: write/)
    // after the refusal nothing more is tried
    expect(github.calls.filter(call => call.method === 'POST')).toHaveLength(1)
  })

  test('git-ref: the branch as the ref; a branch GitHub lacks (422) is a warning only', async () => {
    const run = await deploy({ 'git-ref': 'release/2.0' })
    expect(run.exitCode).toBe(0)
    expect(github.deployments[0]?.request.ref).toBe('release/2.0')
    const missing = await deploy({ 'git-ref': 'release/9' })
    expect(missing.exitCode).toBe(0)
    expect(missing.outputs.status).toBe('succeeded')
    expect(warnings(missing).join('\n')).toMatch(
      /could not be created: No ref found for: release\/9/
    )
    expect(github.deployments).toHaveLength(1)
  })

  test('dry-run writes nothing to GitHub', async () => {
    const run = await deploy({ 'dry-run': 'true' })
    expect(run.exitCode).toBe(0)
    expect(run.outputs['dry-run']).toBe('true')
    expect(github.calls).toEqual([])
  })

  // Refused in readSettings with every other input error: no request at all, not even the
  // stack's lookup or wait-if-busy's polling of a stack that is busy meanwhile.
  test.each([
    [{ wait: 'false' }, /^Input 'github-deployment': needs wait: true/],
    [
      { 'git-ref': 'main', 'git-commit': HEAD_SHA },
      /^Input 'git-ref': give git-ref or git-commit, not both/
    ]
  ])('%j is refused before any request', async (inputs, message) => {
    const run = await deploy({ ...inputs, 'wait-if-busy': 'true', 'timeout-minutes': '0.01' })
    expect(run.exitCode).toBe(1)
    expect(failureMessage(run)).toMatch(message)
    expect(emulator.requests).toEqual([])
    expect(github.calls).toEqual([])
  })

  test('strings from GitHub reach the log inert', async () => {
    github.deploymentOverrides = {
      environment: 'staging\n::error::pwned',
      sha: '::set-output name=status::hacked'
    }
    const run = await deploy()
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('succeeded')
    const lines = run.stdout.split('\n')
    expect(lines.some(line => /^\s*::(error|set-output)/.test(line))).toBe(false)
    expect(run.stdout).toContain('pwned')
  })
})
