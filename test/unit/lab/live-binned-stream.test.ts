// A live view's binned stream over LabApi (issue 5): 'sensor.live' with bin settings gets kind-4
// updates folded at the view's decay and raster resolution; an acknowledgement carrying new settings
// (the person moved the decay slider or zoomed) changes the following updates; every event the
// sensor produced while the view watched is counted in the updates, none decimated.
import { describe, expect, it } from 'vitest'
import { decodeLiveBins, type LiveBins } from '../../../common/contract/live-bins.js'
import type { SensorStatus } from '../../../common/contract/schemas.js'
import { connectInMemoryLab } from '../../support/in-memory-lab.js'

function connect() {
  return connectInMemoryLab('spikelab-live-')
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('a binned live stream', () => {
  it('folds at the view’s settings, follows new settings from an acknowledgement, and counts every event', async () => {
    const { lab, client } = connect()
    const statuses: SensorStatus[] = []
    client.on('sensor.status', (s) => statuses.push(s))
    await client.request('sensor.connect', { device: 'sim:edvs', scene: 'moving-bar', eventsPerSecond: 100_000 })
    const first = { decayUs: 60_000, usPerColumn: 10_000 }
    const { streamId } = await client.request('sensor.live', { bins: first })
    const updates: LiveBins[] = []
    let bins = first
    client.onFrames(streamId, (f) => {
      expect(f.kind).toBe('live-bins')
      if (f.kind !== 'live-bins') return
      updates.push(decodeLiveBins(f.buffer))
      void client.request('sensor.liveAck', { streamId, frames: 1, bins })
    })
    await wait(800)
    const before = updates.length
    expect(before).toBeGreaterThan(5)
    expect(updates.every((u) => u.decayUs === first.decayUs && u.usPerColumn === first.usPerColumn)).toBe(true)
    bins = { decayUs: 5_000, usPerColumn: 2_000 }
    await wait(800)
    // The first update after the change may still be folded the old way; the later ones are not.
    const later = updates.slice(before + 2)
    expect(later.length).toBeGreaterThan(3)
    expect(later.every((u) => u.decayUs === bins.decayUs && u.usPerColumn === bins.usPerColumn)).toBe(true)

    expect(await client.request('streams.close', { streamId })).toEqual({ closed: true })
    await wait(600) // one more status push
    const status = statuses.at(-1)!
    expect(status.decimatedForDisplay).toBe(0)
    const folded = updates.reduce((n, u) => n + u.events, 0)
    expect(folded).toBeGreaterThan(100_000) // 1.6 s at 100 k events/s, allowing start-up and a loaded machine
    expect(folded).toBeLessThanOrEqual(status.events)
    for (const u of updates) {
      let counted = 0
      for (const n of u.counts) counted += n
      expect(counted).toBe(u.events) // every folded event is in a raster column (the sensor is 128 × 128)
    }
    await client.request('sensor.disconnect', {})
    await lab.dispose()
  })
})
