import { describe, expect, it } from 'vitest'
import type { EventBatch } from '../../../common/event-batch.js'
import { concatEventBatches, sliceEventBatch } from '../../../common/event-batch.js'
import { EdvsDriver } from '../../../native-bridge/edvs/driver.js'
import { createMemoryLinkPair } from '../../../native-bridge/serial/byte-link.js'
import { SimEdvsDevice } from '../../../native-bridge/sim-edvs/device.js'
import type { SimEdvsOptions } from '../../../native-bridge/sim-edvs/device.js'
import { movingBar } from '../../../native-bridge/sim-edvs/scenes.js'
import { randomEvents, toRows } from './helpers.js'

async function* inBatches(events: EventBatch, size: number): AsyncGenerator<EventBatch> {
  for (let i = 0; i < events.t.length; i += size) yield sliceEventBatch(events, i, Math.min(events.t.length, i + size))
}

/** The simulated sensor counts time from its first event after `!ET0` (device time starts at 0). */
function rebased(events: EventBatch): EventBatch {
  const t0 = events.t[0]
  return { ...events, t: events.t.map((t) => t - t0) }
}

async function streamThrough(events: EventBatch, sim: SimEdvsOptions, format?: number) {
  const [host, device] = createMemoryLinkPair()
  const simDevice = new SimEdvsDevice(device, { ...sim, source: inBatches(events, 777), resetDelayMs: 5 })
  const got: EventBatch[] = []
  const driver = new EdvsDriver({ link: host, onEvents: (b) => got.push(b), format, resetWaitMs: 20, replyTimeoutMs: 200, replyQuietMs: 20, commandGapMs: 1 })
  const info = await driver.connect()
  await driver.start()
  await simDevice.done
  await driver.stop()
  driver.close()
  await simDevice.close()
  return { info, events: concatEventBatches(got), driver, simDevice }
}

describe('EdvsDriver against the simulated eDVS (in-process)', () => {
  it('runs the handshake of spec §3 and picks the 32-bit format from ??E', async () => {
    const events = randomEvents(5000, 1)
    const { info, events: got, simDevice, driver } = await streamThrough(events, {})
    expect(info.firmware).toBe('edvs4337')
    expect(info.formats.map((f) => f.command)).toEqual([0, 1, 2, 3, 4])
    expect(info.format).toEqual({ command: 4, layout: { kind: 'absolute', timestampBytes: 4 } })
    expect(simDevice.stats.commands).toEqual(['R', '!U0', '??E', '!E4', '!ET0', 'E+', 'E-'])
    expect(toRows(got)).toEqual(toRows(rebased(events)))
    expect(driver.stats.resyncs).toBe(0)
  })

  for (const format of [0, 1, 2, 3, 4]) {
    it(`streams exactly the sent events in !E${format}`, async () => {
      const events = randomEvents(20000, 10 + format)
      const { events: got, info } = await streamThrough(events, {}, format)
      expect(info.format.command).toBe(format)
      const rows = (b: EventBatch) => toRows(b).map((r) => (format === 0 ? r.slice(1) : r))
      expect(rows(got)).toEqual(rows(rebased(events)))
    })
  }

  it('uses the intermediate numbering from the ??E table (!E3 = 32-bit there)', async () => {
    const events = randomEvents(3000, 4)
    const { events: got, info } = await streamThrough(events, { numbering: 'intermediate', firmware: 'lpc2106-v2.2' })
    expect(info.firmware).toBe('lpc2106-v2.2')
    expect(info.format).toEqual({ command: 3, layout: { kind: 'absolute', timestampBytes: 4 } })
    expect(toRows(got)).toEqual(toRows(rebased(events)))
  })

  it('survives a garbage prefix, dropped and corrupted bytes: only sent events come out', async () => {
    const events = randomEvents(20000, 5)
    const { events: got, driver, simDevice } = await streamThrough(events, { faults: { garbagePrefixBytes: 100, dropRate: 0.0005, corruptRate: 0.0005, seed: 3 } }, 4)
    const sent = new Set(toRows(rebased(events)).map((r) => r.join()))
    const foreign = toRows(got).filter((r) => !sent.has(r.join()))
    const faults = simDevice.stats.bytesDropped + simDevice.stats.bytesCorrupted
    expect(faults).toBeGreaterThan(60)
    // A flipped address/polarity bit or low timestamp bit inside an intact event cannot be detected
    // (about half of all flips); everything else must be caught.
    expect(foreign.length).toBeLessThanOrEqual(faults / 2)
    expect(got.t.length).toBeGreaterThan(20000 - faults * 5)
    expect(driver.stats.resyncs).toBeGreaterThan(0)
  })

  it('realtime mode paces by event time: 300 ms of scene takes about 300 ms', async () => {
    const [host, device] = createMemoryLinkPair()
    const sim = new SimEdvsDevice(device, { realtime: true, source: movingBar({ durationUs: 300_000, eventsPerSecond: 20_000 }), resetDelayMs: 5 })
    let n = 0
    const driver = new EdvsDriver({ link: host, onEvents: (b) => (n += b.t.length), resetWaitMs: 20, replyTimeoutMs: 200, replyQuietMs: 20, commandGapMs: 1 })
    await driver.connect()
    await driver.start()
    const t0 = performance.now()
    await sim.done
    const ms = performance.now() - t0
    await driver.stop()
    driver.close()
    await sim.close()
    expect(ms).toBeGreaterThan(280) // the last slice starts at 299 ms of scene time
    expect(ms).toBeLessThan(1500)
    expect(n).toBe(6000)
  })

  it('paces to the baud rate: 4 Mbaud moves 400 kB/s', async () => {
    const [host, device] = createMemoryLinkPair()
    const sim = new SimEdvsDevice(device, { baud: 4_000_000, batchMs: 10, source: movingBar({ durationUs: 10_000_000, eventsPerSecond: 1_000_000 }), resetDelayMs: 5 })
    let n = 0
    const driver = new EdvsDriver({ link: host, onEvents: (b) => (n += b.t.length), format: 2, resetWaitMs: 20, replyTimeoutMs: 200, replyQuietMs: 20, commandGapMs: 1 })
    await driver.connect()
    await driver.start()
    const t0 = performance.now()
    await new Promise((r) => setTimeout(r, 500))
    const bytes = sim.stats.bytesSent
    const seconds = (performance.now() - t0) / 1000
    await driver.stop()
    driver.close()
    await sim.close()
    // 4 Mbaud at 10 bits per byte = 400 000 B/s; allow scheduling slack both ways.
    expect(bytes / seconds).toBeGreaterThan(400_000 * 0.7)
    expect(bytes / seconds).toBeLessThan(400_000 * 1.15)
    expect(n).toBeGreaterThan(0)
  })
})
