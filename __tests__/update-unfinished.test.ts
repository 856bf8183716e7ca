/**
 * An update or preview still running: list-update-events and list-previews read the events
 * produced so far and say so, instead of waiting or failing (get-update: commands-updates).
 */
import { isPreviewKind } from '../src/render/events.js'
import { useEmulator } from './support/emulator.js'
import { resultOf, resultFileOf, seededStack } from './support/published.js'

const emulator = useEmulator()
const { run } = emulator

const BUSY = 'acme/website/busy'
const BUSY_UPDATE = '4b40176a-8c2e-4e22-8027-2b114e32ef0d'

const eventPages = () => emulator.requestsTo('GET', /\/update\/[^/]+\/events$/)

describe('an update still running', () => {
  it('list-update-events reports the events so far and stops when the token repeats', async () => {
    const busy = seededStack(emulator.state, 'website', 'busy').updates.find(
      u => u.updateID === BUSY_UPDATE
    )
    const action = await run({ command: 'list-update-events', stack: BUSY })
    expect(action.stdout).not.toContain('continuation token repeated')
    expect(action.exitCode).toBe(0)
    expect(action.outputs.status).toBe('running')
    expect(action.outputs['update-id']).toBe(BUSY_UPDATE)
    expect(action.outputs.count).toBe(String(busy?.events.length))
    // Page 1 holds what exists; page 2 brings nothing new under the same token: stop.
    const pages = eventPages()
    expect(pages.map(r => r.query)).toEqual(['', `continuationToken=${busy?.events.length}`])
    expect(resultOf(action)).toMatchObject({ status: 'running', finished: false, kind: 'update' })
    expect((await resultFileOf(action)).events).toEqual(busy?.events)
    expect(action.summary).toContain('still running')
    expect(action.summary).toContain(`${busy?.events.length} events it had produced so far`)
  })

  it('list-previews summarises a preview still in progress without failing', async () => {
    const preview = seededStack(emulator.state, 'website', 'prod')
      .updates.filter(u => isPreviewKind(u.kind))
      .sort((a, b) => b.startTime - a.startTime)[0]
    if (!preview) throw new Error('the seed has no preview on acme/website/prod')
    preview.result = 'in-progress'
    const action = await run({ command: 'list-previews', stack: 'acme/website/prod' })
    expect(action.stdout).not.toContain('::error::')
    expect(action.exitCode).toBe(0)
    expect(action.outputs.status).toBe('in-progress')
    expect(eventPages()).toHaveLength(2)
    expect(action.summary).toContain('still in-progress')
  })

  it("treats the spec's 'requested' status as unfinished", async () => {
    const update = seededStack(emulator.state, 'website', 'prod').updates.find(
      u => u.kind === 'update'
    )
    if (!update) throw new Error('the seed has no update on acme/website/prod')
    // Not a result the update list knows; the status route passes it through as the status.
    Object.assign(update, { result: 'requested' })
    const action = await run({
      command: 'get-update',
      stack: 'acme/website/prod',
      'update-id': update.updateID
    })
    expect(action.exitCode).toBe(0)
    expect(action.outputs.status).toBe('requested')
    expect(resultOf(action)).toMatchObject({ finished: false })
    expect(action.summary).toContain('still requested')
  })
})
