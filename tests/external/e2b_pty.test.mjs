// The official e2b JS SDK's terminals (sandbox.pty) against the fake: create,
// sendInput, resize, connect and kill, on a real pseudo-terminal in the
// sandbox. The runner (run_npm_sdk_test.sh) starts the fake and points the SDK at it.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, CommandExitError } from 'e2b'

const created = []
after(async () => {
  for (const sbx of created) await sbx.kill().catch(() => {})
})

async function newSandbox() {
  const sbx = await Sandbox.create('base', { timeoutMs: 300_000 })
  created.push(sbx)
  return sbx
}

// A terminal's output as text, and a wait (on the output itself, never on a
// clock) until some text shows up in it.
function terminalOutput() {
  const decoder = new TextDecoder()
  const waiters = []
  const out = {
    text: '',
    onData(bytes) {
      out.text += decoder.decode(bytes, { stream: true })
      for (const w of waiters.splice(0)) w()
    },
    async until(needle) {
      while (!out.text.includes(needle)) await new Promise((resolve) => waiters.push(resolve))
    },
  }
  return out
}

const typed = (text) => new TextEncoder().encode(text)

test('pty.create runs an interactive login shell on a terminal; sendInput is echoed and run', { timeout: 120_000 }, async () => {
  const sbx = await newSandbox()
  const out = terminalOutput()
  const terminal = await sbx.pty.create({ cols: 80, rows: 24, onData: out.onData })
  assert.ok(terminal.pid > 0)
  await sbx.pty.sendInput(terminal.pid, typed('tty; echo result-$((6*7))-$TERM-$LANG\n'))
  await out.until('result-42-xterm-256color-C.UTF-8\r\n')
  assert.ok(out.text.includes('echo result-$((6*7))'), `the terminal echoes what was typed: ${JSON.stringify(out.text)}`)
  assert.match(out.text, /\/dev\/pts\/\d+\r\n/)
  await sbx.pty.sendInput(terminal.pid, typed('exit 3\n'))
  await assert.rejects(terminal.wait(), (err) => {
    assert.ok(err instanceof CommandExitError, `got ${err?.constructor?.name}: ${err}`)
    assert.equal(err.exitCode, 3)
    return true
  })
})

test('pty.resize: the program sees the new size', { timeout: 120_000 }, async () => {
  const sbx = await newSandbox()
  const out = terminalOutput()
  const terminal = await sbx.pty.create({ cols: 80, rows: 24, onData: out.onData })
  await sbx.pty.sendInput(terminal.pid, typed('echo "size-$(stty size)"\n'))
  await out.until('size-24 80\r\n')
  await sbx.pty.resize(terminal.pid, { cols: 132, rows: 43 })
  await sbx.pty.sendInput(terminal.pid, typed('echo "size-$(stty size)"\n'))
  await out.until('size-43 132\r\n')
  assert.equal(await sbx.pty.kill(terminal.pid), true)
})

test('pty.connect follows a terminal after disconnect; pty.kill ends it', { timeout: 120_000 }, async () => {
  const sbx = await newSandbox()
  const terminal = await sbx.pty.create({ cols: 80, rows: 24, onData: () => {} })
  await terminal.disconnect()
  const out = terminalOutput()
  const again = await sbx.pty.connect(terminal.pid, { onData: out.onData })
  assert.equal(again.pid, terminal.pid)
  await sbx.pty.sendInput(terminal.pid, typed('echo back-$((40+2))\n'))
  await out.until('back-42\r\n')
  assert.equal(await sbx.pty.kill(terminal.pid), true)
  await assert.rejects(again.wait(), (err) => {
    assert.ok(err instanceof CommandExitError, `got ${err?.constructor?.name}: ${err}`)
    assert.equal(err.exitCode, -1)
    assert.match(err.error, /signal: killed/)
    return true
  })
  assert.equal(await sbx.pty.kill(terminal.pid), false, 'a terminal that is gone is not found')
  const left = (await sbx.commands.list()).filter((p) => p.pid === terminal.pid)
  assert.equal(left.length, 0)
})
