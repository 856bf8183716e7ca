// Export floor: what any Node client must at least do to archive a state: one GET, every
// chunk hashed (sha256) and written to a fresh file. node bench/floors/download.cjs <url> <token> <out>
const http = require('node:http')
const { createHash } = require('node:crypto')
const { openSync, writeSync, closeSync } = require('node:fs')
const headers = { Authorization: `token ${process.argv[3]}`, Accept: 'application/vnd.pulumi+8' }
const fd = openSync(process.argv[4], 'w')
const hash = createHash('sha256')
http.get(process.argv[2], { headers }, response => {
  if (response.statusCode !== 200) process.exit(1)
  response.on('data', chunk => {
    hash.update(chunk)
    for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done)
  })
  response.on('end', () => {
    closeSync(fd)
    process.stdout.write(`${hash.digest('hex')}\n`)
  })
})
