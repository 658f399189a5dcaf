// The official e2b JS SDK against the fake: per-file metadata (envd 0.6.2), EntryInfo of
// a symlink, and signed file URLs of a secure sandbox. The runner
// (run_npm_sdk_test.sh) starts the fake and sets E2B_API_URL, E2B_SANDBOX_URL, E2B_API_KEY.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from 'e2b'

const created = []

async function newSandbox() {
  const sbx = await Sandbox.create('base', { metadata: { suite: 'external-files' }, timeoutMs: 300_000 })
  created.push(sbx)
  return sbx
}

after(async () => {
  for (const sbx of created) await sbx.kill().catch(() => {})
})

test('files: metadata on write, list and getInfo; an overwrite replaces it', async () => {
  const sbx = await newSandbox()
  const written = await sbx.files.write('/home/user/notes/a.txt', 'alpha', { metadata: { owner: 'alice', kind: 'note' } })
  assert.deepEqual(written.metadata, { owner: 'alice', kind: 'note' })
  assert.deepEqual((await sbx.files.getInfo('/home/user/notes/a.txt')).metadata, { owner: 'alice', kind: 'note' })

  // The octet-stream upload (a stream body) carries the headers too.
  const body = new Blob(['beta']).stream()
  await sbx.files.write('/home/user/notes/b.txt', body, { metadata: { kind: 'stream' } })
  const listed = await sbx.files.list('/home/user/notes')
  const byName = Object.fromEntries(listed.map((e) => [e.name, e.metadata]))
  assert.deepEqual(byName, { 'a.txt': { owner: 'alice', kind: 'note' }, 'b.txt': { kind: 'stream' } })

  await sbx.files.write('/home/user/notes/a.txt', 'alpha 2')
  assert.equal((await sbx.files.getInfo('/home/user/notes/a.txt')).metadata, undefined, 'stale metadata is cleared')
  assert.equal(await sbx.files.read('/home/user/notes/a.txt'), 'alpha 2')

  // Metadata set inside the sandbox is what envd reports too.
  await sbx.commands.run(`python3 -c "import os; os.setxattr('/home/user/notes/b.txt', 'user.e2b.tool', b'py')"`)
  assert.deepEqual((await sbx.files.getInfo('/home/user/notes/b.txt')).metadata, { kind: 'stream', tool: 'py' })
})

test('files: getInfo of a symlink reports its resolved target and the target type', async () => {
  const sbx = await newSandbox()
  await sbx.files.write('/home/user/real.txt', 'real')
  await sbx.commands.run('cd /home/user && ln -s ./real.txt link && ln -s / top && ln -s /missing dangling')
  const link = await sbx.files.getInfo('/home/user/link')
  assert.equal(link.symlinkTarget, '/home/user/real.txt')
  assert.equal(link.type, 'file')
  assert.equal(link.path, '/home/user/link')
  assert.equal(link.permissions, 'Lrwxrwxrwx')
  const top = await sbx.files.getInfo('/home/user/top')
  assert.equal(top.symlinkTarget, '/')
  assert.equal(top.type, 'dir')
  assert.equal((await sbx.files.getInfo('/home/user/dangling')).symlinkTarget, '/home/user/dangling')
})

// E2B_SANDBOX_URL points every envd URL at the fake itself, so the URL names no sandbox;
// the header says which, as the edge reads it. The signature is what is checked.
const fetchSigned = (sbx, url, init = {}) =>
  fetch(url, { ...init, headers: { ...(init.headers ?? {}), 'E2b-Sandbox-Id': sbx.sandboxId } })

test('signed URLs: download and upload without the access token; tampered or expired ones get 401', async () => {
  const sbx = await newSandbox()
  assert.ok(sbx.envdAccessToken, 'the sandbox is secure')
  await sbx.files.write('/home/user/signed.txt', 'signed content')

  const plain = new URL('/files', process.env.E2B_SANDBOX_URL)
  plain.searchParams.set('path', '/home/user/signed.txt')
  const unsigned = await fetchSigned(sbx, plain)
  assert.equal(unsigned.status, 401)
  assert.deepEqual(await unsigned.json(), { code: 401, message: 'missing signature query parameter' })

  const url = await sbx.downloadUrl('/home/user/signed.txt', { useSignatureExpiration: 120 })
  assert.match(url, /signature=v1_/)
  const ok = await fetchSigned(sbx, url)
  assert.equal(ok.status, 200)
  assert.equal(await ok.text(), 'signed content')

  const tampered = new URL(url)
  tampered.searchParams.set('path', '/home/user/other.txt')
  const forged = await fetchSigned(sbx, tampered)
  assert.equal(forged.status, 401)
  assert.deepEqual(await forged.json(), { code: 401, message: 'invalid signature' })
  const later = new URL(url)
  later.searchParams.set('signature_expiration', String(Number(later.searchParams.get('signature_expiration')) + 3600))
  assert.equal((await fetchSigned(sbx, later)).status, 401)

  const expired = await fetchSigned(sbx, await sbx.downloadUrl('/home/user/signed.txt', { useSignatureExpiration: -60 }))
  assert.equal(expired.status, 401)
  assert.deepEqual(await expired.json(), { code: 401, message: 'signature is already expired' })

  const uploadUrl = await sbx.uploadUrl('/home/user/uploaded.txt')
  const form = new FormData()
  form.append('file', new Blob(['via signed url']), 'uploaded.txt')
  const uploaded = await fetchSigned(sbx, uploadUrl, { method: 'POST', body: form })
  assert.equal(uploaded.status, 200, await uploaded.clone().text())
  assert.equal(await sbx.files.read('/home/user/uploaded.txt'), 'via signed url')
  // A download signature does not authorise an upload.
  const wrongOp = await fetchSigned(sbx, url, { method: 'POST', body: form })
  assert.equal(wrongOp.status, 401)
  assert.equal(await sbx.files.read('/home/user/signed.txt'), 'signed content')
})
