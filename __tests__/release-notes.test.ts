import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { releaseNotes } from '../scripts/release-notes.js'
import { ROOT } from './support/action.js'

const CHANGELOG = `# Changelog

## [Unreleased]

### Fixed
- Something not released yet.

## [1.1.0] - 2026-12-20

### Added
- A new input.

## [1.0.0] - 2026-12-01

### Added
- First release.

[Unreleased]: https://example.test/compare/v1.1.0...HEAD
[1.1.0]: https://example.test/compare/v1.0.0...v1.1.0
`

describe('release notes from the changelog', () => {
  it('takes one version section, without its heading, up to the next version', () => {
    expect(releaseNotes(CHANGELOG, '1.1.0')).toBe('### Added\n- A new input.')
  })

  it('stops the last section before the link references', () => {
    expect(releaseNotes(CHANGELOG, '1.0.0')).toBe('### Added\n- First release.')
  })

  it('has nothing for a version without an entry (the release is refused)', () => {
    expect(releaseNotes(CHANGELOG, '1.2.0')).toBeUndefined()
    expect(releaseNotes(CHANGELOG, '1.1')).toBeUndefined()
  })

  it('finds an entry for the version in package.json', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      version: string
    }
    const changelog = await readFile(join(ROOT, 'CHANGELOG.md'), 'utf8')
    expect(releaseNotes(changelog, pkg.version)).toContain('### Added')
    expect(releaseNotes(changelog, 'Unreleased')).toBeDefined()
  })
})
