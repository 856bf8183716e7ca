/**
 * A node:http server on 127.0.0.1 with an ephemeral port, for the stand-ins and proxies the
 * tests put in front of (or beside) the emulator. No test server ever listens beyond loopback.
 */
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface LoopbackServer {
  server: Server
  port: number
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string
  /** Drops open (keep-alive) connections too, so a test never waits on an idle socket. */
  close: () => Promise<void>
}

/** Starts `server` (or a new server answering with `listener`) on a free loopback port. */
export async function startLoopbackServer(
  listener: RequestListener | Server
): Promise<LoopbackServer> {
  const server = typeof listener === 'function' ? createServer(listener) : listener
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => {
          resolve()
        })
      })
  }
}
