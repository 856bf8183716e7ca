// Teams: list, create (Pulumi- and GitHub-backed), get, update, delete.

import {
  badRequest,
  HttpError,
  isObject,
  json,
  jsonBody,
  noContent,
  num,
  str,
  type Ctx,
  type Route
} from '../http.js'
import type { OrgState } from '../state.js'
import type { JsonObject, SeedTeam } from '../types.js'
import { audit, requireOrg, requireOrgAdmin } from './common.js'

const TEAM_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/
const STACK_PERMISSIONS = [0, 101, 102, 103, 104]

function userRole(ctx: Ctx, t: SeedTeam): string {
  return t.members.find(m => m.login === ctx.principal.login)?.role ?? 'none'
}

function teamSummary(ctx: Ctx, t: SeedTeam): JsonObject {
  return {
    kind: t.kind,
    name: t.name,
    displayName: t.displayName,
    description: t.description,
    userRole: userRole(ctx, t)
  }
}

function teamJson(ctx: Ctx, t: SeedTeam): JsonObject {
  return {
    ...teamSummary(ctx, t),
    members: t.members.map(m => {
      const u = ctx.state.userInfo(m.login)
      return { name: u.name, githubLogin: u.githubLogin, avatarUrl: u.avatarUrl, role: m.role }
    }),
    stacks: t.stacks.map(s => ({ ...s })),
    environments: [],
    accounts: [],
    roleIds: []
  }
}

function requireTeam(ctx: Ctx, org: OrgState): SeedTeam {
  const name = ctx.params['team'] ?? ''
  const t = ctx.state.team(org.name, name)
  if (!t) throw new HttpError(404, `Team '${name}' not found`)
  return t
}

function listTeams(ctx: Ctx) {
  const org = requireOrg(ctx)
  const teams = ctx.state.teamsIn(org.name).sort((a, b) => (a.name < b.name ? -1 : 1))
  return json(200, { teams: teams.map(t => teamSummary(ctx, t)) })
}

function createPulumiTeam(ctx: Ctx) {
  const org = requireOrg(ctx)
  requireOrgAdmin(ctx, org)
  const b = jsonBody(ctx)
  const name = str(b, 'name')
  const displayName = str(b, 'displayName') ?? name ?? ''
  const description = str(b, 'description') ?? ''
  if (!name || !TEAM_NAME.test(name)) throw badRequest('Invalid team name.')
  if (displayName.length > 100)
    throw badRequest('Display name too long. Max length 100 characters.')
  if (description.length > 1024)
    throw badRequest('Description too long. Max length 1024 characters.')
  if (ctx.state.team(org.name, name)) throw new HttpError(409, 'Team with this name already exists')
  const t: SeedTeam = {
    org: org.name,
    name,
    kind: 'pulumi',
    displayName,
    description,
    members: [{ login: ctx.principal.login, role: 'admin' }],
    stacks: []
  }
  ctx.state.addTeam(t)
  audit(ctx, org.name, 'Team Created', `Created team "${name}"`, { reqOrgAdmin: true })
  return json(201, teamJson(ctx, t))
}

function createGitHubTeam(ctx: Ctx) {
  const org = requireOrg(ctx)
  requireOrgAdmin(ctx, org)
  const id = num(jsonBody(ctx), 'githubTeamID')
  if (!id) throw badRequest('No TeamID provided.')
  const gh = org.githubTeams?.find(g => g.id === id)
  if (!gh) throw new HttpError(404, `GitHub Team '${id}' not found`)
  if (ctx.state.team(org.name, gh.name))
    throw new HttpError(409, 'Team with this name already exists')
  const t: SeedTeam = {
    org: org.name,
    name: gh.name,
    kind: 'github',
    displayName: gh.displayName,
    description: gh.description,
    githubTeamId: gh.id,
    members: [],
    stacks: []
  }
  ctx.state.addTeam(t)
  audit(ctx, org.name, 'Team Created', `Created GitHub team "${gh.name}"`, { reqOrgAdmin: true })
  return json(201, teamJson(ctx, t))
}

function getTeam(ctx: Ctx) {
  const org = requireOrg(ctx)
  return json(200, teamJson(ctx, requireTeam(ctx, org)))
}

function deleteTeam(ctx: Ctx) {
  const org = requireOrg(ctx)
  requireOrgAdmin(ctx, org)
  const t = requireTeam(ctx, org)
  ctx.state.deleteTeam(t)
  audit(ctx, org.name, 'Team Deleted', `Deleted team "${t.name}"`, { reqOrgAdmin: true })
  return noContent()
}

function stackIdent(v: unknown): { projectName: string; stackName: string; permission?: number } {
  if (!isObject(v)) throw badRequest('Invalid stack identifier.')
  const projectName = str(v, 'projectName')
  const stackName = str(v, 'stackName')
  if (!projectName || !stackName) throw badRequest('projectName and stackName are required.')
  const permission = num(v, 'permission')
  return permission === undefined
    ? { projectName, stackName }
    : { projectName, stackName, permission }
}

const MEMBER_VERBS: Record<string, string> = {
  add: 'Added',
  remove: 'Removed',
  promote: 'Promoted',
  demote: 'Demoted'
}

/** memberAction + member: add, remove, promote or demote one team member. */
function changeMember(ctx: Ctx, org: OrgState, t: SeedTeam, b: JsonObject): boolean {
  const action = str(b, 'memberAction')
  if (action === undefined) return false
  const login = str(b, 'member')
  if (!login) throw badRequest('member is required with memberAction.')
  const verb = MEMBER_VERBS[action]
  if (verb === undefined) throw badRequest(`Invalid memberAction '${action}'.`)
  if (t.kind === 'github') throw badRequest('Membership of GitHub teams is managed in GitHub.')
  const existing = t.members.find(m => m.login === login)
  if (action === 'add') {
    if (!org.members.has(login)) throw new HttpError(404, `User '${login}' not found`)
    if (!existing) ctx.state.setTeamMember(t, login, 'member')
  } else {
    if (!existing) throw new HttpError(404, `User '${login}' is not a member of team '${t.name}'`)
    const role = action === 'remove' ? undefined : action === 'promote' ? 'admin' : 'member'
    ctx.state.setTeamMember(t, login, role)
  }
  audit(ctx, org.name, 'Team Membership Changed', `${verb} "${login}" in team "${t.name}"`, {
    reqOrgAdmin: true
  })
  return true
}

/** addStackPermission / editStackPermission: grant a permission on a stack of the org. */
function grantStacks(ctx: Ctx, org: OrgState, t: SeedTeam, b: JsonObject): boolean {
  let changed = false
  for (const key of ['addStackPermission', 'editStackPermission'] as const) {
    if (b[key] === undefined) continue
    const p = stackIdent(b[key])
    if (p.permission === undefined || !STACK_PERMISSIONS.includes(p.permission)) {
      throw badRequest('Invalid stack permission.')
    }
    if (!ctx.state.getStack(org.name, p.projectName, p.stackName)) {
      throw new HttpError(404, `Stack '${org.name}/${p.projectName}/${p.stackName}' not found`)
    }
    ctx.state.grantStack(t, {
      projectName: p.projectName,
      stackName: p.stackName,
      permission: p.permission
    })
    audit(
      ctx,
      org.name,
      'Team Stack Permission Changed',
      `Granted team "${t.name}" permission ${p.permission} on stack "${p.projectName}/${p.stackName}"`,
      { reqOrgAdmin: true }
    )
    changed = true
  }
  return changed
}

function removeStack(ctx: Ctx, org: OrgState, t: SeedTeam, b: JsonObject): boolean {
  if (b['removeStack'] === undefined) return false
  const p = stackIdent(b['removeStack'])
  ctx.state.revokeStack(t, p.projectName, p.stackName)
  audit(
    ctx,
    org.name,
    'Team Stack Permission Removed',
    `Removed stack "${p.projectName}/${p.stackName}" from team "${t.name}"`,
    { reqOrgAdmin: true }
  )
  return true
}

function describe(ctx: Ctx, org: OrgState, t: SeedTeam, b: JsonObject): boolean {
  const displayName = str(b, 'newDisplayName')
  const description = str(b, 'newDescription')
  if (displayName === undefined && description === undefined) return false
  if (displayName !== undefined && displayName.length > 100)
    throw badRequest('Display name too long. Max length 100 characters.')
  ctx.state.describeTeam(t, { displayName, description })
  audit(ctx, org.name, 'Team Updated', `Updated team "${t.name}"`, { reqOrgAdmin: true })
  return true
}

function updateTeam(ctx: Ctx) {
  const org = requireOrg(ctx)
  requireOrgAdmin(ctx, org)
  const t = requireTeam(ctx, org)
  const b = jsonBody(ctx)
  // every change the body asks for is applied, in this order; at least one must be asked
  const changed = [changeMember, grantStacks, removeStack, describe].map(step =>
    step(ctx, org, t, b)
  )
  if (!changed.includes(true)) throw badRequest('No team update was requested.')
  return noContent()
}

export const teamRoutes: Route[] = [
  { method: 'GET', pattern: '/api/orgs/:org/teams', handler: listTeams },
  { method: 'POST', pattern: '/api/orgs/:org/teams/pulumi', handler: createPulumiTeam },
  { method: 'POST', pattern: '/api/orgs/:org/teams/github', handler: createGitHubTeam },
  { method: 'GET', pattern: '/api/orgs/:org/teams/:team', handler: getTeam },
  { method: 'PATCH', pattern: '/api/orgs/:org/teams/:team', handler: updateTeam },
  { method: 'DELETE', pattern: '/api/orgs/:org/teams/:team', handler: deleteTeam }
]
