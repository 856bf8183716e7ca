import type { OrganizationMember } from '../api/types.js'
import { cell, code, heading, table } from './escape.js'

export function renderMemberList(organization: string, members: OrganizationMember[]): string {
  const title = heading(3, `Members of ${cell(organization)}: ${members.length}`)
  if (members.length === 0) return `${title}The organization has no members.\n`
  return (
    title +
    table(
      ['Login', 'Name', 'Role', 'Joined'],
      members.map(member => [
        code(member.user.githubLogin),
        cell(member.user.name),
        cell(member.fgaRole?.name ?? member.role),
        cell(member.created)
      ])
    )
  )
}

export interface MembershipChange {
  organization: string
  username: string
  action: 'added' | 'removed' | 'role changed'
  role?: string
  dryRun: boolean
}

export function renderMembershipChange(change: MembershipChange): string {
  const verb = change.dryRun ? `Would be ${change.action}` : change.action
  return (
    heading(3, `Member ${cell(change.username)} of ${cell(change.organization)}`) +
    table(
      ['Organization', 'Member', 'Change', 'Role'],
      [
        [
          cell(change.organization),
          code(change.username),
          cell(verb.charAt(0).toUpperCase() + verb.slice(1)),
          cell(change.role)
        ]
      ]
    )
  )
}
