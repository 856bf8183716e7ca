// Cold-start floor: one GET, its JSON parsed. node bench/floors/get.cjs <url> <token>
const http = require('node:http')
const headers = { Authorization: `token ${process.argv[3]}`, Accept: 'application/vnd.pulumi+8' }
http.get(process.argv[2], { headers }, response => {
  let body = ''
  response.setEncoding('utf8')
  response.on('data', chunk => (body += chunk))
  response.on('end', () => {
    JSON.parse(body)
    if (response.statusCode !== 200) process.exit(1)
  })
})
