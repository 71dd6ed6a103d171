import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EventBatch } from '../../../common/event-batch.js'
import { concatEventBatches } from '../../../common/event-batch.js'
import { EdvsDriver } from '../../../native-bridge/edvs/driver.js'
import { SerialTransport } from '../../../native-bridge/serial/transport.js'
import { EventHasher, knownEvents } from './known-events.js'
import { killChild, startPtyPair, startSimChild, until } from './pty-pair.js'

let dir: string
const cleanups: (() => Promise<void> | void)[] = []

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'spikelab-edvs-'))
})

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  rmSync(dir, { recursive: true, force: true })
})

async function expectedHash(count: number, seed: number, withTime: boolean): Promise<string> {
  const h = new EventHasher(withTime)
  for await (const b of knownEvents(count, seed)) h.add(b)
  return h.digest()
}

function hostTransport(hostPath: string): SerialTransport {
  // A pty has no modem lines, so no RTS/CTS here; presence is checked through the link file.
  // 600 ms of silence makes the link suspect; 2 s, hung (a killed sensor behind a live pty).
  const t = new SerialTransport({ path: hostPath, baudRate: 4_000_000, rtscts: false, heartbeatTimeoutMs: 600, lostAfterSilenceMs: 2000, presenceIntervalMs: 200, backoffInitialMs: 100, backoffMaxMs: 800 })
  cleanups.push(() => t.close())
  return t
}

describe('simulated eDVS in a child process → socat pty → transport → driver', () => {
  const COUNT = 250_000
  for (const format of [0, 1, 2, 3, 4]) {
    it(`delivers exactly the ${COUNT} events sent in !E${format} (count and content hash)`, async () => {
      const pair = await startPtyPair(dir)
      cleanups.push(pair.kill)
      const child = await startSimChild(pair.device, COUNT, 100 + format, 0)
      cleanups.push(() => killChild(child, 'SIGTERM'))
      const transport = hostTransport(pair.host)
      await transport.open()
      const hasher = new EventHasher(format !== 0)
      const driver = new EdvsDriver({ link: transport, format, onEvents: (b) => hasher.add(b) })
      cleanups.push(() => driver.close())
      const info = await driver.connect()
      expect(info.format.command).toBe(format)
      await driver.start()
      await until(() => hasher.count >= COUNT, 60_000, 'all events')
      await driver.stop()
      expect(hasher.count).toBe(COUNT)
      expect(hasher.digest()).toBe(await expectedHash(COUNT, 100 + format, format !== 0))
      expect(driver.stats.resyncs).toBe(0)
      expect(driver.stats.droppedBytes).toBe(0)
    })
  }
})

describe('losing the sensor mid-stream', () => {
  async function runLossScenario(kind: 'kill-sensor' | 'unplug') {
    const seed = 7
    let pair = await startPtyPair(dir)
    cleanups.push(() => pair.kill())
    let child: ChildProcess = await startSimChild(pair.device, 10_000_000, seed, 2_000_000)
    cleanups.push(() => killChild(child))
    const transport = hostTransport(pair.host)
    await transport.open()
    const segments: EventBatch[][] = [[]]
    const losses: string[] = []
    let resumes = 0
    const driver = new EdvsDriver({
      link: transport,
      format: 4,
      onEvents: (b) => segments[segments.length - 1].push(b),
      onLoss: (reason) => {
        losses.push(reason)
        segments.push([])
      },
      onResume: () => resumes++,
    })
    cleanups.push(() => driver.close())
    await driver.connect()
    await driver.start()
    const count = (s: EventBatch[]) => s.reduce((n, b) => n + b.t.length, 0)
    await until(() => count(segments[0]) >= 20_000, 20_000, 'events before the loss')

    if (kind === 'kill-sensor') {
      await killChild(child)
    } else {
      await pair.kill()
      await killChild(child)
    }
    await until(() => losses.length > 0, 5000, 'the loss to be reported')
    if (kind === 'unplug') pair = await startPtyPair(dir)
    child = await startSimChild(pair.device, 10_000_000, seed, 2_000_000)
    await until(() => resumes > 0, 15_000, 'the driver to resume by itself')
    await until(() => count(segments[segments.length - 1]) >= 20_000, 20_000, 'events after the reconnect')
    await driver.stop()

    expect(transport.stats.losses).toBeGreaterThanOrEqual(1)
    // Everything received before the loss is an unbroken prefix of what the sensor sent.
    const before = concatEventBatches(segments[0])
    const resumed = concatEventBatches(segments[segments.length - 1])
    // The driver continues time after the pause (its output never goes back): undo that offset.
    const offset = resumed.t[0]
    expect(offset).toBeGreaterThan(before.t[before.t.length - 1])
    const after = { ...resumed, t: resumed.t.map((t) => t - offset) }
    for (const got of [before, after]) {
      const h = new EventHasher(true)
      h.add(got)
      expect(h.digest()).toBe(await expectedHash(got.t.length, seed, true))
    }
    return losses
  }

  it('kill -9 of the sensor process: heartbeat silence is reported, the driver reconnects and resumes', async () => {
    const losses = await runLossScenario('kill-sensor')
    expect(losses[0]).toMatch(/no data/)
  })

  it('unplug (socat killed, pty gone) and replug: reported, reconnected, resumed', async () => {
    const losses = await runLossScenario('unplug')
    expect(losses[0]).toMatch(/exist|closed|error|no data/)
  })
})
