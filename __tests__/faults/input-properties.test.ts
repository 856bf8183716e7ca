/**
 * Property: whatever string reaches an input, parsing ends in a valid value or an InputError
 * that names the input, never another kind of exception (TypeError, RangeError, a regex
 * blow-up...). Every parser in the catalog is covered, so inputs added later are too.
 */
import fc from 'fast-check'
import { COMMANDS } from '../../src/commands/registry.js'
import { COMMAND_INPUTS, COMMON_INPUTS, type InputSpec } from '../../src/input-catalog.js'
import { InputError } from '../../src/input-parsers.js'
import { readSettings } from '../../src/inputs.js'

const RUNS = 300

/** Junk shaped like what people actually type, mixed with pure noise. */
const structured = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\n',
    '\r\n',
    '\0',
    '*',
    '/',
    '//',
    '..',
    '=',
    '==',
    '{',
    '{}',
    '[]',
    'null',
    '{"__proto__":{"x":1}}',
    '{"constructor":"x"}',
    '__proto__',
    'constructor',
    'toString',
    'NaN',
    'Infinity',
    '-0',
    '1e309',
    '9'.repeat(400),
    '0x10',
    'http://',
    'https://[::1',
    'https://exa mple.com',
    '2026-02-30',
    '2026-01-31T25:61:61Z',
    '9999-99-99T99:99:99+99:99',
    'a=b\n=c',
    '# comment only',
    'acme/*/prod',
    '*/*/*'
  ),
  fc
    .array(fc.constantFrom('a', '/', '*', '=', '.', '-', ':', '\n', ' ', '0', '{', '"', '%'), {
      maxLength: 40
    })
    .map(parts => parts.join('')),
  fc
    .tuple(fc.string(), fc.constantFrom('=', '/', '\n', ','), fc.string())
    .map(parts => parts.join(''))
)

/** fast-check 4 spells the old unicodeString / fullUnicodeString as string units. */
const bmpCharacter = fc.integer({ min: 0, max: 0xffff }).map(code => String.fromCharCode(code))

const anyString = fc.oneof(
  fc.string({ maxLength: 200 }),
  // fullUnicodeString: any code point, astral planes included
  fc.string({ unit: 'binary', maxLength: 100 }),
  // unicodeString: any UTF-16 unit, lone surrogates included
  fc.string({ unit: bmpCharacter, maxLength: 100 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  structured
)

const COMMAND_NAMES = COMMANDS.map(command => command.name)

function expectValueOrInputError(spec: InputSpec<unknown>, raw: string, command: string): void {
  try {
    spec.parse(raw, { command, organization: 'acme', project: 'website' })
  } catch (error) {
    if (!(error instanceof InputError)) {
      throw new Error(
        `${spec.name} threw ${String(error)} for ${JSON.stringify(raw)} (${command}); expected an InputError`
      )
    }
    expect(error.input).toBe(spec.name)
    expect(error.message.startsWith(`Input '${spec.name}': `)).toBe(true)
  }
}

const SPECS: [string, InputSpec<unknown>][] = [
  ...Object.entries(COMMON_INPUTS),
  ...Object.entries(COMMAND_INPUTS)
]

describe('every input parser: a value or an InputError', () => {
  for (const [key, spec] of SPECS) {
    test(`${spec.name} (${key})`, () => {
      fc.assert(
        fc.property(anyString, fc.constantFrom(...COMMAND_NAMES), (raw, command) => {
          expectValueOrInputError(spec, raw, command)
        }),
        { numRuns: RUNS }
      )
    })
  }
})

describe('readSettings: settings or an InputError', () => {
  const inputNames = SPECS.map(([, spec]) => spec.name)

  test('random values for random inputs of random commands', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...COMMAND_NAMES), anyString),
        fc.dictionary(fc.constantFrom(...inputNames), anyString, { maxKeys: 8 }),
        (command, values) => {
          const read = (name: string): string =>
            name === 'command' ? command : (values[name] ?? '')
          try {
            const settings = readSettings(read, COMMANDS)
            expect(COMMAND_NAMES).toContain(settings.command.name)
          } catch (error) {
            if (!(error instanceof InputError))
              throw new Error(
                `readSettings threw ${String(error)} for ${JSON.stringify({ command, values })}`
              )
          }
        }
      ),
      { numRuns: 1000 }
    )
  })

  test('a valid command with every one of its inputs set to junk', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COMMANDS), anyString, (command, junk) => {
        const names = new Set(
          [...command.required, ...command.optional].map(key => COMMAND_INPUTS[key].name)
        )
        const read = (name: string): string =>
          name === 'command' ? command.name : names.has(name) ? junk : ''
        try {
          readSettings(read, COMMANDS)
        } catch (error) {
          if (!(error instanceof InputError)) throw error
        }
      }),
      { numRuns: 500 }
    )
  })
})
