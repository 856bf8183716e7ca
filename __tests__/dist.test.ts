/**
 * The bundled action, started as the runner starts it: `node dist/index.js` with INPUT_*
 * variables and real GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportBody, json, stackList, withHostile } from './hostile/server.js'
import { runDist } from './support/action.js'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator({ scope: 'all', emulator: { port: 0 } })
const { connection } = emulator

describe('dist/index.js as the runner runs it', () => {
  it('export-stack writes the state file and every output, and a job summary', async () => {
    const run = await runDist({
      command: 'export-stack',
      stack: 'acme/website/prod',
      path: 'out/prod.json',
      ...connection()
    })
    expect(run.exitCode).toBe(0)
    const file = await readFile(join(run.runnerTemp, 'out', 'prod.json'))
    expect(run.outputs.path).toBe(join(run.runnerTemp, 'out', 'prod.json'))
    expect(run.outputs.bytes).toBe(String(file.length))
    expect(run.outputs.sha256).toBe(createHash('sha256').update(file).digest('hex'))
    const state = JSON.parse(file.toString('utf8')) as {
      deployment: { resources: { type: string; outputs?: object }[] }
    }
    expect(run.outputs['resource-count']).toBe(String(state.deployment.resources.length))
    const root = state.deployment.resources.find(
      resource => resource.type === 'pulumi:pulumi:Stack'
    )
    expect(JSON.parse(run.outputs['stack-outputs'] ?? '')).toEqual(root?.outputs)
    expect(JSON.parse(run.outputs.result ?? '')).toMatchObject({
      stack: 'acme/website/prod',
      sha256: run.outputs.sha256
    })
    expect(JSON.parse(await readFile(run.outputs['result-file'] ?? '', 'utf8'))).toEqual(
      JSON.parse(run.outputs.result ?? '')
    )
    expect(run.outputs['access-token-source']).toBe('input')
    expect(run.summary).toContain('### Exported acme/website/prod')
    expect(run.summary).toContain('| Stack | Resources | Size | SHA-256 | File |')
    expect(run.stdout).toContain(`::add-mask::${emulator.token}`)
  })

  it('falls back to PULUMI_ACCESS_TOKEN and PULUMI_BACKEND_URL from the environment', async () => {
    const run = await runDist(
      { command: 'list-previews', stack: 'acme/website/prod' },
      { PULUMI_ACCESS_TOKEN: emulator.token, PULUMI_BACKEND_URL: emulator.url }
    )
    expect(run.exitCode).toBe(0)
    expect(run.outputs['access-token-source']).toBe('env')
    expect(Number(run.outputs.count)).toBeGreaterThan(0)
    expect(run.summary).toContain('Previews of acme/website/prod')
  })

  it('fails a rejected token with a message about the token', async () => {
    const run = await runDist({
      command: 'export-stack',
      stack: 'acme/website/prod',
      'api-url': emulator.url,
      'access-token': 'pul-wrong'
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(
      /::error::GET \/api\/stacks\/acme\/website\/prod\/export failed with 401.*access-token/
    )
    expect(run.outputs.result).toBeUndefined()
  })

  it('fails a missing stack with a 404 that names what to check, and writes no file', async () => {
    const run = await runDist({
      command: 'export-stack',
      stack: 'acme/website/nope',
      path: 'out/x.json',
      ...connection()
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::.*404.*check the organization, stack/)
    expect(Object.keys(await run.files()).some(name => name.includes('x.json'))).toBe(false)
  })

  it('explains a plain-text 404 as a wrong api-url', async () => {
    const run = await runDist({
      command: 'get-stack',
      stack: 'acme/website/prod',
      'api-url': `${emulator.url}/wrong-prefix`,
      'access-token': emulator.token
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/404: 404 page not found.*check api-url/)
  })

  it('skips the job summary, without failing, where the runner offers none', async () => {
    const run = await runDist(
      { command: 'get-stack', stack: 'acme/website/prod', ...connection() },
      { GITHUB_STEP_SUMMARY: '' }
    )
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('GITHUB_STEP_SUMMARY is not set')
    expect(run.outputs.version).toBe('3')
  })

  it('takes stack and project names Pulumi allows (`_sandbox`, `.hidden`) from a listing', async () => {
    const names: [string, string, string][] = [
      ['acme', 'web', 'prod'],
      ['acme', 'web', '_sandbox'],
      ['acme', '.infra', '.hidden']
    ]
    const dir = await mkdtemp(join(tmpdir(), 'pca-names-'))
    await withHostile(
      (_req, res, url) => {
        if (url.pathname === '/api/user/stacks') return json(res, 200, stackList(names))
        if (url.pathname.endsWith('/export')) return json(res, 200, exportBody())
        json(res, 404, { code: 404, message: 'not found' })
      },
      async server => {
        const inputs = { 'api-url': server.url, 'access-token': 'pul-names-token' }
        const listed = await runDist({ ...inputs, command: 'list-stacks', organization: 'acme' })
        expect(listed.exitCode).toBe(0)
        expect(
          (JSON.parse(listed.outputs.stacks ?? '[]') as { name: string }[]).map(s => s.name)
        ).toEqual(['acme/web/prod', 'acme/web/_sandbox', 'acme/.infra/.hidden'])
        const exported = await runDist({
          ...inputs,
          command: 'export-stack',
          stack: 'acme/*/*',
          path: dir
        })
        expect(exported.exitCode).toBe(0)
        const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
          stacks: { stack: string; path: string }[]
        }
        expect(manifest.stacks.map(entry => entry.path)).toEqual([
          'acme/web/prod.json',
          'acme/web/_sandbox.json',
          'acme/.infra/.hidden.json'
        ])
      }
    )
  })

  it('rejects bad input before any request', async () => {
    const before = emulator.requests.length
    const run = await runDist({
      command: 'export-stack',
      stack: 'acme/web site/prod',
      ...connection()
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain("::error::Input 'stack':")
    expect(emulator.requests.length).toBe(before)
  })
})
