/**
 * The checked readers (src/api/readers) as pure functions: what each accepts, what it turns
 * into `invalid`, and what its failure says. Through HTTP and the bundle: hostile/readers.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { ResponseFieldError, ResponseFormatError } from '../src/api/errors.js'
import {
  At,
  count,
  httpUrl,
  identifier,
  integer,
  list,
  object,
  oneOf,
  optional,
  page,
  pulumiName,
  readAnswer,
  shown,
  text,
  type Reader,
  type Site
} from '../src/api/readers/core.js'
import {
  readAuditPage,
  readCreatedToken,
  readDeliveries,
  readPing,
  readResourceSummary,
  readWebhook
} from '../src/api/readers/organization.js'
import {
  readCreatedDeployment,
  readDeploymentStatus,
  readStack,
  readStackPage,
  readUpdateList,
  readUpdateResults
} from '../src/api/readers/stacks.js'
import { INVALID, type Shown } from '../src/api/types.js'

const GET: Site = { method: 'GET', path: '/api/stacks/acme/web/prod/updates', requestId: 'req-42' }

function failure(read: Reader<unknown>, value: unknown, site: Site = GET): ResponseFieldError {
  try {
    readAnswer(read, value, site)
  } catch (error) {
    if (error instanceof ResponseFieldError) return error
    throw error
  }
  throw new Error('the reader accepted the value')
}

const update = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  updateID: '3f2a1c0e-1111-4a4a-9999-0123456789ab',
  version: 7,
  latestVersion: 7,
  info: {
    kind: 'update',
    startTime: 1_700_000_000,
    endTime: 1_700_000_060,
    result: 'succeeded',
    message: 'Deploy <b>it</b>',
    environment: { 'ci.pr.number': '41' },
    resourceChanges: { create: 2, update: 1 }
  },
  requestedBy: { name: 'Ada', githubLogin: 'ada' },
  ...fields
})

describe('the failure of a read', () => {
  it('names the request, the field, what was expected, what was sent and what to do', () => {
    const error = failure(readUpdateList, { updates: [update({ version: '1<img src=x>@team' })] })
    expect(error).toBeInstanceOf(ResponseFormatError)
    expect(error.field).toBe('updates[0].version')
    expect(error.message).toBe(
      'The service answered GET /api/stacks/acme/web/prod/updates with `updates[0].version` = "1<img src=x>@team" where a whole number of at least 0 was expected; the service or a proxy returned an unexpected document, so the action did not use it. Re-run the step; if it persists, report it with X-Pulumi-Request-ID req-42.'
    )
  })

  it('cuts a long value and says "absent" for a missing field', () => {
    const long = failure(integer, 'x'.repeat(10_000))
    expect(long.message).toContain(`"${'x'.repeat(59)}…`)
    expect(long.message.length).toBeLessThan(400)
    expect(
      failure(readStack, { orgName: 'acme', projectName: 'web', version: 1 }).message
    ).toContain('`stackName` = (absent) where a Pulumi name')
  })

  it('never quotes a write answer (it may hold a secret not yet masked), only its type', () => {
    const post = { method: 'POST', path: '/api/user/tokens' }
    const error = failure(readCreatedToken, { id: 'tok\nen', tokenValue: 'pul-secret' }, post)
    expect(error.message).toContain('`id` = a value of type string where an identifier')
    expect(error.message).not.toContain('tok\nen')
    expect(error.message).not.toContain('pul-secret')
    expect(error.message).toContain('check that api-url points at Pulumi Cloud')
  })

  it('says where in nested lists it failed', () => {
    const read = object({ a: list(object({ b: list(integer) })) })
    expect(failure(read, { a: [{ b: [1] }, { b: [2, 'x'] }] }).field).toBe('a[1].b[1]')
  })
})

describe('scalars', () => {
  it("a Pulumi name is Pulumi's own rule: `_sandbox` and `.hidden` are names, `.` and `..` are not", () => {
    // pulumi/pulumi tokens.NameRegexpPattern `[A-Za-z_.][A-Za-z0-9_.-]*`; organizations may
    // start with a digit; at most 100 characters.
    for (const good of ['_sandbox', '.hidden', 'prod', '2024-q1', 'a..b', '...', 'x'.repeat(100)])
      expect(readAnswer(pulumiName, good, GET)).toBe(good)
    for (const bad of [
      '',
      '.',
      '..',
      '../x',
      'a/b',
      'a\\b',
      'a b',
      'a\n',
      '`x`',
      'x'.repeat(101),
      7
    ])
      expect(() => readAnswer(pulumiName, bad, GET)).toThrow(ResponseFieldError)
    // Ids stay identifiers: an id never starts with `_` or `.`.
    expect(() => readAnswer(identifier, '_sandbox', GET)).toThrow(ResponseFieldError)
  })

  it('a Pulumi name can never break out of an output line, a path segment or a code span', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 110 }), value => {
        let accepted: string | undefined
        try {
          accepted = readAnswer(pulumiName, value, GET)
        } catch (error) {
          expect(error).toBeInstanceOf(ResponseFieldError)
        }
        if (accepted !== undefined) {
          expect(accepted).toMatch(/^[A-Za-z0-9_.-]{1,100}$/)
          expect(['.', '..']).not.toContain(accepted)
        }
      })
    )
  })

  it('integer and count take whole numbers only', () => {
    for (const bad of ['1', 1.5, Number.NaN, Infinity, null, true, [1], 2 ** 60])
      expect(() => readAnswer(integer, bad, GET)).toThrow(ResponseFieldError)
    expect(readAnswer(integer, -3, GET)).toBe(-3)
    expect(() => readAnswer(count, -3, GET)).toThrow(ResponseFieldError)
    expect(readAnswer(count, 0, GET)).toBe(0)
  })

  it('an identifier can never break out of an output line, a path segment or a code span', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), value => {
        let accepted: string | undefined
        try {
          accepted = readAnswer(identifier, value, GET)
        } catch (error) {
          expect(error).toBeInstanceOf(ResponseFieldError)
        }
        if (accepted !== undefined) expect(accepted).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
      })
    )
    for (const bad of [
      '',
      'a\n::set-output name=x::1',
      'a b',
      '../x',
      'a/b',
      '`x`',
      '-rf',
      '$(id)'
    ])
      expect(() => readAnswer(identifier, bad, GET)).toThrow(ResponseFieldError)
    expect(readAnswer(identifier, '3f2a1c0e-1111-4a4a-9999-0123456789ab', GET)).toBe(
      '3f2a1c0e-1111-4a4a-9999-0123456789ab'
    )
  })

  it('oneOf takes the enum exactly', () => {
    const read = oneOf(['succeeded', 'failed'])
    expect(readAnswer(read, 'failed', GET)).toBe('failed')
    for (const bad of ['Failed', 'failed\n', ' failed', 1])
      expect(() => readAnswer(read, bad, GET)).toThrow(/one of "succeeded", "failed"/)
  })

  it('shown never fails: anything but a finite number is INVALID', () => {
    fc.assert(
      fc.property(fc.jsonValue(), value => {
        const read = readAnswer(shown, value, GET)
        expect(read).toBe(typeof value === 'number' && Number.isFinite(value) ? value : INVALID)
      })
    )
  })

  it('httpUrl takes http(s) URLs without spaces or control characters', () => {
    expect(readAnswer(httpUrl, 'https://app.pulumi.com/acme/web/prod/deployments/4', GET)).toBe(
      'https://app.pulumi.com/acme/web/prod/deployments/4'
    )
    for (const bad of ['javascript:alert(1)', 'https://x\n::set-output', 'https://a b', '/rel'])
      expect(() => readAnswer(httpUrl, bad, GET)).toThrow(/an http\(s\) URL/)
  })
})

describe('structure', () => {
  it('optional reads absent and null as undefined, and leaves the key out', () => {
    const read = object<{ a?: number; b: number }>({ a: optional(integer), b: integer })
    const value = readAnswer(read, { a: null, b: 1, extra: 'kept' }, GET)
    expect(value).toEqual({ b: 1, extra: 'kept' })
    expect('a' in value).toBe(false)
  })

  it('passes unchecked fields through in the order sent; copies only an object it changed', () => {
    // Each answer is parsed fresh and owned by nobody else, so an object read as it was sent
    // is returned as is (100,000 audit events are not copied one by one); one whose reader
    // changed a field is a copy, and the parsed document is never modified.
    const read = object<{ version: number; count?: Shown | undefined }>({
      version: count,
      count: optional(shown)
    })
    const unchanged = { z: 1, version: 2, a: { deep: true } }
    const value = readAnswer(read, unchanged, GET)
    expect(Object.keys(value)).toEqual(['z', 'version', 'a'])
    expect(value).toBe(unchanged)
    const changed = { z: 1, version: 2, count: 'x', gone: 1, a: null }
    const copy = readAnswer(read, changed, GET)
    expect(copy).toEqual({ z: 1, version: 2, count: INVALID, gone: 1, a: null })
    expect(changed).toEqual({ z: 1, version: 2, count: 'x', gone: 1, a: null })
    const nulled = readAnswer(read, { version: 2, count: null }, GET)
    expect(nulled).toEqual({ version: 2 })
    expect(Object.hasOwn(nulled, 'count')).toBe(false)
  })

  it('a __proto__ key in the document stays an own field, never a prototype', () => {
    const value = readAnswer(
      object<{ a: number }>({ a: integer }),
      JSON.parse('{"a":1,"__proto__":{"x":1}}'),
      GET
    )
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect((value as Record<string, unknown>).x).toBeUndefined()
  })

  it('the compiler refuses a reader whose shape skips, adds or loosens a field of its type', () => {
    interface Two {
      a: number
      b?: { login?: string }
    }
    const whole: Reader<Two> = object({
      a: integer,
      b: optional(object({ login: optional(text) }))
    })
    // @ts-expect-error `b` is declared by Two but has no reader
    const skips: Reader<Two> = object({ a: integer })
    // @ts-expect-error `login` is declared by Two's `b` but has no reader
    const skipsNested: Reader<Two> = object({ a: integer, b: optional(object({})) })
    const adds: Reader<Two> = object({
      a: integer,
      b: optional(object({ login: optional(text) })),
      // @ts-expect-error `c` is not declared by Two
      c: integer
    })
    const loose: Reader<Two> = object({
      // @ts-expect-error `a` is required, its reader may read undefined
      a: optional(integer),
      b: optional(object({ login: optional(text) }))
    })
    // The refusals are the compiler's (npm run typecheck); at run time the readers still read.
    for (const read of [whole, skips, skipsNested, loose])
      expect(readAnswer(read, { a: 1 }, GET)).toEqual({ a: 1 })
    expect(readAnswer(adds, { a: 1, c: 2 }, GET)).toEqual({ a: 1, c: 2 })
  })

  it('a page reads its items and its token; a missing list is empty, a non-list fails', () => {
    const read = page('items', integer)
    expect(readAnswer(read, { items: [1, 2], continuationToken: 'p2' }, GET)).toEqual({
      items: [1, 2],
      continuationToken: 'p2'
    })
    expect(readAnswer(read, { continuationToken: null }, GET)).toEqual({
      items: [],
      continuationToken: undefined
    })
    expect(() => readAnswer(read, { items: 'nope' }, GET)).toThrow(
      /`items` = "nope" where an array/
    )
    expect(() => readAnswer(read, { items: [], continuationToken: 5 }, GET)).toThrow(
      /`continuationToken` = 5 where a string/
    )
  })

  it('At builds the field path', () => {
    expect(new At(GET).key('a').index(2).key('b').field).toBe('a[2].b')
  })
})

describe('API shapes', () => {
  it('an update: requestedBy and githubCommitInfo are read, objects of strings, never passed unchecked', () => {
    const by = { name: 'Ada', githubLogin: 'ada' }
    const commit = { slug: 'acme/web', sha: 'abc123', url: 'https://github.com/acme/web' }
    const [read] = readAnswer(
      readUpdateList,
      { updates: [update({ requestedBy: by, githubCommitInfo: commit })] },
      GET
    ).updates
    expect(read?.requestedBy).toEqual(by)
    expect(read?.githubCommitInfo).toEqual(commit)
    expect(
      failure(readUpdateList, { updates: [update({ requestedBy: { githubLogin: 5 } })] }).field
    ).toBe('updates[0].requestedBy.githubLogin')
    expect(failure(readUpdateList, { updates: [update({ githubCommitInfo: 'abc' })] }).field).toBe(
      'updates[0].githubCommitInfo'
    )
  })

  it('an update list: ids, versions, kinds and results strict; counts only shown', () => {
    const read = readAnswer(
      readUpdateList,
      {
        updates: [
          update({
            info: { ...(update().info as object), resourceChanges: { create: '<b>9</b>' } }
          })
        ]
      },
      GET
    )
    expect(read.updates[0]?.info.resourceChanges).toEqual({ create: INVALID })
    for (const [field, value] of [
      ['updateID', 'x\n::set-output name=update-id::1'],
      ['version', '7'],
      ['info', { ...(update().info as object), kind: 'upgrade' }],
      ['info', { ...(update().info as object), result: 'succeeded\ninjected=1' }],
      ['info', { ...(update().info as object), startTime: '2024' }]
    ] as const)
      expect(() =>
        readAnswer(readUpdateList, { updates: [update({ [field]: value })] }, GET)
      ).toThrow(ResponseFieldError)
  })

  it('an update status is one of UpdateStatus', () => {
    expect(readAnswer(readUpdateResults, { status: 'not started', events: [] }, GET).status).toBe(
      'not started'
    )
    expect(() => readAnswer(readUpdateResults, { status: 'done' }, GET)).toThrow(/"cancelled"/)
  })

  it('a stack: names as Pulumi allows them, version counted, activeUpdate an identifier or empty, tags strings', () => {
    const stack = { orgName: 'acme', projectName: 'web', stackName: 'prod', version: 3 }
    expect(readAnswer(readStack, { ...stack, stackName: '_sandbox' }, GET).stackName).toBe(
      '_sandbox'
    )
    expect(readAnswer(readStack, { ...stack, activeUpdate: '' }, GET).activeUpdate).toBe('')
    expect(() => readAnswer(readStack, { ...stack, activeUpdate: 'a b' }, GET)).toThrow(
      /`activeUpdate`/
    )
    expect(() => readAnswer(readStack, { ...stack, tags: { owner: 5 } }, GET)).toThrow(
      /`tags.owner` = 5 where a string/
    )
  })

  it('a stack listing keeps a stack with a name Pulumi would not allow, refused and encoded (issue #12 row 1)', () => {
    const names = { orgName: 'acme', projectName: 'web' }
    const listed = readAnswer(
      readStackPage,
      {
        stacks: [
          { ...names, stackName: 'prod' },
          { ...names, stackName: '../x' },
          { ...names, projectName: '..', stackName: 'y' },
          { ...names, stackName: 7 },
          { orgName: 'acme', projectName: 'web' }
        ]
      },
      GET
    ).items
    expect(listed[0]).toEqual({ ...names, stackName: 'prod' })
    expect(listed.map(s => `${s.orgName}/${s.projectName}/${s.stackName}`)).toEqual([
      'acme/web/prod',
      'acme/web/..%2Fx',
      'acme/%2E%2E/y',
      'acme/web/(number)',
      'acme/web/(undefined)'
    ])
    expect(listed[1]?.refused).toMatch(
      /^The service listed this stack with the stack name "\.\.\/x", which is not a name Pulumi allows/
    )
    expect(listed[2]?.refused).toContain('the project name ".."')
    expect(listed[4]?.refused).toContain('the stack name (absent)')
    // An item that is not an object is not a stack listing at all: the page fails.
    expect(() => readAnswer(readStackPage, { stacks: ['acme/web/prod'] }, GET)).toThrow(
      /`stacks\[0\]` = "acme\/web\/prod" where an object/
    )
  })

  it('deployments: the created id and console URL, and the JobStatus enum', () => {
    const post = { method: 'POST', path: '/api/stacks/acme/web/prod/deployments' }
    expect(
      readAnswer(
        readCreatedDeployment,
        { id: 'd-1', consoleUrl: 'https://app.pulumi.com/x', version: 4 },
        post
      )
    ).toEqual({ id: 'd-1', consoleUrl: 'https://app.pulumi.com/x', version: 4 })
    expect(() =>
      readAnswer(readCreatedDeployment, { id: 'd 1', consoleUrl: 'https://x', version: 1 }, post)
    ).toThrow(/`id`/)
    expect(() => readAnswer(readDeploymentStatus, { status: 'done' }, GET)).toThrow(/"skipped"/)
  })

  it('webhook deliveries show odd numbers as invalid; a ping needs a real response code', () => {
    const delivery = {
      id: 'dl-1',
      kind: 'ping',
      timestamp: 1_700_000_000,
      duration: '12ms',
      requestUrl: 'https://hooks.example.com',
      responseCode: '<b>500</b> @org/team',
      payload: '{}'
    }
    const [read] = readAnswer(readDeliveries, [delivery], GET)
    expect(read).toMatchObject({ duration: INVALID, responseCode: INVALID, payload: '{}' })
    expect(() => readAnswer(readPing, delivery, GET)).toThrow(/`responseCode`/)
  })

  it('a webhook name is an identifier (the create-webhook output)', () => {
    const hook = {
      organizationName: 'acme',
      displayName: 'x',
      payloadUrl: 'https://x',
      active: true
    }
    expect(readAnswer(readWebhook, { ...hook, name: 'h-1' }, GET).name).toBe('h-1')
    expect(() => readAnswer(readWebhook, { ...hook, name: 'h\ninjected=1' }, GET)).toThrow(/`name`/)
  })

  it('resource summaries show odd counts as invalid; audit events need their fields', () => {
    const summary = readAnswer(
      readResourceSummary,
      { summary: [{ year: 2025, month: 3, resources: '12', resourceHours: null }] },
      GET
    )
    expect(summary.summary).toEqual([{ year: 2025, month: 3, resources: INVALID }])
    expect(() =>
      readAnswer(
        readAuditPage,
        { auditLogEvents: [{ timestamp: 'x', event: 'e', description: '' }] },
        GET
      )
    ).toThrow(/`auditLogEvents\[0\]\.timestamp`/)
  })
})
