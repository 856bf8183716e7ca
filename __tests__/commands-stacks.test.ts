/**
 * Stack commands over real HTTP against the emulator: list-stacks, get-stack, delete-stack,
 * delete-stack-tag, export-stack, set-stack-tags and transfer-stack.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator()
const { run, writeTargets } = emulator

function seededStackNames(org: string): string[] {
  return emulator.state
    .storedStacks()
    .filter(s => s.org === org)
    .map(s => `${s.org}/${s.project}/${s.stack}`)
    .sort()
}

interface ListedStack {
  organization: string
  project: string
  stack: string
  name: string
}

describe('list-stacks', () => {
  it('lists every stack of an organization as a matrix-ready JSON array', async () => {
    const result = await run({ command: 'list-stacks', organization: 'acme' })
    expect(result.exitCode).toBe(0)
    const stacks = JSON.parse(result.outputs.stacks ?? '') as ListedStack[]
    expect(stacks.map(s => s.name).sort()).toEqual(seededStackNames('acme'))
    for (const s of stacks) {
      expect(Object.keys(s).sort()).toEqual(['name', 'organization', 'project', 'stack'])
      expect(s.name).toBe(`${s.organization}/${s.project}/${s.stack}`)
    }
    expect(result.outputs.count).toBe(String(stacks.length))
    expect(JSON.parse(result.outputs.result ?? '')).toEqual(stacks)
    expect(emulator.requests[0]?.query).toContain('organization=acme')
    expect(result.summary).toContain('| acme | website | prod |')
  })

  it('follows continuation tokens through every page', async () => {
    await emulator.restart({ generate: { stacks: 250 } })
    const result = await run({ command: 'list-stacks', organization: 'acme' })
    expect(result.exitCode).toBe(0)
    const stacks = JSON.parse(result.outputs.stacks ?? '') as ListedStack[]
    expect(stacks).toHaveLength(seededStackNames('acme').length + 250)
    expect(new Set(stacks.map(s => s.name)).size).toBe(stacks.length)
    expect(emulator.requests.length).toBeGreaterThanOrEqual(3)
    expect(emulator.requests.slice(1).every(r => r.query.includes('continuationToken='))).toBe(true)
  })

  it('passes the tag filter to the service', async () => {
    const result = await run({
      command: 'list-stacks',
      'tag-name': 'environment',
      'tag-value': 'production'
    })
    expect(result.exitCode).toBe(0)
    const expected = emulator.state
      .storedStacks()
      .filter(s => s.tags.environment === 'production')
      .map(s => `${s.org}/${s.project}/${s.stack}`)
      .sort()
    expect(expected.length).toBeGreaterThan(0)
    const stacks = JSON.parse(result.outputs.stacks ?? '') as ListedStack[]
    expect(stacks.map(s => s.name).sort()).toEqual(expected)
    expect(emulator.requests[0]?.query).toContain('tagName=environment')
    expect(emulator.requests[0]?.query).toContain('tagValue=production')
  })

  it('refuses tag-value without tag-name before any request', async () => {
    const result = await run({ command: 'list-stacks', 'tag-value': 'production' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain("Input 'tag-value'")
    expect(emulator.requests).toEqual([])
  })

  it('reports a rejected token (401) with what to do', async () => {
    const result = await run({ 'access-token': 'pul-not-a-real-token', command: 'list-stacks' })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests[0]?.status).toBe(401)
    expect(result.stdout).toContain('access token was rejected')
  })
})

describe('get-stack', () => {
  it('outputs the version and the active update of a busy stack', async () => {
    const result = await run({ command: 'get-stack', stack: 'acme/website/busy' })
    expect(result.exitCode).toBe(0)
    const busy = emulator.state.getStack('acme', 'website', 'busy')
    expect(result.outputs.version).toBe(String(busy?.version))
    expect(result.outputs['update-id']).toBe(busy?.activeUpdate)
    expect(result.outputs['update-id']).not.toBe('')
    expect(result.summary).toContain('update by bob')
    expect(result.summary).toContain('| environment |')
  })

  it('gives an empty update-id when nothing is running', async () => {
    const result = await run({ command: 'get-stack', stack: 'acme/website/prod' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs['update-id']).toBe('')
    expect(result.outputs.version).toBe('3')
    expect(JSON.parse(result.outputs.result ?? '')).toMatchObject({
      orgName: 'acme',
      projectName: 'website',
      stackName: 'prod'
    })
  })

  it('rejects a malformed stack before any request', async () => {
    const result = await run({ command: 'get-stack', stack: 'a/b/c/d' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain("Input 'stack'")
    expect(emulator.requests).toEqual([])
  })

  it('reports a missing stack as 404 with a hint', async () => {
    const result = await run({ command: 'get-stack', stack: 'acme/website/nope' })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.map(r => r.status)).toEqual([404])
    expect(result.stdout).toContain('Not found: check the organization, stack')
  })
})

describe('delete-stack', () => {
  it('deletes an empty stack without force', async () => {
    const result = await run({ command: 'delete-stack', stack: 'acme/infra/scratch' })
    expect(result.exitCode).toBe(0)
    expect(writeTargets()).toEqual([
      { method: 'DELETE', path: '/api/stacks/acme/infra/scratch', query: '' }
    ])
    expect(emulator.state.getStack('acme', 'infra', 'scratch')).toBeUndefined()
    expect(result.summary).toContain('Stack deleted')
  })

  it('sends force=true when force is set', async () => {
    const result = await run({
      command: 'delete-stack',
      stack: 'acme/website/staging',
      force: 'true'
    })
    expect(result.exitCode).toBe(0)
    expect(writeTargets()).toEqual([
      { method: 'DELETE', path: '/api/stacks/acme/website/staging', query: 'force=true' }
    ])
    expect(emulator.state.getStack('acme', 'website', 'staging')).toBeUndefined()
  })

  it('tells the user about force when the stack still has resources (400)', async () => {
    const result = await run({ command: 'delete-stack', stack: 'acme/website/staging' })
    expect(result.exitCode).toBe(1)
    expect(writeTargets()).toHaveLength(1)
    expect(emulator.requests.at(-1)?.status).toBe(400)
    expect(result.stdout).toContain('set force: true')
    expect(emulator.state.getStack('acme', 'website', 'staging')).toBeDefined()
  })

  it('reads first, so a missing stack is a 404 and no DELETE is sent', async () => {
    const result = await run({ command: 'delete-stack', stack: 'acme/website/nope' })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.map(r => `${r.method} ${r.status}`)).toEqual(['GET 404'])
    expect(result.stdout).toContain('404')
  })

  it('sends nothing under dry-run', async () => {
    const result = await run({
      command: 'delete-stack',
      stack: 'acme/infra/scratch',
      'dry-run': 'true'
    })
    expect(result.exitCode).toBe(0)
    expect(writeTargets()).toEqual([])
    expect(result.outputs['dry-run']).toBe('true')
    expect(result.summary).toContain('DELETE')
    expect(emulator.state.getStack('acme', 'infra', 'scratch')).toBeDefined()
  })

  it('rejects a bad force value and a wildcard before any request', async () => {
    const bad = await run({ command: 'delete-stack', stack: 'acme/infra/scratch', force: 'maybe' })
    expect(bad.exitCode).toBe(1)
    expect(bad.stdout).toContain("Input 'force'")
    const wildcard = await run({ command: 'delete-stack', stack: 'acme/infra/*' })
    expect(wildcard.exitCode).toBe(1)
    expect(wildcard.stdout).toContain('works on one stack')
    expect(emulator.requests).toEqual([])
  })
})

describe('delete-stack-tag', () => {
  it('deletes the tag and returns the tags after', async () => {
    const result = await run({
      command: 'delete-stack-tag',
      stack: 'acme/website/prod',
      'tag-name': 'owner'
    })
    expect(result.exitCode).toBe(0)
    expect(writeTargets()).toEqual([
      { method: 'DELETE', path: '/api/stacks/acme/website/prod/tags/owner', query: '' }
    ])
    const tags = emulator.state.getStack('acme', 'website', 'prod')?.tags ?? {}
    expect(tags.owner).toBeUndefined()
    expect(JSON.parse(result.outputs.result ?? '')).toEqual(tags)
    expect(result.summary).toContain('deleted from')
  })

  it('runs per stack and leaves stacks without the tag alone', async () => {
    const result = await run({
      command: 'delete-stack-tag',
      stack: 'acme/website/*',
      'tag-name': 'owner'
    })
    expect(result.exitCode).toBe(0)
    // busy has no owner tag: nothing is sent for it.
    expect(
      writeTargets()
        .map(w => w.path)
        .sort()
    ).toEqual([
      '/api/stacks/acme/website/prod/tags/owner',
      '/api/stacks/acme/website/staging/tags/owner'
    ])
    expect(result.summary).toContain('was not on acme/website/busy')
  })

  it('needs tag-name before any request', async () => {
    const result = await run({ command: 'delete-stack-tag', stack: 'acme/website/prod' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain("Input 'tag-name': is required")
    expect(emulator.requests).toEqual([])
  })

  it("reports the service's 400 for a built-in tag", async () => {
    const result = await run({
      command: 'delete-stack-tag',
      stack: 'acme/website/prod',
      'tag-name': 'pulumi:project'
    })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.at(-1)).toMatchObject({ method: 'DELETE', status: 400 })
    expect(result.stdout).toContain('built-in tags cannot be deleted')
    expect(emulator.state.getStack('acme', 'website', 'prod')?.tags['pulumi:project']).toBe(
      'website'
    )
  })
})

describe('export-stack', () => {
  it("writes exactly the service's export, with resource count and secret outputs as ciphertext", async () => {
    // The document as sent uncompressed: the action gets it gzip and must save these bytes.
    const direct = await fetch(`${emulator.url}/api/stacks/acme/website/prod/export`, {
      headers: { Authorization: `token ${emulator.token}`, 'Accept-Encoding': 'identity' }
    })
    expect(direct.headers.get('content-encoding')).toBeNull()
    const body = Buffer.from(await direct.arrayBuffer())
    emulator.resetStats()

    const result = await run({ command: 'export-stack', stack: 'acme/website/prod' })
    expect(result.exitCode).toBe(0)
    const file = await readFile(result.outputs.path ?? '')
    const sha256 = createHash('sha256').update(body).digest('hex')
    expect(createHash('sha256').update(file).digest('hex')).toBe(sha256)
    expect(result.outputs.sha256).toBe(sha256)
    expect(result.outputs.bytes).toBe(String(body.length))
    // Asked for and sent compressed, as between the Pulumi CLI and the service.
    const exported = emulator.requests.find(r => r.path.endsWith('/export'))
    expect(exported?.acceptEncoding).toBe('gzip')
    expect(exported?.contentEncoding).toBe('gzip')

    const deployment = JSON.parse(body.toString('utf8')) as {
      deployment: { resources: { type: string; outputs?: Record<string, unknown> }[] }
    }
    expect(result.outputs['resource-count']).toBe(String(deployment.deployment.resources.length))
    const stackOutputs = JSON.parse(result.outputs['stack-outputs'] ?? '') as Record<
      string,
      unknown
    >
    const expected = deployment.deployment.resources.find(r => r.type === 'pulumi:pulumi:Stack')
    expect(stackOutputs).toEqual(expected?.outputs)
    const secret = stackOutputs.dbPassword as Record<string, unknown>
    expect(secret['4dabf18193072939515e22adb298388d']).toBeDefined()
    expect(secret.ciphertext).toMatch(/^v1:/)
    // The summary names the secret but never shows its ciphertext.
    expect(result.summary).toContain('| dbPassword | \\[secret\\] |')
    expect(result.summary).not.toContain('v1:q3Jx')
  })

  it('rejects version 0 before any request', async () => {
    const result = await run({ command: 'export-stack', stack: 'acme/website/prod', version: '0' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain("Input 'version'")
    expect(emulator.requests).toEqual([])
  })

  it('reports a version the stack never had (404)', async () => {
    const result = await run({ command: 'export-stack', stack: 'acme/website/prod', version: '99' })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.at(-1)?.status).toBe(404)
    expect(result.stdout).toContain('404')
  })
})

describe('set-stack-tags', () => {
  it('POSTs new tags, PATCHes changed ones and sends nothing for unchanged ones', async () => {
    const result = await run({
      command: 'set-stack-tags',
      stack: 'acme/website/prod',
      tags: 'environment=production\nowner=platform\ncost-center=cc-42'
    })
    expect(result.exitCode).toBe(0)
    expect(writeTargets()).toEqual([
      { method: 'PATCH', path: '/api/stacks/acme/website/prod/tags/owner', query: '' },
      { method: 'POST', path: '/api/stacks/acme/website/prod/tags', query: '' }
    ])
    const tags = emulator.state.getStack('acme', 'website', 'prod')?.tags ?? {}
    expect(tags).toMatchObject({
      environment: 'production',
      owner: 'platform',
      'cost-center': 'cc-42'
    })
    expect(JSON.parse(result.outputs.result ?? '')).toEqual(tags)
    expect(result.summary).toContain('2 changed')
  })

  it('rejects malformed tags before any request', async () => {
    const result = await run({
      command: 'set-stack-tags',
      stack: 'acme/website/prod',
      tags: '=no-name'
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain("Input 'tags'")
    expect(emulator.requests).toEqual([])
  })

  it("reports the service's 400 for a built-in tag", async () => {
    const result = await run({
      command: 'set-stack-tags',
      stack: 'acme/website/prod',
      tags: 'pulumi:project=other'
    })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.at(-1)).toMatchObject({ method: 'PATCH', status: 400 })
    expect(result.stdout).toContain('built-in tags cannot be updated')
  })
})

describe('transfer-stack', () => {
  it('moves the stack to the other organization (204)', async () => {
    const result = await run({
      command: 'transfer-stack',
      stack: 'acme/infra/dev',
      'to-organization': 'acme-labs'
    })
    expect(result.exitCode).toBe(0)
    expect(emulator.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/stacks/acme/infra/dev/transfer',
      status: 204
    })
    expect(emulator.requests.at(-1)?.body).toBe(JSON.stringify({ toOrg: 'acme-labs' }))
    expect(emulator.state.getStack('acme-labs', 'infra', 'dev')).toBeDefined()
    expect(emulator.state.getStack('acme', 'infra', 'dev')).toBeUndefined()
    expect(JSON.parse(result.outputs.result ?? '')).toEqual({
      from: 'acme/infra/dev',
      to: 'acme-labs/infra/dev'
    })
  })

  it('refuses a transfer into the same organization before any request', async () => {
    const result = await run({
      command: 'transfer-stack',
      stack: 'acme/infra/dev',
      'to-organization': 'acme'
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('already in acme')
    expect(emulator.requests).toEqual([])
  })

  it('says an update is in progress when the service answers 409', async () => {
    const result = await run({
      command: 'transfer-stack',
      stack: 'acme/website/busy',
      'to-organization': 'acme-labs'
    })
    expect(result.exitCode).toBe(1)
    expect(emulator.requests.at(-1)).toMatchObject({ method: 'POST', status: 409 })
    expect(result.stdout).toContain('409')
    expect(result.stdout).toMatch(/update (may be|is currently) in progress/)
    expect(emulator.state.getStack('acme', 'website', 'busy')).toBeDefined()
  })
})
