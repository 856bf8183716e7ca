/**
 * The middle test layer: a command's `run` called with a context built here, talking HTTP to
 * the emulator through the real client, without inputs, login, outputs or the job summary.
 * What it logged, masked and planned is kept for the test to look at.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PlannedRequest } from '../../src/api/client.js'
import { PulumiCloud } from '../../src/api/client.js'
import type { StackRef } from '../../src/api/paths.js'
import {
  commandContext,
  Writes,
  type CommandContext,
  type StackMode
} from '../../src/commands/context.js'
import { COMMANDS } from '../../src/commands/registry.js'
import { DEFAULT_TIMEOUT_MINUTES, Deadline } from '../../src/poll.js'
import { ResultFile } from '../../src/result-file.js'
import type { AnyInputs, Command, CommandOutcome } from '../../src/commands/types.js'
import { USER_AGENT } from '../../src/version.js'

export interface FakeContextOptions {
  /** Plan writes instead of sending them. */
  dryRun?: boolean
  stackMode?: StackMode
  /** Defaults to a fresh temporary directory. */
  workDir?: string
  /** Names the result file a command streams (the command's name in runCommand). */
  command?: string
  consoleUrl?: string
  token?: string
  /** The run's cancellation (SIGINT/SIGTERM in main); never aborted by default. */
  signal?: AbortSignal
  pullRequestHeadSha?: string
  /** The run's timeout-minutes deadline (execute makes one per run); runCommand's default
   * starts with the command, from its timeoutMinutes input. */
  deadline?: Deadline
}

export interface FakeContext {
  context: CommandContext
  /** The run's result file: `path` once the command streamed it. */
  resultFile: ResultFile
  info: string[]
  warnings: string[]
  masked: string[]
  /** The writes dry-run planned, in order. */
  planned: PlannedRequest[]
  dispose(): void
}

/** A context whose reads and writes go to `server` (the emulator, or any local stand-in). */
export async function fakeContext(
  server: { url: string; token: string },
  options: FakeContextOptions = {}
): Promise<FakeContext> {
  const api = new PulumiCloud({
    baseUrl: server.url,
    token: options.token ?? server.token,
    userAgent: USER_AGENT,
    timeoutSeconds: 30
  })
  const info: string[] = []
  const warnings: string[] = []
  const masked: string[] = []
  const writes = new Writes(api, options.dryRun ?? false, message => info.push(message))
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'pca-command-')))
  const resultFile = new ResultFile(workDir, options.command ?? 'command')
  const context = commandContext({
    api,
    writes,
    stackMode: options.stackMode ?? { kind: 'single' },
    deadline: options.deadline ?? new Deadline(DEFAULT_TIMEOUT_MINUTES),
    environment: {
      consoleUrl: options.consoleUrl ?? 'https://app.pulumi.test',
      workDir,
      resultFile,
      info: message => info.push(message),
      warning: message => warnings.push(message),
      mask: secret => masked.push(secret),
      signal: options.signal ?? new AbortController().signal,
      startGroup: title => info.push(`::group::${title}`),
      endGroup: () => info.push('::endgroup::'),
      ...(options.pullRequestHeadSha === undefined
        ? {}
        : { pullRequestHeadSha: options.pullRequestHeadSha })
    }
  })
  return {
    context,
    resultFile,
    info,
    warnings,
    masked,
    planned: writes.planned,
    dispose: () => {
      api.dispose()
    }
  }
}

export function command(name: string): Command {
  const found = COMMANDS.find(candidate => candidate.name === name)
  if (found === undefined) throw new Error(`no command ${name} in the registry`)
  return found
}

/** `org/project/stack` as the resolved StackRef a command receives. */
export function stackRef(name: string): StackRef {
  const [organization, project, stack] = name.split('/')
  if (!organization || !project || !stack) throw new Error(`not org/project/stack: ${name}`)
  return { organization, project, stack }
}

export interface CommandRun extends Omit<FakeContext, 'context' | 'dispose' | 'resultFile'> {
  outcome: CommandOutcome
  /** The file the command streamed its full result to, if it did. */
  resultFile: string | undefined
}

/** Runs one command's `run` against `server` with already parsed inputs. */
export async function runCommand(
  server: { url: string; token: string },
  name: string,
  inputs: AnyInputs,
  options: FakeContextOptions = {}
): Promise<CommandRun> {
  const minutes = typeof inputs.timeoutMinutes === 'number' ? inputs.timeoutMinutes : undefined
  const fake = await fakeContext(server, {
    command: name,
    deadline: new Deadline(minutes ?? DEFAULT_TIMEOUT_MINUTES),
    ...options
  })
  try {
    const outcome = await command(name).run(fake.context, inputs)
    return {
      outcome,
      resultFile: fake.resultFile.path,
      info: fake.info,
      warnings: fake.warnings,
      masked: fake.masked,
      planned: fake.planned
    }
  } finally {
    fake.dispose()
  }
}
