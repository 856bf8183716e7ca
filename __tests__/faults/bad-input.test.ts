/**
 * Workflow-file mistakes are rejected before any request, with a message naming the input
 * and the form it expects. Runs src/main.ts in-process (runAction) against an emulator that
 * must see no request at all. Commands are taken from the registry, so commands added later
 * are covered without editing this file (as long as their inputs have a sample below).
 */
import { COMMANDS } from '../../src/commands/registry.js'
import type { Command } from '../../src/commands/types.js'
import { COMMAND_INPUTS, type InputKey } from '../../src/input-catalog.js'
import { failureMessage } from '../support/action.js'
import { useEmulator } from '../support/emulator.js'

/** A valid value for each input, to fill in what a case does not test. */
const SAMPLES: Partial<Record<InputKey, string>> = {
  organization: 'acme',
  project: 'website',
  stack: 'acme/website/prod',
  version: '1',
  pageSize: '10',
  page: '1',
  tags: 'team=web',
  toOrganization: 'acme-labs',
  startTime: '1700000000',
  userFilter: 'alice',
  eventFilter: 'stack-deleted',
  maxEvents: '10',
  updateId: 'abc-123',
  tagName: 'owner',
  tagValue: 'web-team',
  force: 'true',
  operation: 'update',
  timeoutMinutes: '0.5',
  waitIfBusy: 'true',
  inheritSettings: 'true',
  gitRef: 'main',
  gitCommit: '9028e92',
  environmentVariables: 'KEY=value',
  wait: 'true',
  username: 'alice',
  role: 'admin',
  team: 'platform',
  displayName: 'Display name',
  description: 'A description',
  teamType: 'pulumi',
  githubTeamId: '1',
  memberAction: 'add',
  permission: 'read',
  filter: 'all',
  expires: '30d',
  tokenId: 'tok-1',
  webhook: 'hook',
  payloadUrl: 'https://example.com/hook',
  secret: 'not-a-real-secret',
  active: 'true',
  filters: 'stack_update',
  granularity: 'daily',
  lookbackDays: '30'
}

function sample(command: Command, key: InputKey): string {
  if (key === 'format') return command.name === 'export-audit-logs' ? 'csv' : 'raw'
  if (key === 'path') return '/tmp/pulumi-cloud-action-bad-input.out'
  const value = SAMPLES[key]
  if (value === undefined)
    throw new Error(`No sample value for input '${COMMAND_INPUTS[key].name}': add one to SAMPLES`)
  return value
}

/** The command's required inputs, all valid. */
function requiredInputs(command: Command, except?: InputKey): Record<string, string> {
  return Object.fromEntries(
    command.required
      .filter(key => key !== except)
      .map(key => [COMMAND_INPUTS[key].name, sample(command, key)])
  )
}

function commandReading(key: InputKey, name?: string): Command {
  const found = COMMANDS.find(
    command =>
      (name === undefined || command.name === name) &&
      (command.required.includes(key) || command.optional.includes(key))
  )
  if (found === undefined) throw new Error(`no command reads ${key}${name ? ` as ${name}` : ''}`)
  return found
}

const emulator = useEmulator({ scope: 'all' })

/** Runs the action; it must fail with a message matching every pattern, having sent nothing. */
async function expectRejected(
  inputs: Record<string, string>,
  ...patterns: (RegExp | string)[]
): Promise<string> {
  emulator.resetStats()
  const run = await emulator.run(inputs)
  const message = failureMessage(run)
  expect(run.exitCode).toBe(1)
  for (const pattern of patterns) expect(message).toMatch(pattern)
  expect(emulator.requests).toEqual([])
  return message
}

describe('command', () => {
  test('an unknown command is named and the commands are listed', async () => {
    await expectRejected(
      { command: 'export-stacks' },
      "Input 'command': 'export-stacks' is not a command",
      /use one of .*export-stack/
    )
  })

  test('a missing command', async () => {
    await expectRejected({}, "Input 'command': is required", /export-stack/)
  })
})

describe('stack names', () => {
  const BAD_STACKS = [
    'acme/website/prod/extra',
    '/website/prod',
    'acme//prod',
    'acme/website/',
    'acme/../prod',
    'acme/website/..',
    '../website/prod',
    'acme/website/.',
    'acme/web site/prod',
    'acme/website/prod stack',
    'acme/website/prod$',
    'acme/website/pr#od',
    'acme/web:site/prod',
    'acme/website/prød',
    'ac@me/website/prod',
    'acme/website/prod?x=1',
    'acme/website/prod%2F'
  ]
  for (const stack of BAD_STACKS) {
    test(`'${stack}' is rejected`, async () => {
      await expectRejected(
        { command: 'export-stack', stack },
        "Input 'stack':",
        /org\/project\/stack|letters, digits/
      )
    })
  }
})

interface BadValue {
  key: InputKey
  /** The command to try it with, when the input means different things per command. */
  command?: string
  values: string[]
  expected: RegExp
}

const BAD_VALUES: BadValue[] = [
  { key: 'format', command: 'export-audit-logs', values: ['xml', 'json'], expected: /csv, cef/ },
  {
    key: 'format',
    command: 'create-webhook',
    values: ['xml', 'teams'],
    expected: /raw, slack, ms_teams/
  },
  {
    key: 'granularity',
    values: ['annually', 'day'],
    expected: /hourly, daily, weekly, monthly, yearly/
  },
  { key: 'role', values: ['owner', 'root'], expected: /member, admin, billing-manager/ },
  { key: 'permission', values: ['write-all', '104', 'none'], expected: /read, edit, admin/ },
  { key: 'memberAction', values: ['invite', 'delete'], expected: /add, remove, promote, demote/ },
  {
    key: 'pageSize',
    values: ['ten', '10.5', '-1', '0', '1e3'],
    expected: /whole number|out of range/
  },
  {
    key: 'startTime',
    values: ['yesterday', '2026-13-45', '31/01/2026', '1700000000.5', 'now'],
    expected: /unix seconds.*ISO-8601/
  },
  {
    key: 'tags',
    values: ['team', 'team: web', 'team=web\nowner', '=web'],
    expected: /name=value/
  },
  {
    key: 'payloadUrl',
    values: [
      'ftp://example.com/hook',
      'example.com/hook',
      'file:///etc/passwd',
      'javascript:alert(1)'
    ],
    expected: /http:\/\/ or https:\/\//
  }
]

describe('malformed values', () => {
  for (const bad of BAD_VALUES) {
    const name = COMMAND_INPUTS[bad.key].name
    for (const value of bad.values) {
      test(`${name}: ${JSON.stringify(value)}${bad.command ? ` (${bad.command})` : ''}`, async () => {
        const command = commandReading(bad.key, bad.command)
        await expectRejected(
          { command: command.name, ...requiredInputs(command), [name]: value },
          `Input '${name}':`,
          bad.expected
        )
      })
    }
  }
})

describe('missing required inputs, for every command in the registry', () => {
  const cases = COMMANDS.flatMap(command => command.required.map(key => ({ command, key })))

  test('the registry has commands with required inputs', () => {
    expect(cases.length).toBeGreaterThan(10)
  })

  for (const { command, key } of cases) {
    const name = COMMAND_INPUTS[key].name
    test(`${command.name} without ${name}`, async () => {
      await expectRejected(
        { command: command.name, ...requiredInputs(command, key) },
        `Input '${name}': is required by ${command.name}`
      )
    })
  }

  test('with all required inputs the same commands get past validation (control)', async () => {
    // A control for the cases above: with nothing dropped, no InputError about a missing input.
    for (const command of COMMANDS.filter(c => c.required.length > 0 && !c.mutates)) {
      emulator.resetStats()
      const run = await emulator.run({ command: command.name, ...requiredInputs(command) })
      const message = failureMessage(run)
      for (const key of command.required)
        expect(message).not.toContain(`Input '${COMMAND_INPUTS[key].name}': is required`)
    }
  })
})
