import { describe, expect, it } from 'vitest'
import { cv, cv2, fanoFactor, fanoFactorOfCounts, isi, isiHistogram, lv, lvr, meanFiringRate } from '../../../main/spikes/isi-statistics.js'
import { cleanTrain } from '../../../main/spikes/spike-train.js'

// Doctest values of Elephant 1.2.1 quoted in spike-trains.md §2 (CV2/LV/LvR take the list as intervals).
describe('Elephant doctest values', () => {
  const x = [0.3, 4.5, 6.7, 9.3]
  it('isi', () => {
    const v = isi(x)
    expect(v.length).toBe(3)
    ;[4.2, 2.2, 2.6].forEach((e, k) => expect(v[k]).toBeCloseTo(e, 12))
  })
  it('mean firing rate = 4/9.3', () => expect(meanFiringRate(x)).toBeCloseTo(0.4301075268817204, 15))
  it('cv2', () => expect(cv2(x)).toBeCloseTo(0.8226190476190478, 14))
  it('lv', () => expect(lv(x)).toBeCloseTo(0.8306154336734695, 14))
  it('lvr with R = 0.005 in the intervals’ unit', () => expect(lvr(x, 0.005)).toBeCloseTo(0.833907445980624, 14))
  it('fano factor of counts (4, 3) = 0.25/3.5', () => expect(fanoFactor([x, [1.4, 3.3, 8.2]])).toBeCloseTo(0.07142857142857142, 15))
})

describe('edge cases (hand-computed)', () => {
  it('empty and single-spike trains', () => {
    expect(isi([]).length).toBe(0)
    expect(isi([5]).length).toBe(0)
    expect(meanFiringRate([])).toBeNaN() // no window can be inferred
    expect(meanFiringRate([], { tStop: 10 })).toBe(0)
    expect(meanFiringRate([2])).toBe(0.5) // 1 spike in [0, 2]
    expect(cv([])).toBeNaN()
    expect(cv([2])).toBe(0) // one interval: std 0
    expect(cv2([1])).toBeNaN()
    expect(lv([1])).toBeNaN()
    expect(lvr([])).toBeNaN()
  })
  it('rate window includes both ends', () => {
    // spikes 1, 2, 3 in [1, 3]: 3 spikes / 2 s
    expect(meanFiringRate([0.5, 1, 2, 3, 4], { tStart: 1, tStop: 3 })).toBe(1.5)
  })
  it('CV uses the population SD', () => {
    // intervals 1, 3: mean 2, population SD 1 → 0.5
    expect(cv(isi([0, 1, 4]))).toBe(0.5)
  })
  it('duplicate spike times give a zero interval, as in Elephant', () => {
    const v = isi([1, 1, 2])
    expect(Array.from(v)).toEqual([0, 1])
    expect(cv2(v)).toBe(2) // 2·|1−0|/(1+0)
    expect(lv(v)).toBe(3) // 3·(1/1)²
  })
  it('cleanTrain sorts, removes exact duplicates and counts them', () => {
    const c = cleanTrain([3, 1, 3, 5, 1])
    expect(Array.from(c.times)).toEqual([1, 3, 5])
    expect(c.duplicatesRemoved).toBe(2)
  })
  it('fano factor: all-zero counts and empty list are NaN', () => {
    expect(fanoFactor([[], []])).toBeNaN()
    expect(fanoFactorOfCounts([])).toBeNaN()
    // counts (1, 3): mean 2, population variance 1
    expect(fanoFactor([[1], [1, 2, 3]])).toBe(0.5)
  })
  it('LvR with equal intervals is 3/(m-1)·Σ 0 = 0 regardless of R', () => {
    expect(lvr([0.1, 0.1, 0.1])).toBe(0)
  })
  it('ISI histogram bins [jΔ, (j+1)Δ) and counts overflow', () => {
    const h = isiHistogram([0.001, 0.0015, 0.004, 0.02], 0.001, 0.005)
    expect(Array.from(h.counts)).toEqual([0, 2, 0, 0, 1])
    expect(h.overflow).toBe(1)
  })
})
