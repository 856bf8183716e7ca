/**
 * Self-hosted runners behind a proxy: the bundled action reaches both Pulumi Cloud and GitHub
 * through `https_proxy` / `http_proxy`. The bundle swaps undici out for the action's own
 * @actions/http-client; this proves the GitHub client (Octokit over undici's fetch and
 * ProxyAgent) still tunnels through the proxy, and so does the Pulumi client (HttpClient over
 * `tunnel`). @actions/http-client never proxies loopback hosts, so the action is pointed at
 * names under `.test` that nothing resolves: only the proxy, which maps every CONNECT to a local
 * server, can reach them. For https the proxy also terminates TLS with a throwaway certificate
 * made here (openssl) and handed to the action through NODE_EXTRA_CA_CERTS.
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TLSSocket } from 'node:tls'
import { commentMarker } from '../src/github/sticky-comment.js'
import { runDist } from './support/action.js'
import { useEmulator } from './support/emulator.js'
import { startGitHubStandin, type GitHubStandin } from './support/github-standin.js'
import { startLoopbackServer, type LoopbackServer } from './support/loopback.js'

const PR = 17
const STACK = 'acme/website/prod'
const PULUMI_HOST = 'api.pulumi.test'
const GITHUB_HOST = 'api.github.test'

const emulator = useEmulator()
let github: GitHubStandin
let proxy: LoopbackServer
/** `host:port` of every CONNECT the proxy answered, in order. */
let tunnels: string[]
let tls: { key: Buffer; cert: Buffer; caFile: string }
let eventPath: string

/** A throwaway self-signed certificate for both test names, valid for a day. */
async function makeCertificate(dir: string): Promise<typeof tls> {
  const keyFile = join(dir, 'key.pem')
  const caFile = join(dir, 'cert.pem')
  try {
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
        ...['-keyout', keyFile, '-out', caFile, '-subj', `/CN=${GITHUB_HOST}`],
        ...['-addext', `subjectAltName=DNS:${GITHUB_HOST},DNS:${PULUMI_HOST}`]
      ],
      { stdio: 'pipe' }
    )
  } catch (error) {
    throw new Error(
      `github-proxy.test needs openssl on PATH to make a test certificate: ${String(error)}`
    )
  }
  return { key: await readFile(keyFile), cert: await readFile(caFile), caFile }
}

/** Where a CONNECT to `host` really goes: the emulator or the GitHub stand-in (127.0.0.1). */
function upstreamPort(host: string): number | undefined {
  if (host === PULUMI_HOST) return Number(new URL(emulator.url).port)
  if (host === GITHUB_HOST) return Number(new URL(github.url).port)
  return undefined
}

/**
 * A CONNECT-only forward proxy. Port 443 tunnels are TLS to the action, so the proxy plays the
 * origin's TLS end with the test certificate and forwards the plain HTTP inside to the server.
 */
function connectProxy(): Server {
  const server = createServer((_req, res) => {
    res.writeHead(405).end('CONNECT only')
  })
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? ''
    tunnels.push(target)
    const [host = '', port = ''] = target.split(':')
    const upstreamAt = upstreamPort(host)
    if (upstreamAt === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
      return
    }
    const upstream = connect(upstreamAt, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      // Bytes the client sent right after CONNECT belong to the tunnel (TLS or HTTP).
      if (head.length > 0) client.unshift(head)
      const inner =
        port === '443'
          ? new TLSSocket(client, { isServer: true, key: tls.key, cert: tls.cert })
          : client
      inner.pipe(upstream).pipe(inner)
      inner.on('error', () => upstream.destroy())
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  return server
}

beforeAll(async () => {
  tls = await makeCertificate(await mkdtemp(join(tmpdir(), 'pca-proxy-tls-')))
})

beforeEach(async () => {
  tunnels = []
  github = await startGitHubStandin()
  proxy = await startLoopbackServer(connectProxy())
  eventPath = join(await mkdtemp(join(tmpdir(), 'pca-event-')), 'event.json')
  await writeFile(
    eventPath,
    JSON.stringify({ action: 'synchronize', pull_request: { number: PR } })
  )
})

afterEach(async () => {
  await proxy.close()
  await github.close()
})

/** list-previews with a sticky comment, both services named by hosts only the proxy knows. */
async function runThroughProxy(scheme: 'http' | 'https', env: Record<string, string>) {
  return runDist(
    {
      command: 'list-previews',
      stack: STACK,
      'comment-on-pr': 'true',
      'github-token': github.token,
      'match-preview': 'latest',
      'api-url': `${scheme}://${PULUMI_HOST}`,
      'access-token': emulator.token
    },
    {
      GITHUB_API_URL: `${scheme}://${GITHUB_HOST}`,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'octo/app',
      GITHUB_RUN_ID: '4242',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      NODE_EXTRA_CA_CERTS: tls.caFile,
      ...env
    }
  )
}

const ourComments = (): GitHubStandin['comments'] =>
  github.comments.filter(comment => comment.body.includes(commentMarker(STACK)))

describe('behind a proxy (self-hosted runners)', () => {
  test('https_proxy: Pulumi Cloud and the pull request comment both tunnel through it', async () => {
    const run = await runThroughProxy('https', { https_proxy: proxy.url })
    expect(run.stdout).not.toContain('::error::')
    expect(run.exitCode).toBe(0)
    expect(ourComments()).toHaveLength(1)
    expect(github.calls.some(call => call.method === 'POST' && /comments$/.test(call.path))).toBe(
      true
    )
    expect(tunnels).toContain(`${PULUMI_HOST}:443`)
    expect(tunnels).toContain(`${GITHUB_HOST}:443`)
    expect(tunnels.every(t => t === `${PULUMI_HOST}:443` || t === `${GITHUB_HOST}:443`)).toBe(true)
  })

  test('HTTP_PROXY for plain http URLs: both clients tunnel through it too', async () => {
    const run = await runThroughProxy('http', { HTTP_PROXY: proxy.url })
    expect(run.stdout).not.toContain('::error::')
    expect(run.exitCode).toBe(0)
    expect(ourComments()).toHaveLength(1)
    expect(tunnels).toContain(`${PULUMI_HOST}:80`)
    expect(tunnels).toContain(`${GITHUB_HOST}:80`)
  })
})
