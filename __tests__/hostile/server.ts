/**
 * A tiny hostile Pulumi Cloud (or GitHub) for the hostile-server suite: a node:http server
 * on 127.0.0.1 whose every answer the test writes, down to raw bytes on the socket.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { micromark } from 'micromark'
import { gfm, gfmHtml } from 'micromark-extension-gfm'

export interface HostileServer {
  url: string
  /** Every request received, in order: method and path with its query. */
  requests: { method: string; url: string }[]
  close(): Promise<void>
}

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => unknown

/** Starts a server answering with `handler`; close() ends every open connection too. */
export async function startHostile(handler: Handler): Promise<HostileServer> {
  const requests: HostileServer['requests'] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    requests.push({ method: req.method ?? 'GET', url: `${url.pathname}${url.search}` })
    handler(req, res, url)
  })
  server.on('connection', socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>(resolve => {
        server.close(() => {
          resolve()
        })
      })
    }
  }
}

/** Starts a server, runs `body` with it, always closes it. */
export async function withHostile<T>(
  handler: Handler,
  body: (server: HostileServer) => Promise<T>
): Promise<T> {
  const server = await startHostile(handler)
  try {
    return await body(server)
  } finally {
    await server.close()
  }
}

/** Answers with `value` as JSON; returns true so a handler can `return json(...)`. */
export function json(res: ServerResponse, status: number, value: unknown): true {
  const body = JSON.stringify(value)
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body)
  })
  res.end(body)
  return true
}

/**
 * Writes a raw HTTP/1.1 response on the socket, without Content-Length, and closes the
 * connection: a close-delimited body, which the client can only take as complete.
 */
export function closeDelimited(res: ServerResponse, body: string): void {
  const socket = res.socket
  if (socket === null) return
  socket.write(
    `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`
  )
  socket.end()
}

/** The list-stacks answer for these org/project/stack names. */
export function stackList(names: [string, string, string][]): unknown {
  return {
    stacks: names.map(([orgName, projectName, stackName]) => ({
      orgName,
      projectName,
      stackName
    }))
  }
}

/** A small export: one stack resource with `outputs`, and `extra` other resources. */
export function exportBody(outputs: Record<string, unknown> = {}, extra = 1): unknown {
  return {
    version: 3,
    deployment: {
      manifest: { time: '2026-01-01T00:00:00Z', magic: 'm', version: 'v3.100.0' },
      resources: [
        {
          urn: 'urn:pulumi:prod::web::pulumi:pulumi:Stack::web-prod',
          type: 'pulumi:pulumi:Stack',
          outputs
        },
        ...Array.from({ length: extra }, (_, i) => ({
          urn: `urn:pulumi:prod::web::aws:s3/bucket:Bucket::b${i}`,
          type: 'aws:s3/bucket:Bucket'
        }))
      ]
    }
  }
}

/** The inputs that point the action at `url` with a made-up token. */
export function connection(url: string, token: string): Record<string, string> {
  return { 'api-url': url, 'access-token': token }
}

/** A job summary as GitHub renders it (GFM, raw HTML left in so a test can see any). */
export function html(markdown: string): string {
  return micromark(markdown, {
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
    allowDangerousHtml: true
  })
}
