import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { renderActionYml, renderReadme } from '../scripts/docs.js'
import { COMMANDS } from '../src/commands/registry.js'
import { COMMAND_INPUTS, COMMON_INPUTS } from '../src/input-catalog.js'
import { ACTION_VERSION } from '../src/version.js'
import { ROOT } from './support/action.js'

const read = (name: string): Promise<string> => readFile(join(ROOT, name), 'utf8')

describe('action.yml, README and the registry agree', () => {
  it('action.yml is exactly what the catalog and registry generate (run `npm run docs`)', async () => {
    expect(await read('action.yml')).toBe(renderActionYml())
  })

  it('the README reference tables are up to date (run `npm run docs`)', async () => {
    const readme = await read('README.md')
    expect(renderReadme(readme)).toBe(readme)
  })

  it('every command appears in the README and every input in action.yml', async () => {
    const [readme, actionYml] = await Promise.all([read('README.md'), read('action.yml')])
    for (const command of COMMANDS) expect(readme).toContain(`| \`${command.name}\` |`)
    for (const spec of [...Object.values(COMMON_INPUTS), ...Object.values(COMMAND_INPUTS)]) {
      expect(actionYml).toContain(`\n  ${spec.name}:\n`)
    }
  })

  it('every input a command names exists in the catalog, and command names are unique', () => {
    const names = COMMANDS.map(command => command.name)
    expect(new Set(names).size).toBe(names.length)
    for (const command of COMMANDS) {
      for (const key of [...command.required, ...command.optional])
        expect(COMMAND_INPUTS).toHaveProperty(key)
    }
  })

  it('runs on node24, with no default for api-url or access-token, and a default for every boolean input', () => {
    const yml = renderActionYml()
    expect(yml).toContain('  using: node24\n  main: dist/index.js')
    expect(yml).not.toMatch(/ {2}api-url:\n(?: {4}.*\n)* {4}default:/)
    expect(yml).not.toMatch(/ {2}access-token:\n(?: {4}.*\n)* {4}default:/)
    for (const spec of [...Object.values(COMMON_INPUTS), ...Object.values(COMMAND_INPUTS)]) {
      let boolean = true
      try {
        spec.parse('maybe', { command: 'x' })
        boolean = false
      } catch (error) {
        boolean = /not a boolean/.test(String(error))
      }
      if (boolean && spec.name !== 'active') expect(spec.default).toMatch(/^(true|false)$/)
    }
  })

  it('no input a command requires has a default, so an empty value means "not set"', () => {
    for (const command of COMMANDS)
      for (const key of command.required) expect(COMMAND_INPUTS[key].default).toBeUndefined()
  })

  it('the User-Agent version matches package.json', async () => {
    const pkg = JSON.parse(await read('package.json')) as { version: string }
    expect(ACTION_VERSION).toBe(pkg.version)
  })
})
