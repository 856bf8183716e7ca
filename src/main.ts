import * as core from '@actions/core'
import { PulumiCloud } from './api/client.js'
import { stackName } from './api/paths.js'
import { plainHttpWarning, resolveApiUrl, resolveConsoleUrl } from './endpoints.js'
import { COMMANDS } from './commands/registry.js'
import { execute, type Execution } from './execute.js'
import { githubDeployments } from './github/deployment.js'
import { publishComments } from './github/pull-request.js'
import { describeFailure } from './failure.js'
import { readFromEnvironment, readSettings, type InputReader, type Settings } from './inputs.js'
import { login } from './login.js'
import { renderCommandFailure } from './render/failures.js'
import { logText } from './render/escape.js'
import { rememberSecret } from './redaction.js'
import { removeLiveTempFiles } from './files.js'
import { JobSummary } from './render/summary.js'
import { ResultFile } from './result-file.js'
import { USER_AGENT } from './version.js'

/** GitHub caps one step output at 1 MiB; leave room for the delimiter lines. */
const MAX_OUTPUT_BYTES = 1_000_000

/** Masked in the log by the runner, and redacted by this action before anything is escaped. */
const masked = new Set<string>()
function mask(secret: string): void {
  if (masked.has(secret)) return
  masked.add(secret)
  core.setSecret(secret)
  rememberSecret(secret)
}

/** Log lines carry server and GitHub strings: one line each, no workflow command. */
function info(message: string): void {
  core.info(logText(message))
}

function warn(message: string): void {
  core.warning(logText(message))
}

/** The step's error: each line made inert (the runner escapes the line breaks between them). */
function fail(message: string): void {
  core.setFailed(message.split('\n').map(logText).join('\n'))
}

/** inputs -> login -> command -> outputs and job summary. Every failure ends in setFailed. */
export async function run(read: InputReader = readFromEnvironment): Promise<void> {
  // Masked before anything else can print it, even a validation error.
  masked.clear()
  for (const name of ['access-token', 'github-token', 'secret']) {
    const raw = read(name)
    if (raw) mask(raw)
  }
  let api: PulumiCloud | undefined
  let settings: Settings | undefined
  const cancellation = listenForCancellation()
  try {
    settings = readSettings(read, COMMANDS)
    if (settings.values.secret) mask(settings.values.secret)
    for (const value of Object.values(settings.values.environmentVariables ?? {}))
      if (value !== '') mask(value)
    for (const name of settings.ignored)
      warn(`Input '${name}' is not used by ${settings.command.name} and was ignored.`)

    const apiUrl = resolveApiUrl(settings.common.apiUrl, process.env.PULUMI_BACKEND_URL)
    const plain = plainHttpWarning(apiUrl)
    if (plain !== undefined) warn(plain)
    const credentials = await login(settings, apiUrl)
    mask(credentials.token)
    core.setOutput('access-token-source', credentials.source)
    api = new PulumiCloud({
      baseUrl: apiUrl,
      token: credentials.token,
      userAgent: USER_AGENT,
      timeoutSeconds: settings.common.timeoutSeconds,
      maxSockets: Math.max(4, settings.common.concurrency),
      ...(core.isDebug()
        ? {
            debug: (message: string) => {
              core.debug(logText(message))
            }
          }
        : {})
    })
    const { workDir } = settings
    const resultFile = new ResultFile(workDir, settings.command.name)
    const execution = await execute(settings, api, {
      consoleUrl: resolveConsoleUrl(settings.common.consoleUrl, apiUrl),
      runUrl: settings.runUrl,
      workDir,
      resultFile,
      info,
      warning: warn,
      mask,
      signal: cancellation.signal,
      startGroup: title => {
        core.startGroup(logText(title))
      },
      endGroup: () => {
        core.endGroup()
      },
      ...(settings.event.pullRequest?.headSha === undefined
        ? {}
        : { pullRequestHeadSha: settings.event.pullRequest.headSha }),
      openGitHubDeployment: githubDeployments({
        token: settings.common.githubToken,
        env: process.env,
        info,
        warning: warn
      })
    })
    // Workflows branch on it: false whenever requests were really sent (or only read).
    if (!settings.dryRun) core.setOutput('dry-run', 'false')
    await publish(settings, execution, resultFile)
    await commentOnPullRequest(settings, execution)
    // After the comment, so the pull request shows why the required check failed.
    const gate = execution.outcome?.gate
    if (gate?.verdict === 'failed')
      fail(`The gate failed (fail-on / protect):\n${gate.reasons.join('\n')}`)
    // A command that ran but failed (a failed deployment) has published what it found first.
    if (execution.outcome?.failure !== undefined) fail(execution.outcome.failure)
    if (execution.failures.length > 0) {
      const lines = execution.failures.map(
        ({ stack, error }) => `${stackName(stack)}: ${describeFailure(error)}`
      )
      const skipped =
        execution.skipped.length === 0
          ? ''
          : `\nfail-fast skipped ${execution.skipped.length} stack(s): ${execution.skipped.map(stackName).join(', ')}`
      fail(`${execution.failures.length} stack(s) failed:\n${lines.join('\n')}${skipped}`)
    }
  } catch (error) {
    const message = describeFailure(error)
    fail(message)
    // An input error leaves no settings: the summary is still written unless turned off.
    if (settings ? settings.common.summary : read('summary').trim().toLowerCase() !== 'false')
      await summariseFailure(settings, read, message)
  } finally {
    cancellation.stop()
    api?.dispose()
  }
}

/**
 * The runner cancels a job with SIGINT, then SIGTERM: either aborts the signal the commands
 * wait on, so a deployment or wait in progress is cancelled and reported instead of the
 * process dying mid-way. A second signal exits at once.
 */
/** How long cancellable work gets to wind down after the first SIGINT/SIGTERM. */
const CANCEL_GRACE_MS = 5000

function listenForCancellation(): { signal: AbortSignal; stop(): void } {
  const controller = new AbortController()
  const onSignal = (name: NodeJS.Signals): void => {
    const exit = (): void => {
      removeLiveTempFiles()
      process.stderr.write(`Cancelled (${name}); temp files removed.\n`)
      // As a process killed by the signal would: 130 for SIGINT, 143 for SIGTERM.
      process.exit(name === 'SIGINT' ? 130 : 143)
    }
    if (controller.signal.aborted) exit()
    warn(`Received ${name}: the job is being cancelled; stopping.`)
    controller.abort(new Error(`The job was cancelled (${name}).`))
    // Waits and deployments listen for the abort, cancel what they started and report; work
    // that does not (a download) is stopped after a short grace, leaving no temp file.
    setTimeout(exit, CANCEL_GRACE_MS).unref()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    stop: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}

/** A failed run still leaves a job summary saying what failed; writing it must not mask that. */
async function summariseFailure(
  settings: Settings | undefined,
  read: InputReader,
  message: string
): Promise<void> {
  try {
    const stacks = settings?.values.stack?.map(stackName) ?? []
    const command = settings?.command.name ?? (read('command').trim() || 'pulumi-cloud-action')
    const summary = new JobSummary().failures(renderCommandFailure(command, stacks, message))
    await writeSummary(summary.build({ runUrl: settings?.runUrl }))
  } catch (error) {
    warn(`The job summary could not be written: ${describeFailure(error)}`)
  }
}

async function commentOnPullRequest(settings: Settings, execution: Execution): Promise<void> {
  if (settings.comment === 'never') return
  const token = settings.common.githubToken
  if (token) mask(token)
  const urls = await publishComments({
    comments: execution.outcome?.comment ?? [],
    mode: settings.comment,
    token,
    prNumber: settings.prNumber,
    summaryUrl: settings.runUrl,
    env: process.env,
    log: { info, warning: warn }
  })
  if (urls.length > 0) core.setOutput('comment-url', urls.join('\n'))
}

/** Sets an output unless it is too large for one (GitHub fails the step then); warns instead. */
function setGuardedOutput(name: string, value: string, resultFile: string): void {
  const bytes = Buffer.byteLength(value)
  if (bytes <= MAX_OUTPUT_BYTES) {
    core.setOutput(name, value)
    return
  }
  warn(
    `The output '${name}' is ${bytes} bytes, too large for a step output, and was left out; read the full result from the file in the output result-file (${resultFile}).`
  )
}

async function publish(
  settings: Settings,
  execution: Execution,
  results: ResultFile
): Promise<void> {
  const { outcome } = execution
  if (outcome === undefined) return
  const json = JSON.stringify(outcome.result ?? null)
  // A command with a large result streamed it there already; `result` is then its digest.
  const resultFile = await results.settle(json)
  core.setOutput('result-file', resultFile)
  for (const [name, value] of Object.entries(outcome.outputs ?? {}))
    setGuardedOutput(name, typeof value === 'string' ? value : String(value), resultFile)
  setGuardedOutput('result', json, resultFile)
  if (settings.common.summary)
    await writeSummary(execution.summary.build({ runUrl: settings.runUrl, resultFile }))
}

/** Appends to the job summary; outside a runner (no GITHUB_STEP_SUMMARY) that is skipped, not a failure. */
async function writeSummary(markdown: string): Promise<void> {
  if (markdown === '') return
  if (!process.env.GITHUB_STEP_SUMMARY) {
    info('GITHUB_STEP_SUMMARY is not set (not on a GitHub runner?), so no job summary was written.')
    return
  }
  await core.summary.addRaw(markdown, true).write()
}
