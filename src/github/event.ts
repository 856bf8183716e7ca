/** Facts about the workflow run's triggering event, read once from the runner's event file. */
import { readFile } from 'node:fs/promises'

const PR_EVENTS = new Set(['pull_request', 'pull_request_target'])

/**
 * On a pull_request event, the pull request's head commit (what a deployment should preview:
 * the code under review, not the merge commit GITHUB_SHA names). Nothing on other events, or
 * when the event file cannot be read.
 */
export async function pullRequestHead(
  env: NodeJS.ProcessEnv
): Promise<{ pullRequestHeadSha?: string }> {
  if (!PR_EVENTS.has(env.GITHUB_EVENT_NAME ?? '') || !env.GITHUB_EVENT_PATH) return {}
  try {
    const payload = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) as {
      pull_request?: { head?: { sha?: unknown } }
    }
    const sha = payload.pull_request?.head?.sha
    return typeof sha === 'string' && /^[0-9a-f]{40,64}$/i.test(sha)
      ? { pullRequestHeadSha: sha.toLowerCase() }
      : {}
  } catch {
    return {}
  }
}
