import { describe, expect, it } from 'vitest'
import type { EventBatch } from '../../../common/event-batch.js'
import { concatEventBatches, sliceEventBatch } from '../../../common/event-batch.js'
import { SpikelabError } from '../../../common/errors.js'
import { EdvsDriver } from '../../../native-bridge/edvs/driver.js'
import { createMemoryLinkPair } from '../../../native-bridge/serial/byte-link.js'
import { SimEdvsDevice } from '../../../native-bridge/sim-edvs/device.js'
import { movingBar, rotatingDot } from '../../../native-bridge/sim-edvs/scenes.js'
import { randomEvents, toRows } from './helpers.js'

async function collect(gen: AsyncIterable<EventBatch>): Promise<EventBatch> {
  const parts: EventBatch[] = []
  for await (const b of gen) parts.push(b)
  return concatEventBatches(parts)
}

describe('synthetic scenes', () => {
  it('movingBar produces the requested rate inside the sensor, in time order', async () => {
    const e = await collect(movingBar({ eventsPerSecond: 50_000, durationUs: 200_000 }))
    expect(e.t.length).toBe(10_000) // 50 000 ev/s × 0.2 s
    for (let i = 0; i < e.t.length; i++) {
      expect(e.x[i] < 128 && e.y[i] < 128).toBe(true)
      if (i > 0) expect(e.t[i]).toBeGreaterThanOrEqual(e.t[i - 1])
    }
    // After 0.5 s of a 1 s sweep across 128 + 8 columns the leading edge is near column 68.
    const mid = await collect(movingBar({ eventsPerSecond: 10_000, durationUs: 501_000 }))
    const late = Array.from(mid.x.subarray(mid.t.length - 20)).filter((_, i) => mid.p[mid.t.length - 20 + i] === 1)
    for (const x of late) expect(Math.abs(x - 68)).toBeLessThanOrEqual(1)
  })

  it('rotatingDot stays on its circle (radius 0.35 × 128 ≈ 44.8 px around the centre)', async () => {
    const e = await collect(rotatingDot({ eventsPerSecond: 20_000, durationUs: 100_000 }))
    expect(e.t.length).toBe(2000)
    for (let i = 0; i < e.t.length; i++) {
      const r = Math.hypot(e.x[i] - 64, e.y[i] - 64)
      expect(r).toBeGreaterThan(44.8 - 5)
      expect(r).toBeLessThan(44.8 + 5)
    }
  })
})

describe('simulated eDVS commands', () => {
  async function setup(source: AsyncIterable<EventBatch>) {
    const [host, device] = createMemoryLinkPair()
    const sim = new SimEdvsDevice(device, { source, resetDelayMs: 5 })
    const got: EventBatch[] = []
    const driver = new EdvsDriver({ link: host, onEvents: (b) => got.push(b), resetWaitMs: 20, replyTimeoutMs: 200, replyQuietMs: 20, commandGapMs: 1 })
    await driver.connect()
    return { sim, driver, got }
  }

  it('stop and restart mid-stream: every event arrives exactly once, in order', async () => {
    const events = randomEvents(60_000, 8)
    async function* slow(): AsyncGenerator<EventBatch> {
      for (let i = 0; i < 60_000; i += 1000) {
        yield sliceEventBatch(events, i, i + 1000)
        await new Promise((r) => setTimeout(r, 2))
      }
    }
    const { sim, driver, got } = await setup(slow())
    await driver.start()
    await new Promise((r) => setTimeout(r, 40))
    await driver.stop()
    const paused = got.reduce((n, b) => n + b.t.length, 0)
    expect(paused).toBeGreaterThan(0)
    expect(paused).toBeLessThan(60_000)
    await driver.start()
    await sim.done
    await driver.stop()
    driver.close()
    await sim.close()
    const all = concatEventBatches(got)
    // Device time restarts at each !ET0, so compare addresses and polarity.
    expect(toRows(all).map((r) => r.slice(1))).toEqual(toRows(events).map((r) => r.slice(1)))
  })

  it('bias and LED intents reach the device as whitelisted commands; bad ones never leave', async () => {
    const { sim, driver } = await setup(movingBar({ durationUs: 1000 }))
    await driver.setBias(3, 8_159_221)
    await driver.flushBiases()
    await driver.setLed('blink')
    await expect(driver.setBias(12, 0)).rejects.toThrow(SpikelabError)
    await expect(driver.setBias(0, -1)).rejects.toThrow(/bias value/)
    await new Promise((r) => setTimeout(r, 20))
    expect(sim.stats.commands.slice(-3)).toEqual(['!B3=8159221', '!BF', '!L2'])
    driver.close()
    await sim.close()
  })
})
