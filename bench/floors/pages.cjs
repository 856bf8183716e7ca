// Paging floor: what any Node client must at least do to save a paged listing: every page
// over one keep-alive connection, each parsed, its items written to one JSON array in a
// fresh file. node bench/floors/pages.cjs <url> <token> <items-key> <out> <expected-count>
const http = require('node:http')
const { openSync, writeSync, closeSync } = require('node:fs')
const [url, token, key, out, expected] = process.argv.slice(2)
const agent = new http.Agent({ keepAlive: true })
const headers = { Authorization: `token ${token}`, Accept: 'application/vnd.pulumi+8' }
const fd = openSync(out, 'w')
writeSync(fd, '[')
let count = 0
function page(continuation) {
  const target = new URL(url)
  if (continuation) target.searchParams.set('continuationToken', continuation)
  http.get(target, { agent, headers }, response => {
    let body = ''
    response.setEncoding('utf8')
    response.on('data', chunk => (body += chunk))
    response.on('end', () => {
      const parsed = JSON.parse(body)
      const items = parsed[key]
      if (items.length > 0)
        writeSync(fd, (count > 0 ? ',' : '') + JSON.stringify(items).slice(1, -1))
      count += items.length
      if (parsed.continuationToken) return page(parsed.continuationToken)
      writeSync(fd, ']')
      closeSync(fd)
      agent.destroy()
      if (count !== Number(expected)) process.exit(1)
    })
  })
}
page('')
