import { orgPath, stackName, type StackRef } from '../api/paths.js'
import { readTeam, readTeams } from '../api/readers/organization.js'
import type { Team } from '../api/types.js'
import { InputError } from '../input-parsers.js'
import { permissionName, renderTeam, renderTeamChange, renderTeamList } from '../render/teams.js'
import { defineCommand, type Command } from './types.js'

const teamPath = (organization: string, team: string): string =>
  orgPath(organization, 'teams', team)

/**
 * Team stack permissions live in the team's organization, so the stack's organization names
 * the team; an `organization` input that says otherwise is a mistake, caught before sending.
 */
function teamOrganization(stack: StackRef, organization: string | undefined): string {
  if (organization !== undefined && organization !== stack.organization) {
    throw new InputError(
      'stack',
      `${stackName(stack)} is not in the organization ${organization}; a team can only get access to stacks of its own organization`
    )
  }
  return stack.organization
}

const listTeams = defineCommand({
  name: 'list-teams',
  area: 'teams',
  description: "List an organization's teams.",
  required: ['organization'],
  optional: [],
  mutates: false,
  outputs: { count: 'Number of teams.' },
  async run(context, { organization }) {
    const { teams: list } = await context.api.getJson(orgPath(organization, 'teams'), {}, readTeams)
    return {
      result: list,
      outputs: { count: list.length },
      summary: renderTeamList(organization, list)
    }
  }
})

const createTeam = defineCommand({
  name: 'create-team',
  area: 'teams',
  description:
    'Create a Pulumi team (team, display-name, description) or, with team-type github, a team backed by a GitHub team (github-team-id).',
  required: ['organization'],
  optional: ['team', 'displayName', 'description', 'teamType', 'githubTeamId'],
  mutates: true,
  outputs: {},
  validate({ team, teamType, githubTeamId }) {
    if (teamType === 'github') {
      if (githubTeamId === undefined)
        throw new InputError('github-team-id', 'is required by create-team with team-type github')
    } else {
      if (githubTeamId !== undefined)
        throw new InputError('team-type', "must be 'github' when github-team-id is set")
      if (team === undefined)
        throw new InputError('team', 'is required by create-team (the new team name)')
    }
  },
  async run(context, { organization, team, displayName, description, teamType, githubTeamId }) {
    let path: string
    let body: Record<string, unknown>
    // validate() made sure which of the two the inputs describe.
    if (teamType === 'github' && githubTeamId !== undefined) {
      path = orgPath(organization, 'teams', 'github')
      body = { githubTeamID: githubTeamId }
    } else if (team !== undefined) {
      path = orgPath(organization, 'teams', 'pulumi')
      body = { name: team, displayName: displayName ?? team, description: description ?? '' }
    } else {
      throw new InputError('team', 'is required by create-team (the new team name)')
    }
    const created = await context.writeJson('POST', path, readTeam, body)
    if (created.sent)
      return {
        result: created.response,
        summary: renderTeam(organization, created.response, 'Created')
      }
    // Planned only: the summary shows the team the request describes.
    const planned: Team = {
      kind: teamType ?? 'pulumi',
      name: team ?? `github-team-${githubTeamId ?? ''}`,
      displayName: displayName ?? team ?? '',
      description: description ?? ''
    }
    return { result: body, summary: renderTeam(organization, planned, 'Would create') }
  }
})

const getTeam = defineCommand({
  name: 'get-team',
  area: 'teams',
  description: 'Get a team with its members and stack permissions.',
  required: ['organization', 'team'],
  optional: [],
  mutates: false,
  outputs: { count: 'Number of team members.' },
  async run(context, { organization, team }) {
    const found = await context.api.getJson(teamPath(organization, team), {}, readTeam)
    return {
      result: found,
      outputs: { count: found.members?.length ?? 0 },
      summary: renderTeam(organization, found)
    }
  }
})

const deleteTeam = defineCommand({
  name: 'delete-team',
  area: 'teams',
  description: 'Delete a team.',
  required: ['organization', 'team'],
  optional: [],
  mutates: true,
  outputs: {},
  async run(context, { organization, team }) {
    await context.write('DELETE', teamPath(organization, team))
    return {
      result: { organization, team, deleted: !context.dryRun },
      summary: renderTeamChange({ organization, team, change: 'Deleted', dryRun: context.dryRun })
    }
  }
})

const updateTeamMembership = defineCommand({
  name: 'update-team-membership',
  area: 'teams',
  description: 'Add, remove, promote (to team admin) or demote a team member.',
  required: ['organization', 'team', 'username', 'memberAction'],
  optional: [],
  mutates: true,
  outputs: {},
  async run(context, { organization, team, username, memberAction }) {
    await context.write('PATCH', teamPath(organization, team), {
      memberAction,
      member: username
    })
    return {
      result: { organization, team, member: username, memberAction },
      summary: renderTeamChange({
        organization,
        team,
        change: `Member ${username}: ${memberAction}`,
        dryRun: context.dryRun
      })
    }
  }
})

const grantTeamStackAccess = defineCommand({
  name: 'grant-team-stack-access',
  area: 'teams',
  description:
    "Give a team read, edit or admin permission on a stack of the team's organization (replaces an existing permission).",
  required: ['team', 'stack', 'permission'],
  optional: ['organization'],
  mutates: true,
  outputs: {},
  async run(context, { organization, team, stack, permission }) {
    const owner = teamOrganization(stack, organization)
    await context.write('PATCH', teamPath(owner, team), {
      addStackPermission: { projectName: stack.project, stackName: stack.stack, permission }
    })
    return {
      result: { organization: owner, team, stack: stackName(stack), permission },
      summary: renderTeamChange({
        organization: owner,
        team,
        change: `Stack ${stack.project}/${stack.stack}: ${permissionName(permission)}`,
        dryRun: context.dryRun
      })
    }
  }
})

const removeTeamStackAccess = defineCommand({
  name: 'remove-team-stack-access',
  area: 'teams',
  description: "Take away a team's permission on a stack.",
  required: ['team', 'stack'],
  optional: ['organization'],
  mutates: true,
  outputs: {},
  async run(context, { organization, team, stack }) {
    const owner = teamOrganization(stack, organization)
    await context.write('PATCH', teamPath(owner, team), {
      removeStack: { projectName: stack.project, stackName: stack.stack }
    })
    return {
      result: { organization: owner, team, stack: stackName(stack), removed: !context.dryRun },
      summary: renderTeamChange({
        organization: owner,
        team,
        change: `Stack ${stack.project}/${stack.stack}: access removed`,
        dryRun: context.dryRun
      })
    }
  }
})

export const teamCommands: Command[] = [
  listTeams,
  createTeam,
  getTeam,
  deleteTeam,
  updateTeamMembership,
  grantTeamStackAccess,
  removeTeamStackAccess
]
