// The CHANGELOG.md section of one version, for its GitHub release notes.
// Command line: tsx scripts/release-notes.ts 1.2.3 [CHANGELOG.md] — prints the section, or fails
// (exit 1) when the changelog has no entry for that version, so a release cannot go out unnoted.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/

/** The body under `## [version]` (Keep a Changelog), without its heading; undefined when absent. */
export function releaseNotes(changelog: string, version: string): string | undefined {
  const lines = changelog.split(/\r?\n/)
  const heading = (line: string): string | undefined => /^## \[([^\]]+)\]/.exec(line)?.[1]
  const start = lines.findIndex(line => heading(line) === version)
  if (start < 0) return undefined
  const rest = lines.slice(start + 1)
  // The section ends at the next version heading or at the link references at the bottom.
  const end = rest.findIndex(line => heading(line) !== undefined || /^\[[^\]]+\]:\s/.test(line))
  const body = (end < 0 ? rest : rest.slice(0, end)).join('\n').trim()
  return body === '' ? undefined : body
}

async function main(argv: string[]): Promise<void> {
  const version = (argv[0] ?? '').replace(/^v/, '')
  if (!SEMVER.test(version)) {
    process.stderr.write('usage: release-notes <version, e.g. 1.2.3> [CHANGELOG.md]\n')
    process.exit(2)
  }
  const notes = releaseNotes(await readFile(argv[1] ?? 'CHANGELOG.md', 'utf8'), version)
  if (notes === undefined) {
    process.stderr.write(
      `CHANGELOG.md has no entry for ${version}: move the [Unreleased] items under "## [${version}] - <date>" and commit it before tagging.\n`
    )
    process.exit(1)
  }
  process.stdout.write(`${notes}\n`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2))
