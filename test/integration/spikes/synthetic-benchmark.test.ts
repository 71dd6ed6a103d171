import { describe, expect, it } from 'vitest'
import { adjustedRandIndex } from '../../../main/spikes/adjusted-rand.js'
import { classifyCells } from '../../../main/spikes/classify.js'
import { generateSyntheticRetina, syntheticToSpikeBatch } from '../../../main/spikes/synthetic-retina.js'

// Acceptance targets of synthetic-retina-benchmark.md §7 and the 10-replicate means of §6.1 (easy).
describe('easy setting, seeds 1–10', () => {
  it('ARI = 1 at K = 4 and K_jump = K_knee = 4 in every replicate; means match §6.1', async () => {
    let iN = 0
    let iPt = 0
    let floor = 0
    let i1 = 0
    for (let seed = 1; seed <= 10; seed++) {
      const r = generateSyntheticRetina({ types: 4, cellsPerType: 8, jitter: 0.1, repeats: 100, seed })
      const res = await classifyCells(syntheticToSpikeBatch(r), { duration: 10, k: 4, extrapolate: false })
      expect(adjustedRandIndex(res.labels, r.cells.map((c) => c.typeId))).toBe(1)
      expect(res.kJump?.k).toBe(4)
      expect(res.kKnee?.k).toBe(4)
      iN += res.information.plugin / 10
      iPt += res.information.pt / 10
      floor += res.floor!.value / 10
      i1 += res.spikesToIdentify.bitsPerSpike / 10
    }
    expect(iN).toBeCloseTo(0.199, 3)
    expect(iPt).toBeCloseTo(0.188, 3)
    expect(floor * 1000).toBeCloseTo(0.94, 2)
    expect(i1).toBeCloseTo(1.52, 2)
  })
})
