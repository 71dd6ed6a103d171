/**
 * The eDVS driver over a link that goes SUSPECT (silent, port kept) and back, or on to LOST
 * (edvs-serial.md §10.4): a suspect spell is reported but costs nothing — no gap marker, no second
 * handshake, no loss count, every event delivered; a real loss afterwards still gives exactly one gap.
 */
import { describe, expect, it } from 'vitest'
import type { EventBatch } from '../../../common/event-batch.js'
import { concatEventBatches, sliceEventBatch } from '../../../common/event-batch.js'
import type { EdvsGap, ManagedLink } from '../../../native-bridge/edvs/driver.js'
import { EdvsDriver } from '../../../native-bridge/edvs/driver.js'
import { createMemoryLinkPair, type ByteLink } from '../../../native-bridge/serial/byte-link.js'
import type { TransportState } from '../../../native-bridge/serial/transport.js'
import { SimEdvsDevice } from '../../../native-bridge/sim-edvs/device.js'
import { movingBar } from '../../../native-bridge/sim-edvs/scenes.js'
import { toRows } from './helpers.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A memory link dressed as a SerialTransport whose state the test drives. */
function managedLink(host: ByteLink) {
  const listeners = new Set<(s: TransportState, reason?: string, previous?: TransportState) => void>()
  let state: TransportState = 'connected'
  const emit = (next: TransportState, reason?: string) => {
    const previous = state
    state = next
    for (const l of listeners) l(next, reason, previous)
  }
  const link: ManagedLink = {
    write: (b) => host.write(b),
    onData: (l) => host.onData(l),
    onState: (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    setExpectData: () => {},
    markLost: (reason) => emit('lost', reason),
  }
  return { link, emit }
}

async function sceneEvents(durationUs: number): Promise<EventBatch> {
  const parts: EventBatch[] = []
  for await (const b of movingBar({ durationUs, eventsPerSecond: 20_000 })) parts.push(b)
  return concatEventBatches(parts)
}

async function* inBatches(events: EventBatch, size: number): AsyncGenerator<EventBatch> {
  for (let i = 0; i < events.t.length; i += size) yield sliceEventBatch(events, i, Math.min(events.t.length, i + size))
}

function setup(events: EventBatch) {
  const [host, device] = createMemoryLinkPair()
  const sim = new SimEdvsDevice(device, { realtime: true, source: inBatches(events, 200), resetDelayMs: 5 })
  const { link, emit } = managedLink(host)
  const got: EventBatch[] = []
  const calls: string[] = []
  const gaps: EdvsGap[] = []
  const driver = new EdvsDriver({
    link,
    onEvents: (b) => got.push(b),
    onSuspect: (r) => calls.push(`suspect: ${r}`),
    onAlive: () => calls.push('alive'),
    onLoss: (r) => calls.push(`loss: ${r}`),
    onResume: () => calls.push('resume'),
    onGap: (g) => gaps.push(g),
    resetWaitMs: 20,
    replyTimeoutMs: 200,
    replyQuietMs: 20,
    commandGapMs: 1,
  })
  const delivered = () => got.reduce((n, b) => n + b.t.length, 0)
  return { sim, driver, emit, got, calls, gaps, delivered }
}

describe('EdvsDriver: a suspect link is not a lost one', () => {
  it('SUSPECT and back mid-stream: reported, but no gap, no handshake, no loss, and every event arrives', async () => {
    const events = await sceneEvents(600_000)
    const { sim, driver, emit, got, calls, gaps, delivered } = setup(events)
    await driver.connect()
    await driver.start()
    await expect.poll(delivered, { timeout: 5000, interval: 5 }).toBeGreaterThan(1000)
    emit('suspect', 'no data for 1200 ms')
    await sleep(100)
    expect(delivered()).toBeLessThan(events.t.length) // still streaming while suspect
    emit('connected', 'data resumed')
    await sim.done
    await driver.stop()
    driver.close()
    await sim.close()

    expect(calls).toEqual(['suspect: no data for 1200 ms', 'alive'])
    expect(gaps).toEqual([])
    expect(driver.stats).toMatchObject({ suspects: 1, losses: 0, resumes: 0, gaps: 0 })
    expect(sim.stats.commands.filter((c) => c === 'R')).toHaveLength(1)
    const t0 = events.t[0]
    expect(toRows(concatEventBatches(got))).toEqual(toRows({ ...events, t: events.t.map((t) => t - t0) }))
  })

  it('SUSPECT then LOST: one loss, a new handshake after the reconnect, and exactly one gap marker', async () => {
    const events = await sceneEvents(3_000_000)
    const { sim, driver, emit, calls, gaps, delivered } = setup(events)
    await driver.connect()
    await driver.start()
    await expect.poll(delivered, { timeout: 5000, interval: 5 }).toBeGreaterThan(1000)
    emit('suspect', 'no data for 1200 ms')
    emit('lost', 'port error: EIO')
    emit('connecting')
    emit('lost', 'cannot open: ENOENT') // a failed reopen is the same loss
    emit('connecting')
    emit('connected')
    await expect.poll(() => calls.includes('resume'), { timeout: 5000, interval: 5 }).toBe(true)
    const atResume = delivered()
    await expect.poll(delivered, { timeout: 5000, interval: 5 }).toBeGreaterThan(atResume + 500)
    await driver.stop()
    driver.close()
    await sim.close()

    expect(calls).toEqual(['suspect: no data for 1200 ms', 'loss: port error: EIO', 'resume'])
    expect(gaps).toHaveLength(1)
    expect(gaps[0]).toMatchObject({ kind: 'link-lost', reason: 'port error: EIO' })
    expect(driver.stats).toMatchObject({ suspects: 1, losses: 1, resumes: 1, gaps: 1 })
    expect(sim.stats.commands.filter((c) => c === 'R')).toHaveLength(2)
  })
})
