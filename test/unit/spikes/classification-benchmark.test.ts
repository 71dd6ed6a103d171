import { describe, expect, it } from 'vitest'
import { adjustedRandIndex } from '../../../main/spikes/adjusted-rand.js'
import { classifyCells } from '../../../main/spikes/classify.js'
import { mergeCostAt } from '../../../main/spikes/dendrogram.js'
import { generateSyntheticRetina, syntheticToSpikeBatch } from '../../../main/spikes/synthetic-retina.js'

// Seed-1 golden values of synthetic-retina-benchmark.md §6.2 (R = 100, Δτ = 10 ms, L = 3).
describe('easy setting (4 types × 8 cells, j = 0.10)', () => {
  it('seed 1: I(N), I(4), merge costs, ARI, K_jump, floor, first merge', async () => {
    const r = generateSyntheticRetina({ types: 4, cellsPerType: 8, jitter: 0.1, repeats: 100, seed: 1 })
    const res = await classifyCells(syntheticToSpikeBatch(r), { duration: 10, k: 4 })
    expect(Math.abs(res.information.plugin - 0.18609593718)).toBeLessThan(1e-9)
    expect(Math.abs(res.infoAtK - 0.150007594168)).toBeLessThan(1e-9)
    expect(Math.abs(res.curve[4] - 0.150007594168)).toBeLessThan(1e-9)
    const costs = [7, 6, 5, 4, 3, 2].map((k) => mergeCostAt(res.aib, k) * 1000)
    ;[2.884, 3.221, 4.112, 36.06, 39.6, 74.347].forEach((c, i) => expect(costs[i]).toBeCloseTo(c, 3))
    expect(adjustedRandIndex(res.labels, r.cells.map((c) => c.typeId))).toBe(1)
    expect(res.kJump?.k).toBe(4)
    expect(res.kKnee?.k).toBe(4)
    expect(res.floor!.value * 1000).toBeCloseTo(0.8762, 4)
    expect(res.floor!.kFloor).toBeGreaterThanOrEqual(4)
    expect([res.aib.merges[0].a, res.aib.merges[0].b]).toEqual([12, 13])
    expect(res.aib.merges[0].cost * 1000).toBeCloseTo(0.4207, 4)
    // PT and QE sit below the plug-in value (R = 100; spec §8.8 row R = 100: 0.1760 / 0.1716)
    expect(res.information.pt).toBeCloseTo(0.176, 3)
    expect(res.information.extrapolation!.extrapolated).toBeLessThan(res.information.pt)
    // §3: I(C; W | t) = Σ_i p_i i_i
    expect(res.identifiability.reduce((a, b) => a + b, 0) / 32).toBeCloseTo(res.information.plugin, 12)
  })
  it.each([2, 3])('seed %i: ARI = 1 at K = 4 and the merge-cost jump at K = 4', async (seed) => {
    const r = generateSyntheticRetina({ types: 4, cellsPerType: 8, jitter: 0.1, repeats: 100, seed })
    const res = await classifyCells(syntheticToSpikeBatch(r), { duration: 10, k: 4, extrapolate: false, splitHalf: false })
    expect(adjustedRandIndex(res.labels, r.cells.map((c) => c.typeId))).toBe(1)
    expect(res.kJump?.k).toBe(4)
  })
})

describe('medium setting (6 types × 6 cells, j = 0.10)', () => {
  it('seed 1: I(N), I(6), merge costs and ARI = 0.740741 ≥ 0.7', async () => {
    const r = generateSyntheticRetina({ types: 6, cellsPerType: 6, jitter: 0.1, repeats: 100, seed: 1 })
    const res = await classifyCells(syntheticToSpikeBatch(r), { duration: 10, k: 6, extrapolate: false })
    expect(Math.abs(res.information.plugin - 0.179110111004)).toBeLessThan(1e-9)
    expect(Math.abs(res.infoAtK - 0.147180415788)).toBeLessThan(1e-9)
    const costs = [9, 8, 7, 6, 5, 4, 3, 2].map((k) => mergeCostAt(res.aib, k) * 1000)
    ;[2.673, 2.698, 2.939, 3.165, 7.143, 29.802, 39.436, 67.634].forEach((c, i) => expect(costs[i]).toBeCloseTo(c, 3))
    const ari = adjustedRandIndex(res.labels, r.cells.map((c) => c.typeId))
    expect(ari).toBeCloseTo(0.740741, 6)
    expect(ari).toBeGreaterThanOrEqual(0.7)
    expect(res.floor!.value * 1000).toBeCloseTo(0.7812, 4)
  })
})
