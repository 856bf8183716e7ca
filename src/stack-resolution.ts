import type { PulumiCloud } from './api/client.js'
import type { StackRef } from './api/paths.js'
import type { ListStacksResponse } from './api/types.js'
import { hasWildcard, type StackPattern } from './input-parsers.js'

/** Lists stacks (all pages) with the service's own filters. */
export async function* listStacks(
  api: PulumiCloud,
  filters: { organization?: string; project?: string; tagName?: string; tagValue?: string }
): AsyncGenerator<StackRef> {
  const query = {
    organization: filters.organization,
    project: filters.project,
    tagName: filters.tagName,
    tagValue: filters.tagValue
  }
  for await (const page of api.pages<ListStacksResponse>(
    '/api/user/stacks',
    query,
    p => p.continuationToken
  )) {
    if (!Array.isArray(page.stacks)) continue
    for (const s of page.stacks)
      yield { organization: s.orgName, project: s.projectName, stack: s.stackName }
  }
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*')}$`)
}

/**
 * Turns stack patterns into concrete stacks: plain names pass through untouched (no
 * request), wildcards are matched against list-stacks of the pattern's organization.
 * The order of the input is kept and duplicates are dropped.
 */
export async function resolveStacks(
  api: PulumiCloud,
  patterns: StackPattern[]
): Promise<StackRef[]> {
  const found = new Map<string, StackRef>()
  for (const pattern of patterns) {
    if (!hasWildcard(pattern)) {
      found.set(`${pattern.organization}/${pattern.project}/${pattern.stack}`, pattern)
      continue
    }
    const project = globToRegExp(pattern.project)
    const stack = globToRegExp(pattern.stack)
    const filter = pattern.project.includes('*') ? {} : { project: pattern.project }
    let matched = 0
    for await (const ref of listStacks(api, { organization: pattern.organization, ...filter })) {
      if (
        ref.organization !== pattern.organization ||
        !project.test(ref.project) ||
        !stack.test(ref.stack)
      )
        continue
      matched++
      found.set(`${ref.organization}/${ref.project}/${ref.stack}`, ref)
    }
    if (matched === 0) {
      throw new Error(
        `No stack matches '${pattern.organization}/${pattern.project}/${pattern.stack}'. Check the pattern and that the token can see the organization's stacks.`
      )
    }
  }
  return [...found.values()]
}
