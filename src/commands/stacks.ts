import { lstat, readFile, rm, stat } from 'node:fs/promises'
import { relative, resolve, sep } from 'node:path'
import { DeploymentScanner } from '../api/deployment-scanner.js'
import { limits } from '../api/limits.js'
import { directoryInside, fileNameSegment, pathInside, writeFileAtomic } from '../files.js'
import { plaintexts, withoutPlaintext } from '../state-secrets.js'
import { stackName, stackPath, type StackRef } from '../api/paths.js'
import { PulumiApiError } from '../api/errors.js'
import { readStack } from '../api/readers/stacks.js'
import { InputError } from '../input-parsers.js'
import {
  renderExports,
  renderStack,
  renderStackDeletion,
  renderStackList,
  renderTagChanges,
  renderTagDeletion,
  renderTransfer,
  type ExportRecord,
  type ListedStack,
  type TagChange
} from '../render/stacks.js'
import { renderStackFailures } from '../render/failures.js'
import { listStacks } from '../stack-resolution.js'
import { defineCommand, type Command, type CommandContext } from './types.js'

/** Where one stack's export goes; server names never leave the directory the user chose. */
async function exportPath(
  context: CommandContext,
  stack: StackRef,
  path: string | undefined
): Promise<string> {
  const mode = context.stackMode
  if (mode.kind === 'several') {
    const directory = await directoryInside(
      mode.directory,
      fileNameSegment(stack.organization, 'organization'),
      fileNameSegment(stack.project, 'project')
    )
    return pathInside(directory, `${fileNameSegment(stack.stack, 'stack')}.json`)
  }
  const fileName = `${fileNameSegment(stack.organization, 'organization')}-${fileNameSegment(stack.project, 'project')}-${fileNameSegment(stack.stack, 'stack')}.json`
  if (path === undefined) return pathInside(await directoryInside(context.workDir), fileName)
  // `path: backups/` (or an existing directory) means a directory: the file goes inside it.
  if (/[\\/]$/.test(path) || (await isDirectory(path)))
    return pathInside(await directoryInside(path), fileName)
  return resolve(path)
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

/** One line of manifest.json. */
export interface ManifestEntry {
  stack: string
  /** Relative to the manifest's directory, with `/` separators. */
  path: string
  bytes: number
  sha256: string
  resourceCount: number
  exportedAt: string
  /** Set when this run failed to export the stack: the file is the earlier run's. */
  stale?: true
}

/** The entries of the manifest an earlier run left, or none when there is no readable one. */
async function previousManifest(file: string): Promise<ManifestEntry[]> {
  try {
    const info = await lstat(file)
    if (!info.isFile() || info.size > limits().maxJsonBodyBytes) return []
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { stacks?: unknown }
    if (!Array.isArray(parsed.stacks)) return []
    return parsed.stacks.filter(
      (entry): entry is ManifestEntry =>
        typeof entry === 'object' &&
        entry !== null &&
        typeof (entry as ManifestEntry).stack === 'string' &&
        typeof (entry as ManifestEntry).path === 'string'
    )
  } catch {
    return []
  }
}

/**
 * Makes the directory hold exactly what the new manifest lists: the files an earlier
 * manifest listed for stacks this run no longer exports are removed; a stack this run tried
 * and failed keeps its earlier file, listed as stale. Only regular `.json` files inside the
 * directory are ever removed.
 */
async function settleDirectory(
  directory: string,
  previous: ManifestEntry[],
  written: ManifestEntry[],
  unfinished: Set<string>,
  warning: (message: string) => void
): Promise<ManifestEntry[]> {
  const current = new Set(written.map(entry => entry.path))
  const kept: ManifestEntry[] = []
  for (const entry of previous) {
    if (current.has(entry.path) || !entry.path.endsWith('.json')) continue
    let file: string
    try {
      file = pathInside(directory, ...entry.path.split('/'))
    } catch {
      continue
    }
    const info = await lstat(file).catch(() => undefined)
    if (info === undefined || !info.isFile()) continue
    if (unfinished.has(entry.stack)) {
      kept.push({ ...entry, stale: true })
      continue
    }
    await rm(file, { force: true })
    warning(
      `Removed ${entry.path}: the earlier export of ${entry.stack}, which this run no longer exports.`
    )
  }
  return [...written, ...kept]
}

const exportStack = defineCommand({
  name: 'export-stack',
  area: 'stacks',
  description:
    "Export a stack's state (checkpoint) to a file, streamed to disk, with its size, sha256, resource count and outputs.",
  required: ['stack'],
  optional: ['version', 'path'],
  mutates: false,
  perStack: true,
  outputs: {
    path: 'The exported file (several stacks: the directory holding them and manifest.json).',
    bytes: 'Size of the export in bytes.',
    sha256: 'SHA-256 of the exported file.',
    'resource-count': 'Number of resources in the state.',
    'stack-outputs':
      'The stack\'s outputs as JSON (secrets stay ciphertext; a plaintext secret becomes "[secret]").'
  },
  async run(context, { stack, version, path }) {
    const destination = await exportPath(context, stack, path)
    const apiPath =
      version === undefined ? stackPath(stack, 'export') : stackPath(stack, 'export', version)
    const saved = await context.api.download(apiPath, {}, destination, {
      inspector: () => new DeploymentScanner()
    })
    const facts = saved.inspected ?? { resourceCount: 0, stackOutputs: {} }
    // A plaintext secret in the state (a hostile or misconfigured service) is masked in the
    // log and redacted everywhere else, and never copied out of the export file.
    for (const secret of plaintexts(facts.stackOutputs)) context.mask(secret)
    const record: ExportRecord = {
      stack: stackName(stack),
      path: saved.path,
      bytes: saved.bytes,
      sha256: saved.sha256,
      resourceCount: facts.resourceCount,
      exportedAt: new Date().toISOString(),
      ...(version === undefined ? {} : { version })
    }
    return {
      result: record,
      outputs: {
        path: saved.path,
        bytes: saved.bytes,
        sha256: saved.sha256,
        'resource-count': facts.resourceCount,
        'stack-outputs': JSON.stringify(withoutPlaintext(facts.stackOutputs))
      },
      summary: renderExports([record], facts.stackOutputs)
    }
  },
  async combine(context, outcomes, _inputs, unfinished) {
    // combine runs only for several stacks; the directory was decided with the inputs.
    if (context.stackMode.kind !== 'several') throw new Error('combine ran for a single stack')
    const directory = await directoryInside(context.stackMode.directory)
    const records = outcomes.map(({ outcome }) => outcome.result as ExportRecord)
    const manifestFile = pathInside(directory, 'manifest.json')
    const written: ManifestEntry[] = records.map(record => ({
      stack: record.stack,
      path: relative(directory, record.path).split(sep).join('/'),
      bytes: record.bytes,
      sha256: record.sha256,
      resourceCount: record.resourceCount,
      exportedAt: record.exportedAt
    }))
    const manifest = {
      stacks: await settleDirectory(
        directory,
        await previousManifest(manifestFile),
        written,
        new Set(unfinished.map(stackName)),
        message => {
          context.warning(message)
        }
      )
    }
    await writeFileAtomic(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`)
    return {
      result: manifest,
      outputs: {
        path: directory,
        count: records.length,
        bytes: records.reduce((sum, record) => sum + record.bytes, 0),
        'resource-count': records.reduce((sum, record) => sum + record.resourceCount, 0)
      },
      summary: renderExports(records)
    }
  }
})

const setStackTags = defineCommand({
  name: 'set-stack-tags',
  area: 'stacks',
  description:
    'Create or update stack tags: POST for a new tag, PATCH for one whose value changes; unchanged tags send nothing.',
  required: ['stack', 'tags'],
  optional: ['waitIfBusy', 'timeoutMinutes'],
  mutates: true,
  perStack: true,
  outputs: {},
  async run(context, { stack, tags }) {
    const before = (await context.api.getJson(stackPath(stack), {}, readStack)).tags ?? {}
    const changes: TagChange[] = []
    for (const [name, value] of Object.entries(tags)) {
      const previous = before[name]
      if (previous === value) {
        changes.push({ name, before: previous, after: value, action: 'unchanged' })
        continue
      }
      if (previous === undefined)
        await context.write('POST', stackPath(stack, 'tags'), { name, value })
      else await context.write('PATCH', stackPath(stack, 'tags', name), { name, value })
      changes.push({
        name,
        before: previous,
        after: value,
        action: previous === undefined ? 'created' : 'updated'
      })
    }
    const after = context.dryRun
      ? { ...before, ...tags }
      : ((await context.api.getJson(stackPath(stack), {}, readStack)).tags ?? {})
    return { result: after, summary: renderTagChanges(stackName(stack), changes) }
  }
})

const transferStack = defineCommand({
  name: 'transfer-stack',
  area: 'stacks',
  description: 'Transfer a stack to another organization.',
  required: ['stack', 'toOrganization'],
  optional: ['waitIfBusy', 'timeoutMinutes'],
  mutates: true,
  outputs: {},
  async run(context, { stack, toOrganization }) {
    if (toOrganization === stack.organization) {
      throw new Error(
        `Input 'to-organization': the stack ${stackName(stack)} is already in ${toOrganization}.`
      )
    }
    // Read first: a missing stack gets a clear 404 before anything is sent.
    await context.api.getJson(stackPath(stack), {}, readStack)
    await context.write('POST', stackPath(stack, 'transfer'), { toOrg: toOrganization })
    const result = {
      from: stackName(stack),
      to: stackName({ ...stack, organization: toOrganization })
    }
    return { result, summary: renderTransfer(result.from, result.to, context.dryRun) }
  }
})

const listStacksCommand = defineCommand({
  name: 'list-stacks',
  area: 'stacks',
  description:
    'List the stacks the token can see (all pages), optionally filtered by organization, project and tag; the `stacks` output feeds a job matrix.',
  required: [],
  optional: ['organization', 'project', 'tagName', 'tagValue'],
  mutates: false,
  outputs: {
    count: 'Number of stacks found.',
    stacks:
      'JSON array of {"organization","project","stack","name"} (name = org/project/stack), for strategy.matrix via fromJSON.'
  },
  // The service rejects a tag value without a tag name; say so before any request.
  validate({ tagName, tagValue }) {
    if (tagValue !== undefined && tagName === undefined)
      throw new InputError('tag-value', 'needs tag-name: the service filters by tag name first')
  },
  async run(context, { organization, project, tagName, tagValue }) {
    const stacks: ListedStack[] = []
    const refused: { stack: string; message: string }[] = []
    for await (const ref of listStacks(context.api, { organization, project, tagName, tagValue })) {
      // A name Pulumi would not allow never reaches the outputs or the matrix; the step fails
      // after publishing the others.
      if (ref.refused === undefined) stacks.push({ ...ref, name: stackName(ref) })
      else refused.push({ stack: stackName(ref), message: ref.refused })
    }
    const filters = [
      organization === undefined ? '' : `organization ${organization}`,
      project === undefined ? '' : `project ${project}`,
      tagName === undefined ? '' : `tag ${tagName}${tagValue === undefined ? '' : `=${tagValue}`}`
    ].filter(Boolean)
    return {
      result: stacks,
      outputs: { count: stacks.length, stacks: JSON.stringify(stacks) },
      summary: renderStackList(stacks, filters) + renderStackFailures(refused, []),
      ...(refused.length === 0
        ? {}
        : {
            failure: `${refused.length} listed stack(s) left out of the outputs:\n${refused.map(({ stack, message }) => `${stack}: ${message}`).join('\n')}`
          })
    }
  }
})

const getStack = defineCommand({
  name: 'get-stack',
  area: 'stacks',
  description: 'Read a stack: its version, active update, current operation and tags.',
  required: ['stack'],
  optional: [],
  mutates: false,
  perStack: true,
  outputs: {
    version: "The stack's current version.",
    'update-id': 'ID of the active update (empty when none).'
  },
  async run(context, { stack }) {
    const found = await context.api.getJson(stackPath(stack), {}, readStack)
    const activeUpdate = found.activeUpdate ?? ''
    return {
      result: found,
      outputs: { version: found.version, 'update-id': activeUpdate },
      summary: renderStack({
        name: stackName(stack),
        version: found.version,
        activeUpdate,
        ...(found.currentOperation ? { currentOperation: found.currentOperation } : {}),
        tags: found.tags ?? {},
        url: `${context.consoleUrl}/${stackName(stack)}`
      })
    }
  }
})

const deleteStack = defineCommand({
  name: 'delete-stack',
  area: 'stacks',
  description:
    'Delete a stack. It must have no resources unless force is true (then its resources are left unmanaged).',
  required: ['stack'],
  optional: ['force', 'waitIfBusy', 'timeoutMinutes'],
  mutates: true,
  outputs: {},
  async run(context, { stack, force }) {
    // Read first: a missing stack gets a clear 404 before anything is sent.
    await context.api.getJson(stackPath(stack), {}, readStack)
    try {
      await context.write(
        'DELETE',
        stackPath(stack),
        undefined,
        force === true ? { force: true } : {}
      )
    } catch (error) {
      if (error instanceof PulumiApiError && error.status === 400 && force !== true)
        throw new Error(
          `${error.message}. Destroy the stack's resources first (pulumi destroy), or set force: true to delete it anyway, leaving its resources unmanaged.`
        )
      throw error
    }
    const forced = force === true
    return {
      result: { stack: stackName(stack), deleted: !context.dryRun, force: forced },
      summary: renderStackDeletion(stackName(stack), forced, context.dryRun)
    }
  }
})

const deleteStackTag = defineCommand({
  name: 'delete-stack-tag',
  area: 'stacks',
  description:
    'Delete one tag from a stack; a stack without the tag is left alone (nothing is sent).',
  required: ['stack', 'tagName'],
  optional: ['waitIfBusy', 'timeoutMinutes'],
  mutates: true,
  perStack: true,
  outputs: {},
  async run(context, { stack, tagName }) {
    const before = (await context.api.getJson(stackPath(stack), {}, readStack)).tags ?? {}
    // Idempotent, so one wildcard run can clean a tag off stacks that only partly have it.
    if (before[tagName] === undefined) {
      context.info(`${stackName(stack)} has no tag '${tagName}'; nothing to delete.`)
      return {
        result: before,
        summary: renderTagDeletion(stackName(stack), tagName, 'absent', before)
      }
    }
    await context.write('DELETE', stackPath(stack, 'tags', tagName))
    const after = context.dryRun
      ? Object.fromEntries(Object.entries(before).filter(([name]) => name !== tagName))
      : ((await context.api.getJson(stackPath(stack), {}, readStack)).tags ?? {})
    return {
      result: after,
      summary: renderTagDeletion(stackName(stack), tagName, 'deleted', after)
    }
  }
})

export const stackCommands: Command[] = [
  exportStack,
  setStackTags,
  transferStack,
  listStacksCommand,
  getStack,
  deleteStack,
  deleteStackTag
]
