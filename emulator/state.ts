// The emulator's live state: loaded from a seed, mutated by the API, read by tests.
// Generated (synthetic) stacks and audit events are not stored; they are computed from
// their index on demand, and only materialised here once something mutates them.

import { randomBytes, randomUUID, createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import {
  BIG_ORG,
  BIG_PROJECT,
  BIG_STACK,
  BIG_UPDATE_ID,
  generatedAuditEvent,
  generatedAuditTimestamp,
  generatedStack,
  generatedStackIndex,
  planState,
  stableId
} from './generate.js'
import {
  DEFAULT_TIMING,
  deploymentEnvironment,
  deploymentEvents,
  isPreviewKind,
  newDeploymentId,
  updateKindOf,
  type DeploymentOperation,
  type DeploymentScript,
  type DeploymentState,
  type SimulatedUpdate,
  type Timing
} from './operations.js'
import type {
  CurrentOperation,
  GenerateOptions,
  JsonObject,
  JsonValue,
  UpdateKind,
  OrgRole,
  SeedAuditEvent,
  SeedData,
  SeedMember,
  SeedOrg,
  SeedStack,
  SeedTeam,
  SeedToken,
  SeedUpdate,
  SeedUser,
  SeedWebhook,
  TeamRole,
  TeamStackPermission,
  UserInfo,
  WebhookDelivery
} from './types.js'

export interface UpdateState extends SeedUpdate {
  /** for the generated big update: number of synthetic engine events */
  generatedEvents?: number
  /** ended by a cancel request: its status reads `cancelled` */
  cancelled?: boolean
  /** the lease token a client-run update's writes carry (`Authorization: update-token …`) */
  leaseToken?: string
}

export interface StackState {
  org: string
  project: string
  stack: string
  id: string
  version: number
  tags: Record<string, string>
  /** null for synthetic stacks, whose deployment is generated while streaming */
  resources: JsonObject[] | null
  resourceCount: number
  manifestTime: string
  cliVersion: string
  updates: UpdateState[]
  lastUpdate?: number
  currentOperation?: CurrentOperation
  activeUpdate?: string
  /** set for the generated acme/big/state stack */
  bigStateBytes?: number
  /** set for generated gen-<n> stacks */
  generatedIndex?: number
  /** set by an import: the imported document apart from its resources, exported as it came */
  importedHead?: ImportedHead
}

/** What an import keeps of `{version, features?, deployment}` besides the resources. */
export interface ImportedHead {
  version: number
  features?: JsonValue
  deployment: JsonObject
}

/** How the next imports end (tests make them fail or take longer). */
export interface ImportScript {
  result: 'succeeded' | 'failed'
  durationMs?: number
}

/** An organization as routes and tests see it; its members change through EmulatorState. */
export interface OrgState extends Omit<SeedOrg, 'members'> {
  readonly members: ReadonlyMap<string, Readonly<SeedMember>>
}

interface StoredOrg extends Omit<SeedOrg, 'members'> {
  members: Map<string, SeedMember>
}

/** Where a webhook lives: an organization, or one stack of it. */
export interface HookScope {
  org: string
  project?: string
  stack?: string
}

export type TokenKind = 'personal' | 'organization' | 'team' | 'runner'

export interface TokenState extends SeedToken {
  kind: TokenKind
  /** for organization/team/runner tokens */
  org?: string
  team?: string
  /** personal tokens show up in GET /api/user/tokens; OIDC-issued ones do not */
  listed: boolean
}

export type WebhookState = SeedWebhook

export interface AuditEntry extends SeedAuditEvent {
  /** tie-breaker for events in the same second; generated events use -(index+1) */
  seq: number
}

/** The identity behind a request's token. */
export interface Principal {
  token: TokenState
  /** user login, or the org name for organization tokens */
  login: string
  user: UserInfo
  /** orgs whose stacks this principal can see */
  orgs: string[]
}

export interface RoleRecord {
  id: string
  name: string
  defaultIdentifier: OrgRole
}

export const BUILT_IN_ROLES: OrgRole[] = ['member', 'admin', 'billing-manager']

export function stackKey(org: string, project: string, stack: string): string {
  return `${org}/${project}/${stack}`
}

function teamKey(org: string, name: string): string {
  return `${org}/${name}`
}

function scopeKey(scope: HookScope): string {
  return scope.project && scope.stack ? stackKey(scope.org, scope.project, scope.stack) : scope.org
}

export function newTokenValue(): string {
  return `pul-${randomBytes(20).toString('hex')}`
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

// ------------------------------------------------------------------ seed loading

function fail(msg: string): never {
  throw new Error(`invalid seed: ${msg}`)
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function needArray(o: Record<string, unknown>, key: string, where: string): unknown[] {
  const v = o[key]
  if (v === undefined) return []
  if (!Array.isArray(v)) fail(`${where}.${key} must be an array`)
  return v
}

function needStrings(o: unknown, keys: string[], where: string): void {
  if (!isObj(o)) fail(`${where} must be an object`)
  for (const k of keys) if (typeof o[k] !== 'string') fail(`${where}.${k} must be a string`)
}

/** Loose structural check: enough to catch a wrong file or a typo'd key, not a full schema. */
export function validateSeed(raw: unknown): SeedData {
  if (!isObj(raw)) fail('top level must be an object')
  const users = needArray(raw, 'users', 'seed')
  users.forEach((u, i) => {
    needStrings(u, ['login', 'name'], `users[${i}]`)
  })
  const orgs = needArray(raw, 'orgs', 'seed')
  orgs.forEach((o, i) => {
    needStrings(o, ['name'], `orgs[${i}]`)
    if (isObj(o)) needArray(o, 'members', `orgs[${i}]`)
  })
  const stacks = needArray(raw, 'stacks', 'seed')
  stacks.forEach((s, i) => {
    needStrings(s, ['org', 'project', 'stack'], `stacks[${i}]`)
    if (isObj(s)) {
      needArray(s, 'resources', `stacks[${i}]`)
      needArray(s, 'updates', `stacks[${i}]`).forEach((u, j) => {
        needStrings(u, ['updateID', 'kind'], `stacks[${i}].updates[${j}]`)
      })
    }
  })
  needArray(raw, 'teams', 'seed').forEach((t, i) => {
    needStrings(t, ['org', 'name'], `teams[${i}]`)
  })
  needArray(raw, 'tokens', 'seed').forEach((t, i) => {
    needStrings(t, ['id', 'value', 'login'], `tokens[${i}]`)
  })
  needArray(raw, 'webhooks', 'seed').forEach((w, i) => {
    needStrings(w, ['org', 'name'], `webhooks[${i}]`)
  })
  needArray(raw, 'auditEvents', 'seed').forEach((e, i) => {
    needStrings(e, ['org', 'event'], `auditEvents[${i}]`)
  })
  if (users.length === 0) fail('at least one user is required')
  // Shape checked; fill in optional collections so the rest of the code can rely on them.
  const copy = structuredClone(raw) as Partial<SeedData>
  return {
    users: copy.users ?? [],
    orgs: (copy.orgs ?? []).map(o => ({
      ...o,
      members: o.members,
      oidcIssuers: Array.isArray(o.oidcIssuers) ? o.oidcIssuers : []
    })),
    stacks: copy.stacks ?? [],
    teams: copy.teams ?? [],
    tokens: copy.tokens ?? [],
    webhooks: copy.webhooks ?? [],
    auditEvents: copy.auditEvents ?? []
  }
}

export function loadSeedFile(path: string): SeedData {
  return validateSeed(JSON.parse(readFileSync(path, 'utf8')) as unknown)
}

// ------------------------------------------------------------------ state

/**
 * All state lives in private maps: routes and tests read it through the query methods and
 * change it only through the methods under "changes", so every invariant (generated stacks
 * materialised before a change, webhooks and team permissions following a stack, audit
 * order) is kept in one place.
 */
export class EmulatorState {
  private readonly users = new Map<string, SeedUser>()
  private readonly orgs = new Map<string, StoredOrg>()
  private readonly stacks = new Map<string, StackState>()
  /** generated stacks that were mutated (now in `stacks`) or deleted */
  private readonly overriddenGenerated = new Set<number>()
  /** key "org/team" */
  private readonly teams = new Map<string, SeedTeam>()
  /** key: token value */
  private readonly tokens = new Map<string, TokenState>()
  /** key: scopeKey(); value: name -> webhook */
  private readonly webhooks = new Map<string, Map<string, WebhookState>>()
  /** per org, newest first */
  private readonly audit = new Map<string, AuditEntry[]>()
  readonly generate: Required<GenerateOptions>
  readonly timing: Timing
  /** Pulumi Deployments runs, by ID */
  private readonly deployments = new Map<string, DeploymentState>()
  /** updates that end on their own, by update ID */
  private readonly simulated = new Map<string, SimulatedUpdate>()
  private deploymentScript: DeploymentScript = { result: 'succeeded' }
  importScript: ImportScript = { result: 'succeeded' }
  private auditSeq = 0

  constructor(seed: SeedData, generate: GenerateOptions = {}, timing: Partial<Timing> = {}) {
    this.timing = { ...DEFAULT_TIMING, ...timing }
    this.generate = {
      stacks: generate.stacks ?? 0,
      auditEvents: generate.auditEvents ?? 0,
      stateBytes: generate.stateBytes ?? 0,
      updateEvents: generate.updateEvents ?? 0
    }
    for (const u of seed.users) this.users.set(u.login, u)
    for (const o of seed.orgs) {
      const members = new Map<string, SeedMember>()
      for (const m of o.members) members.set(m.login, m)
      this.orgs.set(o.name, { ...o, members })
    }
    for (const s of seed.stacks)
      this.stacks.set(stackKey(s.org, s.project, s.stack), this.fromSeedStack(s))
    for (const t of seed.teams) this.teams.set(teamKey(t.org, t.name), t)
    for (const t of seed.tokens) this.tokens.set(t.value, { ...t, kind: 'personal', listed: true })
    for (const w of seed.webhooks) this.hookMap(w).set(w.name, w)
    const sorted = [...seed.auditEvents].sort((a, b) => b.timestamp - a.timestamp)
    for (const e of sorted.reverse()) this.pushAudit(e)
    if (this.generate.stateBytes > 0 || this.generate.updateEvents > 0) this.addBigStack()
  }

  private fromSeedStack(s: SeedStack): StackState {
    const done = s.updates.filter(u => !u.kind.startsWith('P') && u.kind !== 'preview')
    const last = done.reduce((m, u) => Math.max(m, u.startTime), 0)
    return {
      org: s.org,
      project: s.project,
      stack: s.stack,
      id: s.id ?? stableId(stackKey(s.org, s.project, s.stack)),
      version: s.version,
      tags: { ...s.tags },
      resources: s.resources,
      resourceCount: s.resources.length,
      manifestTime: s.manifestTime,
      cliVersion: s.cliVersion,
      updates: s.updates,
      lastUpdate: last || undefined,
      currentOperation: s.currentOperation,
      activeUpdate: s.activeUpdate
    }
  }

  private addBigStack(): void {
    const bytes = this.generate.stateBytes > 0 ? this.generate.stateBytes : 4096
    const plan = planState(bytes)
    const n = this.generate.updateEvents
    const updates: UpdateState[] =
      n > 0
        ? [
            {
              updateID: BIG_UPDATE_ID,
              kind: 'update',
              version: 1,
              startTime: 1735000000,
              endTime: 1735000000 + Math.floor(n / 10),
              result: 'succeeded',
              message: 'Generated load-test update',
              environment: { 'exec.kind': 'cli' },
              config: { 'aws:region': { string: 'us-west-2', secret: false, object: false } },
              resourceChanges: { create: Math.floor(Math.max(0, n - 2) / 3) },
              resourceCount: plan.resourceCount + 2,
              requestedBy: this.users.has('alice')
                ? 'alice'
                : (this.users.keys().next().value ?? 'alice'),
              events: [],
              generatedEvents: n
            }
          ]
        : []
    this.stacks.set(stackKey(BIG_ORG, BIG_PROJECT, BIG_STACK), {
      org: BIG_ORG,
      project: BIG_PROJECT,
      stack: BIG_STACK,
      id: stableId(stackKey(BIG_ORG, BIG_PROJECT, BIG_STACK)),
      version: 1,
      tags: { 'pulumi:project': BIG_PROJECT, 'pulumi:runtime': 'nodejs' },
      resources: null,
      resourceCount: plan.resourceCount + 2,
      manifestTime: '2025-01-01T00:00:00.000000000Z',
      cliVersion: 'v3.140.0',
      updates,
      lastUpdate: 1735000000,
      bigStateBytes: bytes
    })
  }

  // -------------------------------------------------------------- lookups

  userInfo(login: string): UserInfo {
    const u = this.users.get(login)
    if (u) return { name: u.name, githubLogin: u.login, avatarUrl: u.avatarUrl }
    const o = this.orgs.get(login)
    if (o) return { name: o.displayName, githubLogin: o.name, avatarUrl: o.avatarUrl }
    return {
      name: login,
      githubLogin: login,
      avatarUrl: `https://api.pulumi.com/static/avatars/${login}.png`
    }
  }

  orgsOf(login: string): string[] {
    return [...this.orgs.values()].filter(o => o.members.has(login)).map(o => o.name)
  }

  principal(tokenValue: string): Principal | undefined {
    const token = this.tokens.get(tokenValue)
    if (!token) return undefined
    if (token.expires > 0 && token.expires <= nowSeconds()) return undefined
    token.lastUsed = nowSeconds()
    if (token.kind === 'personal') {
      return {
        token,
        login: token.login,
        user: this.userInfo(token.login),
        orgs: this.orgsOf(token.login)
      }
    }
    const org = token.org ?? token.login
    return { token, login: token.login, user: this.userInfo(token.login), orgs: [org] }
  }

  roles(org: string): RoleRecord[] {
    return BUILT_IN_ROLES.map(r => ({
      id: stableId(`role:${org}:${r}`),
      name: r,
      defaultIdentifier: r
    }))
  }

  getStack(org: string, project: string, stack: string): StackState | undefined {
    const live = this.stacks.get(stackKey(org, project, stack))
    if (live) {
      this.settle(live)
      return live
    }
    if (org !== BIG_ORG || this.generate.stacks <= 0) return undefined
    const index = generatedStackIndex(project, stack)
    if (index === undefined || index >= this.generate.stacks || this.overriddenGenerated.has(index))
      return undefined
    return this.generatedStackState(index)
  }

  generatedStackState(index: number): StackState {
    const g = generatedStack(index)
    return {
      org: BIG_ORG,
      project: g.project,
      stack: g.stack,
      id: stableId(stackKey(BIG_ORG, g.project, g.stack)),
      version: g.version,
      tags: g.tags,
      resources: null,
      resourceCount: g.resourceCount,
      manifestTime: new Date(g.lastUpdate * 1000).toISOString(),
      cliVersion: 'v3.140.0',
      updates: [],
      lastUpdate: g.lastUpdate,
      generatedIndex: index
    }
  }

  /** Store a (possibly generated) stack after a mutation so later reads see the change. */
  saveStack(s: StackState): void {
    if (s.generatedIndex !== undefined) this.overriddenGenerated.add(s.generatedIndex)
    this.stacks.set(stackKey(s.org, s.project, s.stack), s)
  }

  removeStack(s: StackState): void {
    if (s.generatedIndex !== undefined) this.overriddenGenerated.add(s.generatedIndex)
    this.stacks.delete(stackKey(s.org, s.project, s.stack))
  }

  /** Live generated-stack indexes still served from the generator, in order. */
  *generatedStackIndexes(from = 0): Generator<number> {
    for (let i = from; i < this.generate.stacks; i++) if (!this.overriddenGenerated.has(i)) yield i
  }

  /** Stacks held in the store (seeded or changed), generated ones excluded until changed. */
  storedStacks(): StackState[] {
    return [...this.stacks.values()]
  }

  user(login: string): SeedUser | undefined {
    return this.users.get(login)
  }

  org(name: string): OrgState | undefined {
    return this.orgs.get(name)
  }

  member(org: string, login: string): Readonly<SeedMember> | undefined {
    return this.orgs.get(org)?.members.get(login)
  }

  team(org: string, name: string): SeedTeam | undefined {
    return this.teams.get(teamKey(org, name))
  }

  teamsIn(org: string): SeedTeam[] {
    return [...this.teams.values()].filter(t => t.org === org)
  }

  token(value: string): TokenState | undefined {
    return this.tokens.get(value)
  }

  allTokens(): TokenState[] {
    return [...this.tokens.values()]
  }

  hooks(scope: HookScope): WebhookState[] {
    return [...(this.webhooks.get(scopeKey(scope))?.values() ?? [])]
  }

  hook(scope: HookScope, name: string): WebhookState | undefined {
    return this.webhooks.get(scopeKey(scope))?.get(name)
  }

  /** Stored audit events of an org, newest first (generated ones are not stored). */
  auditLog(org: string): readonly AuditEntry[] {
    return this.audit.get(org) ?? []
  }

  private hookMap(scope: HookScope): Map<string, WebhookState> {
    const key = scopeKey(scope)
    let m = this.webhooks.get(key)
    if (!m) {
      m = new Map()
      this.webhooks.set(key, m)
    }
    return m
  }

  deployment(id: string): DeploymentState | undefined {
    return this.deployments.get(id)
  }

  /** How many deployments a stack has had (the latest one's version). */
  deploymentCount(stackKeyOf: string): number {
    return [...this.deployments.values()].filter(d => d.stackKey === stackKeyOf).length
  }

  // -------------------------------------------------------------- changes: stacks

  setTags(s: StackState, tags: Record<string, string>): void {
    this.saveStack({ ...s, tags })
  }

  /** Delete a stack with its webhooks and the team permissions that name it. */
  deleteStack(s: StackState): void {
    this.removeStack(s)
    this.webhooks.delete(scopeKey(s))
    for (const t of this.teamsIn(s.org)) this.revokeStack(t, s.project, s.stack)
  }

  /** Move a stack, and its webhooks, to another organization. */
  transferStack(s: StackState, toOrg: string): void {
    this.removeStack(s)
    this.saveStack({ ...s, org: toOrg, generatedIndex: undefined })
    const hooks = this.webhooks.get(scopeKey(s))
    if (!hooks) return
    this.webhooks.delete(scopeKey(s))
    for (const h of hooks.values()) h.org = toOrg
    this.webhooks.set(scopeKey({ ...s, org: toOrg }), hooks)
  }

  /** Add an update (or preview) to a stack's history. */
  addUpdate(s: StackState, u: UpdateState): void {
    this.saveStack({ ...s, updates: [...s.updates, u] })
  }

  // -------------------------------------------------------------- changes: members and teams

  addMember(org: string, member: SeedMember): void {
    this.orgs.get(org)?.members.set(member.login, member)
  }

  setMemberRole(org: string, login: string, role: OrgRole): void {
    const m = this.orgs.get(org)?.members.get(login)
    if (m) m.role = role
  }

  /** Remove a member from an organization and from its teams. */
  removeMember(org: string, login: string): void {
    this.orgs.get(org)?.members.delete(login)
    for (const t of this.teamsIn(org)) this.setTeamMember(t, login, undefined)
  }

  addTeam(t: SeedTeam): void {
    this.teams.set(teamKey(t.org, t.name), t)
  }

  deleteTeam(t: SeedTeam): void {
    this.teams.delete(teamKey(t.org, t.name))
  }

  /** Add, re-role (role given) or remove (role undefined) a team member. */
  setTeamMember(t: SeedTeam, login: string, role: TeamRole | undefined): void {
    const existing = t.members.find(m => m.login === login)
    if (role === undefined) t.members = t.members.filter(m => m.login !== login)
    else if (existing) existing.role = role
    else t.members = [...t.members, { login, role }]
  }

  /** Grant (or change) a team's permission on a stack. */
  grantStack(t: SeedTeam, perm: TeamStackPermission): void {
    const others = t.stacks.filter(
      s => !(s.projectName === perm.projectName && s.stackName === perm.stackName)
    )
    const i = t.stacks.findIndex(
      s => s.projectName === perm.projectName && s.stackName === perm.stackName
    )
    t.stacks = i >= 0 ? t.stacks.map((s, j) => (j === i ? perm : s)) : [...others, perm]
  }

  revokeStack(t: SeedTeam, projectName: string, stackName: string): void {
    t.stacks = t.stacks.filter(s => !(s.projectName === projectName && s.stackName === stackName))
  }

  describeTeam(t: SeedTeam, change: { displayName?: string; description?: string }): void {
    if (change.displayName !== undefined) t.displayName = change.displayName
    if (change.description !== undefined) t.description = change.description
  }

  // -------------------------------------------------------------- changes: tokens and webhooks

  addToken(t: TokenState): void {
    this.tokens.set(t.value, t)
  }

  deleteToken(t: TokenState): void {
    this.tokens.delete(t.value)
  }

  /** Create or replace a webhook (by name, in its scope). */
  putHook(h: WebhookState): void {
    this.hookMap(h).set(h.name, h)
  }

  deleteHook(h: WebhookState): void {
    this.webhooks.get(scopeKey(h))?.delete(h.name)
  }

  recordDelivery(h: WebhookState, d: WebhookDelivery): void {
    h.deliveries.unshift(d)
  }

  // -------------------------------------------------------------- operations over time

  /** Brings a stack's simulated updates and deployments up to `now`. */
  settle(s: StackState, now = Date.now()): void {
    const key = stackKey(s.org, s.project, s.stack)
    for (const d of this.deployments.values())
      if (d.stackKey === key) this.advanceDeployment(s, d, now)
    for (const sim of [...this.simulated.values()]) {
      if (sim.stackKey === key && sim.endsAt <= now) this.finishUpdate(s, sim, sim.result, now)
    }
  }

  /**
   * Starts an update that runs for `durationMs`: `currentOperation` is set meanwhile (for
   * anything but a preview) and cleared when it ends.
   */
  startUpdate(
    s: StackState,
    kind: UpdateKind,
    options: {
      login: string
      durationMs: number
      result: 'succeeded' | 'failed'
      message: string
      events?: JsonObject[]
      /** what the client that ran it recorded (UpdateMetadata.environment) */
      environment?: Record<string, string>
      onSuccess?: (s: StackState) => void
      now?: number
    }
  ): UpdateState {
    const now = options.now ?? Date.now()
    const preview = isPreviewKind(kind)
    const update: UpdateState = {
      updateID: randomUUID(),
      kind,
      version: preview ? s.version : s.version + 1,
      startTime: Math.floor(now / 1000),
      result: 'in-progress',
      message: options.message,
      environment: options.environment ?? { 'exec.kind': 'auto.inline' },
      config: {},
      resourceChanges: {},
      requestedBy: options.login,
      events: options.events ?? []
    }
    s.updates.push(update)
    if (!preview) {
      s.currentOperation = { kind, author: options.login, started: update.startTime }
      s.activeUpdate = update.updateID
    }
    this.simulated.set(update.updateID, {
      stackKey: stackKey(s.org, s.project, s.stack),
      update,
      endsAt: now + options.durationMs,
      result: options.result,
      ...(options.onSuccess ? { onSuccess: options.onSuccess } : {})
    })
    this.saveStack(s)
    return update
  }

  private finishUpdate(
    s: StackState,
    sim: SimulatedUpdate,
    result: 'succeeded' | 'failed',
    now: number
  ): void {
    this.simulated.delete(sim.update.updateID)
    this.closeUpdate(s, sim.update, result, now, sim.onSuccess)
  }

  /** Ends an update: its result and the changes of its summary event; the stack's version. */
  private closeUpdate(
    s: StackState,
    u: UpdateState,
    result: 'succeeded' | 'failed',
    now: number,
    onSuccess?: (s: StackState) => void
  ): void {
    u.result = result
    u.endTime = Math.floor(now / 1000)
    // Found by its key: events as the CLI sends them carry no `type`.
    const changes = [...u.events].reverse().find(e => e['summaryEvent'] !== undefined)?.[
      'summaryEvent'
    ]
    if (typeof changes === 'object' && changes !== null && !Array.isArray(changes)) {
      const rc = changes['resourceChanges']
      if (typeof rc === 'object' && rc !== null && !Array.isArray(rc))
        u.resourceChanges = Object.fromEntries(
          Object.entries(rc).filter((e): e is [string, number] => typeof e[1] === 'number')
        )
    }
    if (!isPreviewKind(u.kind)) {
      if (result === 'succeeded') onSuccess?.(s)
      s.version = Math.max(s.version, u.version)
      s.lastUpdate = u.endTime
      u.resourceCount = s.resourceCount
      if (s.activeUpdate === u.updateID) s.currentOperation = undefined
    }
  }

  // -------------------------------------------------------------- updates a client runs

  /**
   * An update created as the CLI creates one (POST …/{kind}): recorded with the client's
   * message, environment and config, not started.
   */
  createClientUpdate(
    s: StackState,
    kind: UpdateKind,
    request: {
      login: string
      message: string
      environment: Record<string, string>
      config: UpdateState['config']
    },
    now = Date.now()
  ): UpdateState {
    const update: UpdateState = {
      updateID: randomUUID(),
      kind,
      version: 0,
      startTime: Math.floor(now / 1000),
      result: 'not-started',
      message: request.message,
      environment: { ...request.environment },
      config: { ...request.config },
      resourceChanges: {},
      requestedBy: request.login,
      events: []
    }
    this.addUpdate(s, update)
    return update
  }

  /** Starts a created update: its version and lease token; an update (not a preview) holds the stack. */
  startClientUpdate(s: StackState, u: UpdateState, now = Date.now()): string {
    const preview = isPreviewKind(u.kind)
    u.version = preview ? s.version : s.version + 1
    u.startTime = Math.floor(now / 1000)
    u.result = 'in-progress'
    u.leaseToken = randomBytes(24).toString('base64url')
    if (!preview) {
      s.currentOperation = { kind: u.kind, author: u.requestedBy, started: u.startTime }
      s.activeUpdate = u.updateID
    }
    this.saveStack(s)
    return u.leaseToken
  }

  /** The client's events, appended in the order sent. */
  recordClientEvents(u: UpdateState, events: JsonObject[]): void {
    u.events.push(...events)
  }

  /** Ends a client-run update with the status it reported (cancelled reads as cancelled). */
  completeClientUpdate(
    s: StackState,
    u: UpdateState,
    status: 'succeeded' | 'failed' | 'cancelled',
    now = Date.now()
  ): void {
    if (status === 'cancelled') u.cancelled = true
    // The lease stays: a late write with it is told the update completed (409), not 401.
    this.closeUpdate(s, u, status === 'succeeded' ? 'succeeded' : 'failed', now)
    this.saveStack(s)
  }

  /**
   * Cancels a running update: it ends now as failed, its status `cancelled`. The seed's
   * forever-running update is cancelled the same way. False when it is not running.
   */
  cancelUpdate(s: StackState, u: UpdateState, now = Date.now()): boolean {
    if (u.result !== 'in-progress' && u.result !== 'not-started') return false
    u.cancelled = true
    const sim = this.simulated.get(u.updateID)
    if (sim) {
      this.finishUpdate(s, sim, 'failed', now)
    } else {
      u.result = 'failed'
      u.endTime = Math.floor(now / 1000)
      if (s.activeUpdate === u.updateID) s.currentOperation = undefined
    }
    for (const d of this.deployments.values()) {
      if (d.updateId === u.updateID && d.status === 'running') {
        d.cancelled = true
        d.status = 'failed'
        d.modified = now
      }
    }
    return true
  }

  /** How the next imports end (result, duration). */
  scriptImports(script: ImportScript): void {
    this.importScript = { ...script }
  }

  /** What the next deployments do (result, extra log lines, duration). */
  scriptDeployments(script: DeploymentScript): void {
    this.deploymentScript = { ...script }
  }

  createDeployment(
    s: StackState,
    request: {
      operation: DeploymentOperation
      login: string
      inheritSettings: boolean
      source: JsonObject
      environmentVariables: { name: string; secret: boolean }[]
    },
    now = Date.now()
  ): DeploymentState {
    const key = stackKey(s.org, s.project, s.stack)
    const version = this.deploymentCount(key) + 1
    const d: DeploymentState = {
      id: newDeploymentId(),
      stackKey: key,
      version,
      operation: request.operation,
      created: now,
      modified: now,
      requestedBy: request.login,
      inheritSettings: request.inheritSettings,
      source: request.source,
      environmentVariables: request.environmentVariables,
      status: 'not-started',
      durationMs: this.deploymentScript.durationMs ?? this.timing.deploymentMs,
      result: this.deploymentScript.result,
      extraLines: [...(this.deploymentScript.extraLines ?? [])],
      cancelled: false
    }
    this.deployments.set(d.id, d)
    this.advanceDeployment(s, d, now)
    return d
  }

  /** Stops a deployment: queued ones never start, running ones end failed with their update. */
  cancelDeployment(s: StackState, d: DeploymentState, now = Date.now()): void {
    this.advanceDeployment(s, d, now)
    if (d.status === 'succeeded' || d.status === 'failed' || d.status === 'skipped') return
    const update = s.updates.find(u => u.updateID === d.updateId)
    if (update) this.cancelUpdate(s, update, now)
    d.cancelled = true
    d.status = 'failed'
    d.modified = now
  }

  /** A queued deployment starts once the stack is free; a running one ends after its duration. */
  private advanceDeployment(s: StackState, d: DeploymentState, now: number): void {
    if (d.status === 'succeeded' || d.status === 'failed' || d.status === 'skipped') return
    if (d.startedAt === undefined) {
      if (s.currentOperation) return
      d.startedAt = now
      d.status = 'running'
      d.modified = now
      const kind = updateKindOf(d.operation)
      // The Pulumi step runs in the middle of the deployment, as on the service.
      const update = this.startUpdate(s, kind, {
        login: d.requestedBy,
        durationMs: d.durationMs * 0.9,
        result: d.result,
        message: `Deployment #${d.version}`,
        events: deploymentEvents(s, kind, d.result, Math.floor(now / 1000)),
        environment: deploymentEnvironment(d),
        now,
        ...(kind === 'update'
          ? {
              onSuccess: (stack: StackState) => {
                stack.resourceCount += 1
              }
            }
          : {})
      })
      d.updateId = update.updateID
    }
    if (now >= d.startedAt + d.durationMs) {
      const update = s.updates.find(u => u.updateID === d.updateId)
      const sim = update ? this.simulated.get(update.updateID) : undefined
      if (sim) this.finishUpdate(s, sim, sim.result, now)
      d.status = d.result
      d.modified = d.startedAt + d.durationMs
    }
  }

  // -------------------------------------------------------------- audit log

  private pushAudit(e: SeedAuditEvent): AuditEntry {
    const entry: AuditEntry = { ...e, seq: this.auditSeq++ }
    let list = this.audit.get(e.org)
    if (!list) {
      list = []
      this.audit.set(e.org, list)
    }
    // keep newest first; new events are almost always the newest, so scan from the front
    let i = 0
    while (i < list.length && compareAudit(list[i] as AuditEntry, entry) > 0) i++
    list.splice(i, 0, entry)
    return entry
  }

  /** Record a mutation in the audit log of `org`. */
  recordAudit(
    org: string,
    p: Principal | string,
    sourceIP: string,
    event: string,
    description: string,
    flags: { reqOrgAdmin?: boolean; reqStackAdmin?: boolean } = {}
  ): void {
    if (!this.orgs.has(org)) return
    this.pushAudit({
      org,
      timestamp: nowSeconds(),
      sourceIP,
      event,
      description,
      login: typeof p === 'string' ? p : p.login,
      reqOrgAdmin: flags.reqOrgAdmin ?? false,
      reqStackAdmin: flags.reqStackAdmin ?? false,
      authFailure: false,
      ...(typeof p !== 'string' && p.token.kind !== 'personal'
        ? { tokenID: p.token.id, tokenName: p.token.name }
        : {})
    })
  }

  /** Number of synthetic audit events for an org (only "acme" gets them). */
  generatedAuditCount(org: string): number {
    return org === BIG_ORG ? this.generate.auditEvents : 0
  }

  /**
   * Walk an org's audit log newest first, starting strictly after `cursor` (ts, seq), merging
   * the stored events with the generated ones without materialising the latter.
   */
  *auditFrom(org: string, cursor: AuditCursor | undefined): Generator<AuditEntry> {
    const live = this.audit.get(org) ?? []
    let li = 0
    if (cursor) while (li < live.length && !before(live[li] as AuditEntry, cursor)) li++
    const n = this.generatedAuditCount(org)
    let gi = 0
    if (cursor && n > 0) {
      // generated event i has timestamp BASE - i*STEP and seq -(i+1); find the first one
      // that sorts after the cursor
      const base = generatedAuditTimestamp(0)
      gi = Math.max(0, Math.ceil((base - cursor.ts) / (base - generatedAuditTimestamp(1))))
      while (gi < n && !before(genEntry(org, gi), cursor)) gi++
    }
    let g: AuditEntry | undefined = gi < n ? genEntry(org, gi) : undefined
    for (;;) {
      const l = live[li]
      if (!l && !g) return
      if (l && (!g || compareAudit(l, g) > 0)) {
        li++
        yield l
      } else if (g) {
        yield g
        gi++
        g = gi < n ? genEntry(org, gi) : undefined
      }
    }
  }
}

export interface AuditCursor {
  ts: number
  seq: number
}

function genEntry(org: string, i: number): AuditEntry {
  return { ...generatedAuditEvent(org, i), seq: -(i + 1) }
}

/** >0 when a is newer than b */
function compareAudit(
  a: { timestamp: number; seq: number },
  b: { timestamp: number; seq: number }
): number {
  return a.timestamp !== b.timestamp ? a.timestamp - b.timestamp : a.seq - b.seq
}

function before(e: AuditEntry, c: AuditCursor): boolean {
  return e.timestamp < c.ts || (e.timestamp === c.ts && e.seq < c.seq)
}

export function newId(): string {
  return randomUUID()
}

/** A stand-in for the service's encrypted webhook secret: stable, and not the secret itself. */
export function secretCiphertext(secret: string | undefined): string {
  if (!secret) return ''
  return `AAABA${createHash('sha256').update(`webhook:${secret}`).digest('base64')}`
}
