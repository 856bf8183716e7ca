import {
  InputError,
  parseEnvironmentName,
  parseExpiry,
  parseHttpUrl,
  parseList,
  parseName,
  parsePermission,
  parseStacks,
  parseTags,
  parseTime
} from '../src/input-parsers.js'
import { pulumiName, readAnswer } from '../src/api/readers/core.js'
import { fileNameSegment } from '../src/files.js'
import { isPulumiName } from '../src/pulumi-names.js'

describe('stack names', () => {
  it('completes project/stack and stack from organization and project', () => {
    expect(parseStacks('acme/web/prod', {})).toEqual([
      { organization: 'acme', project: 'web', stack: 'prod' }
    ])
    expect(parseStacks('web/prod', { organization: 'acme' })).toEqual([
      { organization: 'acme', project: 'web', stack: 'prod' }
    ])
    expect(parseStacks('prod', { organization: 'acme', project: 'web' })).toEqual([
      { organization: 'acme', project: 'web', stack: 'prod' }
    ])
  })

  it('takes the project and stack names Pulumi takes: `_sandbox`, `.hidden`, `a..b`', () => {
    expect(parseStacks('acme/_infra/_sandbox\nacme/.hidden/a..b', {})).toEqual([
      { organization: 'acme', project: '_infra', stack: '_sandbox' },
      { organization: 'acme', project: '.hidden', stack: 'a..b' }
    ])
  })

  it('takes several lines and wildcards in project and stack', () => {
    expect(parseStacks('acme/*/prod\n# comment\n\nacme/web/*', {})).toHaveLength(2)
  })

  it.each([
    ['a/b/c/d', /at most two/],
    ['acme//prod', /no empty parts/],
    ['acme/../prod', /not a valid project/],
    ['acme/./prod', /not a valid project/],
    ['acme/web/..', /not a valid stack/],
    ['acme/web/my stack', /not a valid stack/],
    ['acme/web/pr$d', /not a valid stack/],
    ['*/web/prod', /not a valid organization/],
    ['web/prod', /no organization/],
    ['prod', /no organization/]
  ])('rejects %s', (raw, message) => {
    expect(() => parseStacks(raw, {})).toThrow(message)
  })
})

describe('one rule for organization, project and stack names', () => {
  const names = ['_sandbox', '.hidden', 'prod', 'a..b', '...', '', '.', '..', '../x', 'a/b', 'a b']
  it('the input parser, the API reader and export file names accept the same names', () => {
    const GET = { method: 'GET', path: '/api/user/stacks' }
    for (const name of names) {
      const accepted = isPulumiName(name)
      if (accepted) expect(parseName('stack', name, 'stack')).toBe(name)
      else expect(() => parseName('stack', name, 'stack')).toThrow(InputError)
      if (accepted) expect(readAnswer(pulumiName, name, GET)).toBe(name)
      else expect(() => readAnswer(pulumiName, name, GET)).toThrow(/a Pulumi name/)
      // A file name also refuses dots only (Windows strips trailing dots from a component).
      const file = accepted && !/^\.+$/.test(name)
      if (file) expect(fileNameSegment(name, 'stack')).toBe(name)
      else expect(() => fileNameSegment(name, 'stack')).toThrow(/cannot be a file name/)
    }
  })
})

describe('values', () => {
  it('parses times as unix seconds or ISO-8601', () => {
    expect(parseTime('start-time', '1700000000')).toBe(1700000000)
    expect(parseTime('start-time', '2026-01-31T00:00:00Z')).toBe(1769817600)
    expect(parseTime('start-time', '2026-01-31')).toBe(1769817600)
    expect(() => parseTime('start-time', 'yesterday')).toThrow(InputError)
  })

  it('parses token expiry as 0, a date, or a duration from now', () => {
    const now = Date.UTC(2026, 0, 1)
    expect(parseExpiry('expires', '0', now)).toBe(0)
    expect(parseExpiry('expires', '30d', now)).toBe(now / 1000 + 30 * 86400)
    expect(parseExpiry('expires', '2026-02-01', now)).toBe(Date.UTC(2026, 1, 1) / 1000)
    expect(() => parseExpiry('expires', 'soon', now)).toThrow(/duration such as 30d/)
  })

  it('parses tags as lines or JSON', () => {
    expect(parseTags('tags', 'owner=platform\n cost-center = 12=34 ')).toEqual({
      owner: 'platform',
      'cost-center': '12=34'
    })
    expect(parseTags('tags', '{"owner":"platform","n":3}')).toEqual({ owner: 'platform', n: '3' })
    expect(() => parseTags('tags', 'owner')).toThrow(/not name=value/)
    expect(() => parseTags('tags', '{"owner":')).toThrow(/does not parse/)
  })

  it('parses lists, permissions and URLs', () => {
    expect(parseList('a, b\nc')).toEqual(['a', 'b', 'c'])
    expect(parsePermission('permission', 'edit')).toBe(102)
    expect(parsePermission('permission', '103')).toBe(103)
    expect(() => parsePermission('permission', 'owner')).toThrow(/read, edit, admin/)
    expect(parseHttpUrl('api-url', 'https://pulumi.example.com/api-prefix/')).toBe(
      'https://pulumi.example.com/api-prefix'
    )
    expect(() => parseHttpUrl('payload-url', 'ftp://x')).toThrow(/http/)
  })
})

describe('GitHub environment names (github-deployment)', () => {
  it('takes what GitHub takes: spaces and slashes, up to 255 characters', () => {
    expect(parseEnvironmentName('github-deployment', 'review/pr 12')).toBe('review/pr 12')
    expect(parseEnvironmentName('github-deployment', 'x'.repeat(255))).toHaveLength(255)
  })

  it.each([['x'.repeat(256)], ['staging\nproduction'], ['tab\there']])('refuses %j', raw => {
    expect(() => parseEnvironmentName('github-deployment', raw)).toThrow(InputError)
  })
})
