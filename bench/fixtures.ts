/**
 * The bodies the bench's static server replays, built once and cached on disk: a state
 * export that compresses about as well as real ones do (~9x, not the emulator's 38x), and
 * the emulator's own pages of engine events and audit events, a stack and an update status,
 * each stored plain and gzip. Building happens before anything is measured, so no server
 * computes a body while a contender waits.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGzip, gzipSync } from 'node:zlib'
import { BIG_UPDATE_ID, startEmulator } from '../emulator/index.js'

export const SMALL_STACK = 'acme/website/prod'
export const BIG_STACK = 'acme/big/state'
export const ORG = 'acme'

export interface FixtureSizes {
  stateBytes: number
  updateEvents: number
  auditEvents: number
}

/** One route of the static server: a body, or pages keyed by continuation token. */
export interface FixtureRoute {
  path: string
  /** Files under the fixture directory, each with a `.gz` twin. */
  files: string[]
}

export interface Fixtures {
  dir: string
  routes: FixtureRoute[]
  stateBytes: number
  stateGzipBytes: number
  updateEvents: number
  auditEvents: number
  /** Items in the audit pages: the generated events and the seed's own. */
  auditTotal: number
  paths: { small: string; export: string; status: string; events: string; audit: string }
}

export async function buildFixtures(
  root: string,
  sizes: FixtureSizes,
  log: (message: string) => void
): Promise<Fixtures> {
  const dir = join(root, `s${sizes.stateBytes}-e${sizes.updateEvents}-a${sizes.auditEvents}`)
  const manifest = join(dir, 'fixtures.json')
  if (existsSync(manifest)) return JSON.parse(await readFile(manifest, 'utf8')) as Fixtures
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const paths = {
    small: `/api/stacks/${SMALL_STACK}`,
    export: `/api/stacks/${BIG_STACK}/export`,
    status: `/api/stacks/${BIG_STACK}/update/${BIG_UPDATE_ID}`,
    events: `/api/stacks/${BIG_STACK}/update/${BIG_UPDATE_ID}/events`,
    audit: `/api/orgs/${ORG}/auditlogs`
  }
  log(`building fixtures in ${dir}`)
  const state = await writeState(dir, sizes.stateBytes)
  log(
    `state: ${state.bytes.toLocaleString('en')} B, gzip ${state.gzipBytes.toLocaleString('en')} B`
  )
  const emulator = await startEmulator({
    generate: { auditEvents: sizes.auditEvents, updateEvents: sizes.updateEvents, stacks: 0 }
  })
  const routes: FixtureRoute[] = [{ path: paths.export, files: ['state.json'] }]
  let auditTotal = 0
  try {
    const get = async (path: string): Promise<Buffer> => {
      const response = await fetch(`${emulator.url}${path}`, {
        headers: { Authorization: `token ${emulator.token}`, 'Accept-Encoding': 'identity' }
      })
      if (!response.ok) throw new Error(`fixtures: GET ${path} answered ${response.status}`)
      return Buffer.from(await response.arrayBuffer())
    }
    await save(dir, 'small.json', await get(paths.small))
    await save(dir, 'status.json', await get(paths.status))
    routes.push({ path: paths.small, files: ['small.json'] })
    routes.push({ path: paths.status, files: ['status.json'] })
    const startTime = Math.floor(Date.now() / 1000) + 1
    for (const [name, path, query] of [
      ['events', paths.events, ''],
      ['audit', paths.audit, `startTime=${startTime}`]
    ] as const) {
      const files: string[] = []
      let token: string | undefined
      do {
        const search = [query, token ? `continuationToken=${encodeURIComponent(token)}` : '']
          .filter(Boolean)
          .join('&')
        const page = JSON.parse((await get(`${path}${search ? `?${search}` : ''}`)).toString()) as {
          continuationToken?: string | null
          auditLogEvents?: unknown[]
        }
        auditTotal += page.auditLogEvents?.length ?? 0
        token = page.continuationToken ?? undefined
        // The static server's tokens are page numbers.
        if (token) page.continuationToken = String(files.length + 1)
        else delete page.continuationToken
        const file = `${name}-${files.length}.json`
        await save(dir, file, Buffer.from(JSON.stringify(page)))
        files.push(file)
      } while (token)
      routes.push({ path, files })
      log(`${name}: ${files.length} pages`)
    }
  } finally {
    await emulator.close()
  }
  const fixtures: Fixtures = {
    dir,
    routes,
    stateBytes: state.bytes,
    stateGzipBytes: state.gzipBytes,
    updateEvents: sizes.updateEvents,
    auditEvents: sizes.auditEvents,
    auditTotal,
    paths
  }
  await writeFile(manifest, JSON.stringify(fixtures, null, 2))
  return fixtures
}

async function save(dir: string, file: string, body: Buffer): Promise<void> {
  await writeFile(join(dir, file), body)
  await writeFile(join(dir, `${file}.gz`), gzipSync(body))
}

/**
 * A state shaped like a real export (a root stack, then resources with ids, ARNs, tags,
 * user data and dependencies): the random parts (ids, hashes, base64 blobs) are what make
 * real states compress ~5-10x rather than the emulator's 38x.
 */
async function writeState(
  dir: string,
  targetBytes: number
): Promise<{ bytes: number; gzipBytes: number }> {
  const path = join(dir, 'state.json')
  const out = createWriteStream(`${path}.partial`)
  const stackUrn = 'urn:pulumi:state::big::pulumi:pulumi:Stack::big-state'
  const provider =
    'urn:pulumi:state::big::pulumi:providers:aws::default_6_0_0::4f1b6a2e-1d5c-4c4e-9b1e-6f0e0a9c2d11'
  const head = JSON.stringify({
    version: 3,
    deployment: {
      manifest: { time: '2026-11-01T00:00:00Z', magic: 'bench', version: 'v3.140.0' },
      secrets_providers: { type: 'service', state: { url: 'https://api.pulumi.com' } },
      resources: [
        {
          urn: stackUrn,
          custom: false,
          type: 'pulumi:pulumi:Stack',
          outputs: {
            endpoint: 'https://big.example.com',
            password: {
              '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270',
              ciphertext: 'v1:AAAA'
            }
          }
        }
      ]
    }
  })
  let text = head.slice(0, -3)
  let bytes = 0
  const write = async (chunk: string): Promise<void> => {
    bytes += Buffer.byteLength(chunk)
    if (!out.write(chunk))
      await new Promise<void>(resolve => {
        out.once('drain', () => {
          resolve()
        })
      })
  }
  let pool = randomBytes(1 << 20)
  let used = 0
  const random = (n: number, encoding: 'hex' | 'base64'): string => {
    if (used + n > pool.length) {
      pool = randomBytes(1 << 20)
      used = 0
    }
    used += n
    return pool.toString(encoding, used - n, used)
  }
  const tail = ']}}'
  for (let i = 1; bytes + text.length + tail.length < targetBytes; i++) {
    const id = `i-${random(8, 'hex')}`
    const sg = `sg-${random(8, 'hex')}`
    const name = `web-${i}`
    const inputs = {
      ami: 'ami-0c55b159cbfafe1f0',
      instanceType: i % 3 === 0 ? 't3.large' : 't3.micro',
      subnetId: `subnet-${(i % 16).toString(16).padStart(8, '0')}`,
      tags: { Name: name, team: 'platform', env: 'prod' },
      userData: random(60, 'base64'),
      vpcSecurityGroupIds: [sg]
    }
    const resource = {
      urn: `urn:pulumi:state::big::aws:ec2/instance:Instance::${name}`,
      custom: true,
      id,
      type: 'aws:ec2/instance:Instance',
      inputs,
      outputs: {
        ...inputs,
        arn: `arn:aws:ec2:us-west-2:123456789012:instance/${id}`,
        id,
        privateIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        primaryNetworkInterfaceId: `eni-${random(8, 'hex')}`,
        instanceState: 'running',
        rootBlockDevices: [
          { volumeId: `vol-${random(8, 'hex')}`, volumeSize: 8, volumeType: 'gp3' }
        ],
        __meta: '{"e2bfb730-ecaa-11e6-8f88-34363bc7c4c0":{"create":600000000000}}'
      },
      parent: stackUrn,
      provider,
      propertyDependencies: { subnetId: [], vpcSecurityGroupIds: [] },
      created: '2026-10-01T12:00:00.000Z',
      modified: '2026-10-01T12:00:00.000Z'
    }
    text += `,${JSON.stringify(resource)}`
    if (text.length >= 1 << 20) {
      await write(text)
      text = ''
    }
  }
  await write(text + tail)
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject)
    out.end(() => {
      resolve()
    })
  })
  await rename(`${path}.partial`, path)
  await pipeline(
    (await import('node:fs')).createReadStream(path),
    createGzip(),
    createWriteStream(`${path}.gz`)
  )
  const { size } = await (await import('node:fs/promises')).stat(`${path}.gz`)
  return { bytes, gzipBytes: size }
}
