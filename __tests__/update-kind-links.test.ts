/** list-update-events: what kind of run an update is, and which console page links it. */
import { isPreviewKind } from '../src/render/events.js'
import { useEmulator } from './support/emulator.js'
import { resultOf, seededStack } from './support/published.js'

const emulator = useEmulator()
const { run } = emulator

describe('list-update-events kind and console link', () => {
  const updates = () =>
    seededStack(emulator.state, 'website', 'prod')
      .updates.filter(u => !isPreviewKind(u.kind))
      .sort((a, b) => b.version - a.version)

  it('labels a preview given by update-id a preview and links its preview page', async () => {
    const preview = seededStack(emulator.state, 'website', 'prod').updates.find(u =>
      isPreviewKind(u.kind)
    )
    const action = await run({
      command: 'list-update-events',
      stack: 'acme/website/prod',
      'update-id': preview?.updateID ?? '',
      'console-url': 'https://app.example.com'
    })
    expect(action.exitCode).toBe(0)
    expect(resultOf(action)).toMatchObject({ kind: 'preview' })
    expect(action.summary).toContain('Preview of acme/website/prod')
    expect(action.summary).toContain(
      `https://app.example.com/acme/website/prod/previews/${preview?.updateID ?? ''}`
    )
  })

  it('never links an update given by update-id to a preview page (its version is unknown)', async () => {
    const update = updates()[1]
    const action = await run({
      command: 'list-update-events',
      stack: 'acme/website/prod',
      'update-id': update?.updateID ?? '',
      'console-url': 'https://app.example.com'
    })
    expect(action.exitCode).toBe(0)
    expect(resultOf(action)).toMatchObject({ kind: 'update' })
    expect(action.summary).toContain('Update of acme/website/prod')
    expect(action.summary).not.toContain('/previews/')
    expect(action.summary).not.toContain('View in Pulumi Cloud')
  })

  it('links the latest update by its version', async () => {
    const latest = updates()[0]
    const action = await run({
      command: 'list-update-events',
      stack: 'acme/website/prod',
      'console-url': 'https://app.example.com'
    })
    expect(action.exitCode).toBe(0)
    expect(resultOf(action)).toMatchObject({ kind: 'update', version: latest?.version })
    expect(action.summary).toContain(
      `https://app.example.com/acme/website/prod/updates/${latest?.version ?? ''}`
    )
  })
})
