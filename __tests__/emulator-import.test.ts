/**
 * The emulator's POST …/import (ImportStack) against the OpenAPI spec: `{version, features?,
 * deployment}` in, 200 `{updateId}` out; the update it creates is the stack's current operation
 * while it runs, is listed as an import, succeeds, and leaves the imported deployment as the
 * state a following export returns. Its refusals (400, 409) are the spec's.
 */
import { describe, expect, it } from '@jest/globals'
import { useEmulator } from './support/emulator.js'

const emulator = useEmulator({ emulator: { timing: { updateMs: 400 } } })
const STACK = '/api/stacks/acme/website/prod'

function call(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emulator.url}${path}`, {
    ...init,
    headers: { Authorization: `token ${emulator.token}`, 'Content-Type': 'application/json' }
  })
}

async function json<T>(path: string): Promise<T> {
  const response = await call(path)
  expect(response.status).toBe(200)
  return (await response.json()) as T
}

const DOCUMENT = {
  version: 4,
  features: ['refreshBeforeUpdate'],
  deployment: {
    manifest: { time: '2026-03-02T09:15:41.123456789+01:00', magic: '', version: 'v3.150.0' },
    secrets_providers: { type: 'passphrase', state: { salt: 'v1:abc' } },
    resources: [
      {
        urn: 'urn:pulumi:prod::website::pulumi:pulumi:Stack::website-prod',
        custom: false,
        type: 'pulumi:pulumi:Stack'
      }
    ],
    metadata: {}
  }
}

describe('emulator: POST …/import', () => {
  it('answers {updateId}; the import update runs as the current operation, then the export is the document', async () => {
    const response = await call(`${STACK}/import`, {
      method: 'POST',
      body: JSON.stringify(DOCUMENT)
    })
    expect(response.status).toBe(200)
    const { updateId } = (await response.json()) as { updateId: string }
    expect(updateId).toMatch(/^[0-9a-f-]{36}$/)

    const running = await json<{ activeUpdate: string; currentOperation: { kind: string } }>(STACK)
    expect(running.activeUpdate).toBe(updateId)
    expect(running.currentOperation.kind).toBe('import')
    expect(await json<{ status: string }>(`${STACK}/update/${updateId}`)).toMatchObject({
      status: 'running'
    })

    await new Promise(resolve => setTimeout(resolve, 500))
    expect(await json<{ status: string }>(`${STACK}/update/${updateId}`)).toMatchObject({
      status: 'succeeded'
    })
    const listed = await json<{
      updates: { updateID: string; info: { kind: string; result: string } }[]
    }>(`${STACK}/updates?output-type=service&page=1&pageSize=10`)
    expect(listed.updates[0]).toMatchObject({
      updateID: updateId,
      info: { kind: 'import', result: 'succeeded' }
    })
    expect((await json<{ currentOperation?: unknown }>(STACK)).currentOperation).toBeUndefined()
    expect(await json(`${STACK}/export`)).toEqual(DOCUMENT)
    expect(await json(`${STACK}/resources/count`)).toMatchObject({ resourceCount: 1 })
  })

  it.each([
    ['no version', { deployment: DOCUMENT.deployment }, 'Invalid deployment version.'],
    ['a version it does not read', { ...DOCUMENT, version: 5 }, 'unsupported deployment version 5'],
    ['features that are not strings', { ...DOCUMENT, features: [1] }, 'features must be an array'],
    ['no deployment', { version: 3 }, 'deployment must be an object'],
    [
      "another stack's Pulumi Cloud secrets",
      {
        version: 3,
        deployment: {
          secrets_providers: {
            type: 'service',
            state: { owner: 'acme', project: 'website', stack: 'staging' }
          },
          resources: []
        }
      },
      'cannot import deployment with encrypted secrets from a different stack'
    ]
  ])('refuses %s with 400', async (_name, body, message) => {
    const response = await call(`${STACK}/import`, { method: 'POST', body: JSON.stringify(body) })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { message: string }).message).toContain(message)
  })

  it('answers 409 while another update holds the stack', async () => {
    const response = await call('/api/stacks/acme/website/busy/import', {
      method: 'POST',
      body: JSON.stringify({ version: 3, deployment: { resources: [] } })
    })
    expect(response.status).toBe(409)
  })
})
