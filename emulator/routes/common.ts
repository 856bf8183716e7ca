// Lookups shared by the route modules, failing with the service's error messages.

import { HttpError, type Ctx } from '../http.js'
import type { OrgState, StackState } from '../state.js'

export function requireStack(ctx: Ctx): StackState {
  const { org = '', project = '', stack = '' } = ctx.params
  const s = ctx.state.getStack(org, project, stack)
  if (!s || !ctx.principal.orgs.includes(org)) {
    throw new HttpError(404, `Stack '${org}/${project}/${stack}' not found`)
  }
  return s
}

export function requireOrg(ctx: Ctx, name = ctx.params['org'] ?? ''): OrgState {
  const o = ctx.state.org(name)
  if (!o || !ctx.principal.orgs.includes(name))
    throw new HttpError(404, `Organization '${name}' not found`)
  return o
}

/** Org admin check for membership/team/webhook management. */
export function requireOrgAdmin(ctx: Ctx, org: OrgState): void {
  const p = ctx.principal
  if (p.token.kind === 'organization' && p.token.org === org.name) return
  if (org.members.get(p.login)?.role === 'admin') return
  throw new HttpError(403, 'Forbidden: you must be an organization admin to perform this action.')
}

export function audit(
  ctx: Ctx,
  org: string,
  event: string,
  description: string,
  flags: { reqOrgAdmin?: boolean; reqStackAdmin?: boolean } = {}
): void {
  ctx.state.recordAudit(org, ctx.principal, ctx.sourceIP, event, description, flags)
}

export function stackLink(s: StackState): string {
  return `https://app.pulumi.com/${s.org}/${s.project}/${s.stack}`
}
