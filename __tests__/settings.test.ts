/**
 * readSettings decides once what the inputs say about the run: the command (from the table it
 * is given), effective dry-run, stack mode with its directory, and whether to comment.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { COMMANDS } from '../src/commands/registry.js'
import { defineCommand } from '../src/commands/types.js'
import { InputError } from '../src/input-parsers.js'
import { readSettings } from '../src/inputs.js'

const RUNNER = { RUNNER_TEMP: '/runner/tmp' }

function settingsOf(inputs: Record<string, string>, commands = COMMANDS) {
  return readSettings(name => inputs[name] ?? '', commands, RUNNER)
}

function inputError(inputs: Record<string, string>): InputError {
  try {
    settingsOf(inputs)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error(`no InputError for ${JSON.stringify(inputs)}`)
}

describe('readSettings', () => {
  test('takes its commands from the table it is given', () => {
    const only = defineCommand({
      name: 'only-one',
      area: 'stacks',
      description: 'A command of a table of one.',
      required: [],
      optional: [],
      mutates: false,
      outputs: {},
      run: () => Promise.resolve({ result: null, summary: '' })
    })
    expect(settingsOf({ command: 'only-one' }, [only]).command).toBe(only)
    expect(() => settingsOf({ command: 'get-stack', stack: 'a/b/c' }, [only])).toThrow(
      "Input 'command': 'get-stack' is not a command; use one of only-one"
    )
  })

  test("the pull request to comment on: pr-number, else the pull_request event's, decided once", () => {
    const eventPath = join(mkdtempSync(join(tmpdir(), 'pca-settings-')), 'event.json')
    writeFileSync(eventPath, JSON.stringify({ pull_request: { number: 12 } }))
    const on = (event: string, inputs: Record<string, string> = {}) =>
      readSettings(
        name => ({ command: 'get-stack', stack: 'a/b/c', ...inputs })[name] ?? '',
        COMMANDS,
        {
          ...RUNNER,
          GITHUB_EVENT_NAME: event,
          GITHUB_EVENT_PATH: eventPath
        }
      ).prNumber
    expect(on('pull_request')).toBe(12)
    expect(on('pull_request', { 'pr-number': '7' })).toBe(7)
    expect(on('push', { 'pr-number': '7' })).toBe(7)
    expect(on('push')).toBeUndefined()
  })

  test('dry-run applies only to a command that mutates', () => {
    const write = { command: 'delete-stack-tag', stack: 'a/b/c', 'tag-name': 't' }
    expect(settingsOf({ ...write, 'dry-run': 'true' }).dryRun).toBe(true)
    expect(settingsOf(write).dryRun).toBe(false)
    expect(settingsOf({ command: 'get-stack', stack: 'a/b/c', 'dry-run': 'true' }).dryRun).toBe(
      false
    )
  })

  test('the shape of stack, not the match count, picks the stack mode', () => {
    const exports = (stack: string, path?: string) =>
      settingsOf({ command: 'export-stack', stack, ...(path ? { path } : {}) }).stackMode
    expect(exports('acme/website/prod')).toEqual({ kind: 'single' })
    expect(exports('acme/website/*')).toEqual({
      kind: 'several',
      directory: join('/runner/tmp', 'pulumi-cloud-action', 'exports')
    })
    expect(exports('acme/website/prod\nacme/infra/prod', 'out/states')).toEqual({
      kind: 'several',
      directory: resolve('out/states')
    })
    expect(settingsOf({ command: 'list-stacks' }).stackMode).toEqual({ kind: 'single' })
    expect(settingsOf({ command: 'list-stacks' }).workDir).toBe(
      join('/runner/tmp', 'pulumi-cloud-action')
    )
  })

  test('comment-on-pr is settled with the inputs: true, on-change or false for a commenting command, refused otherwise', () => {
    const preview = { command: 'list-previews', stack: 'acme/website/prod' }
    expect(settingsOf({ ...preview, 'comment-on-pr': 'true' }).comment).toBe('always')
    expect(settingsOf(preview).comment).toBe('never')
    expect(settingsOf({ ...preview, 'comment-on-pr': 'On-Change' }).comment).toBe('on-change')
    expect(settingsOf({ ...preview, 'comment-on-pr': 'false' }).comment).toBe('never')
    expect(inputError({ ...preview, 'comment-on-pr': 'sometimes' }).message).toBe(
      "Input 'comment-on-pr': 'sometimes' is not true, on-change or false"
    )
    const error = inputError({ command: 'get-stack', stack: 'a/b/c', 'comment-on-pr': 'true' })
    expect(error.input).toBe('comment-on-pr')
    const commenting = COMMANDS.filter(c => c.comments === true).map(c => c.name)
    expect([...commenting].sort()).toEqual([
      'get-update',
      'list-previews',
      'list-update-events',
      'run-deployment'
    ])
    for (const name of commenting) expect(error.message).toContain(name)
  })
})

describe('rules between inputs are checked with the inputs, before login or any request', () => {
  test.each([
    [{ command: 'create-team', organization: 'acme', 'team-type': 'github' }, 'github-team-id'],
    [{ command: 'create-team', organization: 'acme', 'github-team-id': '42' }, 'team-type'],
    [{ command: 'create-team', organization: 'acme' }, 'team'],
    [
      {
        command: 'get-resource-summary',
        organization: 'acme',
        granularity: 'hourly',
        'lookback-days': '30'
      },
      'lookback-days'
    ],
    [{ command: 'cancel-update', stack: 'acme/website/prod' }, 'force'],
    [{ command: 'list-stacks', organization: 'acme', 'tag-value': 'x' }, 'tag-value'],
    [{ command: 'create-token', description: 'ci', expires: '1000' }, 'expires']
  ])('%j is refused naming %s', (inputs, input) => {
    expect(inputError(inputs).message).toMatch(new RegExp(`^Input '${input}':`))
  })
})
