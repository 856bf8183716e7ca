// The bench's server, run as its own process (plain JavaScript: no build, no TypeScript
// loader) so that the client being measured never shares an event loop with it. It serves
// bodies built beforehand (bench/fixtures.ts) from memory: no body is computed per request.
//
//   node bench/static-server.mjs <fixture-dir> <rate-bytes-per-second>
//
// Two listeners on 127.0.0.1: `plain` answers every request uncompressed at full speed (the
// same bytes for every contender); `link` throttles each response to the given rate and
// answers gzip when the request accepts it, as Pulumi Cloud does. Prints one JSON line with
// both ports, then serves until killed.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'

const [dir, rateArg] = process.argv.slice(2)
const rate = Number(rateArg)
const fixtures = JSON.parse(readFileSync(join(dir, 'fixtures.json'), 'utf8'))
const routes = new Map()
for (const route of fixtures.routes) {
  routes.set(
    route.path,
    route.files.map(file => ({
      plain: readFileSync(join(dir, file)),
      gzip: readFileSync(join(dir, `${file}.gz`))
    }))
  )
}

function body(request) {
  const url = new URL(request.url, 'http://bench')
  const pages = routes.get(url.pathname)
  if (!pages) return undefined
  const token = url.searchParams.get('continuationToken')
  return pages[token === null ? 0 : Number(token)]
}

/** Writes `bytes` at `rate` bytes a second, in slices of at most 64 KiB, honouring backpressure. */
async function throttled(response, bytes) {
  const started = performance.now()
  for (let sent = 0; sent < bytes.length;) {
    const slice = bytes.subarray(sent, sent + 65536)
    sent += slice.length
    if (!response.write(slice)) await new Promise(resolve => response.once('drain', resolve))
    const due = started + (sent / rate) * 1000
    const wait = due - performance.now()
    if (wait > 1) await new Promise(resolve => setTimeout(resolve, wait))
    if (response.destroyed) return
  }
  response.end()
}

function listener(link) {
  return (request, response) => {
    const found = body(request)
    if (!found) {
      process.stderr.write(`static-server: no fixture for ${request.method} ${request.url}\n`)
      response.writeHead(404, { 'Content-Type': 'application/json' })
      response.end('{"code":404,"message":"no fixture"}')
      return
    }
    const gzip = link && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')
    const bytes = gzip ? found.gzip : found.plain
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': bytes.length,
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {})
    })
    if (link) throttled(response, bytes).catch(() => response.destroy())
    else response.end(bytes)
  }
}

const listen = server =>
  new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))
const plain = await listen(createServer(listener(false)))
const link = await listen(createServer(listener(true)))
process.stdout.write(`${JSON.stringify({ plain, link })}\n`)
