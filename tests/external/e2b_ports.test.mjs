// Sandbox ports through the fake's edge with the official e2b JS SDK:
// sandbox.getHost(port) names <port>-<id>.<domain>, and a request for that
// host reaches a server the sandbox runs. The runner (run_npm_sdk_test.sh)
// starts the fake and sets E2B_API_URL, E2B_SANDBOX_URL and the key.
//
// The sandbox's domain is `mock.test:<the fake's port>`, so getHost names the
// fake's port too. Nothing resolves *.mock.test, so the requests below connect
// to 127.0.0.1 whatever the name (the `lookup` of node:http), as a wildcard DNS
// entry would; the Host they carry is getHost's, as through PPIO's edge.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { Sandbox } from 'e2b'

const fakePort = new URL(process.env.E2B_API_URL).port
const domain = `mock.test:${fakePort}`
const created = []

after(async () => {
  for (const sbx of created) await sbx.kill().catch(() => {})
})

function toLoopback(hostname, options, callback) {
  if (options && options.all) callback(null, [{ address: '127.0.0.1', family: 4 }])
  else callback(null, '127.0.0.1', 4)
}

// GET or POST http://<host><path>; resolves to {status, headers, body}.
function request(host, path, { method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(`http://${host}${path}`, { method, headers, lookup: toLoopback, agent: false }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('error', reject)
    if (body !== undefined) req.end(body)
    else req.end()
  })
}

test('getHost + a request reach a server started in the sandbox with commands.run(background)', async () => {
  const sbx = await Sandbox.create('base', { domain, timeoutMs: 300_000 })
  created.push(sbx)
  const host = sbx.getHost(8000)
  assert.equal(host, `8000-${sbx.sandboxId}.${domain}`)

  await sbx.files.write('/home/user/site/hello.txt', 'hello from inside the sandbox\n')
  const server = await sbx.commands.run('python3 -m http.server 8000 --bind 127.0.0.1', {
    background: true,
    cwd: '/home/user/site',
  })
  // Wait inside the sandbox until it listens, so this test never sleeps.
  await sbx.commands.run(
    'for i in $(seq 1 400); do (exec 3<>/dev/tcp/127.0.0.1/8000) 2>/dev/null && exit 0; sleep 0.05; done; exit 1',
  )

  const res = await request(host, '/hello.txt')
  assert.equal(res.status, 200, res.body)
  assert.equal(res.body, 'hello from inside the sandbox\n')

  // A port nobody listens on: E2B's edge answer.
  const closed = await request(sbx.getHost(8001), '/')
  assert.equal(closed.status, 502)
  const closedBody = JSON.parse(closed.body)
  assert.equal(closedBody.message, 'The sandbox is running but port is not open')
  assert.equal(closedBody.sandboxId, sbx.sandboxId)
  assert.equal(closedBody.port, 8001)

  await server.kill()
  await sbx.kill()
  const gone = await request(host, '/hello.txt')
  assert.equal(gone.status, 502)
  assert.deepEqual(JSON.parse(gone.body), { sandboxId: sbx.sandboxId, message: 'The sandbox was not found', code: 502 })
})

test('a private sandbox wants its trafficAccessToken in e2b-traffic-access-token', async () => {
  const sbx = await Sandbox.create('base', { domain, secure: true, network: { allowPublicTraffic: false } })
  created.push(sbx)
  assert.ok(sbx.trafficAccessToken, 'the create answer carries the token')
  await sbx.commands.run('mkdir -p /home/user/site && echo private > /home/user/site/p.txt')
  await sbx.commands.run('python3 -m http.server 8000 --bind 127.0.0.1', { background: true, cwd: '/home/user/site' })
  await sbx.commands.run(
    'for i in $(seq 1 400); do (exec 3<>/dev/tcp/127.0.0.1/8000) 2>/dev/null && exit 0; sleep 0.05; done; exit 1',
  )
  const host = sbx.getHost(8000)
  const refused = await request(host, '/p.txt')
  assert.equal(refused.status, 403)
  assert.match(JSON.parse(refused.body).message, /traffic access token/)
  const ok = await request(host, '/p.txt', { headers: { 'e2b-traffic-access-token': sbx.trafficAccessToken } })
  assert.equal(ok.status, 200, ok.body)
  assert.equal(ok.body, 'private\n')
})
