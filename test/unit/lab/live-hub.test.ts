import { afterEach, describe, expect, it } from 'vitest'
import { decodeLiveBins, type LiveBins } from '../../../common/contract/live-bins.js'
import { createEventBatch, type EventBatch } from '../../../common/event-batch.js'
import { LiveHub, MAX_FRAMES_IN_FLIGHT } from '../../../main/lab/sensor/live-hub.js'

/** A batch of `n` events with times from..from+n-1 (so which events arrived is visible). */
function timesFrom(from: number, n: number): EventBatch {
  const b = createEventBatch(n)
  for (let i = 0; i < n; i++) b.t[i] = from + i
  return b
}

let hub: LiveHub | null = null
afterEach(() => hub?.dispose())

describe('LiveHub', () => {
  it('delivers every event to a viewer that keeps up, however large a burst', () => {
    hub = new LiveHub(1_000_000, 100_000, 1_000)
    const got: number[] = []
    hub.add({ send: (b) => (got.push(...b.t), true) })
    hub.publish(timesFrom(0, 40_000))
    hub.flush()
    // The first accepted frame doubles the limit (initial limit = min(250 k, ceiling) = 100 k here).
    for (let i = 0; i < 3; i++) hub.publish(timesFrom(40_000 + i * 20_000, 20_000))
    hub.flush()
    expect(got.length).toBe(100_000)
    expect(got[99_999]).toBe(99_999)
    expect(hub.counts()).toEqual({ delivered: 100_000, decimated: 0 })
  })

  it('keeps a refused frame for the next flush, and decimates the oldest events (counted) past a shrinking limit', () => {
    hub = new LiveHub(1_000_000, 8_000, 1_000)
    let accept = false
    const got: number[] = []
    hub.add({ send: (b) => (accept ? (got.push(...b.t), true) : false) })
    hub.publish(timesFrom(0, 3_000))
    hub.flush() // refused: limit 8000 → 4000, nothing lost yet
    expect(hub.counts()).toEqual({ delivered: 0, decimated: 0 })
    hub.publish(timesFrom(3_000, 3_000)) // 6000 held > 4000: the 2000 oldest go
    expect(hub.counts()).toEqual({ delivered: 0, decimated: 2_000 })
    accept = true
    hub.flush()
    expect(got.length).toBe(4_000)
    expect(got[0]).toBe(2_000)
    expect(got[3_999]).toBe(5_999)
    expect(hub.counts()).toEqual({ delivered: 4_000, decimated: 2_000 })
  })

  it('never shrinks a congested viewer below the floor', () => {
    hub = new LiveHub(1_000_000, 8_000, 1_000)
    hub.add({ send: () => false })
    hub.publish(timesFrom(0, 1_500))
    for (let i = 0; i < 10; i++) hub.flush() // limit 8000 → 4000 → 2000 → 1000, then stays
    expect(hub.counts().decimated).toBe(500)
  })

  it('gives an acknowledging viewer at most MAX_FRAMES_IN_FLIGHT unacknowledged frames, coalescing meanwhile', () => {
    hub = new LiveHub(1_000_000, 100_000, 1_000)
    const frames: number[][] = []
    const viewer = hub.add({ send: (b) => (frames.push([...b.t]), true) })
    hub.publish(timesFrom(0, 10))
    hub.flush()
    viewer.ack(1) // the first acknowledgement switches credit on
    for (let i = 1; i <= MAX_FRAMES_IN_FLIGHT + 3; i++) {
      hub.publish(timesFrom(i * 10, 10))
      hub.flush()
    }
    expect(frames.length).toBe(1 + MAX_FRAMES_IN_FLIGHT)
    viewer.ack(1)
    hub.flush()
    // The held events went out as one frame: nothing lost while the client had no credit.
    expect(frames.length).toBe(2 + MAX_FRAMES_IN_FLIGHT)
    expect(frames.at(-1)).toEqual(Array.from({ length: 30 }, (_, k) => (1 + MAX_FRAMES_IN_FLIGHT) * 10 + k))
    expect(hub.counts()).toEqual({ delivered: (MAX_FRAMES_IN_FLIGHT + 4) * 10, decimated: 0 })
  })

  it('ignores credit for a viewer that never acknowledges, and stops sending to a removed one', () => {
    hub = new LiveHub(1_000_000, 100_000, 1_000)
    let sent = 0
    const viewer = hub.add({ send: () => (sent++, true) })
    for (let i = 0; i < 10; i++) {
      hub.publish(timesFrom(i, 1))
      hub.flush()
    }
    expect(sent).toBe(10)
    viewer.remove()
    hub.publish(timesFrom(99, 1))
    hub.flush()
    expect(sent).toBe(10)
  })

  describe('with bin settings (binned updates)', () => {
    const bins = { decayUs: 60_000, usPerColumn: 10_000 }
    /** A viewer that records the updates it accepts (decoded as the wire carries them). */
    function binnedViewer(accept: () => boolean) {
      const got: LiveBins[] = []
      return { got, viewer: { send: () => false, sendBins: (b: { encode(id: number): ArrayBuffer }) => (accept() ? (got.push(decodeLiveBins(b.encode(1))), true) : false) } }
    }

    it('folds every event into updates, counts them delivered when sent, and never decimates a held-back viewer', () => {
      hub = new LiveHub(1_000_000, 8_000, 1_000)
      let accept = false
      const { got, viewer } = binnedViewer(() => accept)
      hub.add(viewer, bins)
      // Far more events than the plain limit (8000) while the connection refuses: kept, folded.
      for (let i = 0; i < 10; i++) {
        hub.publish(timesFrom(i * 5_000, 5_000))
        hub.flush()
      }
      expect(hub.counts()).toEqual({ delivered: 0, decimated: 0 })
      accept = true
      hub.flush()
      expect(got.length).toBe(1)
      expect(got[0].events).toBe(50_000)
      expect(got[0].newestUs).toBe(49_999)
      expect(hub.counts()).toEqual({ delivered: 50_000, decimated: 0 })
      hub.flush() // nothing new: no empty update
      expect(got.length).toBe(1)
    })

    it('respects credit like an event viewer, and takes new settings from an acknowledgement for its next update', () => {
      hub = new LiveHub(1_000_000, 100_000, 1_000)
      const { got, viewer } = binnedViewer(() => true)
      const handle = hub.add(viewer, bins)
      hub.publish(timesFrom(0, 10))
      hub.flush()
      handle.ack(1)
      for (let i = 1; i <= MAX_FRAMES_IN_FLIGHT + 3; i++) {
        hub.publish(timesFrom(i * 10, 10))
        hub.flush()
      }
      expect(got.length).toBe(1 + MAX_FRAMES_IN_FLIGHT)
      handle.configure({ decayUs: 5_000, usPerColumn: 1_000 })
      handle.ack(1)
      hub.flush()
      expect(got.length).toBe(2 + MAX_FRAMES_IN_FLIGHT)
      expect(got.at(-1)!.events).toBe(30) // the three held flushes' events, in one update
      expect(got.at(-1)!.decayUs).toBe(bins.decayUs) // folded before the new settings arrived
      handle.ack(1)
      hub.publish(timesFrom(1_000, 10))
      hub.flush()
      expect([got.at(-1)!.decayUs, got.at(-1)!.usPerColumn]).toEqual([5_000, 1_000])
      expect(hub.counts()).toEqual({ delivered: (MAX_FRAMES_IN_FLIGHT + 5) * 10, decimated: 0 })
    })
  })
})
