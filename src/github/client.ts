/** The GitHub client every GitHub module takes as a parameter (a real Octokit, in tests too). */
import type { GitHub } from '@actions/github/lib/utils'

export type GitHubClient = InstanceType<typeof GitHub>
