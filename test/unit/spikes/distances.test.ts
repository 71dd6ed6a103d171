import { describe, expect, it } from 'vitest'
import { vanRossumDistance, victorPurpuraDistance } from '../../../main/spikes/dissimilarity.js'
import { spikeTimeTilingCoefficient } from '../../../main/spikes/sttc.js'
import { isiDistance, isiDistanceMulti, pairwiseMatrix, spikeDistance, spikeDistanceMulti, spikeSync, spikeSyncMulti } from '../../../main/spikes/pyspike-measures.js'

// Values "(computed from this definition)" in spike-trains.md §3.1, with times in seconds.
const a = [0.01, 0.02, 0.03]
const b = [0.012, 0.024, 0.03]

describe('Victor–Purpura', () => {
  it('spec values', () => {
    expect(victorPurpuraDistance(a, b, 100)).toBeCloseTo(0.6, 12) // q = 1/(10 ms)
    expect(victorPurpuraDistance(a, b, 500)).toBeCloseTo(3.0, 12) // q = 0.5 ms⁻¹
  })
  it('limits and edge cases', () => {
    expect(victorPurpuraDistance(a, [1, 2, 3, 4, 5], 0)).toBe(2) // |n_a − n_b|
    expect(victorPurpuraDistance(a, a, Infinity)).toBe(6) // n_a + n_b
    expect(victorPurpuraDistance([], [1, 2], 10)).toBe(2)
    expect(victorPurpuraDistance([], [], 10)).toBe(0)
    expect(victorPurpuraDistance(a, a, 10)).toBe(0)
  })
})

describe('van Rossum', () => {
  it('spec values, both normalisations', () => {
    expect(vanRossumDistance(a, b, 0.01)).toBeCloseTo(0.9839684201347072, 12)
    expect(vanRossumDistance(a, b, 0.01, 'paper')).toBeCloseTo(0.6957707423506653, 12)
  })
  it('edge cases', () => {
    expect(vanRossumDistance([], [1], 1)).toBe(1) // Elephant's normalisation
    expect(vanRossumDistance([], [], 1)).toBe(0)
    expect(vanRossumDistance(a, [1, 2, 3, 4, 5], Infinity)).toBe(2)
    expect(vanRossumDistance(a, a, 0)).toBeCloseTo(Math.sqrt(6), 14) // the τ = 0 quirk
    // hand: D² = 1 + 1 − 2e^{−1}
    expect(vanRossumDistance([0], [1], 1)).toBeCloseTo(Math.sqrt(2 - 2 * Math.exp(-1)), 14)
    // duplicates are kept by this definition: D² = Σ_{i,i'} 1 = 4
    expect(vanRossumDistance([1, 1], [], 1)).toBeCloseTo(2, 14)
  })
})

// PySpike 0.8.0 values "(computed)" in spike-trains.md §3.2, edges [0, 10].
describe('PySpike measures', () => {
  const e = { tStart: 0, tEnd: 10 }
  const rows: [number[], number[], number, number, number, number][] = [
    [[1, 3, 5, 8], [1.5, 3, 6, 9], 0.141666666666667, 0.259780045351474, 0.257936507936508, 0.75],
    [[0.5, 2, 2.5, 7], [1, 4, 7.2], 0.365, 0.219686939067026, 0.213165464165464, 0.571428571428571],
    [[2], [3], 0.216666666666667, 0.191515151515152, 0.191515151515152, 1],
    [[1, 4, 6], [1, 4, 6], 0, 0, 0, 1],
    [[2, 5], [], 0.6, 0.412689020381328, 0.315384615384615, 0],
  ]
  it.each(rows)('%j vs %j', (x, y, iD, sD, riD, sync) => {
    expect(isiDistance(x, y, e)).toBeCloseTo(iD, 13)
    expect(spikeDistance(x, y, e)).toBeCloseTo(sD, 13)
    expect(spikeDistance(x, y, e, { rateIndependent: true })).toBeCloseTo(riD, 13)
    expect(spikeSync(x, y, e)).toBeCloseTo(sync, 13)
  })
  it('three trains', () => {
    const tr = [
      [1, 3, 5, 8],
      [1.5, 3, 6, 9],
      [0.5, 2, 2.5, 7],
    ]
    expect(isiDistanceMulti(tr, e)).toBeCloseTo(0.278240740740741, 13)
    expect(spikeDistanceMulti(tr, e)).toBeCloseTo(0.297044400501818, 13)
    expect(spikeSyncMulti(tr, e)).toBeCloseTo(0.5, 13)
    const m = pairwiseMatrix(tr, (p, q) => spikeSync(p, q, e))
    expect(m.map((r) => Array.from(r))).toEqual([
      [1, 0.75, 0.5],
      [0.75, 1, 0.25],
      [0.5, 0.25, 1],
    ])
  })
  it("MRTS = 'auto'", () => {
    const [x, y] = [rows[0][0], rows[0][1]]
    expect(isiDistance(x, y, e, { mrts: 'auto' })).toBeCloseTo(0.12715250455758, 13)
    expect(spikeDistance(x, y, e, { mrts: 'auto' })).toBeCloseTo(0.241759725477637, 13)
    expect(spikeSync(x, y, e, { mrts: 'auto' })).toBeCloseTo(0.75, 13)
  })
  it('unsorted input with a duplicate is reconciled', () => {
    expect(isiDistance([3, 1, 3, 5, 8], [1.5, 3, 6, 9], e)).toBeCloseTo(0.141666666666667, 13)
  })
  it('no spikes at all: SYNC = 1, distances 0', () => {
    expect(spikeSync([], [], e)).toBe(1)
    expect(isiDistance([], [], e)).toBe(0)
    expect(spikeDistance([], [], e)).toBe(0)
  })
  it('strict coincidence: |Δ| = τ is not coincident', () => {
    // 5 vs 6 in the first row: τ = ½·min(2, 3, 3, 3) = 1, |Δ| = 1 → not coincident; drop the others
    expect(spikeSync([5], [6], { tStart: 4, tEnd: 7 })).toBe(1) // lone spikes: τ = (7−4)/2 = 1.5 > 1
    expect(spikeSync([3, 5], [6, 9], { tStart: 0, tEnd: 10 })).toBe(0) // τ = ½·min(2, 3) = 1
  })
})

describe('spike time tiling coefficient', () => {
  it('Elephant doctest (ms, t_stop 50, dt 5)', () => {
    const a = [1.3, 7.56, 15.87, 28.23, 30.9, 34.2, 38.2, 43.2]
    const b = [1.02, 2.71, 18.82, 28.46, 28.79, 43.6]
    expect(spikeTimeTilingCoefficient(a, b, 5, 0, 50)).toBeCloseTo(0.4958601655933762, 15)
  })
  it('identical trains give 1, an empty train NaN', () => {
    // P_A = P_B = 1, so each term is (1 − T)/(1 − T)
    expect(spikeTimeTilingCoefficient([10, 30], [10, 30], 5, 0, 50)).toBe(1)
    expect(spikeTimeTilingCoefficient([], [1], 5, 0, 50)).toBeNaN()
  })
})
