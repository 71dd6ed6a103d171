/**
 * Unix serial ports are read on a thread of their own (native-bridge/serial/reader-thread.ts). Over
 * a real socat pty pair: every byte arrives, in order, through many reads; closing a port stops its
 * thread before the fd is closed, so opening and closing ports again and again leaves no threads
 * behind and the next port works.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SerialTransport } from '../../../native-bridge/serial/transport.js'

const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-reader-thread-'))
const a = path.join(dir, 'a')
const b = path.join(dir, 'b')
let socat: ChildProcess

beforeAll(async () => {
  socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' })
  while (!existsSync(a) || !existsSync(b)) await new Promise((r) => setTimeout(r, 20))
})
afterAll(() => {
  socat.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const open = async (p: string) => {
  const t = new SerialTransport({ path: p, baudRate: 4_000_000, rtscts: false, reconnect: false, presenceIntervalMs: 0 })
  await t.open()
  return t
}
const threads = () => readdirSync('/proc/self/task').length

describe.runIf(process.platform === 'linux')('serial reader thread', () => {
  it('delivers 4 MB in order and complete', async () => {
    const reader = await open(a)
    const writer = await open(b)
    const sent = randomBytes(4 << 20)
    const got = createHash('sha256')
    let received = 0
    let reads = 0
    reader.onData((chunk) => {
      got.update(chunk)
      received += chunk.length
      reads++
    })
    for (let at = 0; at < sent.length; at += 65536) await writer.write(sent.subarray(at, at + 65536))
    await expect.poll(() => received, { timeout: 30_000 }).toBe(sent.length)
    expect(got.digest('hex')).toBe(createHash('sha256').update(sent).digest('hex'))
    expect(reads).toBeGreaterThan(1)
    await writer.close()
    await reader.close()
  })

  it('stops each port thread on close: no threads left after 15 open/close cycles, and the next port works', async () => {
    const before = threads()
    for (let i = 0; i < 15; i++) await (await open(a)).close()
    await expect.poll(threads, { timeout: 10_000 }).toBeLessThanOrEqual(before)
    const reader = await open(a)
    const writer = await open(b)
    let text = ''
    reader.onData((c) => (text += Buffer.from(c).toString()))
    await writer.write(new TextEncoder().encode('still here'))
    await expect.poll(() => text, { timeout: 10_000 }).toBe('still here')
    await writer.close()
    await reader.close()
  })
})
