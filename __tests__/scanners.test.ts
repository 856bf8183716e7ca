import fc from 'fast-check'
import { DeploymentScanner } from '../src/api/deployment-scanner.js'
import { RecordCounter } from '../src/api/record-counter.js'

/** Feeds the text in chunks of every size from 1 byte up, so chunk boundaries fall everywhere. */
function scanInChunks<R>(
  text: string,
  make: () => { write(chunk: Buffer): void; finish(): R },
  size: number
): R {
  const scanner = make()
  const bytes = Buffer.from(text)
  for (let at = 0; at < bytes.length; at += size) scanner.write(bytes.subarray(at, at + size))
  return scanner.finish()
}

const deployment = JSON.stringify({
  version: 3,
  deployment: {
    manifest: { time: '2026-01-01', magic: 'x', version: 'v3.100.0' },
    secrets_providers: { type: 'service', state: { url: 'https://x' } },
    resources: [
      {
        urn: 'urn:pulumi:prod::web::pulumi:providers:aws::default',
        type: 'pulumi:providers:aws',
        outputs: { note: 'a "quoted" {brace} [x] \\ back' }
      },
      {
        urn: 'urn:pulumi:prod::web::pulumi:pulumi:Stack::web-prod',
        type: 'pulumi:pulumi:Stack',
        outputs: {
          url: 'https://example.com',
          password: {
            '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270',
            ciphertext: 'v1:abc'
          }
        }
      },
      {
        urn: 'urn:pulumi:prod::web::aws:s3/bucket:Bucket::b',
        type: 'aws:s3/bucket:Bucket',
        outputs: { resources: [1, 2, { deployment: 'no' }] }
      }
    ],
    pending_operations: [{ resource: { urn: 'x' } }]
  }
})

describe('DeploymentScanner', () => {
  it.each([1, 2, 3, 7, 64, 100000])(
    'counts resources and finds stack outputs with %i-byte chunks',
    size => {
      const facts = scanInChunks(deployment, () => new DeploymentScanner(), size)
      expect(facts.resourceCount).toBe(3)
      expect(facts.stackOutputs).toEqual({
        url: 'https://example.com',
        password: {
          '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270',
          ciphertext: 'v1:abc'
        }
      })
    }
  )

  it('ignores resources that only name the stack type (parent URNs, strings), with or without a root stack', () => {
    const child = (i: number) => ({
      urn: `urn:pulumi:prod::web::aws:s3/bucket:Bucket::b${i}`,
      type: 'aws:s3/bucket:Bucket',
      parent: 'urn:pulumi:prod::web::pulumi:pulumi:Stack::web-prod',
      outputs: { note: 'pulumi:pulumi:Stack' }
    })
    const root = { type: 'pulumi:pulumi:Stack', outputs: { url: 'u' } }
    for (const resources of [
      [child(1), child(2)],
      [child(1), root, child(2)]
    ]) {
      const text = JSON.stringify({ version: 3, deployment: { resources } })
      for (const size of [3, 1000]) {
        const facts = scanInChunks(text, () => new DeploymentScanner(), size)
        expect(facts.resourceCount).toBe(resources.length)
        expect(facts.stackOutputs).toEqual(resources.length === 3 ? { url: 'u' } : {})
      }
    }
  })

  it('reports zero resources for an empty deployment', () => {
    expect(
      scanInChunks('{"version":3,"deployment":{"manifest":{}}}', () => new DeploymentScanner(), 5)
    ).toEqual({
      resourceCount: 0,
      stackOutputs: {},
      version: 3,
      hasDeployment: true
    })
  })
})

describe('DeploymentScanner: the document head import-stack checks', () => {
  const root = {
    urn: 'urn:pulumi:prod::web::pulumi:pulumi:Stack::web-prod',
    type: 'pulumi:pulumi:Stack',
    outputs: { url: 'u' }
  }
  const time = '2024-10-28T18:28:12.279425605Z'

  it.each([
    [
      'as the CLI writes it',
      { version: 4, features: ['x'], deployment: { manifest: { time }, resources: [root] } }
    ],
    [
      'keys sorted (jq -S): deployment first',
      { deployment: { manifest: { time }, resources: [root] }, version: 4 }
    ],
    [
      'manifest after the resources',
      { version: 4, deployment: { resources: [root], manifest: { time, version: 'v3' } } }
    ]
  ])('reads version, manifest.time and the root URN in any order (%s)', (_name, document) => {
    const text = JSON.stringify(document, null, 4)
    for (const size of [1, 7, 4096]) {
      expect(scanInChunks(text, () => new DeploymentScanner(), size)).toMatchObject({
        version: 4,
        hasDeployment: true,
        manifestTime: time,
        stackUrn: root.urn,
        resourceCount: 1
      })
    }
  })

  it.each([
    ['a string version', '{"version":"3","deployment":{}}', { hasDeployment: true }],
    [
      'no deployment',
      '{"version":3,"other":{"deployment":{}}}',
      { version: 3, hasDeployment: false }
    ],
    ['a nested version only', '{"deployment":{"version":3}}', { hasDeployment: true }],
    ['a deployment array', '{"version":3,"deployment":[]}', { version: 3, hasDeployment: false }]
  ])('leaves out what is not there (%s)', (_name, text, expected) => {
    const facts = scanInChunks(text, () => new DeploymentScanner(), 2)
    expect({ version: facts.version, hasDeployment: facts.hasDeployment }).toEqual({
      version: undefined,
      ...expected
    })
  })
})

describe('DeploymentScanner agrees with JSON.parse', () => {
  // Resources hold anything JSON can: nested containers, and strings full of quotes,
  // backslashes, brackets and non-ASCII, split at every kind of chunk boundary.
  const tricky = fc.string({
    unit: fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', 'a', 'é', '😀', '\n', ' ')
  })
  const value = fc.letrec(tie => ({
    node: fc.oneof(
      { depthSize: 'small' },
      tricky,
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('node'), { maxLength: 4 }),
      fc.dictionary(tricky, tie('node'), { maxKeys: 4 })
    )
  })).node
  const resource = fc.record({
    urn: tricky,
    type: fc.constantFrom('pulumi:pulumi:Stack', 'aws:s3/bucket:Bucket', 'pulumi:providers:aws'),
    outputs: fc.dictionary(tricky, value, { maxKeys: 4 })
  })
  it('counts every resource and finds the first root stack, whatever the strings and chunking', () => {
    fc.assert(
      fc.property(
        fc.array(resource, { maxLength: 8 }),
        fc.integer({ min: 1, max: 50 }),
        (resources, size) => {
          const text = JSON.stringify({ version: 3, deployment: { resources } })
          const facts = scanInChunks(text, () => new DeploymentScanner(), size)
          expect(facts.resourceCount).toBe(resources.length)
          // The oracle is what JSON.parse reads back from the same text, not the generated
          // values: JSON has no -0 (JSON.stringify writes it as 0), so a generated -0 is 0 here.
          const parsed = JSON.parse(text) as { deployment: { resources: typeof resources } }
          const stack = parsed.deployment.resources.find(
            ({ type }) => type === 'pulumi:pulumi:Stack'
          )
          expect(facts.stackOutputs).toEqual(stack?.outputs ?? {})
        }
      ),
      { numRuns: 300 }
    )
  })
})

describe('DeploymentScanner: only a whole document counts', () => {
  it('accepts surrounding whitespace', () => {
    expect(
      scanInChunks(`\n ${deployment}\r\n`, () => new DeploymentScanner(), 3).resourceCount
    ).toBe(3)
  })

  it.each([1, 7, 100000])('refuses every cut of the document (%i-byte chunks)', size => {
    // Every prefix: mid-string, mid-number, between resources, before the last brace.
    for (let cut = 0; cut < deployment.length; cut += 37)
      expect(() =>
        scanInChunks(deployment.slice(0, cut), () => new DeploymentScanner(), size)
      ).toThrow(/ended before its JSON document was complete/)
    expect(() =>
      scanInChunks(deployment.slice(0, -1), () => new DeploymentScanner(), size)
    ).toThrow(/ended before its JSON document was complete/)
  })

  it.each([
    [`${deployment}x`, /follows the end/],
    [`${deployment}{}`, /follows the end/],
    [`${deployment}}`, /follows the end/],
    ['[1,2]', /where the document should start/],
    ['"text"', /where the document should start/],
    ['<html>{}</html>', /where the document should start/]
  ])('refuses what is not one JSON object: %s', (text, reason) => {
    expect(() => scanInChunks(text, () => new DeploymentScanner(), 4)).toThrow(reason)
  })
})

describe('RecordCounter', () => {
  const csv =
    'Timestamp,Name,Description\n2021-04-11T23:51:45Z,A,"multi\nline, ""quoted"""\n2021-04-11T23:09:36Z,B,plain\n'
  it.each([1, 4, 1000])('counts CSV records, not lines, with %i-byte chunks', size => {
    expect(scanInChunks(csv, () => new RecordCounter('csv'), size)).toBe(2)
  })
  it('counts a last record without a trailing newline, and CEF lines', () => {
    expect(scanInChunks('h\na\nb', () => new RecordCounter('csv'), 2)).toBe(2)
    expect(scanInChunks('CEF:0|a\nCEF:0|b\n', () => new RecordCounter('cef'), 3)).toBe(2)
    expect(scanInChunks('', () => new RecordCounter('csv'), 3)).toBe(0)
  })
})
