/**
 * The command context: reads only through `api`, writes through `write`/`writeJson`, which
 * dry-run turns into a plan with a typed answer, against the emulator over HTTP.
 */
import { ResponseFormatError } from '../src/api/errors.js'
import { orgPath } from '../src/api/paths.js'
import { readAddedMember, readWebhook } from '../src/api/readers/organization.js'
import { fakeContext, runCommand } from './support/command-context.js'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator({ scope: 'all' })

describe('command context', () => {
  test('the read API has no way to send a write, not even at run time', async () => {
    const fake = await fakeContext(emulator)
    try {
      expect(Object.keys(fake.context.api).sort()).toEqual(
        [
          'collect',
          'download',
          'getJson',
          'getJsonBytes',
          'getOptionalJson',
          'pages',
          'pagesWithBytes'
        ].sort()
      )
      expect('send' in fake.context.api).toBe(false)
    } finally {
      fake.dispose()
    }
  })

  test('under dry-run a write is planned, logged with secrets redacted, and never sent', async () => {
    const fake = await fakeContext(emulator, { dryRun: true })
    try {
      const path = orgPath('acme', 'hooks')
      const written = await fake.context.writeJson(
        'POST',
        path,
        readWebhook,
        { displayName: 'x', secret: 'hush-0192' },
        { force: true }
      )
      expect(written).toEqual({
        sent: false,
        planned: {
          method: 'POST',
          path: `${path}?force=true`,
          body: { displayName: 'x', secret: '***' }
        }
      })
      expect(fake.planned).toEqual([written.sent ? undefined : written.planned])
      expect(fake.info.join('\n')).toContain(`Dry run: POST ${path}?force=true`)
      expect(fake.info.join('\n')).not.toContain('hush-0192')
      expect(emulator.requests.filter(request => request.method !== 'GET')).toEqual([])
    } finally {
      fake.dispose()
    }
  })

  test('sent for real, writeJson hands back the answer and write only that it was sent', async () => {
    const fake = await fakeContext(emulator)
    try {
      const added = await fake.context.writeJson(
        'POST',
        orgPath('acme', 'members', 'erin'),
        readAddedMember,
        { role: 'member' }
      )
      expect(added.sent && added.response.role).toBe('member')
      const removed = await fake.context.write('DELETE', orgPath('acme', 'members', 'erin'))
      expect(removed).toEqual({ sent: true, response: undefined })
      // An empty answer where the operation returns a document is a format error, not undefined.
      await expect(
        fake.context.writeJson('DELETE', orgPath('acme', 'members', 'bob'), readAddedMember)
      ).rejects.toBeInstanceOf(ResponseFormatError)
      expect(fake.planned).toEqual([])
    } finally {
      fake.dispose()
    }
  })

  test('a command run under dry-run reports the plan, not a made-up answer', async () => {
    const run = await runCommand(
      emulator,
      'create-team',
      { organization: 'acme', team: 'sre', displayName: 'SRE' },
      { dryRun: true }
    )
    expect(run.planned).toEqual([
      {
        method: 'POST',
        path: '/api/orgs/acme/teams/pulumi',
        body: { name: 'sre', displayName: 'SRE', description: '' }
      }
    ])
    expect(run.outcome.result).toEqual(run.planned[0]?.body)
    expect(run.outcome.summary).toContain('Would create')
    expect(emulator.state.team('acme', 'sre')).toBeUndefined()
  })
})
