import {
  changeOf,
  countChanges,
  evaluateGate,
  globToRegExp,
  matchesResource,
  type GateInput,
  type GateResource,
  type GateRules
} from '../src/gate.js'

const urn = (type: string, name: string, parents = ''): string =>
  `urn:pulumi:prod::website::${parents}${type}::${name}`

const resource = (op: string, type: string, name: string, extra = {}): GateResource => ({
  urn: urn(type, name),
  type,
  op,
  ...extra
})

const BUCKET = 'aws:s3/bucket:Bucket'
const DB = 'aws:rds/instance:Instance'
const ROLE = 'aws:iam/role:Role'

/** One of each kind of change, and resources that change nothing. */
const MIXED: GateInput = {
  resources: [
    resource('create', BUCKET, 'assets'),
    resource('update', ROLE, 'deployer'),
    resource('delete', BUCKET, 'old-logs'),
    resource('replace', DB, 'main'),
    resource('same', BUCKET, 'untouched'),
    resource('read', 'aws:index/getCallerIdentity:getCallerIdentity', 'me')
  ],
  policies: [],
  failed: false
}

const NOTHING: GateInput = {
  resources: [resource('same', BUCKET, 'untouched'), resource('refresh', ROLE, 'r')],
  policies: [],
  failed: false
}

const rules = (partial: Partial<GateRules>): GateRules => ({
  failOn: [],
  allow: [],
  protect: [],
  ...partial
})

const tripped = (input: GateInput, partial: Partial<GateRules>): string[] =>
  evaluateGate(input, rules(partial)).trips.map(trip => `${trip.rule} ${trip.urn ?? ''}`.trim())

describe('changeOf', () => {
  test.each([
    ['create', 'create'],
    ['import', 'create'],
    ['update', 'update'],
    ['delete', 'delete'],
    ['replace', 'replace'],
    ['create-replacement', 'replace'],
    ['delete-replaced', 'replace'],
    ['import-replacement', 'replace'],
    ['same', undefined],
    ['read', undefined],
    ['refresh', undefined],
    ['discard-replaced', undefined],
    ['read-discard', undefined]
  ])('%s is %s', (op, change) => {
    expect(changeOf(op)).toBe(change)
  })
})

describe('counts and has-changes', () => {
  test('one of each, no-op resources left out, policy violations of all levels', () => {
    const input: GateInput = {
      ...MIXED,
      policies: [
        { level: 'advisory', pack: 'p', policy: 'a' },
        { level: 'mandatory', pack: 'p', policy: 'm' },
        { level: 'remediate', pack: 'p', policy: 'r' }
      ]
    }
    expect(countChanges(input)).toEqual({
      creates: 1,
      updates: 1,
      deletes: 1,
      replaces: 1,
      policyViolations: 3
    })
    expect(evaluateGate(input, rules({})).hasChanges).toBe(true)
  })

  test('a replace counts as a replace, never as a delete too', () => {
    const input: GateInput = {
      resources: [resource('replace', DB, 'main')],
      policies: [],
      failed: false
    }
    expect(countChanges(input)).toMatchObject({ deletes: 0, replaces: 1 })
    expect(tripped(input, { failOn: ['delete'] })).toEqual([])
    expect(tripped(input, { failOn: ['replace'] })).toEqual([`replace ${urn(DB, 'main')}`])
  })

  test('nothing to do: no changes, and any-change passes', () => {
    const verdict = evaluateGate(NOTHING, rules({ failOn: ['any-change'] }))
    expect(verdict).toMatchObject({ verdict: 'passed', hasChanges: false, trips: [] })
  })
})

describe('fail-on', () => {
  test('no fail-on and no protect is no gate at all', () => {
    expect(evaluateGate(MIXED, rules({ allow: ['*'] })).verdict).toBe('none')
  })

  test.each([
    ['create', [`create ${urn(BUCKET, 'assets')}`]],
    ['update', [`update ${urn(ROLE, 'deployer')}`]],
    ['delete', [`delete ${urn(BUCKET, 'old-logs')}`]],
    ['replace', [`replace ${urn(DB, 'main')}`]],
    [
      'any-change',
      [
        `any-change ${urn(BUCKET, 'assets')}`,
        `any-change ${urn(ROLE, 'deployer')}`,
        `any-change ${urn(BUCKET, 'old-logs')}`,
        `any-change ${urn(DB, 'main')}`
      ]
    ]
  ] as const)('%s trips on exactly those resources', (value, expected) => {
    const verdict = evaluateGate(MIXED, rules({ failOn: [value] }))
    expect(verdict.verdict).toBe('failed')
    expect(verdict.trips.map(trip => `${trip.rule} ${trip.urn ?? ''}`)).toEqual(expected)
  })

  test('a value whose change is absent passes', () => {
    const onlyCreates: GateInput = { ...MIXED, resources: [resource('create', BUCKET, 'a')] }
    for (const value of ['update', 'delete', 'replace', 'failed'] as const)
      expect(evaluateGate(onlyCreates, rules({ failOn: [value] })).verdict).toBe('passed')
  })

  test('the named value wins over any-change in the reason', () => {
    expect(tripped(MIXED, { failOn: ['any-change', 'delete'] })).toContain(
      `delete ${urn(BUCKET, 'old-logs')}`
    )
  })

  test('failed: a failed resource, and the update itself failing without one', () => {
    const failing: GateInput = {
      resources: [resource('create', BUCKET, 'assets', { failed: true })],
      policies: [],
      failed: true
    }
    expect(tripped(failing, { failOn: ['failed'] })).toEqual([`failed ${urn(BUCKET, 'assets')}`])
    const failedRun: GateInput = { resources: [], policies: [], failed: true, kind: 'preview' }
    const verdict = evaluateGate(failedRun, rules({ failOn: ['failed'] }))
    expect(verdict.trips.map(trip => trip.reason)).toEqual(['the preview failed (fail-on: failed)'])
    expect(evaluateGate(failedRun, rules({ failOn: ['create'] })).verdict).toBe('passed')
  })

  test('policy-mandatory and policy-advisory trip on their own level only', () => {
    const input: GateInput = {
      resources: [],
      policies: [
        { level: 'advisory', pack: 'aws-guard', policy: 'tags', urn: urn(BUCKET, 'assets') },
        { level: 'mandatory', pack: 'aws-guard', policy: 'no-public-read' },
        { level: 'remediate', pack: 'aws-guard', policy: 'fix' }
      ],
      failed: false
    }
    const mandatory = evaluateGate(input, rules({ failOn: ['policy-mandatory'] }))
    expect(mandatory.trips.map(trip => trip.reason)).toEqual([
      'mandatory policy violation aws-guard/no-public-read (fail-on: policy-mandatory)'
    ])
    const advisory = evaluateGate(input, rules({ failOn: ['policy-advisory'] }))
    expect(advisory.trips.map(trip => trip.reason)).toEqual([
      `advisory policy violation aws-guard/tags on "assets" (${urn(BUCKET, 'assets')}) (fail-on: policy-advisory)`
    ])
    expect(evaluateGate(input, rules({ failOn: ['any-change'] })).verdict).toBe('passed')
  })

  test('allow does not exempt a policy violation: the policy pack decides those', () => {
    const input: GateInput = {
      resources: [],
      policies: [{ level: 'mandatory', pack: 'p', policy: 'm', urn: urn(BUCKET, 'assets') }],
      failed: false
    }
    expect(evaluateGate(input, rules({ failOn: ['policy-mandatory'], allow: ['*'] })).verdict).toBe(
      'failed'
    )
  })

  test('an unfinished preview never passes a gate', () => {
    const verdict = evaluateGate({ ...NOTHING, unfinished: true }, rules({ failOn: ['delete'] }))
    expect(verdict.verdict).toBe('failed')
    expect(verdict.trips[0]?.reason).toMatch(/has not finished.*wait-seconds/)
  })

  test('reasons name the change, the type, the name and the URN', () => {
    const [trip] = evaluateGate(MIXED, rules({ failOn: ['delete'] })).trips
    expect(trip?.reason).toBe(
      `delete of ${BUCKET} "old-logs" (${urn(BUCKET, 'old-logs')}) (fail-on: delete)`
    )
  })
})

describe('allow and protect', () => {
  test('allow exempts matching types from fail-on', () => {
    expect(tripped(MIXED, { failOn: ['any-change'], allow: ['aws:s3/bucket:*'] })).toEqual([
      `any-change ${urn(ROLE, 'deployer')}`,
      `any-change ${urn(DB, 'main')}`
    ])
  })

  test('allow by URN glob', () => {
    expect(
      tripped(MIXED, {
        failOn: ['delete', 'replace'],
        allow: ['urn:pulumi:prod::*::aws:rds/instance:Instance::*']
      })
    ).toEqual([`delete ${urn(BUCKET, 'old-logs')}`])
  })

  test('protect fails on delete and replace of a match whatever fail-on says', () => {
    const verdict = evaluateGate(MIXED, rules({ protect: ['aws:rds/*', 'aws:s3/bucket:Bucket'] }))
    expect(verdict.verdict).toBe('failed')
    expect(verdict.trips.map(trip => [trip.rule, trip.change, trip.detail])).toEqual([
      ['protect', 'delete', 'aws:s3/bucket:Bucket'],
      ['protect', 'replace', 'aws:rds/*']
    ])
    expect(verdict.trips[1]?.reason).toBe(
      `replace of protected ${DB} "main" (${urn(DB, 'main')}) (protect: aws:rds/*)`
    )
  })

  test('protect ignores creates and updates of a match', () => {
    const input: GateInput = {
      resources: [resource('create', DB, 'new'), resource('update', DB, 'main')],
      policies: [],
      failed: false
    }
    expect(evaluateGate(input, rules({ protect: [DB] })).verdict).toBe('passed')
  })

  test('allow never exempts from protect', () => {
    expect(
      tripped(MIXED, { failOn: ['delete'], allow: ['aws:rds/*'], protect: ['urn:*::main'] })
    ).toEqual([`protect ${urn(DB, 'main')}`, `delete ${urn(BUCKET, 'old-logs')}`])
  })

  test('protect without fail-on is a gate; a clean preview passes it', () => {
    expect(evaluateGate(NOTHING, rules({ protect: ['*'] })).verdict).toBe('passed')
  })
})

describe('globs', () => {
  test.each([
    ['aws:s3/bucket:*', BUCKET, true],
    ['aws:s3/bucket:*', 'aws:s3/bucketV2:BucketV2', false],
    ['aws:*', ROLE, true],
    ['*', ROLE, true],
    ['aws:iam/role:Rol?', ROLE, true],
    ['aws:iam/role:Ro?', ROLE, false],
    ['aws:iam/role:role', ROLE, false],
    ['aws:iam/role', ROLE, false],
    ['aws:s3/bucket:Bucket.', BUCKET, false],
    ['(aws):*', '(aws):x', true],
    ['a+b:*', 'aab:x', false],
    ['[ab]:*', 'a:x', false]
  ])('type %s on %s: %s', (pattern, type, expected) => {
    expect(matchesResource(pattern, { urn: urn(type, 'x'), type })).toBe(expected)
  })

  test('a urn: pattern matches the URN, not the type', () => {
    const db = { urn: urn(DB, 'main'), type: DB }
    expect(matchesResource('urn:pulumi:prod::*::aws:rds/instance:Instance::*', db)).toBe(true)
    expect(matchesResource('urn:pulumi:staging::*', db)).toBe(false)
    expect(matchesResource('urn:*::main', db)).toBe(true)
    expect(matchesResource('urn:*::mai', db)).toBe(false)
  })

  test('a nested resource: its URN carries the parent type', () => {
    const nested = { urn: urn(DB, 'main', 'my:app:Database$'), type: DB }
    expect(matchesResource('urn:pulumi:prod::*::aws:rds/instance:Instance::*', nested)).toBe(false)
    expect(matchesResource('urn:pulumi:prod::*aws:rds/instance:Instance::*', nested)).toBe(true)
    expect(matchesResource(DB, nested)).toBe(true)
  })

  test('regular expression characters are literal', () => {
    expect(globToRegExp('a.b*').test('aXb')).toBe(false)
    expect(globToRegExp('a.b*').test('a.bcd')).toBe(true)
    expect(globToRegExp('x$y').test('x$y')).toBe(true)
  })
})
