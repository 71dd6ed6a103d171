/**
 * While streaming, the eDVS parser runs in the thread that reads the port (edvs-serial.md §10.2):
 * over a real socat pty with the simulator in a child process, the handshake still goes through
 * the owner's text path, the events sent arrive exactly (count and hash), text lines the device
 * prints mid-stream still reach onText, and after stop() the bytes come back for the next handshake.
 * SPIKELAB_EDVS_PARSE=owner parses on the owner thread with the same result.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EdvsDriver } from '../../../native-bridge/edvs/driver.js'
import { SerialTransport } from '../../../native-bridge/serial/transport.js'
import { EventHasher, knownEvents } from './known-events.js'
import { killChild, startPtyPair, startSimChild, until } from './pty-pair.js'

let dir: string
const cleanups: (() => Promise<void> | void)[] = []

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'spikelab-thread-parse-'))
})

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  rmSync(dir, { recursive: true, force: true })
  delete process.env.SPIKELAB_EDVS_PARSE
})

async function expectedHash(count: number, seed: number): Promise<string> {
  const h = new EventHasher(true)
  for await (const b of knownEvents(count, seed)) h.add(b)
  return h.digest()
}

const COUNT = 150_000
const SEED = 21

async function stream(where: 'thread' | 'owner') {
  const pair = await startPtyPair(dir)
  cleanups.push(pair.kill)
  // paced (2 Mbaud) so that the stream is still running when the test asks for a reply mid-stream
  const child = await startSimChild(pair.device, COUNT, SEED, 2_000_000)
  cleanups.push(() => killChild(child, 'SIGTERM'))
  const transport = new SerialTransport({ path: pair.host, baudRate: 4_000_000, rtscts: false, reconnect: false, presenceIntervalMs: 0 })
  cleanups.push(() => transport.close())
  await transport.open()
  const hasher = new EventHasher(true)
  const texts: string[] = []
  let lastT = -1
  let backwards = 0
  const driver = new EdvsDriver({
    link: transport,
    format: 4,
    onText: (line) => texts.push(line),
    onEvents: (b) => {
      if (b.t[0] < lastT) backwards++
      lastT = b.t[b.t.length - 1]
      hasher.add(b)
    },
  })
  cleanups.push(() => driver.close())
  const info = await driver.connect()
  // the ??E table came back through the text path: every !E format of the firmware is known
  expect(info.formats.map((f) => f.command)).toEqual([0, 1, 2, 3, 4])
  expect(driver.parsingIn).toBeUndefined()
  await driver.start()
  expect(driver.parsingIn).toBe(where)
  await until(() => hasher.count >= COUNT / 4, 60_000, 'a quarter of the events')
  // `??` mid-stream: the simulator answers between event slices, inside the binary stream
  texts.length = 0
  await transport.write(new TextEncoder().encode('??\n'))
  await until(() => hasher.count >= COUNT, 60_000, 'all events')
  await driver.stop()
  expect(driver.parsingIn).toBeUndefined()
  expect(hasher.count).toBe(COUNT)
  expect(hasher.digest()).toBe(await expectedHash(COUNT, SEED))
  expect(backwards).toBe(0)
  expect(driver.stats.events).toBe(COUNT)
  expect(driver.stats.textLines).toBeGreaterThanOrEqual(2)
  expect(texts.some((l) => l.startsWith('EDVS-4337'))).toBe(true)
  expect(texts.some((l) => l.includes('??E list formats'))).toBe(true)
  expect(transport.stats.bytesIn).toBeGreaterThanOrEqual(COUNT * 6)
  // bytes are the owner's again: a reset and the whole handshake work as before
  const again = await driver.connect()
  expect(again.banner).toContain('EDVS-4337')
  expect(again.format.command).toBe(4)
}

describe.runIf(process.platform === 'linux')('eDVS parsing in the serial reader thread', () => {
  it('handshake through the thread, exact events, mid-stream text lines, bytes back after stop', async () => {
    await stream('thread')
  })

  it('SPIKELAB_EDVS_PARSE=owner: the same on the owner thread', async () => {
    process.env.SPIKELAB_EDVS_PARSE = 'owner'
    await stream('owner')
  })

  it('a parser module the thread cannot load is refused by name, and the bytes keep flowing', async () => {
    const pair = await startPtyPair(dir)
    cleanups.push(pair.kill)
    const open = async (p: string) => {
      const t = new SerialTransport({ path: p, baudRate: 4_000_000, rtscts: false, reconnect: false, presenceIntervalMs: 0 })
      cleanups.push(() => t.close())
      await t.open()
      return t
    }
    const reader = await open(pair.host)
    const writer = await open(pair.device)
    const missing = new URL('./no-such-parser.js', import.meta.url).href
    await expect(reader.parseInThread({ module: missing, options: {}, idleFlushMs: 0 }, () => {})).rejects.toThrow(/cannot load its parser.*no-such-parser/)
    let text = ''
    reader.onData((c) => (text += Buffer.from(c).toString()))
    await writer.write(new TextEncoder().encode('still bytes'))
    await until(() => text === 'still bytes', 10_000, 'the bytes')
  })
})
