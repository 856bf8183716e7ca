/**
 * One emulator per test file or per test, and the helpers every suite uses on it: running the
 * action pointed at it, and reading what it received. Suites that run tests concurrently
 * (fault rules are global to an emulator) use `withEmulator` instead, one emulator per test.
 */
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../emulator/index.js'
import { runAction, runDist, type ActionRun } from './action.js'

/** The inputs that point the action at `emulator`, logged in with its seed token. */
export function connection(
  emulator: RunningEmulator,
  token = emulator.token
): Record<string, string> {
  return { 'api-url': emulator.url, 'access-token': token }
}

/** Requests the emulator received for `method` on paths matching `pattern`. */
export function requestsTo(
  emulator: RunningEmulator,
  method: string,
  pattern: RegExp
): RunningEmulator['requests'] {
  return emulator.requests.filter(
    request => request.method === method && pattern.test(request.path)
  )
}

/** Starts an emulator for `body` and always closes it, whatever `body` does. */
export async function withEmulator<T>(
  options: EmulatorOptions,
  body: (emulator: RunningEmulator) => Promise<T>
): Promise<T> {
  const emulator = await startEmulator(options)
  try {
    return await body(emulator)
  } finally {
    await emulator.close()
  }
}

/** A request that changed something, with its JSON body parsed. */
export interface WriteRequest {
  method: string
  path: string
  body: unknown
}

/**
 * The running emulator of the current test (its members read through to it) plus the
 * helpers the suites share, as arrow properties so they can be destructured. `close` is left
 * out: the hooks own the emulator's lifetime.
 */
export interface EmulatorHandle extends Omit<RunningEmulator, 'close'> {
  /** The emulator itself, for helpers that take a RunningEmulator. */
  readonly running: RunningEmulator
  /** Inputs pointing the action at the emulator (`token` replaces the seed token). */
  connection: (token?: string) => Record<string, string>
  /** runAction with the connection inputs first, so `inputs` may override them. */
  run: (inputs: Record<string, string>, env?: Record<string, string>) => Promise<ActionRun>
  /** runDist (the bundled action) with the connection inputs first. */
  runDist: (inputs: Record<string, string>, env?: Record<string, string>) => Promise<ActionRun>
  /** The requests that changed something (everything but GET), bodies parsed. */
  writes: () => WriteRequest[]
  /** Where the writes went: method, path and query string, bodies left out. */
  writeTargets: () => { method: string; path: string; query: string }[]
  requestsTo: (method: string, pattern: RegExp) => RunningEmulator['requests']
  /** Replaces the emulator with a fresh one started with `options` (e.g. generated data). */
  restart: (options?: EmulatorOptions) => Promise<void>
}

export interface UseEmulatorOptions {
  /**
   * 'each' (default): a fresh emulator, state and all, for every test. 'all': one for the
   * file, with its requests, in-flight peak and fault rules reset before every test.
   */
  scope?: 'each' | 'all'
  /** Passed to startEmulator; a function is called when the emulator starts. */
  emulator?: EmulatorOptions | (() => EmulatorOptions)
}

/** Registers the hooks that start and close the emulator, and returns the handle to it. */
export function useEmulator(options: UseEmulatorOptions = {}): EmulatorHandle {
  let current: RunningEmulator | undefined
  const running = (): RunningEmulator => {
    if (current === undefined) throw new Error('the emulator runs only inside a test')
    return current
  }
  const stop = async (): Promise<void> => {
    await current?.close()
    current = undefined
  }
  const start = async (settings = options.emulator): Promise<void> => {
    await stop()
    current = await startEmulator(typeof settings === 'function' ? settings() : settings)
  }
  if (options.scope === 'all') {
    beforeAll(() => start())
    afterAll(stop)
    beforeEach(() => {
      running().resetStats()
      running().clearFaults()
    })
  } else {
    beforeEach(() => start())
    afterEach(stop)
  }

  return {
    get running() {
      return running()
    },
    get url() {
      return running().url
    },
    get port() {
      return running().port
    },
    get token() {
      return running().token
    },
    get state() {
      return running().state
    },
    get requests() {
      return running().requests
    },
    maxInFlight: () => running().maxInFlight(),
    resetStats: () => {
      running().resetStats()
    },
    addFault: rule => {
      running().addFault(rule)
    },
    clearFaults: () => {
      running().clearFaults()
    },
    connection: token => connection(running(), token),
    run: (inputs, env) => runAction({ ...connection(running()), ...inputs }, env),
    runDist: (inputs, env) => runDist({ ...connection(running()), ...inputs }, env),
    writes: () =>
      running()
        .requests.filter(request => request.method !== 'GET')
        .map(({ method, path, body }) => ({
          method,
          path,
          body: body ? (JSON.parse(body) as unknown) : undefined
        })),
    writeTargets: () =>
      running()
        .requests.filter(request => request.method !== 'GET')
        .map(({ method, path, query }) => ({ method, path, query })),
    requestsTo: (method, pattern) => requestsTo(running(), method, pattern),
    restart: settings => start(settings)
  }
}
