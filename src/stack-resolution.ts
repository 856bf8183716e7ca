import type { ReadApi } from './commands/context.js'
import type { StackRef } from './api/paths.js'
import { readStackPage } from './api/readers/stacks.js'
import { hasWildcard, type StackPattern } from './input-parsers.js'

/** Lists stacks (all pages) with the service's own filters. */
export async function* listStacks(
  api: ReadApi,
  filters: { organization?: string; project?: string; tagName?: string; tagValue?: string }
): AsyncGenerator<StackRef> {
  const query = {
    organization: filters.organization,
    project: filters.project,
    tagName: filters.tagName,
    tagValue: filters.tagValue
  }
  for await (const page of api.pages('/api/user/stacks', query, readStackPage)) {
    for (const s of page.items) {
      const ref = { organization: s.orgName, project: s.projectName, stack: s.stackName }
      yield s.refused === undefined ? ref : { ...ref, refused: s.refused }
    }
  }
}

/** Throws for a listed stack whose name Pulumi would not allow: it fails alone, before any request. */
export function refuseBadlyNamed(stack: StackRef): void {
  if (stack.refused !== undefined) throw new Error(stack.refused)
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*')}$`)
}

/**
 * Turns stack patterns into concrete stacks: plain names pass through untouched (no
 * request), wildcards are matched against list-stacks of the pattern's organization.
 * The order of the input is kept and duplicates are dropped. Patterns that need the same
 * listing (two wildcard lines of one organization) share one walk of list-stacks.
 */
export async function resolveStacks(api: ReadApi, patterns: StackPattern[]): Promise<StackRef[]> {
  const found = new Map<string, StackRef>()
  const walks = new Map<string, Promise<StackRef[]>>()
  const listing = (organization: string, project: string | undefined): Promise<StackRef[]> => {
    const key = JSON.stringify([organization, project])
    let walk = walks.get(key)
    if (walk === undefined) {
      walk = collectStacks(
        api,
        project === undefined ? { organization } : { organization, project }
      )
      walks.set(key, walk)
    }
    return walk
  }
  for (const pattern of patterns) {
    if (!hasWildcard(pattern)) {
      found.set(`${pattern.organization}/${pattern.project}/${pattern.stack}`, pattern)
      continue
    }
    const project = globToRegExp(pattern.project)
    const stack = globToRegExp(pattern.stack)
    const stacks = await listing(
      pattern.organization,
      pattern.project.includes('*') ? undefined : pattern.project
    )
    let matched = 0
    for (const ref of stacks) {
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

async function collectStacks(
  api: ReadApi,
  filters: { organization: string; project?: string }
): Promise<StackRef[]> {
  const stacks: StackRef[] = []
  for await (const ref of listStacks(api, filters)) stacks.push(ref)
  return stacks
}
