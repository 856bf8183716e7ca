// Operations that run over time: updates started by an import or a deployment, and Pulumi
// Deployments runs. Nothing here uses timers: every state is computed from the clock when it
// is read (EmulatorState.settle), so a closed emulator leaves nothing running.

import { randomUUID } from 'node:crypto'
import type { StackState, UpdateState } from './state.js'
import type { JsonObject, UpdateKind } from './types.js'

/** How long simulated work takes. Small by default so tests stay fast. */
export interface Timing {
  /** an update started by an import */
  updateMs: number
  /** a deployment from running to its end (its update runs inside this window) */
  deploymentMs: number
}

export const DEFAULT_TIMING: Timing = { updateMs: 150, deploymentMs: 400 }

/** An update that ends on its own at `endsAt` unless cancelled first. */
export interface SimulatedUpdate {
  stackKey: string
  update: UpdateState
  endsAt: number
  result: 'succeeded' | 'failed'
  /** applied to the stack when the update succeeds (an import replaces the resources) */
  onSuccess?: (s: StackState) => void
}

export const DEPLOYMENT_OPERATIONS = [
  'update',
  'preview',
  'destroy',
  'refresh',
  'detect-drift',
  'remediate-drift'
] as const
export type DeploymentOperation = (typeof DEPLOYMENT_OPERATIONS)[number]

export type JobStatus = 'not-started' | 'accepted' | 'running' | 'failed' | 'succeeded' | 'skipped'

export interface LogLine {
  /** ms after the run started when the line appears */
  at: number
  step: number
  header?: string
  line: string
}

/** What the next deployments do; tests change it through EmulatorState.scriptDeployments. */
export interface DeploymentScript {
  result: 'succeeded' | 'failed'
  /** extra log lines written by the Pulumi step (e.g. hostile ones in tests) */
  extraLines?: string[]
  durationMs?: number
}

export interface DeploymentState {
  id: string
  stackKey: string
  version: number
  operation: DeploymentOperation
  created: number
  modified: number
  requestedBy: string
  inheritSettings: boolean
  source: JsonObject
  environmentVariables: { name: string; secret: boolean }[]
  status: JobStatus
  /** when the run left the queue (the stack was free) */
  startedAt?: number
  durationMs: number
  result: 'succeeded' | 'failed'
  extraLines: string[]
  updateId?: string
  cancelled: boolean
}

export const STEPS = ['Get source', 'Download dependencies', 'Pulumi operation'] as const

export function updateKindOf(operation: DeploymentOperation): UpdateKind {
  switch (operation) {
    case 'preview':
      return 'preview'
    case 'detect-drift':
      return 'Prefresh'
    case 'refresh':
      return 'refresh'
    case 'destroy':
      return 'destroy'
    default:
      return 'update'
  }
}

export function isPreviewKind(kind: string): boolean {
  return kind === 'preview' || kind.startsWith('P')
}

/** The log of a deployment run, each line with the moment it appears. */
export function deploymentLog(d: DeploymentState, s: StackState): LogLine[] {
  const span = d.durationMs
  const verb = d.operation === 'preview' ? 'Previewing update' : `Running ${d.operation}`
  const lines: LogLine[] = [
    { at: 0, step: 0, header: STEPS[0], line: `Cloning ${sourceText(d.source)}` },
    { at: span * 0.1, step: 0, line: `HEAD is now at ${clonedCommit(d.source).slice(0, 7)}` },
    { at: span * 0.2, step: 1, header: STEPS[1], line: 'npm ci' },
    { at: span * 0.3, step: 1, line: 'added 42 packages in 2s' },
    { at: span * 0.4, step: 2, header: STEPS[2], line: `${verb} (${s.stack}):` },
    { at: span * 0.5, step: 2, line: ` +  pulumi:pulumi:Stack ${s.project}-${s.stack} ` },
    { at: span * 0.6, step: 2, line: ' +  random:index:RandomPet deploy-pet create' }
  ]
  d.extraLines.forEach((line, i) => {
    lines.push({ at: span * (0.6 + (0.2 * (i + 1)) / (d.extraLines.length + 1)), step: 2, line })
  })
  lines.push({
    at: span * 0.9,
    step: 2,
    line:
      d.result === 'succeeded'
        ? 'Resources:\n    + 1 to create'
        : 'error: update failed: random:index:RandomPet deploy-pet: quota exceeded'
  })
  return lines
}

/** The commit a branch (or the settings' default) stands at when the emulator clones it. */
const BRANCH_HEAD = '9028e9275434ac4812cf0c268ad719a60f13967b'
const DEFAULT_REPO = 'https://github.com/acme/website.git'

function gitSource(source: JsonObject): JsonObject {
  const git = source['git']
  return typeof git === 'object' && git !== null && !Array.isArray(git) ? git : {}
}

/** The commit a deployment runs: the one it named, else its branch's head. */
function clonedCommit(source: JsonObject): string {
  const commit = gitSource(source)['commit']
  return typeof commit === 'string' ? commit : BRANCH_HEAD
}

/**
 * The update environment a Pulumi Deployments run records, as the CLI it runs does
 * (pulumi/pulumi pkg/backend/updates.go keys): the cloned commit in `git.head`, the branch
 * in `git.headName` (none for a commit checked out detached), the repository in `vcs.*`.
 * No `ci.*` keys: a deployment is not a CI job.
 */
export function deploymentEnvironment(d: DeploymentState): Record<string, string> {
  const git = gitSource(d.source)
  const url = typeof git['repoURL'] === 'string' ? git['repoURL'] : DEFAULT_REPO
  const [owner = '', repo = ''] = url
    .replace(/^https:\/\/github\.com\//, '')
    .replace(/\.git$/, '')
    .split('/')
  const environment: Record<string, string> = {
    'exec.kind': 'auto.local',
    'git.head': clonedCommit(d.source),
    'git.dirty': 'false',
    'vcs.kind': 'github.com',
    'vcs.owner': owner,
    'vcs.repo': repo
  }
  if (typeof git['commit'] !== 'string') {
    const branch = typeof git['branch'] === 'string' ? git['branch'] : 'main'
    environment['git.headName'] = branch.startsWith('refs/') ? branch : `refs/heads/${branch}`
  }
  return environment
}

function sourceText(source: JsonObject): string {
  const git = source['git']
  if (typeof git === 'object' && git !== null && !Array.isArray(git)) {
    const ref = [git['commit'], git['branch']].find(v => typeof v === 'string') ?? 'refs/heads/main'
    const repo = typeof git['repoURL'] === 'string' ? git['repoURL'] : DEFAULT_REPO
    return `${repo} at ${ref}`
  }
  return 'https://github.com/acme/website.git at refs/heads/main'
}

/** Engine events of the update a deployment runs: one resource created (or planned). */
export function deploymentEvents(
  s: StackState,
  kind: UpdateKind,
  result: 'succeeded' | 'failed',
  start: number
): JsonObject[] {
  const preview = isPreviewKind(kind)
  const urn = `urn:pulumi:${s.stack}::${s.project}::random:index/randomPet:RandomPet::deploy-pet`
  const metadata: JsonObject = {
    op: 'create',
    urn,
    type: 'random:index/randomPet:RandomPet',
    old: null,
    new: { type: 'random:index/randomPet:RandomPet', urn, custom: true, inputs: { length: 2 } }
  }
  const events: JsonObject[] = [
    { sequence: 1, timestamp: start, type: 'preludeEvent', preludeEvent: { config: {} } },
    {
      sequence: 2,
      timestamp: start,
      type: 'resourcePreEvent',
      resourcePreEvent: { metadata, planning: preview }
    }
  ]
  if (result === 'succeeded') {
    events.push({
      sequence: 3,
      timestamp: start + 1,
      type: 'resOutputsEvent',
      resOutputsEvent: { metadata, planning: preview }
    })
  } else {
    events.push(
      {
        sequence: 3,
        timestamp: start + 1,
        type: 'diagnosticEvent',
        diagnosticEvent: {
          urn,
          prefix: 'error: ',
          message: 'quota exceeded',
          color: 'never',
          severity: 'error'
        }
      },
      {
        sequence: 4,
        timestamp: start + 1,
        type: 'resOpFailedEvent',
        resOpFailedEvent: { metadata, status: 0, steps: 0 }
      }
    )
  }
  events.push({
    sequence: events.length + 1,
    timestamp: start + 2,
    type: 'summaryEvent',
    summaryEvent: {
      maybeCorrupt: false,
      durationSeconds: 2,
      resourceChanges: result === 'succeeded' ? { create: 1 } : {},
      isPreview: preview,
      result
    }
  })
  return events
}

export function newDeploymentId(): string {
  return randomUUID()
}
