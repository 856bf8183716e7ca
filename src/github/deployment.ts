/**
 * github-deployment: a GitHub deployment mirroring a Pulumi Deployments run, so the commit,
 * the pull request and the repository's Environments page show what ran where, with a link
 * to the Pulumi console. GitHub I/O only; `@actions/github` is imported on demand, so a run
 * without github-deployment never loads Octokit.
 *
 * Decisions (documented in the README):
 * - The GitHub deployment is for the commit Pulumi deploys: git-commit, else the pull
 *   request's head commit, else the git-ref branch (GitHub resolves it as Pulumi does). With
 *   none of them Pulumi deploys the branch of the stack's deployment settings, which is not
 *   known until its update runs, while the GitHub deployment must exist once the run is queued
 *   (in_progress): it is then for GITHUB_SHA, with a warning to pin git-commit; run-deployment
 *   names the commit Pulumi really deployed (git.head) when it ends, if that differs. It lives
 *   in this workflow's repository.
 * - `auto_merge: false` (a deployment must never merge branches) and `required_contexts: []`
 *   (this very workflow's checks are still pending while it runs).
 * - A preview or detect-drift changes nothing: its deployment is transient, never production,
 *   and its statuses do not mark earlier deployments of the environment inactive.
 * - in_progress once Pulumi queued the run; then success, failure, `inactive` after a
 *   successful destroy (the environment is gone), `error` when it was skipped, cancelled (a
 *   timeout or a cancelled job) or could not be followed to its end.
 * - GitHub refusing (403: no `deployments: write`, as for a fork's token) or failing is a
 *   warning: the Pulumi deployment and the step's result never depend on the mirror.
 */
import type {
  DeploymentMirror,
  FinalState,
  MirrorRequest,
  OpenMirror
} from '../commands/context.js'
import { USER_AGENT } from '../version.js'
import type { GitHubClient } from './client.js'

interface Repository {
  owner: string
  repo: string
}

/** GitHub cuts nothing: a status description over 140 characters is a 422. */
const MAX_DESCRIPTION = 140

const TRANSIENT_OPERATIONS = new Set(['preview', 'detect-drift'])

const NO_MIRROR: DeploymentMirror = {
  id: undefined,
  commit: undefined,
  finish: () => Promise.resolve()
}

function description(text: string): string {
  return text.length <= MAX_DESCRIPTION ? text : `${text.slice(0, MAX_DESCRIPTION - 1)}…`
}

/** Only an http(s) URL becomes a link on GitHub; anything else the service sent is left out. */
function httpUrl(value: string): string | undefined {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined
  } catch {
    return undefined
  }
}

/** POST /repos/{owner}/{repo}/deployments: the deployment, or undefined when GitHub made none. */
export async function createDeployment(
  octokit: GitHubClient,
  repository: Repository,
  ref: string,
  request: MirrorRequest
): Promise<{ id: number; sha: string; environment: string } | undefined> {
  const transient = TRANSIENT_OPERATIONS.has(request.operation)
  const { data } = await octokit.rest.repos.createDeployment({
    ...repository,
    ref,
    task: `pulumi:${request.operation}`,
    auto_merge: false,
    required_contexts: [],
    environment: request.environment,
    description: description(`Pulumi ${request.operation} of ${request.stack}`),
    payload: { stack: request.stack, pulumiDeploymentId: request.pulumiDeploymentId },
    transient_environment: transient,
    // Unset, GitHub's default applies: production only for an environment named production.
    ...(transient ? { production_environment: false } : {})
  })
  // A 202 ("Auto-merged …") carries a message and no deployment; auto_merge is off, but the
  // answer is still checked before its fields are used.
  if (!('id' in data) || typeof data.id !== 'number') return undefined
  return {
    id: data.id,
    sha: typeof data.sha === 'string' ? data.sha : '',
    environment: typeof data.environment === 'string' ? data.environment : ''
  }
}

/** POST /repos/{owner}/{repo}/deployments/{id}/statuses. */
export async function createDeploymentStatus(
  octokit: GitHubClient,
  repository: Repository,
  id: number,
  status: {
    state: FinalState | 'in_progress'
    description: string
    logUrl: string | undefined
    environmentUrl: string | undefined
    transient: boolean
  }
): Promise<void> {
  await octokit.rest.repos.createDeploymentStatus({
    ...repository,
    deployment_id: id,
    state: status.state,
    description: description(status.description),
    ...(status.logUrl === undefined ? {} : { log_url: status.logUrl }),
    ...(status.environmentUrl === undefined ? {} : { environment_url: status.environmentUrl }),
    // A preview's success must not mark the environment's real deployment inactive.
    ...(status.transient ? { auto_inactive: false } : {})
  })
}

function errorText(error: unknown): { status: number | undefined; message: string } {
  const status =
    typeof error === 'object' && error !== null && 'status' in error
      ? Number(error.status)
      : undefined
  return { status, message: error instanceof Error ? error.message : String(error) }
}

export interface MirrorOptions {
  /** The github-token input. */
  token: string | undefined
  env: NodeJS.ProcessEnv
  info(message: string): void
  warning(message: string): void
}

/**
 * What run-deployment calls once Pulumi queued the run. Never throws: whatever goes wrong
 * with GitHub is a warning and leaves a mirror that does nothing.
 */
export function githubDeployments(options: MirrorOptions): OpenMirror {
  return async request => {
    const { env } = options
    const where = (repository: string): string =>
      `The GitHub deployment (github-deployment: ${request.environment}) on ${repository}`
    const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
    const ref = request.commit ?? request.branch ?? env.GITHUB_SHA
    if (!owner || !repo || !ref) {
      options.warning(
        `${where('this repository')} was not created: it needs GITHUB_REPOSITORY and a commit (GITHUB_SHA or git-commit), as on a GitHub runner. The Pulumi deployment goes on.`
      )
      return NO_MIRROR
    }
    const repository = { owner, repo }
    const name = `${owner}/${repo}`
    if (!options.token) {
      options.warning(
        `${where(name)} was not created: github-token is empty; pass github-token: \${{ github.token }} with permissions: deployments: write. The Pulumi deployment goes on.`
      )
      return NO_MIRROR
    }
    const warn = (action: string, error: unknown): void => {
      const { status, message } = errorText(error)
      options.warning(
        status === 403
          ? `${where(name)} could not be ${action} (403: the token may not write deployments, as on a pull request from a fork). Give the job permissions: deployments: write. The Pulumi deployment is not affected.`
          : `${where(name)} could not be ${action}: ${message}. The Pulumi deployment is not affected.`
      )
    }
    const { getOctokit } = await import('@actions/github')
    const octokit: GitHubClient = getOctokit(options.token, {
      baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
      userAgent: USER_AGENT
    })
    const transient = TRANSIENT_OPERATIONS.has(request.operation)
    const urls = {
      logUrl: httpUrl(request.logUrl),
      environmentUrl: httpUrl(request.environmentUrl)
    }
    if (request.commit === undefined && request.branch === undefined)
      options.warning(
        `${where(name)} records GITHUB_SHA ${ref}, but the run names no commit (git-commit, git-ref or a pull request's head): Pulumi deploys the branch of the stack's deployment settings, which may be at another commit. Pin git-commit: \${{ github.sha }} for an exact record.`
      )
    let action = 'created'
    let created: Awaited<ReturnType<typeof createDeployment>>
    try {
      created = await createDeployment(octokit, repository, ref, request)
      if (created === undefined) {
        options.warning(`${where(name)} was not created: GitHub answered without a deployment.`)
        return NO_MIRROR
      }
      action = 'marked in progress'
      await createDeploymentStatus(octokit, repository, created.id, {
        state: 'in_progress',
        description: `Pulumi ${request.operation} of ${request.stack} is running`,
        transient,
        ...urls
      })
    } catch (error) {
      warn(action, error)
      return NO_MIRROR
    }
    const { id } = created
    options.info(
      `GitHub deployment ${id} of ${created.sha || ref} to ${created.environment || request.environment}: in_progress`
    )
    let finished = false
    return {
      id,
      commit: created.sha || request.commit,
      finish: async (state, text) => {
        if (finished) return
        finished = true
        try {
          await createDeploymentStatus(octokit, repository, id, {
            state,
            description: text,
            transient,
            ...urls
          })
          options.info(`GitHub deployment ${id}: ${state}`)
        } catch (error) {
          warn(`marked ${state}`, error)
        }
      }
    }
  }
}
