/**
 * import-stack: restores a file export-stack wrote. Everything that can be checked is checked
 * before the one write: the file is a whole export document (and, from a backup directory, the
 * bytes manifest.json recorded), it is the state of the stack it goes into, and the stack has
 * not changed since the backup. The file is then streamed to `POST …/import` as it is, and the
 * import update is waited for.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readFile, realpath, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { DeploymentScanner, type DeploymentFacts } from '../api/deployment-scanner.js'
import { PulumiApiError } from '../api/errors.js'
import { limits } from '../api/limits.js'
import { stackName, stackPath, type StackRef } from '../api/paths.js'
import { readImportAnswer, readResourceCount, readUpdateList } from '../api/readers/stacks.js'
import type { UpdateSummary } from '../api/types.js'
import { isBelow, pathInside } from '../files.js'
import { CancelledError, DEFAULT_TIMEOUT_MINUTES, WaitTimeoutError } from '../poll.js'
import { formatTime } from '../render/markdown.js'
import { renderImports, type ImportRecord } from '../render/stack-import.js'
import { waitForUpdate } from './stack-operations.js'
import type { ManifestEntry } from './stacks.js'
import { defineCommand, type Command, type CommandContext, type CommandOutcome } from './types.js'

/** Where the bytes to restore are, and what the backup recorded about them. */
interface Backup {
  file: string
  /** The manifest.json line of the stack, when restoring from a backup directory. */
  entry?: ManifestEntry
}

/** The file as read just now: its size, hash and what the scanner found in it. */
interface CheckedFile {
  bytes: number
  sha256: string
  facts: DeploymentFacts
}

/** The moment the backup stands for, and what to call it in a message. */
interface BackupTime {
  ms: number
  label: string
  /** export: any update that ended after it; checkpoint: see changedAfter. */
  kind: 'export' | 'checkpoint'
}

const SHA256 = /^[0-9a-f]{64}$/
/**
 * The engine writes a checkpoint's manifest.time moments before the service records the end of
 * the update that wrote it: an update ending this much later is that update, not a change.
 */
const CHECKPOINT_SLACK_MS = 60_000
/** How many of the newest updates the freshness check reads (the newest finished one decides). */
const FRESHNESS_PAGE_SIZE = 10

const manifests = new WeakMap<CommandContext, Map<string, Promise<ManifestEntry[]>>>()

/** A backup directory's manifest.json, read once per run however many stacks use it. */
function manifestOf(context: CommandContext, directory: string): Promise<ManifestEntry[]> {
  let byDirectory = manifests.get(context)
  if (byDirectory === undefined) {
    byDirectory = new Map()
    manifests.set(context, byDirectory)
  }
  let pending = byDirectory.get(directory)
  if (pending === undefined) {
    pending = readManifest(directory)
    byDirectory.set(directory, pending)
  }
  return pending
}

async function readManifest(directory: string): Promise<ManifestEntry[]> {
  const file = pathInside(directory, 'manifest.json')
  const info = await lstat(file).catch(() => undefined)
  if (info === undefined || !info.isFile())
    throw new Error(
      `${file} is missing (or not a regular file): path must be the directory export-stack wrote for several stacks, holding manifest.json, or the export file itself.`
    )
  if (info.size > limits().maxJsonBodyBytes)
    throw new Error(`${file} is ${info.size} bytes, too large to be an export manifest.`)
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new Error(
      `${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); restore it from the backup.`
    )
  }
  const stacks = (parsed as { stacks?: unknown } | null)?.stacks
  if (!Array.isArray(stacks))
    throw new Error(`${file} has no "stacks" list: it is not a manifest export-stack wrote.`)
  return stacks.filter(
    (entry): entry is ManifestEntry =>
      typeof entry === 'object' &&
      entry !== null &&
      typeof (entry as ManifestEntry).stack === 'string'
  )
}

/** The manifest line of `stack`, each field checked: it comes from a file anyone may have edited. */
function entryFor(entries: ManifestEntry[], stack: StackRef, manifest: string): ManifestEntry {
  const name = stackName(stack)
  const matching = entries.filter(entry => entry.stack === name)
  if (matching.length === 0)
    throw new Error(
      `${manifest} lists no export of ${name}, so there is nothing to restore it from; leave it out of stack, or export it first.`
    )
  if (matching.length > 1)
    throw new Error(`${manifest} lists ${name} ${matching.length} times; restore it from one file.`)
  const entry = matching[0] as ManifestEntry
  const valid =
    typeof entry.path === 'string' &&
    entry.path !== '' &&
    typeof entry.sha256 === 'string' &&
    SHA256.test(entry.sha256) &&
    Number.isSafeInteger(entry.bytes) &&
    entry.bytes >= 0 &&
    typeof entry.exportedAt === 'string' &&
    Number.isFinite(Date.parse(entry.exportedAt))
  if (!valid)
    throw new Error(
      `${manifest}: the entry of ${name} lacks a valid path, bytes, sha256 or exportedAt; it was not written by export-stack, or was edited.`
    )
  return entry
}

/** The entry's file, refused unless it is (symbolic links resolved) inside `directory`. */
async function fileInside(directory: string, entry: ManifestEntry): Promise<string> {
  const refused = new Error(
    `manifest.json names ${JSON.stringify(entry.path.slice(0, 200))} for ${entry.stack}, which is not a plain path inside ${directory}; nothing was read or sent. Only files inside the backup directory are restored.`
  )
  // export-stack writes org/project/stack.json: relative, `/`-separated, plain segments.
  const segments = entry.path.split('/')
  if (segments.some(segment => ['', '.', '..'].includes(segment) || segment.includes('\\')))
    throw refused
  const file = pathInside(directory, ...segments)
  const [base, target] = await Promise.all([
    realpath(directory),
    realpath(file).catch(() => {
      throw new Error(
        `${file}, the export of ${entry.stack} listed in manifest.json, is missing; restore the whole backup directory.`
      )
    })
  ])
  if (!isBelow(base, target)) throw refused
  return target
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false
}

/**
 * Several stacks: each from its line of the directory's manifest.json. One stack: `path` is the
 * export file, or a backup directory holding manifest.json.
 */
async function locateBackup(
  context: CommandContext,
  stack: StackRef,
  path: string
): Promise<Backup> {
  const mode = context.stackMode
  const directory =
    mode.kind === 'several'
      ? mode.directory
      : /[\\/]$/.test(path) || (await isDirectory(path))
        ? resolve(path)
        : undefined
  if (directory === undefined) return { file: resolve(path) }
  const manifest = resolve(directory, 'manifest.json')
  const entry = entryFor(await manifestOf(context, directory), stack, manifest)
  return { file: await fileInside(directory, entry), entry }
}

/** Reads the file once: size, SHA-256, and whether it is a whole export document. */
async function checkFile(backup: Backup): Promise<CheckedFile> {
  const info = await stat(backup.file).catch(() => undefined)
  if (info === undefined || !info.isFile())
    throw new Error(`${backup.file} does not exist or is not a file; path must name an export.`)
  const hash = createHash('sha256')
  const scanner = new DeploymentScanner()
  let bytes = 0
  for await (const chunk of createReadStream(backup.file)) {
    const buffer = chunk as Buffer
    hash.update(buffer)
    scanner.write(buffer)
    bytes += buffer.length
  }
  const sha256 = hash.digest('hex')
  const entry = backup.entry
  if (entry && (entry.sha256 !== sha256 || entry.bytes !== bytes))
    throw new Error(
      `${backup.file} is not the file exported for ${entry.stack}: its sha256 is ${sha256} (${bytes} bytes), manifest.json recorded ${entry.sha256} (${entry.bytes} bytes). It was changed or damaged after the export, so nothing was sent; restore the file from the backup, or export the stack again.`
    )
  let facts: DeploymentFacts
  try {
    facts = scanner.finish()
  } catch (error) {
    throw new Error(
      `${backup.file} is not a complete export: ${error instanceof Error ? error.message : String(error)}. Nothing was sent.`
    )
  }
  if (facts.version === undefined || !Number.isInteger(facts.version) || facts.version < 1)
    throw new Error(
      `${backup.file} is not an export document: it has no whole-number "version" at the top (export-stack and pulumi stack export write {"version", "deployment"}). Nothing was sent.`
    )
  if (facts.hasDeployment !== true)
    throw new Error(
      `${backup.file} is not an export document: it has no "deployment" object at the top (export-stack and pulumi stack export write {"version", "deployment"}). Nothing was sent.`
    )
  return { bytes, sha256, facts }
}

/** When the backup was taken: the manifest's exportedAt, else the checkpoint's own time. */
function backupTime(backup: Backup, facts: DeploymentFacts): BackupTime | undefined {
  if (backup.entry)
    return {
      ms: Date.parse(backup.entry.exportedAt),
      label: `the export at ${backup.entry.exportedAt}`,
      kind: 'export'
    }
  const ms = Date.parse(facts.manifestTime ?? '')
  // Go's zero time (0001-01-01), written by tools that never set it, records no moment.
  if (!Number.isFinite(ms) || ms <= 0) return undefined
  return { ms, label: `the file's checkpoint time ${facts.manifestTime ?? ''}`, kind: 'checkpoint' }
}

/**
 * Both rules take an update's end at the latest it may have been: the service records whole
 * seconds (truncated), so an update ending 0.7 s after an export shows the export's second and
 * must still count as after it. A start time is taken as recorded: only an update known to have
 * begun after the checkpoint counts by its start (the one that wrote it began before).
 */
function changedAfter(update: UpdateSummary, since: BackupTime): boolean {
  const { startTime, endTime } = update.info
  if (endTime === undefined || endTime <= 0) return false
  const latestEndMs = (endTime + 1) * 1000
  if (since.kind === 'export') return latestEndMs > since.ms
  const started = startTime * 1000 > since.ms
  return started || latestEndMs > since.ms + CHECKPOINT_SLACK_MS
}

/** Why importing would undo something, or undefined when the stack has not changed. */
async function staleness(
  context: CommandContext,
  stack: StackRef,
  since: BackupTime | undefined
): Promise<string | undefined> {
  if (since === undefined)
    return `the file records no time (no manifest.json entry, and deployment.manifest.time is absent or Go's zero time), so whether ${stackName(stack)} changed since cannot be told`
  const { updates } = await context.api.getJson(
    stackPath(stack, 'updates'),
    { 'output-type': 'service', page: 1, pageSize: FRESHNESS_PAGE_SIZE },
    readUpdateList
  )
  const change = updates.find(update => changedAfter(update, since))
  if (change === undefined) return undefined
  const by = change.requestedBy?.githubLogin ?? change.requestedBy?.name
  return `${stackName(stack)} changed after ${since.label}: its ${change.info.kind} ${change.updateID} (version ${change.version}${typeof by === 'string' ? `, by ${by}` : ''}) finished at ${formatTime(change.info.endTime)}, and importing the file would undo it`
}

/** The project and stack the state is of, read from its root resource's URN. */
function otherStack(facts: DeploymentFacts, stack: StackRef): string | undefined {
  const match = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(facts.stackUrn ?? '')
  if (!match) return undefined
  const [, urnStack, urnProject] = match as unknown as [string, string, string]
  if (urnStack === stack.stack && urnProject === stack.project) return undefined
  return `the file is the state of stack ${urnStack} of project ${urnProject} (its root resource's URN says so), not of ${stackName(stack)}; imported there, its resources would keep URNs naming the other stack`
}

async function resourceCount(context: CommandContext, stack: StackRef): Promise<number> {
  const answer = await context.api.getJson(
    stackPath(stack, 'resources', 'count'),
    {},
    readResourceCount
  )
  return answer.resourceCount
}

/** The checks force: true may override: each refuses with what to do, or is recorded. */
function settle(reasons: string[], force: boolean | undefined, context: CommandContext): string[] {
  if (reasons.length === 0) return []
  if (force !== true)
    throw new Error(
      `Refused to import: ${reasons.join('; and ')}. Nothing was sent. Export the stack again (export-stack) to back up what it holds now, or set force: true to restore this file anyway.`
    )
  for (const reason of reasons) context.warning(`force: true: importing although ${reason}.`)
  return reasons
}

/** POST …/import with the file's bytes; the service's refusals get a hint of what to do. */
async function sendImport(
  context: CommandContext,
  stack: StackRef,
  backup: Backup,
  checked: CheckedFile
): Promise<string | undefined> {
  const path = stackPath(stack, 'import')
  try {
    const written = await context.writeFile(
      'POST',
      path,
      { path: backup.file, bytes: checked.bytes, sha256: checked.sha256 },
      readImportAnswer
    )
    if (!written.sent) return undefined
    const { updateId } = written.response
    if (updateId === undefined)
      throw new Error(
        `Pulumi Cloud accepted the import into ${stackName(stack)} but answered without an update ID; the state may have been replaced: check it with get-stack and list-updates before trying again.`
      )
    return updateId
  } catch (error) {
    if (error instanceof PulumiApiError && error.status === 409)
      throw new Error(
        `${error.message}. An update is running on ${stackName(stack)}; set wait-if-busy: true to wait for it, then import.`
      )
    if (error instanceof PulumiApiError && error.status === 400)
      throw new Error(
        `${error.message}. Pulumi Cloud refused the file for ${stackName(stack)}: a state whose secrets are encrypted by another stack's Pulumi Cloud secrets provider imports only into that stack, and the deployment version must be one the service reads.`
      )
    throw error
  }
}

/**
 * Waits for the import update. A timeout or the job's cancellation stops the waiting, not the
 * import: the service replaces the state in one step, and cancelling that half-way would leave
 * nobody sure what the stack holds. The update is reported as still running instead.
 */
async function waitForImport(
  context: CommandContext,
  stack: StackRef,
  updateId: string,
  minutes: number
): Promise<{ status: string; stopped?: string }> {
  try {
    return {
      // The run's deadline: time spent waiting for a free stack (wait-if-busy) counts too.
      status: await waitForUpdate(context, stack, updateId, 'import', context.deadline)
    }
  } catch (error) {
    const check = `check it with wait-for-stack (update-id: ${updateId}) before anything else changes ${stackName(stack)}`
    if (error instanceof WaitTimeoutError)
      return {
        status: 'running',
        stopped: `The import update ${updateId} of ${stackName(stack)} did not end within timeout-minutes (${minutes}); it was left running (an import is not cancelled half-way): ${check}.`
      }
    if (error instanceof CancelledError)
      return {
        status: 'running',
        stopped: `${error.message} The import update ${updateId} of ${stackName(stack)} was left to finish (an import is not cancelled half-way): ${check}.`
      }
    throw error
  }
}

function outcomeOf(record: ImportRecord, failure: string | undefined): CommandOutcome {
  return {
    result: record,
    outputs: {
      'update-id': record.updateId ?? '',
      status: record.status,
      sha256: record.sha256,
      'resource-count': record.resourcesInFile,
      'resource-count-before': record.resourcesBefore
    },
    summary: renderImports([record]),
    ...(failure === undefined ? {} : { failure })
  }
}

function failureOf(record: ImportRecord, stopped: string | undefined): string | undefined {
  if (stopped !== undefined) return stopped
  if (record.status === 'succeeded' || record.status === 'planned') return undefined
  return `The import update ${record.updateId ?? ''} of ${record.stack} ended ${record.status}. Check what the stack holds now (export-stack) before importing again.`
}

const importStack = defineCommand({
  name: 'import-stack',
  area: 'stacks',
  description:
    "Restore a stack's state from a file export-stack wrote (or a backup directory with its manifest.json): checks the file's sha256 and that the stack has not changed since the export, streams it to the import endpoint as it is, and waits for the import update.",
  required: ['stack', 'path'],
  optional: ['force', 'waitIfBusy', 'timeoutMinutes'],
  mutates: true,
  perStack: true,
  outputs: {
    'update-id': 'The import update (empty under dry-run).',
    status:
      "The import update's final status (succeeded, failed); running when the wait ended first; planned under dry-run.",
    sha256: 'SHA-256 of the imported file.',
    'resource-count': 'Number of resources in the imported file.',
    'resource-count-before': 'Number of resources the stack had before the import.'
  },
  async run(context, { stack, path, force, timeoutMinutes }) {
    const backup = await locateBackup(context, stack, path)
    const checked = await checkFile(backup)
    if (backup.entry?.stale)
      context.warning(
        `manifest.json marks the export of ${backup.entry.stack} as stale: it is from an earlier run (${backup.entry.exportedAt}), the latest export of it failed.`
      )
    const since = backupTime(backup, checked.facts)
    const resourcesBefore = await resourceCount(context, stack)
    const reasons = [
      otherStack(checked.facts, stack),
      await staleness(context, stack, since)
    ].filter((reason): reason is string => reason !== undefined)
    const overridden = settle(reasons, force, context)
    const updateId = await sendImport(context, stack, backup, checked)
    const record: ImportRecord = {
      stack: stackName(stack),
      file: backup.file,
      bytes: checked.bytes,
      sha256: checked.sha256,
      status: 'planned',
      ...(since === undefined ? {} : { backupTime: new Date(since.ms).toISOString() }),
      resourcesBefore,
      resourcesInFile: checked.facts.resourceCount,
      overridden
    }
    if (updateId === undefined) return outcomeOf(record, undefined)
    record.updateId = updateId
    const waited = await waitForImport(
      context,
      stack,
      updateId,
      timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES
    )
    record.status = waited.status
    if (waited.stopped === undefined) record.resourcesAfter = await resourceCount(context, stack)
    return outcomeOf(record, failureOf(record, waited.stopped))
  },
  combine(_context, outcomes) {
    const records = outcomes.map(({ outcome }) => outcome.result as ImportRecord)
    const failures = outcomes.flatMap(({ outcome }) =>
      outcome.failure === undefined ? [] : [outcome.failure]
    )
    const statuses = new Set(records.map(record => record.status))
    return {
      result: records,
      outputs: {
        count: records.length,
        status: statuses.size === 1 ? ([...statuses][0] ?? '') : 'mixed',
        'resource-count': records.reduce((sum, record) => sum + record.resourcesInFile, 0),
        'resource-count-before': records.reduce((sum, record) => sum + record.resourcesBefore, 0)
      },
      summary: renderImports(records),
      ...(failures.length === 0 ? {} : { failure: failures.join('\n') })
    }
  }
})

export const stackImportCommands: Command[] = [importStack]
