import { describe, expect, it } from 'vitest'
import { betaToLeakShift, chooseScale, quantizeBias, quantizeThreshold, quantizeWeights, realisedBeta, roundHalfAway } from '../../../main/deploy/index.js'

describe('quantizer arithmetic (hand-computed cases)', () => {
  it('rounds half away from zero', () => {
    expect([2.5, -2.5, 1.49, -1.5, 0.5, -0.49].map(roundHalfAway)).toEqual([3, -3, 1, -2, 1, -0])
  })

  it('picks the largest shift whose scale keeps the membrane range within i16', () => {
    // |w|max 0.5, range 4: S_max = 32767/4 = 8191.75; 8191.75·0.5/127 = 32.25 → shift 5; S = 127·2^5/0.5 = 8128.
    const a = chooseScale([0.5], 4)
    expect(a.shifts).toEqual([5])
    expect(a.stateScale).toBe(8128)
    // |w|max 100: 8191.75·100/127 = 6450 → shift would be 12, capped at 7; S = 127·128/100 = 162.56.
    const b = chooseScale([100], 4)
    expect(b.shifts).toEqual([7])
    expect(b.stateScale).toBeCloseTo(162.56, 10)
    // |w|max 0.001: no shift; S is the range limit 8191.75 and the largest weight only reaches 8.
    const c = chooseScale([0.001], 4)
    expect(c.shifts).toEqual([0])
    expect(c.stateScale).toBe(8191.75)
    // A second slot (recurrence) at that S: 0.25·8128 = 2032 = 127·16 → shift 4.
    expect(chooseScale([0.5, 0.25], 4).shifts).toEqual([5, 4])
  })

  it('rounds weights to int8 at w·S/2^shift and counts the saturated ones', () => {
    // S 8128, shift 5: factor 254.
    const { q, saturated } = quantizeWeights([0.5, -0.25, 0.001, 0.6, -0.6, -0.5039], 8128, 5)
    // 127, −63.5 → −64, 0.254 → 0, 152.4 → 127 (sat), −152.4 → −128 (sat), −127.99 → −128
    expect(Array.from(q)).toEqual([127, -64, 0, 127, -128, -128])
    expect(saturated).toBe(2)
  })

  it('makes the integer threshold the smallest v strictly above θ·S, clamped to [1, 32767]', () => {
    expect(quantizeThreshold(1, 8128)).toEqual({ value: 8129, saturated: false })
    expect(quantizeThreshold(0.5, 8128.6)).toEqual({ value: 4065, saturated: false }) // floor(4064.3) + 1
    expect(quantizeThreshold(10, 8128)).toEqual({ value: 32767, saturated: true })
    expect(quantizeBias(-0.0123, 8128)).toEqual({ value: -100, saturated: false }) // −99.97
    expect(quantizeBias(5, 8128)).toEqual({ value: 32767, saturated: true })
  })

  it('maps β to the nearest leak shift, β = 1 − 2^−d', () => {
    expect(betaToLeakShift(0.95)).toEqual({ leakShift: 4, realisedBeta: 0.9375 }) // 0.9375 (err .0125) beats 0.96875 (.01875)
    expect(betaToLeakShift(0.9)).toEqual({ leakShift: 3, realisedBeta: 0.875 })
    expect(betaToLeakShift(0.99)).toEqual({ leakShift: 7, realisedBeta: 0.9921875 })
    expect(betaToLeakShift(1)).toEqual({ leakShift: 0, realisedBeta: 1 })
    expect(betaToLeakShift(0.5)).toEqual({ leakShift: 1, realisedBeta: 0.5 })
    expect(betaToLeakShift(0)).toEqual({ leakShift: 1, realisedBeta: 0.5 }) // RP1 cannot forget in one tick
    expect(realisedBeta(15)).toBe(1 - 2 ** -15)
  })
})
