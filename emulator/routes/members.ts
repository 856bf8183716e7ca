// Organization members and roles.

import {
  badRequest,
  decodeToken,
  encodeToken,
  HttpError,
  intParam,
  json,
  jsonBody,
  noContent,
  str,
  type Ctx,
  type Route
} from '../http.js'
import { BUILT_IN_ROLES, type OrgState } from '../state.js'
import type { JsonObject, OrgRole, SeedMember } from '../types.js'
import { audit, requireOrg, requireOrgAdmin } from './common.js'

const ROLE_EPOCH = '2024-01-15T10:00:00Z'

function memberJson(ctx: Ctx, org: OrgState, m: Readonly<SeedMember>): JsonObject {
  const u = ctx.state.user(m.login)
  const role = ctx.state.roles(org.name).find(r => r.defaultIdentifier === m.role)
  const teams = ctx.state
    .teamsIn(org.name)
    .filter(t => t.members.some(tm => tm.login === m.login))
    .map(t => t.name)
  return {
    role: m.role,
    user: {
      name: u?.name ?? m.login,
      githubLogin: m.login,
      avatarUrl: u?.avatarUrl ?? '',
      email: u?.email ?? ''
    },
    created: m.created,
    knownToPulumi: u !== undefined,
    virtualAdmin: false,
    links: { self: `https://app.pulumi.com/${org.name}/settings/members/${m.login}` },
    fgaRole: { id: role?.id ?? '', name: role?.name ?? m.role, modifiedAt: ROLE_EPOCH },
    teams
  }
}

function listMembers(ctx: Ctx) {
  const org = requireOrg(ctx)
  const type = ctx.query.get('type')
  if (type !== null && type !== 'backend' && type !== 'frontend')
    throw badRequest('invalid query parameter')
  const max = intParam(ctx, 'maxResults', 'invalid query parameter') ?? 100
  if (max < 1) throw badRequest('invalid query parameter')
  const sorted = [...org.members.values()].sort((a, b) => (a.login < b.login ? -1 : 1))
  const token = ctx.query.get('continuationToken')
  const after = token ? decodeToken(token) : ''
  const rest = sorted.filter(m => m.login > after)
  const page = rest.slice(0, max)
  const body: JsonObject = { members: page.map(m => memberJson(ctx, org, m)) }
  const last = page[page.length - 1]
  if (rest.length > max && last) body['continuationToken'] = encodeToken(last.login)
  return json(200, body)
}

function addMember(ctx: Ctx) {
  const org = requireOrg(ctx)
  requireOrgAdmin(ctx, org)
  const login = ctx.params['user'] ?? ''
  const role = str(jsonBody(ctx), 'role')
  if (!role || !BUILT_IN_ROLES.includes(role as OrgRole))
    throw badRequest('Invalid organization role.')
  if (!ctx.state.user(login)) throw new HttpError(404, `User '${login}' not found`)
  if (org.members.has(login)) throw new HttpError(409, 'User is already an organization member.')
  const m: SeedMember = { login, role: role as OrgRole, created: new Date().toISOString() }
  ctx.state.addMember(org.name, m)
  audit(ctx, org.name, 'Member Added', `Added "${login}" to the organization as ${role}`, {
    reqOrgAdmin: true
  })
  return json(200, memberJson(ctx, org, m))
}

function updateMember(ctx: Ctx) {
  const org = requireOrg(ctx)
  requireOrgAdmin(ctx, org)
  const login = ctx.params['user'] ?? ''
  const b = jsonBody(ctx)
  const m = org.members.get(login)
  if (!m) throw new HttpError(404, `User '${login}' not found`)
  const roleId = str(b, 'fgaRoleId')
  // The service only looks at fgaRoleId; without it the role lookup finds nothing.
  if (roleId === undefined || roleId === '') throw new HttpError(404, 'Role not found')
  const role = ctx.state.roles(org.name).find(r => r.id === roleId)
  if (!role) throw badRequest("Invalid parameter 'roleID'.")
  ctx.state.setMemberRole(org.name, login, role.defaultIdentifier)
  audit(
    ctx,
    org.name,
    'Member Role Changed',
    `Changed organization role for "${login}" to ${role.name}`,
    {
      reqOrgAdmin: true
    }
  )
  return noContent()
}

function removeMember(ctx: Ctx) {
  const org = requireOrg(ctx)
  requireOrgAdmin(ctx, org)
  const login = ctx.params['user'] ?? ''
  if (login === ctx.principal.login)
    throw badRequest('You cannot remove yourself from the organization.')
  if (!org.members.has(login)) throw new HttpError(404, `User '${login}' not found`)
  ctx.state.removeMember(org.name, login)
  audit(ctx, org.name, 'Member Removed', `Removed "${login}" from the organization`, {
    reqOrgAdmin: true
  })
  return noContent()
}

function listRoles(ctx: Ctx) {
  const org = requireOrg(ctx)
  const purpose = ctx.query.get('uxPurpose')
  if (!purpose || !['role', 'role_private', 'role_temporary', 'policy', 'set'].includes(purpose)) {
    throw badRequest('Role purpose is not valid')
  }
  if (purpose !== 'role') return json(200, { roles: [] })
  const orgId = `org-${org.name}`
  const roles = ctx.state.roles(org.name).map(r => ({
    name: r.name,
    resourceType: 'organization',
    uxPurpose: 'role',
    details: { __type: 'PermissionDescriptorAllow', permissions: [] },
    created: ROLE_EPOCH,
    modified: ROLE_EPOCH,
    id: r.id,
    orgId,
    defaultIdentifier: r.defaultIdentifier,
    version: 1,
    isOrgDefault: r.defaultIdentifier === 'member'
  }))
  return json(200, { roles })
}

export const memberRoutes: Route[] = [
  { method: 'GET', pattern: '/api/orgs/:org/members', handler: listMembers },
  { method: 'POST', pattern: '/api/orgs/:org/members/:user', handler: addMember },
  { method: 'PATCH', pattern: '/api/orgs/:org/members/:user', handler: updateMember },
  { method: 'DELETE', pattern: '/api/orgs/:org/members/:user', handler: removeMember },
  { method: 'GET', pattern: '/api/orgs/:org/roles', handler: listRoles }
]
