/**
 * What makes the repository adoptable stays true: it runs from a bare clone (nothing read from
 * outside it), the license and policies are there and linked, the type definitions match the
 * runtime action.yml declares, and the e2e workflow runs every headline command with `uses: ./`.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ROOT } from './support/action.js'

const read = (path: string): Promise<string> => readFile(join(ROOT, path), 'utf8')

describe('repository', () => {
  it('reads nothing outside itself: no tracked file but markdown refers to the shared folder', () => {
    // Every tracked file (workflows, .ci, script/, dist/, configs), not a list of directories
    // that a new one escapes. Markdown may name the folder: it is prose, never read at run time.
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split(
      '\0'
    )
    // The scan below covers what git tracks (git grep searches exactly that), bundle included.
    expect(files).toContain('dist/index.js')
    expect(files).toContain('.ci/run')
    // Built from pieces, so this file holds none of the paths it looks for and scans itself.
    const shared = 'sha' + 'red'
    const pattern = [
      String.raw`\.\./` + shared,
      String.raw`'\.\.', *'` + shared + "'",
      '/work/' + shared
    ].join('|')
    // git grep exits 1 when nothing matches: that is the passing case. -I skips binary files.
    const grep = spawnSync(
      'git',
      ['grep', '-l', '-I', '-E', pattern, '--', '.', ':(exclude,icase)*.md'],
      { cwd: ROOT, encoding: 'utf8' }
    )
    expect(grep.error).toBeUndefined()
    expect(grep.status === 0 || grep.status === 1).toBe(true)
    expect(grep.stdout.split('\n').filter(file => file !== '')).toEqual([])
  })

  it('ships the Apache-2.0 license, a security policy, a changelog and a contributing guide, linked from the README', async () => {
    expect(await read('LICENSE')).toMatch(/Apache License\s+Version 2\.0, January 2004/)
    const pkg = JSON.parse(await read('package.json')) as { license: string }
    expect(pkg.license).toBe('Apache-2.0')
    const readme = await read('README.md')
    for (const file of ['LICENSE', 'SECURITY.md', 'CHANGELOG.md', 'CONTRIBUTING.md']) {
      await expect(read(file)).resolves.not.toBe('')
      expect(readme).toContain(`](${file})`)
    }
  })

  it('types the Node version action.yml runs on, and lets development use Node 20 too', async () => {
    const runtime = /^\s+using:\s*node(\d+)\s*$/m.exec(await read('action.yml'))?.[1]
    const pkg = JSON.parse(await read('package.json')) as {
      engines: { node: string }
      devDependencies: Record<string, string>
    }
    expect(runtime).toBe('24')
    expect(/^\^?(\d+)\./.exec(pkg.devDependencies['@types/node'] ?? '')?.[1]).toBe(runtime)
    // npm must not refuse Node 20 (contributors, CI) nor the runtime's Node.
    const floor = /^>=\s*(\d+)/.exec(pkg.engines.node)?.[1]
    expect(Number(floor)).toBeLessThanOrEqual(20)
  })

  it('e2e runs each headline command with uses: ./ and checks its outputs in a later step', async () => {
    const workflow = await read('.github/workflows/e2e.yml')
    const steps = [
      ...workflow.matchAll(
        /- name: [^\n]+\n\s+id: ([\w-]+)\n(?:\s+if:[^\n]*\n(?:\s{10,}[^\n]*\n)*)?\s+uses: \.\/\n\s+with:\n\s+command: ([\w-]+)/g
      )
    ].map(([, id, command]) => ({ id: id ?? '', command: command ?? '' }))
    const commands = new Set(steps.map(step => step.command))
    for (const command of [
      'export-stack',
      'list-previews',
      'set-stack-tags',
      'transfer-stack',
      'export-audit-logs'
    ])
      expect(commands).toContain(command)
    expect(workflow).toMatch(/stack: acme\/\*\/prod/) // a wildcard export
    expect(workflow).toContain('actions/upload-artifact@')
    expect(workflow).toContain('comment-on-pr: true')
    expect(steps.length).toBeGreaterThanOrEqual(10)
    for (const { id } of steps) expect(workflow).toContain(`steps.${id}.outputs.`)
  })
})
