// The official e2b JS SDK, unchanged, against the fake PPIO server. The
// runner (run_e2b_sdk_test.sh) starts the fake and sets E2B_API_URL,
// E2B_SANDBOX_URL, E2B_API_KEY and E2B_VALIDATE_API_KEY=false.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, CommandExitError, SandboxError, SandboxNotFoundError, TimeoutError, NotFoundError } from 'e2b'

const runLabel = `run-${process.pid}`
const created = []

async function newSandbox(opts = {}) {
  const sbx = await Sandbox.create('base', { metadata: { suite: 'external', run: runLabel }, timeoutMs: 300_000, ...opts })
  created.push(sbx)
  return sbx
}

after(async () => {
  for (const sbx of created) await sbx.kill().catch(() => {})
})

test('create with metadata and envs, getInfo, list by metadata', async () => {
  const sbx = await newSandbox({ envs: { GREETING: 'hello-from-create' } })
  const info = await sbx.getInfo()
  assert.equal(info.sandboxId, sbx.sandboxId)
  assert.equal(info.metadata.run, runLabel)
  const other = await Sandbox.create('base', { metadata: { suite: 'external', run: 'someone-else' } })
  created.push(other)
  const paginator = Sandbox.list({ query: { metadata: { run: runLabel } } })
  const items = await paginator.nextItems()
  const ids = items.map((s) => s.sandboxId)
  assert.ok(ids.includes(sbx.sandboxId), `list has ${sbx.sandboxId}: ${ids}`)
  assert.ok(!ids.includes(other.sandboxId), 'the metadata filter leaves the other sandbox out')
  const result = await sbx.commands.run('echo $GREETING')
  assert.equal(result.stdout, 'hello-from-create\n')
  assert.equal(await sbx.isRunning(), true)
})

test('commands: stdout, stderr, exit codes, cwd, envs, streaming', async () => {
  const sbx = await newSandbox()
  const ok = await sbx.commands.run('echo out; echo err >&2')
  assert.equal(ok.exitCode, 0)
  assert.equal(ok.stdout, 'out\n')
  assert.equal(ok.stderr, 'err\n')

  await assert.rejects(sbx.commands.run('echo partial; exit 3'), (err) => {
    assert.ok(err instanceof CommandExitError, `got ${err?.constructor?.name}: ${err}`)
    assert.equal(err.exitCode, 3)
    assert.equal(err.stdout, 'partial\n')
    return true
  })

  await sbx.files.makeDir('/home/user/work')
  assert.equal((await sbx.commands.run('pwd', { cwd: '/home/user/work' })).stdout, '/home/user/work\n')
  assert.equal((await sbx.commands.run('pwd')).stdout, '/home/user\n')
  assert.equal((await sbx.commands.run('echo $A-$B', { envs: { A: 'one', B: 'two' } })).stdout, 'one-two\n')

  const chunks = []
  const streamed = await sbx.commands.run('for i in 1 2 3; do echo line$i; done', { onStdout: (d) => chunks.push(d) })
  assert.equal(streamed.stdout, 'line1\nline2\nline3\n')
  assert.equal(chunks.join(''), 'line1\nline2\nline3\n')
})

test('commands: a timeoutMs that expires kills the command', async () => {
  const sbx = await newSandbox()
  await assert.rejects(sbx.commands.run('sleep 30', { timeoutMs: 500 }), (err) => {
    assert.ok(err instanceof TimeoutError, `got ${err?.constructor?.name}: ${err}`)
    return true
  })
  // The client gives up at the same moment the fake kills the process; wait
  // (by polling the process list, not by sleeping) until the kill has landed.
  let left = -1
  for (let i = 0; i < 500 && left !== 0; i++) {
    left = (await sbx.commands.list()).filter((p) => p.args.join(' ').includes('sleep 30')).length
  }
  assert.equal(left, 0, 'the timed-out command is gone')
})

test('commands: background then kill', async () => {
  const sbx = await newSandbox()
  const handle = await sbx.commands.run('sleep 600', { background: true })
  assert.ok(handle.pid > 0)
  const listed = await sbx.commands.list()
  assert.ok(listed.some((p) => p.pid === handle.pid), 'the background command is listed')
  assert.equal(await handle.kill(), true)
  await assert.rejects(handle.wait(), (err) => err instanceof CommandExitError)
  assert.equal(await sbx.commands.kill(handle.pid), false, 'killing it again finds nothing')
})

test('files: write, read, list, exists, makeDir, rename, remove, getInfo', async () => {
  const sbx = await newSandbox()
  const written = await sbx.files.write('/app/hello.txt', 'hello world\n')
  assert.equal(written.path, '/app/hello.txt')
  assert.equal(await sbx.files.read('/app/hello.txt'), 'hello world\n')
  assert.equal((await sbx.commands.run('cat /app/hello.txt')).stdout, 'hello world\n')

  const bytes = new Uint8Array(256).map((_, i) => i)
  await sbx.files.write('/app/bin.dat', bytes.buffer)
  const back = await sbx.files.read('/app/bin.dat', { format: 'bytes' })
  assert.deepEqual(Array.from(back), Array.from(bytes))

  const info = await sbx.files.getInfo('/app/bin.dat')
  assert.equal(info.size, 256)
  assert.equal(info.type, 'file')

  assert.equal(await sbx.files.exists('/app/hello.txt'), true)
  assert.equal(await sbx.files.exists('/app/nope.txt'), false)
  assert.equal(await sbx.files.makeDir('/app/dir/sub'), true)
  assert.equal(await sbx.files.makeDir('/app/dir/sub'), false)

  const entries = await sbx.files.list('/app')
  const names = entries.map((e) => e.name).sort()
  assert.deepEqual(names, ['bin.dat', 'dir', 'hello.txt'])
  assert.equal(entries.find((e) => e.name === 'dir').type, 'dir')

  const moved = await sbx.files.rename('/app/hello.txt', '/app/dir/moved.txt')
  assert.equal(moved.path, '/app/dir/moved.txt')
  assert.equal(await sbx.files.exists('/app/hello.txt'), false)
  assert.equal(await sbx.files.read('/app/dir/moved.txt'), 'hello world\n')

  await sbx.files.remove('/app/dir')
  assert.equal(await sbx.files.exists('/app/dir'), false)
  await assert.rejects(sbx.files.read('/app/dir/moved.txt'), (err) => err instanceof NotFoundError)
})

test('files.watchDir: an event arrives for a file written after the watch starts', async () => {
  const sbx = await newSandbox()
  await sbx.files.makeDir('/home/user/watched')
  let resolveSeen
  const seen = new Promise((resolve) => { resolveSeen = resolve })
  const events = []
  const handle = await sbx.files.watchDir('/home/user/watched', (event) => {
    events.push(event)
    if (event.name === 'note.txt' && event.type === 'write') resolveSeen()
  })
  let timer
  try {
    await sbx.files.write('/home/user/watched/note.txt', 'written after the watch started')
    // Bounded: a missing event fails the test instead of hanging it.
    const gaveUp = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no write event; got ${JSON.stringify(events)}`)), 20_000)
    })
    await Promise.race([seen, gaveUp])
    assert.ok(events.some((e) => e.name === 'note.txt' && e.type === 'create'), JSON.stringify(events))
  } finally {
    clearTimeout(timer)
    await handle.stop()
  }
  await assert.rejects(sbx.files.watchDir('/home/user/missing-dir', () => {}), (err) => err instanceof NotFoundError)
})

test('setTimeout, kill, and a killed sandbox raises the SDK error', async () => {
  const sbx = await newSandbox()
  await sbx.setTimeout(120_000)
  const info = await sbx.getInfo()
  const left = new Date(info.endAt).getTime() - Date.now()
  assert.ok(left > 60_000 && left <= 125_000, `endAt about 2 min ahead, got ${left} ms`)

  await sbx.kill()
  assert.equal(await sbx.isRunning(), false)
  await assert.rejects(sbx.commands.run('echo hi'), (err) => {
    assert.ok(err instanceof SandboxError, `got ${err?.constructor?.name}: ${err}`)
    assert.ok(err instanceof SandboxNotFoundError || err instanceof TimeoutError, `got ${err?.constructor?.name}`)
    return true
  })
  await assert.rejects(sbx.getInfo(), (err) => err instanceof SandboxNotFoundError)
})

test('Sandbox.connect (POST /v2/sandboxes/{id}/connect): running, paused, setTimeout via connect', async () => {
  const sbx = await newSandbox({ timeoutMs: 120_000 })
  assert.ok(sbx.envdAccessToken, 'e2b 2.51 omits `secure`; the modern domain secures the sandbox anyway')
  await sbx.files.write('/home/user/kept.txt', 'kept')
  const endAt = async () => (await sbx.getInfo()).endAt.getTime()
  const created120 = await endAt()

  const same = await Sandbox.connect(sbx.sandboxId) // no timeout: the service's 300 s
  assert.equal(same.sandboxId, sbx.sandboxId)
  const after300 = await endAt()
  assert.ok(after300 > created120, 'connect without a timeout extends to 300 s')
  await Sandbox.connect(sbx.sandboxId, { timeoutMs: 900_000 })
  const after900 = await endAt()
  assert.ok(after900 > after300)
  await sbx.connect({ timeoutMs: 60_000 })
  assert.equal(await endAt(), after900, 'connect never shortens')
  await same.setTimeout(60_000)
  assert.ok((await endAt()) < after900, 'setTimeout on the connected handle shortens')

  assert.equal(await sbx.pause(), true)
  assert.equal((await sbx.getInfo()).state, 'paused')
  const resumed = await Sandbox.connect(sbx.sandboxId)
  assert.equal((await resumed.getInfo()).state, 'running')
  assert.equal(await resumed.files.read('/home/user/kept.txt'), 'kept')
  await assert.rejects(Sandbox.connect('inosuchsandbox000000'), (err) => err instanceof SandboxNotFoundError)
})

test('Sandbox.list with order, template and startedAfter', async () => {
  const listLabel = `list-${process.pid}`
  const meta = { suite: 'external', run: runLabel, list: listLabel }
  const first = await newSandbox({ metadata: meta })
  const second = await Sandbox.create('code-interpreter-v1', { metadata: meta, timeoutMs: 300_000 })
  created.push(second)
  const ids = async (opts) => (await Sandbox.list(opts).nextItems()).map((s) => s.sandboxId)
  assert.deepEqual(await ids({ query: { metadata: { list: listLabel } }, order: 'asc' }), [first.sandboxId, second.sandboxId])
  assert.deepEqual(await ids({ query: { metadata: { list: listLabel } }, order: 'desc' }), [second.sandboxId, first.sandboxId])
  assert.deepEqual(await ids({ query: { metadata: { list: listLabel }, template: 'code-interpreter-v1' } }), [second.sandboxId])
  assert.deepEqual(await ids({ query: { metadata: { list: listLabel }, template: 'base' } }), [first.sandboxId])
  const secondStart = (await second.getInfo()).startedAt
  const after = await ids({ query: { metadata: { list: listLabel }, startedAfter: secondStart } })
  assert.ok(after.includes(second.sandboxId) && after.length <= 2, `${after}`)
})

test('snapshots: createSnapshot, listSnapshots, a sandbox from it sees its file, deleteSnapshot', async () => {
  const sbx = await newSandbox()
  await sbx.files.write('/home/user/snap.txt', 'in the snapshot')
  const name = `snap-${process.pid}`
  const snapshot = await sbx.createSnapshot({ name })
  assert.ok(snapshot.snapshotId.endsWith(`/${name}:default`), snapshot.snapshotId)
  assert.deepEqual(snapshot.names, [snapshot.snapshotId])
  await sbx.files.write('/home/user/snap.txt', 'written after the snapshot')

  const listed = await Sandbox.listSnapshots({ sandboxId: sbx.sandboxId }).nextItems()
  assert.deepEqual(listed.map((s) => s.snapshotId), [snapshot.snapshotId])

  const child = await Sandbox.create(snapshot.snapshotId, { timeoutMs: 300_000 })
  created.push(child)
  assert.equal(await child.files.read('/home/user/snap.txt'), 'in the snapshot')
  assert.equal(await sbx.files.read('/home/user/snap.txt'), 'written after the snapshot')

  assert.equal(await Sandbox.deleteSnapshot(snapshot.snapshotId), true)
  assert.equal(await Sandbox.deleteSnapshot(snapshot.snapshotId), false, 'gone already')
  assert.deepEqual(await Sandbox.listSnapshots({ sandboxId: sbx.sandboxId }).nextItems(), [])
  await assert.rejects(Sandbox.create(snapshot.snapshotId), (err) => err instanceof SandboxError)
})

test('fork: each fork starts with the source files and goes its own way', async () => {
  const sbx = await newSandbox()
  await sbx.files.write('/home/user/state.txt', 'state before fork')
  const forks = await sbx.fork({ count: 2, timeoutMs: 60_000 })
  assert.equal(forks.length, 2)
  for (const fork of forks) {
    assert.ok(fork instanceof Sandbox, `got ${fork}`)
    created.push(fork)
    assert.notEqual(fork.sandboxId, sbx.sandboxId)
    assert.equal(await fork.isRunning(), true)
    assert.equal(await fork.files.read('/home/user/state.txt'), 'state before fork')
    await fork.files.write('/home/user/state.txt', 'modified in fork')
  }
  assert.equal(await sbx.files.read('/home/user/state.txt'), 'state before fork')
  assert.equal(await sbx.isRunning(), true)
  await assert.rejects(Sandbox.fork('inosuchsandbox000000'), (err) => err instanceof SandboxNotFoundError)
})

test('getMetrics with a time window', async () => {
  const sbx = await newSandbox()
  const startedAt = (await sbx.getInfo()).startedAt.getTime()
  const all = await sbx.getMetrics()
  assert.ok(all.length >= 1, 'a sample at the start')
  assert.ok(all.every((m) => m.memTotal > 0 && m.cpuCount > 0))
  const window = await sbx.getMetrics({ start: new Date(startedAt - 1000), end: new Date(startedAt + 1000) })
  assert.equal(window.length, 1)
  const before = await sbx.getMetrics({ start: new Date(startedAt - 3_600_000), end: new Date(startedAt - 60_000) })
  assert.deepEqual(before, [], 'no samples before the sandbox existed')
})

test('network: rules on create are reported, updateNetwork replaces them, private traffic gets a token', async () => {
  const sbx = await newSandbox({ network: { allowOut: ['example.com'], denyOut: ['0.0.0.0/0'] } })
  let network = (await sbx.getInfo()).network
  assert.deepEqual(network.allowOut, ['example.com'])
  assert.deepEqual(network.denyOut, ['0.0.0.0/0'])
  await sbx.updateNetwork({ denyOut: ['10.0.0.0/8'] })
  network = (await sbx.getInfo()).network
  assert.equal(network.allowOut, undefined, 'an omitted field clears')
  assert.deepEqual(network.denyOut, ['10.0.0.0/8'])
  await assert.rejects(sbx.updateNetwork({ denyOut: ['example.com'] }), (err) => err instanceof SandboxError)

  const secured = await newSandbox({ network: { allowPublicTraffic: false } })
  assert.ok(secured.trafficAccessToken, 'a sandbox without public traffic gets a traffic access token')
  assert.equal((await secured.getInfo()).network.allowPublicTraffic, false)
})
