/**
 * Member and team commands over real HTTP against the emulator: list-members, add-member,
 * remove-member, set-member-role, list-teams, create-team, get-team, delete-team,
 * update-team-membership, grant-team-stack-access and remove-team-stack-access.
 */
import { failure } from './support/action.js'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator()
const { run, writes } = emulator

function acme() {
  const org = emulator.state.org('acme')
  if (org === undefined) throw new Error('the seed has no org acme')
  return org
}

function team(org: string, name: string) {
  return emulator.state.team(org, name)
}

describe('list-members', () => {
  it('lists every member across pages, with count and a table', async () => {
    // 150 more members than one page (the service's default page is 100) forces paging.
    for (let i = 0; i < 150; i++) {
      const login = `user${String(i).padStart(3, '0')}`
      emulator.state.addMember('acme', { login, role: 'member', created: '2024-01-01T00:00:00Z' })
    }
    const result = await run({ command: 'list-members', organization: 'acme' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.count).toBe('153')
    const members = JSON.parse(result.outputs.result ?? '') as { user: { githubLogin: string } }[]
    expect(new Set(members.map(m => m.user.githubLogin)).size).toBe(153)
    const gets = emulator.requests.filter(r => r.path === '/api/orgs/acme/members')
    expect(gets.length).toBeGreaterThan(1)
    for (const request of gets) expect(request.query).toContain('type=backend')
    expect(gets[1]?.query).toContain('continuationToken=')
    expect(result.summary).toContain('Members of acme: 153')
    expect(result.summary).toMatch(/\| `carol` \| .* \| billing-manager \|/)
  })

  it('rejects a malformed organization before any request', async () => {
    const result = await run({ command: 'list-members', organization: 'not/an/org' })
    expect(failure(result)).toContain("Input 'organization'")
    expect(emulator.requests).toEqual([])
  })

  it('reports a missing organization with the hint for 404', async () => {
    const result = await run({ command: 'list-members', organization: 'nowhere' })
    const message = failure(result)
    expect(message).toContain('404')
    expect(message).toContain('Not found')
  })
})

describe('add-member', () => {
  it('POSTs the role and reports the member the service returns', async () => {
    const result = await run({
      command: 'add-member',
      organization: 'acme',
      username: 'dave',
      role: 'admin'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([
      { method: 'POST', path: '/api/orgs/acme/members/dave', body: { role: 'admin' } }
    ])
    expect(acme().members.get('dave')?.role).toBe('admin')
    const member = JSON.parse(result.outputs.result ?? '') as {
      role: string
      user: { githubLogin: string }
    }
    expect(member.user.githubLogin).toBe('dave')
    expect(member.role).toBe('admin')
    expect(result.summary).toContain('| acme | `dave` | Added | admin |')
  })

  it('defaults the role to member', async () => {
    const result = await run({ command: 'add-member', organization: 'acme', username: 'erin' })
    expect(result.exitCode).toBe(0)
    expect(writes()[0]?.body).toEqual({ role: 'member' })
  })

  it('sends nothing under dry-run and shows the plan', async () => {
    const result = await run({
      command: 'add-member',
      organization: 'acme',
      username: 'dave',
      'dry-run': 'true'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([])
    expect(acme().members.has('dave')).toBe(false)
    expect(result.outputs['dry-run']).toBe('true')
    expect(result.summary).toContain('POST /api/orgs/acme/members/dave')
    expect(result.summary).toContain('Would be added')
  })

  it('rejects an unknown role before any request', async () => {
    const result = await run({
      command: 'add-member',
      organization: 'acme',
      username: 'dave',
      role: 'owner'
    })
    expect(failure(result)).toContain("Input 'role'")
    expect(emulator.requests).toEqual([])
  })

  it('fails with the 409 of a user who is already a member', async () => {
    const result = await run({ command: 'add-member', organization: 'acme', username: 'bob' })
    const message = failure(result)
    expect(message).toContain('409')
    expect(message).toContain('already an organization member')
  })
})

describe('remove-member', () => {
  it('DELETEs the member (204)', async () => {
    const result = await run({ command: 'remove-member', organization: 'acme', username: 'bob' })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([
      { method: 'DELETE', path: '/api/orgs/acme/members/bob', body: undefined }
    ])
    expect(emulator.requests[0]?.status).toBe(204)
    expect(acme().members.has('bob')).toBe(false)
    expect(JSON.parse(result.outputs.result ?? '')).toEqual({
      organization: 'acme',
      username: 'bob',
      removed: true
    })
    expect(result.summary).toContain('| acme | `bob` | Removed |')
  })

  it('fails with 404 for a user who is not a member', async () => {
    const result = await run({ command: 'remove-member', organization: 'acme', username: 'erin' })
    expect(failure(result)).toContain('failed with 404')
    expect(acme().members.size).toBe(3)
  })
})

describe('set-member-role', () => {
  it("looks up the role's ID and PATCHes fgaRoleId only", async () => {
    const result = await run({
      command: 'set-member-role',
      organization: 'acme',
      username: 'bob',
      role: 'billing-manager'
    })
    expect(result.exitCode).toBe(0)
    const rolesRequest = emulator.requests[0]
    expect(rolesRequest?.path).toBe('/api/orgs/acme/roles')
    expect(rolesRequest?.query).toContain('uxPurpose=role')
    const roleId = emulator.state
      .roles('acme')
      .find(r => r.defaultIdentifier === 'billing-manager')?.id
    expect(roleId).toBeTruthy()
    expect(writes()).toEqual([
      { method: 'PATCH', path: '/api/orgs/acme/members/bob', body: { fgaRoleId: roleId } }
    ])
    expect(acme().members.get('bob')?.role).toBe('billing-manager')
    expect(result.summary).toContain('| acme | `bob` | Role changed | billing-manager |')
  })

  it("matches the service's display names such as 'Billing Manager'", async () => {
    emulator.addFault({
      method: 'GET',
      path: '/api/orgs/acme/roles',
      kind: 'status',
      status: 200,
      body: JSON.stringify({
        roles: [
          { id: 'r-member', name: 'Member', defaultIdentifier: 'member' },
          { id: 'r-billing', name: 'Billing Manager', defaultIdentifier: 'billingManager' }
        ]
      })
    })
    const result = await run({
      command: 'set-member-role',
      organization: 'acme',
      username: 'bob',
      role: 'billing-manager'
    })
    // The emulator does not know the injected ID, so the PATCH fails; what was sent is the point.
    expect(writes()[0]?.body).toEqual({ fgaRoleId: 'r-billing' })
    expect(failure(result)).toContain("Invalid parameter 'roleID'")
  })

  it("names the organization's roles when the wanted one does not exist, sending nothing", async () => {
    emulator.addFault({
      method: 'GET',
      path: '/api/orgs/acme/roles',
      kind: 'status',
      status: 200,
      body: JSON.stringify({
        roles: [
          { id: 'r1', name: 'Member' },
          { id: 'r2', name: 'Auditor' }
        ]
      })
    })
    const result = await run({
      command: 'set-member-role',
      organization: 'acme',
      username: 'bob',
      role: 'admin'
    })
    const message = failure(result)
    expect(message).toContain("no role 'admin'")
    expect(message).toContain('Member, Auditor')
    expect(writes()).toEqual([])
  })

  it('fails with 404 for a user who is not a member', async () => {
    const result = await run({
      command: 'set-member-role',
      organization: 'acme',
      username: 'erin',
      role: 'admin'
    })
    expect(failure(result)).toContain('PATCH /api/orgs/acme/members/erin failed with 404')
  })
})

describe('list-teams', () => {
  it('lists the teams with count and a table', async () => {
    const result = await run({ command: 'list-teams', organization: 'acme' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.count).toBe('3')
    const teams = JSON.parse(result.outputs.result ?? '') as { name: string }[]
    expect(teams.map(t => t.name).sort()).toEqual(['platform', 'security', 'web'])
    expect(result.summary).toContain('Teams of acme: 3')
    expect(result.summary).toContain(
      '| `platform` | Platform | pulumi | Owns shared infrastructure |'
    )
  })

  it('fails with 404 for an unknown organization', async () => {
    const result = await run({ command: 'list-teams', organization: 'nowhere' })
    expect(failure(result)).toContain('GET /api/orgs/nowhere/teams failed with 404')
  })
})

describe('create-team', () => {
  it('creates a Pulumi team (201) from team, display-name and description', async () => {
    const result = await run({
      command: 'create-team',
      organization: 'acme',
      team: 'data',
      'display-name': 'Data <Eng>',
      description: 'Pipelines'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([
      {
        method: 'POST',
        path: '/api/orgs/acme/teams/pulumi',
        body: { name: 'data', displayName: 'Data <Eng>', description: 'Pipelines' }
      }
    ])
    expect(emulator.requests[0]?.status).toBe(201)
    expect(team('acme', 'data')?.displayName).toBe('Data <Eng>')
    expect((JSON.parse(result.outputs.result ?? '') as { name: string }).name).toBe('data')
    expect(result.summary).toContain('Created team data of acme')
    expect(result.summary).toContain('Data &lt;Eng&gt;')
  })

  it('creates a GitHub-backed team from github-team-id', async () => {
    const result = await run({
      command: 'create-team',
      organization: 'acme',
      'team-type': 'github',
      'github-team-id': '4242'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([
      { method: 'POST', path: '/api/orgs/acme/teams/github', body: { githubTeamID: 4242 } }
    ])
    expect(team('acme', 'platform-eng')?.kind).toBe('github')
  })

  it('needs github-team-id for a GitHub team, before any request', async () => {
    const result = await run({
      command: 'create-team',
      organization: 'acme',
      'team-type': 'github',
      team: 'x'
    })
    expect(failure(result)).toContain("Input 'github-team-id'")
    expect(emulator.requests).toEqual([])
  })

  it('needs team for a Pulumi team, before any request', async () => {
    const result = await run({ command: 'create-team', organization: 'acme' })
    expect(failure(result)).toContain("Input 'team'")
    expect(emulator.requests).toEqual([])
  })

  it('fails with 409 when the team exists', async () => {
    const result = await run({ command: 'create-team', organization: 'acme', team: 'platform' })
    expect(failure(result)).toContain('409')
    expect(team('acme', 'platform')?.description).toBe('Owns shared infrastructure')
  })
})

describe('get-team', () => {
  it('shows the team with members (count) and stack permissions', async () => {
    const result = await run({ command: 'get-team', organization: 'acme', team: 'platform' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.count).toBe('2')
    expect(result.summary).toContain('| `alice` |')
    expect(result.summary).toContain('| `infra/prod` | admin |')
    expect(result.summary).toContain('| `infra/dev` | edit |')
  })

  it('rejects a malformed team name before any request', async () => {
    const result = await run({ command: 'get-team', organization: 'acme', team: '../x' })
    expect(failure(result)).toContain("Input 'team'")
    expect(emulator.requests).toEqual([])
  })

  it('fails with 404 for an unknown team', async () => {
    const result = await run({ command: 'get-team', organization: 'acme', team: 'ghosts' })
    expect(failure(result)).toContain('GET /api/orgs/acme/teams/ghosts failed with 404')
  })
})

describe('delete-team', () => {
  it('DELETEs the team (204)', async () => {
    const result = await run({ command: 'delete-team', organization: 'acme', team: 'web' })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([
      { method: 'DELETE', path: '/api/orgs/acme/teams/web', body: undefined }
    ])
    expect(emulator.requests[0]?.status).toBe(204)
    expect(team('acme', 'web')).toBeUndefined()
    expect(result.summary).toContain('| acme | `web` | Deleted | Done |')
  })

  it('fails with 404 for an unknown team', async () => {
    const result = await run({ command: 'delete-team', organization: 'acme', team: 'ghosts' })
    expect(failure(result)).toContain('failed with 404')
  })
})

describe('update-team-membership', () => {
  it('PATCHes {memberAction, member} (204)', async () => {
    const result = await run({
      command: 'update-team-membership',
      organization: 'acme',
      team: 'web',
      username: 'carol',
      'member-action': 'promote'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([
      {
        method: 'PATCH',
        path: '/api/orgs/acme/teams/web',
        body: { memberAction: 'promote', member: 'carol' }
      }
    ])
    expect(emulator.requests[0]?.status).toBe(204)
    expect(team('acme', 'web')?.members.find(m => m.login === 'carol')?.role).toBe('admin')
    expect(result.summary).toContain('Member carol: promote')
  })

  it('rejects an unknown member-action before any request', async () => {
    const result = await run({
      command: 'update-team-membership',
      organization: 'acme',
      team: 'web',
      username: 'carol',
      'member-action': 'kick'
    })
    expect(failure(result)).toContain("Input 'member-action'")
    expect(emulator.requests).toEqual([])
  })

  it('fails with 404 when removing someone who is not in the team', async () => {
    const result = await run({
      command: 'update-team-membership',
      organization: 'acme',
      team: 'web',
      username: 'alice',
      'member-action': 'remove'
    })
    expect(failure(result)).toContain('404')
  })
})

describe('grant-team-stack-access', () => {
  it('PATCHes addStackPermission with the numeric permission', async () => {
    const result = await run({
      command: 'grant-team-stack-access',
      team: 'security',
      stack: 'acme/infra/prod',
      permission: 'admin'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([
      {
        method: 'PATCH',
        path: '/api/orgs/acme/teams/security',
        body: { addStackPermission: { projectName: 'infra', stackName: 'prod', permission: 103 } }
      }
    ])
    expect(team('acme', 'security')?.stacks).toContainEqual({
      projectName: 'infra',
      stackName: 'prod',
      permission: 103
    })
    expect(result.summary).toContain('Stack infra/prod: admin')
  })

  it('takes the organization from the input to complete project/stack and accepts 101', async () => {
    const result = await run({
      command: 'grant-team-stack-access',
      organization: 'acme',
      team: 'security',
      stack: 'infra/dev',
      permission: '101'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()[0]?.body).toEqual({
      addStackPermission: { projectName: 'infra', stackName: 'dev', permission: 101 }
    })
  })

  it.each<{ title: string; inputs: Record<string, string>; message: string }>([
    {
      title: "refuses a stack outside the team's organization before any request",
      inputs: { organization: 'acme', stack: 'acme-labs/experiments/sandbox', permission: 'read' },
      message: 'is not in the organization acme'
    },
    {
      title: 'rejects an unknown permission before any request',
      inputs: { stack: 'acme/infra/prod', permission: 'owner' },
      message: "Input 'permission'"
    }
  ])('$title', async ({ inputs, message }) => {
    const result = await run({ command: 'grant-team-stack-access', team: 'security', ...inputs })
    expect(failure(result)).toContain(message)
    expect(emulator.requests).toEqual([])
  })

  it('fails with 404 for a stack that does not exist', async () => {
    const result = await run({
      command: 'grant-team-stack-access',
      team: 'security',
      stack: 'acme/infra/nope',
      permission: 'read'
    })
    expect(failure(result)).toContain('404')
    expect(team('acme', 'security')?.stacks).toHaveLength(1)
  })
})

describe('remove-team-stack-access', () => {
  it('PATCHes removeStack', async () => {
    const result = await run({
      command: 'remove-team-stack-access',
      team: 'web',
      stack: 'acme/website/prod'
    })
    expect(result.exitCode).toBe(0)
    expect(writes()).toEqual([
      {
        method: 'PATCH',
        path: '/api/orgs/acme/teams/web',
        body: { removeStack: { projectName: 'website', stackName: 'prod' } }
      }
    ])
    expect(team('acme', 'web')?.stacks.map(s => s.stackName)).toEqual(['staging'])
    expect(result.summary).toContain('Stack website/prod: access removed')
  })

  it('refuses a wildcard stack before any request', async () => {
    const result = await run({
      command: 'remove-team-stack-access',
      team: 'web',
      stack: 'acme/website/*'
    })
    expect(failure(result)).toContain("Input 'stack'")
    expect(emulator.requests).toEqual([])
  })

  it('fails with 404 for an unknown team', async () => {
    const result = await run({
      command: 'remove-team-stack-access',
      team: 'ghosts',
      stack: 'acme/website/prod'
    })
    expect(failure(result)).toContain('PATCH /api/orgs/acme/teams/ghosts failed with 404')
  })
})
