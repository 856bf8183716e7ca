/**
 * sendFile (import-stack's upload) against small local servers: the upload is bounded like a
 * download (a rate floor and a deadline, limits.ts), and a failed upload is aborted on the wire,
 * never ended as if the body were complete.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PulumiCloud } from '../src/api/client.js'
import { TimeoutError } from '../src/api/errors.js'
import { FileChangedError } from '../src/api/file-body.js'
import { setLimits } from '../src/api/limits.js'
import { readImportAnswer } from '../src/api/readers/stacks.js'

type Outcome = 'ended' | 'aborted'

interface Recorded {
  url: string
  requests: number
  paused: IncomingMessage[]
  /** How each request's body finished, as the server saw it. */
  outcomes: Promise<Outcome>[]
  close(): Promise<void>
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void
): Promise<Recorded> {
  const outcomes: Promise<Outcome>[] = []
  const server: Server = createServer((req, res) => {
    recorded.requests++
    outcomes.push(
      new Promise(resolve => {
        // complete: the whole chunked body, terminator included, arrived. The socket's close,
        // not the request's: a paused request is not closed while its bytes wait unread.
        req.socket.on('close', () => {
          resolve(req.complete ? 'ended' : 'aborted')
        })
      })
    )
    handler(req, res)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const recorded: Recorded = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: 0,
    paused: [],
    outcomes,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      })
  }
  cleanups.push(() => recorded.close())
  return recorded
}

async function file(bytes: Buffer): Promise<{ path: string; bytes: number; sha256: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pca-upload-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'state.json')
  await writeFile(path, bytes)
  return { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }
}

function client(url: string, timeoutSeconds: number): PulumiCloud {
  const api = new PulumiCloud({ baseUrl: url, token: 't', userAgent: 'test', timeoutSeconds })
  cleanups.push(() => {
    api.dispose()
  })
  return api
}

const PATH = '/api/stacks/acme/website/prod/import'

describe('sendFile: the upload is bounded', () => {
  it('fails with a clear timeout when the server reads the body at ~100 bytes/s, once', async () => {
    cleanups.push(
      setLimits({ minDownloadBytesPerSecond: 1024 * 1024, downloadRateWindowSeconds: 1 })
    )
    const timers: NodeJS.Timeout[] = []
    cleanups.push(() => {
      timers.forEach(clearInterval)
    })
    const server = await serve(req => {
      server.paused.push(req)
      // Paused: 100 bytes a second are all it takes in.
      timers.push(
        setInterval(() => {
          req.read(100)
        }, 1000)
      )
    })
    // Larger than the loopback buffers can hold, and incompressible.
    const body = await file(randomBytes(32 * 1024 * 1024))
    const started = Date.now()
    const sent = client(server.url, 30).sendFile('POST', PATH, body, readImportAnswer)
    await expect(sent).rejects.toThrow(TimeoutError)
    await expect(sent).rejects.toThrow(
      /POST \/api\/stacks\/acme\/website\/prod\/import timed out: the upload ran below 1048576 bytes\/s .*The request was aborted/
    )
    // The rate window, not the 30 s idle timeout, ended it.
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(server.requests).toBe(1)
    // Reading on, the server reaches the end of what was sent: the body stops short of its end.
    for (const timer of timers) clearInterval(timer)
    server.paused.forEach(req => req.resume())
    await expect(server.outcomes[0]).resolves.toBe('aborted')
  }, 30_000)

  it('fails at the upload deadline when the body is taken but never answered', async () => {
    cleanups.push(setLimits({ bufferedDeadlineFactor: 0.2 }))
    const server = await serve(req => {
      req.resume() // reads everything, answers nothing
    })
    const body = await file(Buffer.from('{"version":3,"deployment":{}}'))
    const started = Date.now()
    // timeout-seconds 5: the idle timeout would take 5 s; the deadline is 1 s + 1 s for the bytes.
    const sent = client(server.url, 5).sendFile('POST', PATH, body, readImportAnswer)
    await expect(sent).rejects.toThrow(
      /timed out: the upload of 29 bytes was not answered within 2 s \(0.2 × timeout-seconds, plus the time its bytes take at 1024 bytes\/s\)/
    )
    expect(Date.now() - started).toBeLessThan(4_500)
    expect(server.requests).toBe(1)
  }, 20_000)
})

describe('sendFile: a file changed mid-send', () => {
  it('aborts the request on the wire: the server never sees a complete body', async () => {
    const server = await serve((req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(400).end('{"code":400,"message":"bad gzip"}'))
    })
    const bytes = Buffer.from(
      JSON.stringify({ version: 3, deployment: { pad: randomBytes(512 * 1024).toString('hex') } })
    )
    const body = { ...(await file(bytes)), sha256: 'b'.repeat(64) }
    const sent = client(server.url, 10).sendFile('POST', PATH, body, readImportAnswer)
    await expect(sent).rejects.toThrow(FileChangedError)
    expect(server.requests).toBe(1)
    await expect(server.outcomes[0]).resolves.toBe('aborted')
  }, 20_000)
})
