/**
 * run-deployment against the emulator's simulated Pulumi Deployments: the request, the log
 * streamed in groups, the update rendered like get-update, outputs, and the failure, timeout
 * and cancellation paths (which cancel the deployment). The runner path (exit code, outputs,
 * SIGTERM) through the bundled action.
 */
import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AnyInputs } from '../src/commands/types.js'
import { CancelledError, WaitTimeoutError } from '../src/poll.js'
import { DIST, failureMessage, parseOutputFile, requireDist } from './support/action.js'
import { command, fakeContext, runCommand } from './support/command-context.js'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator()
const PROD = { organization: 'acme', project: 'website', stack: 'prod' }
const DEPLOYMENTS = /^\/api\/stacks\/acme\/website\/prod\/deployments$/
const SHA = '9028e9275434ac4812cf0c268ad719a60f13967b'

function run(inputs: Partial<AnyInputs>, options: { pullRequestHeadSha?: string } = {}) {
  return runCommand(
    emulator.running,
    'run-deployment',
    { stack: PROD, operation: 'update', ...inputs },
    options
  )
}

function createBody(): Record<string, unknown> {
  const [request] = emulator.requestsTo('POST', DEPLOYMENTS)
  return JSON.parse(request?.body ?? '{}') as Record<string, unknown>
}

function cancels() {
  return emulator.requestsTo('POST', /\/deployments\/[^/]+\/cancel$/)
}

describe('run-deployment', () => {
  it('runs an update: log in groups, the update summarised, outputs set', async () => {
    const { outcome, info } = await run({})
    expect(createBody()).toEqual({ operation: 'update', inheritSettings: true })
    const id = outcome.outputs?.['deployment-id']
    expect(typeof id).toBe('string')
    expect(outcome.outputs).toMatchObject({
      status: 'succeeded',
      creates: 1,
      updates: 0,
      deletes: 0,
      replaces: 0
    })
    expect(outcome.outputs?.['console-url']).toMatch(/\/acme\/website\/prod\/deployments\/1$/)
    const update = emulator.state.getStack('acme', 'website', 'prod')?.updates.at(-1)
    expect(outcome.outputs?.['update-id']).toBe(update?.updateID)
    // one group per step, each closed before the next opens, the last closed at the end
    expect(info.filter(l => l.startsWith('::group::'))).toEqual([
      '::group::Get source',
      '::group::Download dependencies',
      '::group::Pulumi operation'
    ])
    expect(info.filter(l => l === '::endgroup::')).toHaveLength(3)
    expect(info).toContain('    + 1 to create')
    expect(outcome.summary).toContain('succeeded')
    expect(outcome.summary).toContain('deploy-pet')
    expect(outcome.comment?.[0]?.stack).toBe('acme/website/prod')
    expect(outcome.failure).toBeUndefined()
    expect(cancels()).toEqual([])
    // the log was paged with the continuation token the service handed out
    const logs = emulator.requestsTo('GET', /\/logs$/)
    expect(logs.some(r => r.query.startsWith('continuationToken='))).toBe(true)
  })

  it("previews the pull request's head commit by default; git-ref picks a branch instead", async () => {
    await run({ operation: 'preview' }, { pullRequestHeadSha: SHA })
    expect(createBody()).toMatchObject({
      operation: 'preview',
      sourceContext: { git: { commit: SHA } }
    })
    emulator.resetStats()
    await run({ gitRef: 'release/2.0', inheritSettings: false }, { pullRequestHeadSha: SHA })
    expect(createBody()).toEqual({
      operation: 'update',
      inheritSettings: false,
      sourceContext: { git: { branch: 'release/2.0' } }
    })
  })

  it('sends environment variables as secrets', async () => {
    await run({ environmentVariables: { AWS_REGION: 'us-west-2', TOKEN: 's3cr=t' } })
    expect(createBody()).toMatchObject({
      operationContext: {
        environmentVariables: { AWS_REGION: { secret: 'us-west-2' }, TOKEN: { secret: 's3cr=t' } }
      }
    })
  })

  it('a failed deployment publishes its update and fails with the last log lines', async () => {
    emulator.state.scriptDeployments({ result: 'failed' })
    const { outcome } = await run({})
    expect(outcome.outputs?.status).toBe('failed')
    expect(outcome.failure).toMatch(/ended failed/)
    expect(outcome.failure).toContain('quota exceeded')
    expect(outcome.summary).toContain('quota exceeded')
  })

  it('with wait: false returns once queued', async () => {
    const { outcome, info } = await run({ wait: false })
    expect(['not-started', 'running']).toContain(outcome.outputs?.status)
    expect(info.some(l => l.startsWith('::group::'))).toBe(false)
    expect(emulator.requestsTo('GET', /\/logs$/)).toEqual([])
  })

  it('cancels the deployment when timeout-minutes passes', async () => {
    emulator.state.scriptDeployments({ result: 'succeeded', durationMs: 120_000 })
    const wait = run({ timeoutMinutes: 0.01 })
    await expect(wait).rejects.toBeInstanceOf(WaitTimeoutError)
    await expect(wait).rejects.toThrow(/did not end within 0\.6 s .* was cancelled/)
    expect(cancels()).toHaveLength(1)
    const [request] = emulator.requestsTo('POST', DEPLOYMENTS)
    expect(request?.status).toBe(202)
    const id = cancels()[0]?.path.split('/').at(-2) ?? ''
    expect(emulator.state.deployment(id)?.status).toBe('failed')
    expect(emulator.state.getStack('acme', 'website', 'prod')?.currentOperation).toBeUndefined()
  })

  it('cancels the deployment when the job is cancelled', async () => {
    emulator.state.scriptDeployments({ result: 'succeeded', durationMs: 120_000 })
    const controller = new AbortController()
    const fake = await fakeContext(emulator.running, { signal: controller.signal })
    try {
      const running = command('run-deployment').run(fake.context, {
        stack: PROD,
        operation: 'update'
      })
      setTimeout(() => {
        controller.abort(new Error('The job was cancelled (SIGTERM).'))
      }, 400)
      await expect(running).rejects.toBeInstanceOf(CancelledError)
      expect(cancels()).toHaveLength(1)
    } finally {
      fake.dispose()
    }
  })

  it('log lines from the server cannot run workflow commands', async () => {
    emulator.state.scriptDeployments({
      result: 'succeeded',
      extraLines: ['::error::pwned', '  ::set-output name=status::hacked', '##[group]evil']
    })
    const result = await emulator.run({
      command: 'run-deployment',
      stack: 'acme/website/prod',
      operation: 'update'
    })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('succeeded')
    const lines = result.stdout.split('\n')
    expect(lines.some(l => /^\s*::(error|set-output)/.test(l))).toBe(false)
    expect(lines.some(l => l.includes('##[group]'))).toBe(false)
    expect(lines).toContain('::group::Pulumi operation')
    expect(result.stdout).toContain('pwned')
  })
})

describe('run-deployment through the bundled action', () => {
  it('a failed deployment: exit 1, outputs and summary written, last lines in the error', async () => {
    requireDist()
    emulator.state.scriptDeployments({ result: 'failed' })
    const result = await emulator.runDist({
      command: 'run-deployment',
      stack: 'acme/website/prod',
      operation: 'update'
    })
    expect(result.exitCode).toBe(1)
    expect(result.outputs.status).toBe('failed')
    expect(result.outputs['deployment-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(result.summary).toContain('Deployment (update) of acme/website/prod: failed')
    expect(failureMessage(result)).toContain('quota exceeded')
    // The step's error is in the summary too, after what the deployment did.
    const failure = result.summary.indexOf('❌ run-deployment failed on acme/website/prod')
    expect(failure).toBeGreaterThan(result.summary.indexOf('Deployment (update)'))
    expect(result.summary.slice(failure)).toContain('quota exceeded')
  })

  it('fail-on gates the preview it ran: outputs and summary first, then the step fails', async () => {
    requireDist()
    const result = await emulator.runDist({
      command: 'run-deployment',
      stack: 'acme/website/prod',
      operation: 'preview',
      'fail-on': 'create'
    })
    expect(result.exitCode).toBe(1)
    expect(result.outputs).toMatchObject({
      status: 'succeeded',
      'has-changes': 'true',
      creates: '1',
      updates: '0',
      deletes: '0',
      replaces: '0',
      'policy-violations': '0',
      gate: 'failed'
    })
    expect(result.outputs['gate-reasons']).toMatch(/create.*deploy-pet/)
    expect(result.summary).toContain('deploy-pet')
    expect(failureMessage(result)).toMatch(/The gate failed \(fail-on \/ protect\)/)
    // the deployment itself succeeded: only the gate fails the step
    expect(failureMessage(result)).not.toMatch(/ended/)
    const { gate, gateReasons } = JSON.parse(result.outputs.result ?? '{}') as {
      gate?: string
      gateReasons?: string[]
    }
    expect(gate).toBe('failed')
    expect(gateReasons).toHaveLength(1)
  })

  it('protect without a delete or replace passes; no gate input reports none', async () => {
    requireDist()
    const stack = { command: 'run-deployment', stack: 'acme/website/prod', operation: 'update' }
    const guarded = await emulator.runDist({ ...stack, protect: 'random:*' })
    expect(guarded.exitCode).toBe(0)
    expect(guarded.outputs).toMatchObject({ gate: 'passed', 'gate-reasons': '', creates: '1' })
    const plain = await emulator.runDist(stack)
    expect(plain.exitCode).toBe(0)
    expect(plain.outputs).toMatchObject({ gate: 'none', 'has-changes': 'true' })
  })

  it('SIGTERM cancels the running deployment and fails the step', async () => {
    requireDist()
    emulator.state.scriptDeployments({ result: 'succeeded', durationMs: 120_000 })
    const temp = await mkdtemp(join(tmpdir(), 'pca-sigterm-'))
    const outputFile = join(temp, 'output')
    await writeFile(outputFile, '')
    const env: Record<string, string> = {}
    for (const [key, value] of Object.entries(process.env))
      if (value !== undefined && !/^(INPUT_|GITHUB_|RUNNER_|PULUMI_|ACTIONS_)/.test(key))
        env[key] = value
    Object.assign(env, {
      GITHUB_OUTPUT: outputFile,
      RUNNER_TEMP: temp,
      'INPUT_API-URL': emulator.url,
      'INPUT_ACCESS-TOKEN': emulator.token,
      INPUT_COMMAND: 'run-deployment',
      INPUT_STACK: 'acme/website/prod',
      INPUT_OPERATION: 'update'
    })
    const child = spawn(process.execPath, [DIST], { env, cwd: temp })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    const exited = new Promise<number | null>(resolve => {
      child.on('exit', code => {
        resolve(code)
      })
    })
    // once the log is being followed, the runner cancels the job
    for (let i = 0; i < 200 && !stdout.includes('::group::'); i++)
      await new Promise(resolve => setTimeout(resolve, 50))
    child.kill('SIGTERM')
    expect(await exited).toBe(1)
    expect(cancels()).toHaveLength(1)
    expect(stdout).toMatch(/::error::.*cancelled/)
    const outputs = parseOutputFile(await readFile(outputFile, 'utf8'))
    expect(outputs['deployment-id']).toBeUndefined()
  })
})
