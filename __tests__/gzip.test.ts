/**
 * Compressed transfers: every request asks for gzip (as the Pulumi CLI does) and every body,
 * JSON pages, downloads and error bodies alike, is inflated as it streams. A gzip stream
 * that is cut short or corrupt fails like a truncated body: an error, never a short file.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, readdir } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { PulumiCloud } from '../src/api/client.js'
import { PulumiApiError, ResponseFormatError } from '../src/api/errors.js'
import { record } from '../src/api/readers/core.js'
import { startLoopbackServer, type LoopbackServer } from './support/loopback.js'

let server: LoopbackServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const NO_RETRY = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }

/** A client against a loopback server answering every request with `answer`. */
async function clientFor(
  answer: (request: IncomingMessage, response: ServerResponse) => void
): Promise<{ api: PulumiCloud; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = []
  server = await startLoopbackServer((request, response) => {
    seen.push(request)
    answer(request, response)
  })
  const api = new PulumiCloud({
    baseUrl: server.url,
    token: 'pul-test',
    userAgent: 'test',
    timeoutSeconds: 5,
    retry: NO_RETRY
  })
  return { api, seen }
}

/** A state-like document, large enough to span many socket reads and inflate chunks. */
const DOCUMENT = Buffer.from(
  JSON.stringify({
    version: 3,
    deployment: {
      resources: Array.from({ length: 4000 }, (_, i) => ({
        urn: `urn:pulumi:prod::app::aws:s3/bucket:Bucket::b-${i}`,
        type: i === 0 ? 'pulumi:pulumi:Stack' : 'aws:s3/bucket:Bucket',
        outputs: { id: `b-${i}-${(i * 2654435761) % 4294967296}`, é: 'ünïcode ✓' }
      }))
    }
  })
)
const GZIPPED = gzipSync(DOCUMENT)

function gzipAnswer(body: Buffer, status = 200) {
  return (_request: IncomingMessage, response: ServerResponse): void => {
    response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' })
    // Several writes, so the client inflates across chunk boundaries.
    for (let at = 0; at < body.length; at += 7000) response.write(body.subarray(at, at + 7000))
    response.end()
  }
}

async function outputDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'pca-gzip-'))
}

describe('gzip transfers', () => {
  it('asks for gzip and saves the inflated document byte for byte, hashed as saved', async () => {
    const { api, seen } = await clientFor(gzipAnswer(GZIPPED))
    const path = join(await outputDir(), 'state.json')
    try {
      const saved = await api.download('/api/stacks/a/b/c/export', {}, path)
      const file = await readFile(path)
      expect(file.equals(DOCUMENT)).toBe(true)
      expect(saved.bytes).toBe(DOCUMENT.length)
      expect(saved.sha256).toBe(createHash('sha256').update(DOCUMENT).digest('hex'))
      expect(seen[0]?.headers['accept-encoding']).toBe('gzip')
    } finally {
      api.dispose()
    }
  })

  it('inflates JSON bodies and gzip error bodies (x-gzip too)', async () => {
    const { api, seen } = await clientFor((request, response) => {
      const failing = request.url?.startsWith('/fail') === true
      const body = gzipSync(
        JSON.stringify(failing ? { code: 409, message: 'busy ✓' } : { name: 'prod ✓' })
      )
      response.writeHead(failing ? 409 : 200, { 'Content-Encoding': 'x-gzip' })
      response.end(body)
    })
    try {
      expect(await api.getJson('/ok', {}, record)).toEqual({ name: 'prod ✓' })
      const error = await api.getJson('/fail', {}, record).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(PulumiApiError)
      expect((error as PulumiApiError).detail).toBe('busy ✓')
      expect(seen.every(request => request.headers['accept-encoding'] === 'gzip')).toBe(true)
    } finally {
      api.dispose()
    }
  })

  for (const [fault, body] of [
    ['truncated', GZIPPED.subarray(0, Math.floor(GZIPPED.length / 2))],
    [
      'corrupt',
      Buffer.from(GZIPPED).map((byte, i) => (i > 20 && i % 101 === 0 ? byte ^ 0xff : byte))
    ]
  ] as const) {
    it(`a ${fault} gzip stream fails the download and leaves no file`, async () => {
      const { api } = await clientFor(gzipAnswer(Buffer.from(body)))
      const directory = await outputDir()
      try {
        const error = await api
          .download('/api/stacks/a/b/c/export', {}, join(directory, 'state.json'))
          .catch((caught: unknown) => caught)
        expect(error).toBeInstanceOf(ResponseFormatError)
        expect((error as Error).message).toMatch(/gzip body is corrupt or truncated/)
        expect(await readdir(directory)).toEqual([])
      } finally {
        api.dispose()
      }
    })

    it(`a ${fault} gzip JSON page fails instead of parsing a prefix`, async () => {
      const page = gzipSync(JSON.stringify({ events: Array.from({ length: 3000 }, (_, i) => i) }))
      const cut =
        fault === 'truncated'
          ? page.subarray(0, page.length - 12)
          : Buffer.from(page).map((byte, i) => (i === page.length - 6 ? byte ^ 0xff : byte))
      const { api } = await clientFor(gzipAnswer(Buffer.from(cut)))
      try {
        await expect(api.getJson('/api/events', {}, record)).rejects.toThrow(
          /gzip body is corrupt or truncated/
        )
      } finally {
        api.dispose()
      }
    })
  }

  it('refuses an encoding it did not ask for instead of saving it undecoded', async () => {
    const { api } = await clientFor((_request, response) => {
      response.writeHead(200, { 'Content-Encoding': 'br' })
      response.end('not brotli')
    })
    const directory = await outputDir()
    try {
      await expect(api.getJson('/api/user', {}, record)).rejects.toThrow(/encoded as 'br'/)
      await expect(
        api.download('/api/stacks/a/b/c/export', {}, join(directory, 'state.json'))
      ).rejects.toThrow(/encoded as 'br'/)
      expect(await readdir(directory)).toEqual([])
    } finally {
      api.dispose()
    }
  })
})
