/**
 * The middle test layer: a command's run() called with a context built here, talking real
 * HTTP to the emulator, its log lines collected and its cancellation signal in the test's hand.
 */
import { PulumiCloud, type PlannedRequest } from '../../src/api/client.js'
import type { CommandContext } from '../../src/commands/types.js'
import type { RunningEmulator } from '../../emulator/index.js'

export interface TestContext {
  context: CommandContext
  /** info lines, warnings prefixed with "warning: " */
  log: string[]
  planned: PlannedRequest[]
  masked: string[]
  /** aborts the context's signal, as SIGTERM does in main */
  cancel(): void
  dispose(): void
}

export function testContext(
  emulator: RunningEmulator,
  options: { dryRun?: boolean; workDir?: string } = {}
): TestContext {
  const api = new PulumiCloud({
    baseUrl: emulator.url,
    token: emulator.token,
    userAgent: 'pulumi-cloud-action-tests',
    timeoutSeconds: 10,
    retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 }
  })
  const controller = new AbortController()
  const log: string[] = []
  const planned: PlannedRequest[] = []
  const masked: string[] = []
  const dryRun = options.dryRun === true
  const context: CommandContext = {
    api,
    dryRun,
    multiStack: false,
    consoleUrl: 'https://app.pulumi.com',
    workDir: options.workDir ?? '/tmp/pulumi-cloud-action-tests',
    info: message => log.push(message),
    warning: message => log.push(`warning: ${message}`),
    mask: secret => masked.push(secret),
    signal: controller.signal,
    write: async <T>(method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown) => {
      if (dryRun) {
        planned.push(body === undefined ? { method, path } : { method, path, body })
        return undefined
      }
      return api.send<T>(method, path, body)
    }
  }
  return {
    context,
    log,
    planned,
    masked,
    cancel: () => {
      controller.abort(new Error('The job was cancelled (SIGTERM).'))
    },
    dispose: () => {
      api.dispose()
    }
  }
}
