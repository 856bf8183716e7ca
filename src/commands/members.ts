import { orgPath } from '../api/paths.js'
import { readAddedMember, readMemberPage, readRoles } from '../api/readers/organization.js'
import type { RoleRecord } from '../api/types.js'
import { renderMemberList, renderMembershipChange } from '../render/members.js'
import { defineCommand, type Command } from './types.js'

/** "Billing Manager", "billingManager" and "billing-manager" name the same role. */
function roleKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '')
}

function findRole(roles: RoleRecord[], wanted: string): RoleRecord | undefined {
  const key = roleKey(wanted)
  return (
    roles.find(
      role => role.defaultIdentifier !== undefined && roleKey(role.defaultIdentifier) === key
    ) ?? roles.find(role => role.name !== undefined && roleKey(role.name) === key)
  )
}

const listMembers = defineCommand({
  name: 'list-members',
  area: 'members',
  description: "List an organization's members with their roles (all pages).",
  required: ['organization'],
  optional: [],
  mutates: false,
  outputs: { count: 'Number of members.' },
  async run(context, { organization }) {
    const members = await context.api.collect(
      orgPath(organization, 'members'),
      { type: 'backend' },
      readMemberPage
    )
    return {
      result: members,
      outputs: { count: members.length },
      summary: renderMemberList(organization, members)
    }
  }
})

const addMember = defineCommand({
  name: 'add-member',
  area: 'members',
  description: 'Add a Pulumi user to an organization with a role (default member).',
  required: ['organization', 'username'],
  optional: ['role'],
  mutates: true,
  outputs: {},
  async run(context, { organization, username, role }) {
    const chosen = role ?? 'member'
    const added = await context.writeJson(
      'POST',
      orgPath(organization, 'members', username),
      readAddedMember,
      { role: chosen }
    )
    return {
      result: added.sent ? added.response : { organization, username, role: chosen },
      summary: renderMembershipChange({
        organization,
        username,
        action: 'added',
        role: added.sent ? (added.response.fgaRole?.name ?? added.response.role) : chosen,
        dryRun: context.dryRun
      })
    }
  }
})

const removeMember = defineCommand({
  name: 'remove-member',
  area: 'members',
  description: 'Remove a member from an organization (and so from its teams).',
  required: ['organization', 'username'],
  optional: [],
  mutates: true,
  outputs: {},
  async run(context, { organization, username }) {
    await context.write('DELETE', orgPath(organization, 'members', username))
    return {
      result: { organization, username, removed: !context.dryRun },
      summary: renderMembershipChange({
        organization,
        username,
        action: 'removed',
        dryRun: context.dryRun
      })
    }
  }
})

const setMemberRole = defineCommand({
  name: 'set-member-role',
  area: 'members',
  description:
    "Change a member's organization role: looks up the role's ID in the organization, then sets it.",
  required: ['organization', 'username', 'role'],
  optional: [],
  mutates: true,
  outputs: {},
  async run(context, { organization, username, role }) {
    // The service changes roles by ID only (a {"role"} body is not found), so resolve the name first.
    const { roles: available } = await context.api.getJson(
      orgPath(organization, 'roles'),
      { uxPurpose: 'role' },
      readRoles
    )
    const found = findRole(available, role)
    if (found === undefined) {
      const names = available.map(r => r.name ?? r.defaultIdentifier ?? r.id).join(', ')
      throw new Error(
        `The organization ${organization} has no role '${role}'; its roles are: ${names || '(none)'}. Set the input 'role' to one of them.`
      )
    }
    await context.write('PATCH', orgPath(organization, 'members', username), {
      fgaRoleId: found.id
    })
    return {
      result: { organization, username, role, roleId: found.id },
      summary: renderMembershipChange({
        organization,
        username,
        action: 'role changed',
        role: found.name ?? role,
        dryRun: context.dryRun
      })
    }
  }
})

export const memberCommands: Command[] = [listMembers, addMember, removeMember, setMemberRole]
