// The official novita-sandbox JS SDK (Novita's fork of the e2b SDK, the
// JavaScript client closest to PPIO), unchanged, against the fake. The runner
// (run_npm_sdk_test.sh) sets NOVITA_API_URL, NOVITA_SANDBOX_URL and
// NOVITA_API_KEY; envd requests carry Novita-Sandbox-Id.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, CommandExitError, NotFoundError, SandboxError } from 'novita-sandbox'

const runLabel = `novita-${process.pid}`
const created = []

async function newSandbox(opts = {}) {
  const sbx = await Sandbox.create('base', { metadata: { suite: 'novita', run: runLabel }, ...opts })
  created.push(sbx)
  return sbx
}

after(async () => {
  for (const sbx of created) await sbx.kill().catch(() => {})
})

test('novita: create, getInfo, list by metadata, setTimeout, kill', async () => {
  const sbx = await newSandbox({ envs: { GREETING: 'from-novita' } })
  assert.ok(sbx.sandboxId.startsWith('i'), sbx.sandboxId)
  const info = await sbx.getInfo()
  assert.equal(info.sandboxId, sbx.sandboxId)
  assert.equal(info.metadata.run, runLabel)
  assert.equal(info.state, 'running')
  assert.equal(info.lifecycle.onTimeout, 'kill')

  const other = await Sandbox.create('base', { metadata: { suite: 'novita', run: 'someone-else' } })
  created.push(other)
  const items = await Sandbox.list({ query: { metadata: { run: runLabel } } }).nextItems()
  const ids = items.map((s) => s.sandboxId)
  assert.ok(ids.includes(sbx.sandboxId), `list has ${sbx.sandboxId}: ${ids}`)
  assert.ok(!ids.includes(other.sandboxId), 'the metadata filter leaves the other sandbox out')

  const before = (await sbx.getInfo()).endAt
  await sbx.setTimeout(30_000)
  assert.ok((await sbx.getInfo()).endAt < before, 'setTimeout may shorten')

  assert.equal(await sbx.isRunning(), true)
  await sbx.kill()
  assert.equal(await sbx.isRunning(), false)
  await assert.rejects(sbx.getInfo(), (err) => err instanceof SandboxError)
})

test('novita: pause and connect again, with the files kept', async () => {
  const sbx = await newSandbox()
  await sbx.files.write('/home/user/kept.txt', 'kept across pause')
  assert.equal(await sbx.pause(), true)
  assert.equal((await sbx.getInfo()).state, 'paused')
  const again = await Sandbox.connect(sbx.sandboxId)
  assert.equal((await again.getInfo()).state, 'running')
  assert.equal(await again.files.read('/home/user/kept.txt'), 'kept across pause')
})

test('novita: commands: output, exit codes, envs, cwd', async () => {
  const sbx = await newSandbox({ envs: { FROM_CREATE: 'yes' } })
  const ok = await sbx.commands.run('echo out; echo err >&2; echo $FROM_CREATE')
  assert.equal(ok.exitCode, 0)
  assert.equal(ok.stdout, 'out\nyes\n')
  assert.equal(ok.stderr, 'err\n')
  await assert.rejects(sbx.commands.run('echo partial; exit 4'), (err) => {
    assert.ok(err instanceof CommandExitError, `got ${err?.constructor?.name}: ${err}`)
    assert.equal(err.exitCode, 4)
    assert.equal(err.stdout, 'partial\n')
    return true
  })
  assert.equal((await sbx.commands.run('echo $A', { envs: { A: 'per-command' } })).stdout, 'per-command\n')
  await sbx.files.makeDir('/home/user/work')
  assert.equal((await sbx.commands.run('pwd', { cwd: '/home/user/work' })).stdout, '/home/user/work\n')
})

test('novita: files: write, read, list, exists, rename, remove', async () => {
  const sbx = await newSandbox()
  const written = await sbx.files.write('/app/note.txt', 'a note\n')
  assert.equal(written.path, '/app/note.txt')
  assert.equal(await sbx.files.read('/app/note.txt'), 'a note\n')
  assert.equal((await sbx.commands.run('cat /app/note.txt')).stdout, 'a note\n')
  const bytes = new Uint8Array(300).map((_, i) => i % 256)
  await sbx.files.write('/app/bin.dat', bytes.buffer)
  assert.deepEqual(Array.from(await sbx.files.read('/app/bin.dat', { format: 'bytes' })), Array.from(bytes))
  const names = (await sbx.files.list('/app')).map((e) => e.name).sort()
  assert.deepEqual(names, ['bin.dat', 'note.txt'])
  assert.equal(await sbx.files.exists('/app/note.txt'), true)
  assert.equal(await sbx.files.exists('/app/missing.txt'), false)
  await sbx.files.rename('/app/note.txt', '/app/moved.txt')
  assert.equal(await sbx.files.read('/app/moved.txt'), 'a note\n')
  await sbx.files.remove('/app/moved.txt')
  await assert.rejects(sbx.files.read('/app/moved.txt'), (err) => err instanceof NotFoundError)
})

test('novita: snapshots of the modern domain', async () => {
  const sbx = await newSandbox()
  await sbx.files.write('/home/user/snap.txt', 'snapshotted')
  const snapshot = await sbx.createSnapshot()
  assert.match(snapshot.snapshotId, /^[a-z0-9]{20}:default$/)
  const child = await Sandbox.create(snapshot.snapshotId, { metadata: { suite: 'novita', run: runLabel } })
  created.push(child)
  assert.equal(await child.files.read('/home/user/snap.txt'), 'snapshotted')
  assert.equal(await Sandbox.deleteSnapshot(snapshot.snapshotId), true)
  assert.equal(await Sandbox.deleteSnapshot(snapshot.snapshotId), false)
})
