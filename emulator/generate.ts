// Deterministic synthetic data for load tests. Nothing here is held in memory as a whole:
// every item is computed from its index, and the big deployment is produced chunk by chunk,
// so a test can ask for 200 MB of state or 100k audit events without the emulator growing.

import { createHash } from 'node:crypto'
import type { JsonObject, SeedAuditEvent } from './types.js'

/** Generated audit events count back from here (2025-01-01T00:00:00Z), one every 37 s. */
export const GEN_AUDIT_BASE = 1735689600
export const GEN_AUDIT_STEP = 37
/** Stacks per generated project (project "gen-<n>"). */
export const GEN_STACKS_PER_PROJECT = 50
export const BIG_ORG = 'acme'
export const BIG_PROJECT = 'big'
export const BIG_STACK = 'state'
export const BIG_UPDATE_ID = '6b1e0000-0000-4000-8000-000000000001'
const GEN_TIME_BASE = 1735000000

/** A small integer hash so that "random" fields are stable across runs. */
export function mix(n: number): number {
  let x = (n ^ 0x9e3779b9) >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0
  return (x ^ (x >>> 16)) >>> 0
}

function hex(n: number, len: number): string {
  let s = ''
  let i = 0
  while (s.length < len) {
    s += mix(n * 31 + i)
      .toString(16)
      .padStart(8, '0')
    i++
  }
  return s.slice(0, len)
}

/** A stable UUID-shaped id derived from a name. */
export function stableId(name: string): string {
  const h = createHash('sha1').update(name).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
}

// ---------------------------------------------------------------- stacks

export interface GeneratedStackInfo {
  index: number
  project: string
  stack: string
  tags: Record<string, string>
  version: number
  lastUpdate: number
  resourceCount: number
}

const RUNTIMES = ['nodejs', 'python', 'go', 'dotnet']
const ENVS = ['dev', 'staging', 'prod']

export function generatedStackName(index: number): { project: string; stack: string } {
  return { project: `gen-${Math.floor(index / GEN_STACKS_PER_PROJECT)}`, stack: `stack-${index}` }
}

/** Inverse of generatedStackName; undefined when the names are not a generated stack's. */
export function generatedStackIndex(project: string, stack: string): number | undefined {
  const m = /^stack-(\d+)$/.exec(stack)
  if (!m?.[1]) return undefined
  const index = Number(m[1])
  if (String(index) !== m[1]) return undefined
  return generatedStackName(index).project === project ? index : undefined
}

export function generatedStack(index: number): GeneratedStackInfo {
  const { project, stack } = generatedStackName(index)
  const r = mix(index)
  return {
    index,
    project,
    stack,
    tags: {
      'pulumi:project': project,
      'pulumi:runtime': RUNTIMES[r % RUNTIMES.length] ?? 'nodejs',
      environment: ENVS[index % ENVS.length] ?? 'dev',
      owner: `team-${r % 5}`
    },
    version: 1 + (r % 9),
    lastUpdate: GEN_TIME_BASE - index * 600,
    resourceCount: r % 23
  }
}

// ---------------------------------------------------------------- audit events

const AUDIT_USERS = ['alice', 'bob', 'carol', 'dave']
const AUDIT_KINDS: { event: string; admin: boolean; stackAdmin: boolean }[] = [
  { event: 'Stack Update Started', admin: false, stackAdmin: false },
  { event: 'Stack Update Completed', admin: false, stackAdmin: false },
  { event: 'Stack Exported', admin: false, stackAdmin: false },
  { event: 'Secret Decrypted', admin: false, stackAdmin: false },
  { event: 'Stack Tag Created', admin: false, stackAdmin: false },
  { event: 'Member Role Changed', admin: true, stackAdmin: false },
  { event: 'Access Token Created', admin: false, stackAdmin: false },
  { event: 'Stack Preview Started', admin: false, stackAdmin: false }
]

export function generatedAuditTimestamp(index: number): number {
  return GEN_AUDIT_BASE - index * GEN_AUDIT_STEP
}

export function generatedAuditEvent(org: string, index: number): SeedAuditEvent {
  const r = mix(index + 7)
  const kind = AUDIT_KINDS[r % AUDIT_KINDS.length] ?? AUDIT_KINDS[0]
  const login = AUDIT_USERS[index % AUDIT_USERS.length] ?? 'alice'
  const st = generatedStackName(r % 1000)
  const stackRef = `${st.project}/${st.stack}`
  let description: string
  switch (kind?.event) {
    case 'Stack Update Started':
      description = `Started update "${stableId(`u${index}`)}" for stack "${stackRef}"`
      break
    case 'Stack Update Completed':
      description = `Completed update "${stableId(`u${index}`)}" for stack "${stackRef}"`
      break
    case 'Stack Exported':
      description = `Exported stack ${stackRef}`
      break
    case 'Secret Decrypted':
      description = `Decrypted secret value for stack "${stackRef}" (cipher text suffix: "${hex(index, 7)}=")`
      break
    case 'Stack Tag Created':
      description = `Created tag "owner" on stack "${stackRef}"`
      break
    case 'Member Role Changed':
      description = `Changed organization role for "${AUDIT_USERS[(index + 1) % AUDIT_USERS.length] ?? 'bob'}" to member`
      break
    case 'Access Token Created':
      description = `Created access token "ci-${index}"`
      break
    default:
      description = `Started preview for stack "${stackRef}"`
  }
  return {
    org,
    timestamp: generatedAuditTimestamp(index),
    sourceIP: `10.${(index >>> 16) & 255}.${(index >>> 8) & 255}.${index & 255}`,
    event: kind?.event ?? 'Stack Exported',
    description,
    login,
    reqOrgAdmin: kind?.admin ?? false,
    reqStackAdmin: kind?.stackAdmin ?? false,
    authFailure: false
  }
}

// ---------------------------------------------------------------- big deployment

const BIG_STACK_URN = `urn:pulumi:${BIG_STACK}::${BIG_PROJECT}::pulumi:pulumi:Stack::${BIG_PROJECT}-${BIG_STACK}`
const BIG_PROVIDER_URN = `urn:pulumi:${BIG_STACK}::${BIG_PROJECT}::pulumi:providers:aws::default_6_0_0`
const BIG_PROVIDER_ID = '4f1b6a2e-1d5c-4c4e-9b1e-6f0e0a9c2d11'

export interface StatePlan {
  resourceBytes: number
  resourceCount: number
}

function bigHead(): string {
  const head = {
    version: 3,
    deployment: {
      manifest: {
        time: '2025-01-01T00:00:00.000000000Z',
        magic: 'd3b4c2e5f08a1f3f6c81bd7b5e4df5c3c1a6b2d7e8f90a1b2c3d4e5f6a7b8c9d',
        version: 'v3.140.0'
      },
      secrets_providers: {
        type: 'service',
        state: {
          url: 'https://api.pulumi.com',
          owner: BIG_ORG,
          project: BIG_PROJECT,
          stack: BIG_STACK
        }
      }
    }
  }
  const text = JSON.stringify(head)
  // open the resources array inside "deployment"
  return `${text.slice(0, -2)},"resources":[`
}

function bigRoot(): string {
  return JSON.stringify({
    urn: BIG_STACK_URN,
    custom: false,
    type: 'pulumi:pulumi:Stack',
    outputs: {
      bucketName: 'big-state-bucket',
      dbPassword: {
        '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270',
        ciphertext: 'v1:Zm9vYmFyYmF6cXV4:6uBc3o9Xk0p1q2r3s4t5u6v7w8x9y0zA'
      }
    }
  })
}

function bigProvider(): string {
  return JSON.stringify({
    urn: BIG_PROVIDER_URN,
    custom: true,
    id: BIG_PROVIDER_ID,
    type: 'pulumi:providers:aws',
    inputs: { region: 'us-west-2', version: '6.0.0' },
    outputs: { region: 'us-west-2', version: '6.0.0' }
  })
}

const BIG_TAIL = ']}}'
const FILLER = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '

/** One generated bucket object, padded to exactly `size` bytes of JSON. */
function bigResource(i: number, size: number): string {
  const name = `obj-${i}`
  const base = {
    urn: `urn:pulumi:${BIG_STACK}::${BIG_PROJECT}::aws:s3/bucketObject:BucketObject::${name}`,
    custom: true,
    id: `${name}-${hex(i, 12)}`,
    type: 'aws:s3/bucketObject:BucketObject',
    inputs: { bucket: 'big-state-bucket', key: `objects/${i}.json`, content: '' },
    outputs: { etag: hex(i + 1, 32), versionId: hex(i + 2, 16) },
    parent: BIG_STACK_URN,
    provider: `${BIG_PROVIDER_URN}::${BIG_PROVIDER_ID}`
  }
  const bare = JSON.stringify(base).length
  const padLen = Math.max(0, size - bare)
  let pad = FILLER.repeat(Math.ceil(padLen / FILLER.length) + 1).slice(i % FILLER.length)
  pad = pad.slice(0, padLen)
  base.inputs.content = pad
  return JSON.stringify(base)
}

export function planState(stateBytes: number): StatePlan {
  const resourceBytes = stateBytes >= 1_000_000 ? 2048 : 512
  const fixed = bigHead().length + bigRoot().length + 1 + bigProvider().length + BIG_TAIL.length
  const resourceCount = Math.max(0, Math.floor((stateBytes - fixed) / (resourceBytes + 1)))
  return { resourceBytes, resourceCount }
}

/** The generated deployment as a sequence of ~64 KiB string chunks. */
export function* bigStateChunks(stateBytes: number): Generator<string> {
  const plan = planState(stateBytes)
  let buf = bigHead() + bigRoot() + ',' + bigProvider()
  for (let i = 0; i < plan.resourceCount; i++) {
    buf += ',' + bigResource(i, plan.resourceBytes)
    if (buf.length >= 65536) {
      yield buf
      buf = ''
    }
  }
  yield buf + BIG_TAIL
}

// ---------------------------------------------------------------- big update events

export function bigUpdateEvent(i: number, total: number): JsonObject {
  const timestamp = GEN_TIME_BASE + Math.floor(i / 10)
  if (i === 0) {
    return {
      timestamp,
      type: 'preludeEvent',
      preludeEvent: { config: { 'aws:region': 'us-west-2' } }
    }
  }
  if (i === total - 1) {
    const creates = Math.floor((total - 2) / 3)
    return {
      timestamp,
      type: 'summaryEvent',
      summaryEvent: {
        maybeCorrupt: false,
        durationSeconds: Math.floor(total / 10),
        resourceChanges: { create: creates },
        PolicyPacks: {},
        isPreview: false,
        result: 'succeeded'
      }
    }
  }
  const k = Math.floor((i - 1) / 3)
  const urn = `urn:pulumi:${BIG_STACK}::${BIG_PROJECT}::aws:s3/bucketObject:BucketObject::obj-${k}`
  const state = {
    type: 'aws:s3/bucketObject:BucketObject',
    urn,
    custom: true,
    id: '',
    parent: BIG_STACK_URN,
    inputs: { bucket: 'big-state-bucket', key: `objects/${k}.json` },
    outputs: {},
    provider: `${BIG_PROVIDER_URN}::${BIG_PROVIDER_ID}`
  }
  const metadata = {
    op: 'create',
    urn,
    type: 'aws:s3/bucketObject:BucketObject',
    old: null,
    new: state,
    detailedDiff: null,
    logical: true,
    provider: `${BIG_PROVIDER_URN}::${BIG_PROVIDER_ID}`
  }
  switch ((i - 1) % 3) {
    case 0:
      return { timestamp, type: 'resourcePreEvent', resourcePreEvent: { metadata } }
    case 1:
      return {
        timestamp,
        type: 'resOutputsEvent',
        resOutputsEvent: {
          metadata: {
            ...metadata,
            new: { ...state, id: `obj-${k}-${hex(k, 12)}`, outputs: { etag: hex(k + 1, 32) } }
          }
        }
      }
    default:
      return {
        timestamp,
        type: 'diagnosticEvent',
        diagnosticEvent: {
          urn,
          prefix: 'info: ',
          message: `<{%reset%}>uploaded objects/${k}.json (${mix(k) % 4096} bytes)<{%reset%}>\n`,
          color: 'raw',
          severity: 'info'
        }
      }
  }
}
