/**
 * Every file the action writes: names from the server kept inside the directory the user
 * chose, directories never entered through a symlink, and files written through a temp file
 * and a rename. The temp files alive at any moment are tracked, so a runner cancelling the job
 * (SIGINT, then SIGTERM) leaves none behind.
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { isPulumiName } from './pulumi-names.js'

/**
 * A name from the service used as one file or directory name. Anything Pulumi itself would
 * not accept (a separator, `..`, a control character) could pick a path of its own, so it is
 * refused with an error naming it; the caller's other stacks go on. A name of dots only
 * (`...`, which Pulumi allows) is refused too: Windows strips trailing dots from a path
 * component, so it would name the directory itself.
 */
export function fileNameSegment(name: string, what: string): string {
  if (!isPulumiName(name) || /^\.+$/.test(name)) {
    throw new Error(
      `The ${what} name ${JSON.stringify(name.slice(0, 120))} from the service cannot be a file name (Pulumi names hold only letters, digits, '-', '_' and '.'), so nothing was written for it.`
    )
  }
  return name
}

/** True when `target` is below `base` (not `base` itself), both resolved paths. */
export function isBelow(base: string, target: string): boolean {
  const rel = relative(base, target)
  return !(rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel))
}

/** `directory` joined with `segments`, refused if the result is not inside `directory`. */
export function pathInside(directory: string, ...segments: string[]): string {
  const base = resolve(directory)
  const target = resolve(base, ...segments)
  if (!isBelow(base, target))
    throw new Error(
      `The path ${JSON.stringify(segments.join('/'))} would leave ${base}; nothing was written.`
    )
  return target
}

/**
 * Creates `segments` under `base` (which the user chose, and may itself be a symlink), one
 * level at a time, refusing any level that exists as a symlink or as something other than a
 * directory: a planted link could otherwise send the files anywhere.
 */
export async function directoryInside(base: string, ...segments: string[]): Promise<string> {
  let current = resolve(base)
  await mkdir(current, { recursive: true })
  for (const segment of segments) {
    current = pathInside(current, segment)
    await mkdir(current).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    })
    const stat = await lstat(current)
    if (stat.isSymbolicLink() || !stat.isDirectory())
      throw new Error(
        `${current} is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; the action writes only into real directories under ${resolve(base)}. Remove it and re-run.`
      )
  }
  return current
}

const live = new Set<string>()

export function trackTempFile(path: string): void {
  live.add(path)
}

export function forgetTempFile(path: string): void {
  live.delete(path)
}

/** A hidden, unguessable name beside `destination`, so the rename stays on one file system. */
export function tempPathFor(destination: string): string {
  return join(
    dirname(destination),
    `.${basename(destination)}.${randomBytes(6).toString('hex')}.partial`
  )
}

/**
 * Writes `data` to `destination` atomically: a fresh temp file beside it (`wx`: never an
 * existing file, never through a planted symlink), then a rename, which replaces a symlink at
 * `destination` instead of following it. A failure leaves the previous file as it was.
 */
export async function writeFileAtomic(destination: string, data: string): Promise<void> {
  const temp = tempPathFor(destination)
  trackTempFile(temp)
  try {
    const file = await open(temp, 'wx', 0o644)
    try {
      await file.writeFile(data)
    } finally {
      await file.close()
    }
    await rename(temp, destination)
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined)
    throw error
  } finally {
    forgetTempFile(temp)
  }
}

/**
 * Removes every live temp file. The runner's cancellation (SIGINT, then SIGTERM) calls it just
 * before the process exits, so a cancelled download leaves no `.partial` file behind.
 */
export function removeLiveTempFiles(): void {
  for (const path of live) {
    try {
      rmSync(path, { force: true })
    } catch {
      // Best effort: the process is going away.
    }
  }
}
