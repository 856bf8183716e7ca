// Public entry point: start a local Pulumi Cloud emulator for tests, demos and benchmarks.

import { fileURLToPath } from 'node:url'
import type { FaultRule } from './faults.js'
import { auditRoutes } from './routes/audit.js'
import { memberRoutes } from './routes/members.js'
import { oauthRoutes } from './routes/oauth.js'
import { resourceRoutes } from './routes/resources.js'
import { stackRoutes } from './routes/stacks.js'
import { teamRoutes } from './routes/teams.js'
import { tokenRoutes } from './routes/tokens.js'
import { updateRoutes } from './routes/updates.js'
import { deploymentRoutes, operationRoutes } from './routes/deployments.js'
import { clientUpdateRoutes } from './routes/client-updates.js'
import type { Timing } from './operations.js'
import { webhookRoutes } from './routes/webhooks.js'
import { EmulatorServer, type RecordedRequest } from './server.js'
import { EmulatorState, loadSeedFile, validateSeed } from './state.js'
import type { GenerateOptions, SeedData } from './types.js'

export type { FaultKind, FaultRule } from './faults.js'
export type { RecordedRequest } from './server.js'
export { EmulatorState, type HookScope } from './state.js'
export type { GenerateOptions, SeedData } from './types.js'
export type { DeploymentScript, Timing } from './operations.js'
export { bigStateChunks, BIG_UPDATE_ID } from './generate.js'

export interface EmulatorOptions {
  port?: number
  host?: string
  /** seed data, or a path to a seed JSON file; defaults to emulator/seed.json */
  seed?: SeedData | string
  generate?: GenerateOptions
  /** how long simulated updates and deployments take (defaults: fast, for tests) */
  timing?: Partial<Timing>
}

export interface RunningEmulator {
  url: string
  port: number
  /** a valid access token from the seed ("pul-emulator-token" for the default seed) */
  token: string
  /** live state, for direct assertions in tests */
  state: EmulatorState
  /** every API request (not /__emulator/*), in order */
  requests: RecordedRequest[]
  /** peak concurrent API requests since the last resetStats() */
  maxInFlight(): number
  /** resets maxInFlight and clears `requests` */
  resetStats(): void
  addFault(rule: FaultRule): void
  clearFaults(): void
  /** closes the server and destroys open sockets */
  close(): Promise<void>
}

export const DEFAULT_SEED_PATH = fileURLToPath(new URL('./seed.json', import.meta.url))

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const seed =
    typeof options.seed === 'object'
      ? validateSeed(options.seed)
      : loadSeedFile(options.seed ?? DEFAULT_SEED_PATH)
  const state = new EmulatorState(seed, options.generate, options.timing)
  const server = new EmulatorServer(state, [
    ...stackRoutes,
    ...updateRoutes,
    ...operationRoutes,
    ...clientUpdateRoutes,
    ...deploymentRoutes,
    ...auditRoutes,
    ...resourceRoutes,
    ...memberRoutes,
    ...teamRoutes,
    ...tokenRoutes,
    ...webhookRoutes,
    ...oauthRoutes
  ])
  const host = options.host ?? '127.0.0.1'
  const port = await server.listen(options.port ?? 0, host)
  const token = seed.tokens.find(t => t.expires === 0 || t.expires > Date.now() / 1000)?.value ?? ''
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    token,
    state,
    requests: server.requests,
    maxInFlight: () => server.maxInFlight(),
    resetStats: () => {
      server.resetStats()
    },
    addFault: rule => {
      server.faults.add(rule)
    },
    clearFaults: () => {
      server.faults.clear()
    },
    close: () => server.close()
  }
}
