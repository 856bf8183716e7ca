/**
 * What a command may use, and nothing more: reads of Pulumi Cloud, writes that dry-run turns
 * into a plan, the run's decided stack mode, and the runner's logging. The runner (execute,
 * main) builds it; commands depend on this module, never on the runner.
 */
import type { PlannedRequest, PulumiCloud, Query, WriteMethod } from '../api/client.js'
import type { FileBody } from '../api/file-body.js'
import { ResponseFormatError } from '../api/errors.js'
import type { Reader } from '../api/readers/core.js'
import type { Deadline } from '../poll.js'
import { redactSecrets } from '../render/plan.js'

/*
 * What commands hand to, or get from, the GitHub side. Declared here, where commands depend,
 * and implemented in src/github/: commands never import src/github (an ESLint rule holds it).
 */

/** One stack's comment, as a command's outcome carries it (comment-on-pr). */
export interface StackComment {
  stack: string
  /** Compact markdown, already escaped. */
  body: string
  /** The gate's has-changes output for this preview or update (unknown: treated as changed). */
  hasChanges?: boolean
  /** The gate failed: always worth a comment, changes or not. */
  gateFailed?: boolean
}

/** A Pulumi deployment as its GitHub deployment (github-deployment) shows it. */
export interface MirrorRequest {
  /** The GitHub environment (the github-deployment input). */
  environment: string
  /** The commit Pulumi deploys, when the run named one (git-commit or the PR head). */
  commit?: string
  /**
   * The branch Pulumi deploys (git-ref), when it named no commit. With neither, the GitHub
   * deployment is for GITHUB_SHA, with a warning: Pulumi deploys its settings' branch.
   */
  branch?: string
  operation: string
  /** org/project/stack. */
  stack: string
  pulumiDeploymentId: string
  /** The deployment's console page (log_url). */
  logUrl: string
  /** The stack's console page (environment_url): still right after the next deployment. */
  environmentUrl: string
}

export type FinalState = 'success' | 'failure' | 'error' | 'inactive'

export interface DeploymentMirror {
  /** GitHub's ID of the deployment; undefined when none was created. */
  readonly id: number | undefined
  /** The commit the GitHub deployment records (GitHub's `sha`); undefined when none was created. */
  readonly commit: string | undefined
  /** Posts the final status, once; does nothing when the deployment could not be created. */
  finish(state: FinalState, description: string): Promise<void>
}

export type OpenMirror = (request: MirrorRequest) => Promise<DeploymentMirror>
import type { ResultFile } from '../result-file.js'

/** The reads of the client. Writes go through `write`/`writeJson`, so dry-run cannot be bypassed. */
export type ReadApi = Pick<
  PulumiCloud,
  | 'getJson'
  | 'getOptionalJson'
  | 'getJsonBytes'
  | 'collect'
  | 'pages'
  | 'pagesWithBytes'
  | 'download'
>

/**
 * What one write did: sent, with the service's answer, or under dry-run only planned (nothing
 * was sent, so there is no answer to pretend).
 */
export type Written<T> =
  | { readonly sent: true; readonly response: T }
  | { readonly sent: false; readonly planned: PlannedRequest }

/**
 * How `stack` was given, decided once from the input's shape: `several` when it has several
 * lines or a wildcard (even on the day a wildcard matches one stack, so the workflow around it
 * holds), with the directory such a run writes its files under.
 */
export type StackMode =
  { readonly kind: 'single' } | { readonly kind: 'several'; readonly directory: string }

/** The runner's side of a context: logging, masking and where things are. */
export interface Environment {
  consoleUrl: string
  /** This workflow run's page, where its whole job summary is (linked from cut lists). */
  runUrl?: string | undefined
  /** The action's own directory under RUNNER_TEMP (default export paths). */
  workDir: string
  /** Where a command with a large result streams it: the one `result-file` of the run. */
  resultFile: Pick<ResultFile, 'stream'>
  info(message: string): void
  warning(message: string): void
  mask(secret: string): void
  /** Aborted when the runner cancels the job (SIGINT/SIGTERM): waits stop and clean up. */
  signal: AbortSignal
  /** Opens a collapsible group in the job log (closing any open one first); `endGroup` closes it. */
  startGroup(title: string): void
  endGroup(): void
  /** On a pull_request event, the head commit of the pull request under review. */
  pullRequestHeadSha?: string
  /** Opens the GitHub deployment mirroring a Pulumi one (github-deployment); never throws. */
  openGitHubDeployment?: OpenMirror
}

export interface CommandContext extends Environment {
  api: ReadApi
  /** A write whose answer is not read: sent once (never retried), or planned under dry-run. */
  write(method: WriteMethod, path: string, body?: unknown, query?: Query): Promise<Written<void>>
  /** A write answered with a JSON document that `read` checks; an empty answer is an error. */
  writeJson<T>(
    method: WriteMethod,
    path: string,
    read: Reader<T>,
    body?: unknown,
    query?: Query
  ): Promise<Written<T>>
  /**
   * A write whose body is a file streamed as it is (never parsed or re-serialised), answered
   * with JSON; sent once, or planned (by file name, size and hash) under dry-run.
   */
  writeFile<T>(
    method: WriteMethod,
    path: string,
    body: FileBody,
    read: Reader<T>,
    query?: Query
  ): Promise<Written<T>>
  /** True when this run only plans its writes (dry-run on a command that mutates). */
  dryRun: boolean
  stackMode: StackMode
  /**
   * The run's one timeout-minutes deadline: waiting for a free stack (wait-if-busy) and a
   * command's own waiting draw on it, so a step never runs past timeout-minutes.
   */
  deadline: Deadline
}

/** The part of the client a writer needs: sending, and showing a path with its query. */
export type WriteApi = Pick<PulumiCloud, 'send' | 'sendJson' | 'sendFile' | 'pathWithQuery'>

/**
 * The context's writes over `api`: under dry-run each write is recorded (secrets redacted),
 * logged and answered with its plan; otherwise it is sent once.
 */
export class Writes {
  readonly planned: PlannedRequest[] = []

  constructor(
    private readonly api: WriteApi,
    readonly dryRun: boolean,
    private readonly info: (message: string) => void
  ) {}

  readonly write = async (
    method: WriteMethod,
    path: string,
    body?: unknown,
    query?: Query
  ): Promise<Written<void>> => {
    if (this.dryRun) return this.plan(method, path, body, query)
    await this.api.send(method, path, body, query)
    return { sent: true, response: undefined }
  }

  readonly writeJson = async <T>(
    method: WriteMethod,
    path: string,
    read: Reader<T>,
    body?: unknown,
    query?: Query
  ): Promise<Written<T>> => {
    if (this.dryRun) return this.plan(method, path, body, query)
    return { sent: true, response: await this.api.sendJson(method, path, read, body, query) }
  }

  readonly writeFile = async <T>(
    method: WriteMethod,
    path: string,
    body: FileBody,
    read: Reader<T>,
    query?: Query
  ): Promise<Written<T>> => {
    if (this.dryRun) {
      const planned: PlannedRequest = {
        method,
        path: this.api.pathWithQuery(path, query),
        bodyFile: body
      }
      this.planned.push(planned)
      this.info(
        `Dry run: ${method} ${planned.path} with the bytes of ${body.path} (${body.bytes} bytes, sha256 ${body.sha256})`
      )
      return { sent: false, planned }
    }
    const response = await this.api.sendFile(method, path, body, read, query)
    if (response === undefined)
      throw new ResponseFormatError(method, path, 'the body was empty where a JSON answer was due')
    return { sent: true, response }
  }

  private plan(
    method: WriteMethod,
    path: string,
    body: unknown,
    query: Query | undefined
  ): Written<never> {
    const target = this.api.pathWithQuery(path, query)
    const planned: PlannedRequest =
      body === undefined
        ? { method, path: target }
        : { method, path: target, body: redactSecrets(body) }
    this.planned.push(planned)
    this.info(
      `Dry run: ${method} ${target}${planned.body === undefined ? '' : ` ${JSON.stringify(planned.body)}`}`
    )
    return { sent: false, planned }
  }
}

/** The reads of `api` as their own object: a command holding it has no `send` to reach for. */
export function readOnly(api: ReadApi): ReadApi {
  return {
    getJson: api.getJson.bind(api),
    getOptionalJson: api.getOptionalJson.bind(api),
    getJsonBytes: api.getJsonBytes.bind(api),
    collect: api.collect.bind(api),
    pages: api.pages.bind(api),
    pagesWithBytes: api.pagesWithBytes.bind(api),
    download: api.download.bind(api)
  }
}

/** Builds a command's context from its parts (the runner's, and a fake one in tests). */
export function commandContext(parts: {
  api: ReadApi
  writes: Writes
  stackMode: StackMode
  environment: Environment
  deadline: Deadline
}): CommandContext {
  const { api, writes, stackMode, environment, deadline } = parts
  return {
    ...environment,
    api: readOnly(api),
    write: writes.write,
    writeJson: writes.writeJson,
    writeFile: writes.writeFile,
    dryRun: writes.dryRun,
    stackMode,
    deadline
  }
}
