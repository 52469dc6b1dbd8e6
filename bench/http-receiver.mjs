// The bench's loopback HTTP receiver, in its own process (so it does not compete with the
// benchmarked tool's event loop, and both tools meet the same server at the same cost): answers
// every request 200 with an empty body, counts requests per path, and prints `done <path>` on
// stdout once a path has seen the count given as the first argument. Prints `port <n>` first.
import http from 'node:http'

const target = Number(process.argv[2] ?? 100000)
const counts = new Map()
const server = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    const key = req.url ?? ''
    const count = (counts.get(key) ?? 0) + 1
    counts.set(key, count)
    res.writeHead(200, {'content-length': '0'})
    res.end()
    if (count === target) process.stdout.write(`done ${key}\n`)
  })
})
server.keepAliveTimeout = 60_000
server.maxRequestsPerSocket = 0
server.listen(0, '127.0.0.1', () => process.stdout.write(`port ${server.address().port}\n`))
process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
