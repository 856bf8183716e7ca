import type { Team } from '../api/types.js'
import { cell, code, heading, table } from './escape.js'

const PERMISSION_NAMES: Record<number, string> = {
  0: 'none',
  101: 'read',
  102: 'edit',
  103: 'admin',
  104: 'creator'
}

export function permissionName(permission: number): string {
  return PERMISSION_NAMES[permission] ?? String(permission)
}

export function renderTeamList(organization: string, teams: Team[]): string {
  const title = heading(3, `Teams of ${cell(organization)}: ${teams.length}`)
  if (teams.length === 0) return `${title}The organization has no teams.\n`
  return (
    title +
    table(
      ['Team', 'Display name', 'Kind', 'Description', 'Your role'],
      teams.map(team => [
        code(team.name),
        cell(team.displayName),
        cell(team.kind),
        cell(team.description),
        cell(team.userRole)
      ])
    )
  )
}

/** One team: its facts, then its members and stack permissions. `action` leads the title. */
export function renderTeam(
  organization: string,
  team: Team,
  action?: 'Created' | 'Would create'
): string {
  const title = `${action === undefined ? 'Team' : `${action} team`} ${cell(team.name)} of ${cell(organization)}`
  let markdown =
    heading(3, title) +
    table(
      ['Team', 'Display name', 'Kind', 'Description', 'Members', 'Stacks'],
      [
        [
          code(team.name),
          cell(team.displayName),
          cell(team.kind),
          cell(team.description),
          String(team.members?.length ?? 0),
          String(team.stacks?.length ?? 0)
        ]
      ]
    )
  const members = team.members ?? []
  if (members.length > 0) {
    markdown += `\n${heading(4, 'Members')}${table(
      ['Login', 'Name', 'Team role'],
      members.map(member => [code(member.githubLogin), cell(member.name), cell(member.role)])
    )}`
  }
  const stacks = team.stacks ?? []
  if (stacks.length > 0) {
    markdown += `\n${heading(4, 'Stack permissions')}${table(
      ['Stack', 'Permission'],
      stacks.map(stack => [
        code(`${stack.projectName}/${stack.stackName}`),
        cell(permissionName(stack.permission))
      ])
    )}`
  }
  return markdown
}

export interface TeamChange {
  organization: string
  team: string
  /** What changed, e.g. "Member alice: promote" or "Stack website/prod: admin". */
  change: string
  dryRun: boolean
}

export function renderTeamChange(change: TeamChange): string {
  return (
    heading(3, `Team ${cell(change.team)} of ${cell(change.organization)}`) +
    table(
      ['Organization', 'Team', 'Change', 'Status'],
      [
        [
          cell(change.organization),
          code(change.team),
          cell(change.change),
          change.dryRun ? 'Dry run: not sent' : 'Done'
        ]
      ]
    )
  )
}
