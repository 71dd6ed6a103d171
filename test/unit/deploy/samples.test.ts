import { describe, expect, it } from 'vitest'
import { buildInputMap, eventSamples, mnistSamples, sampleCounts } from '../../../main/deploy/index.js'

describe('input samples', () => {
  it('cuts a DVS recording into windows timed from their own start, with eDVS addresses', () => {
    const map = buildInputMap({ kind: 'dvs-pool' }, [32, 32, 2])
    const batch = { t: Float64Array.of(100, 1500, 2100, 2200), x: Uint16Array.of(3, 127, 0, 200), y: Uint16Array.of(5, 127, 1, 0), p: Uint8Array.of(1, 0, 1, 1) }
    const s = eventSamples([batch], map, { tickUs: 1000, ticksPerSample: 2, label: 4 })
    expect(s).toHaveLength(2)
    expect(Array.from(s[0].tUs)).toEqual([0, 1400])
    expect(Array.from(s[0].addr)).toEqual([3 | (5 << 7) | (1 << 14), 127 | (127 << 7)])
    expect(Array.from(s[1].tUs)).toEqual([0]) // x 200 lies off the 128-pixel sensor
    expect(Array.from(s[1].addr)).toEqual([(1 << 7) | (1 << 14)])
    expect(s[1].label).toBe(4)
  })

  it('rate-codes digits reproducibly per digit and counts them per tick like RP1 (clamped at count_max)', () => {
    const images = { images: Float32Array.of(1, 0, 0.5, 1, 1, 1, 0, 0), labels: Uint8Array.of(7, 2), count: 2, imageShape: [2, 2] }
    const both = mnistSamples(images, { steps: 6, tickUs: 1000, seed: 3 })
    const first = mnistSamples(images, { steps: 6, tickUs: 1000, seed: 3, count: 1 })
    expect(both[0].label).toBe(7)
    // pixel 0 (p = 1) fires every tick, pixel 1 (p = 0) never
    expect(Array.from(both[0].addr).filter((a) => a === 0)).toHaveLength(6)
    expect(Array.from(both[0].addr)).not.toContain(1)
    expect(first).toHaveLength(1)
    expect(Array.from(first[0].addr)).toEqual(Array.from(both[0].addr))
    expect(Array.from(first[0].tUs)).toEqual(Array.from(both[0].tUs))
    expect(Array.from(mnistSamples(images, { steps: 6, tickUs: 1000, seed: 4 })[0].addr)).not.toEqual(Array.from(both[0].addr))
    const counts = sampleCounts({ nTicks: 2, tUs: Uint32Array.of(0, 10, 20, 1500), addr: Uint32Array.of(1, 1, 1, 0) }, (a) => (a < 2 ? a : -1), 2, 2, 1000)
    expect(counts.map((c) => Array.from(c))).toEqual([[0, 2], [1, 0]])
  })
})
