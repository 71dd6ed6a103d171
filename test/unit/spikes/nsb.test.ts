import { describe, expect, it } from 'vitest'
import { classifyCells } from '../../../main/spikes/classify.js'
import { digamma, lnGamma, nsbEntropy, nsbIdentityInformation } from '../../../main/spikes/nsb.js'
import { responsesFromBatch } from '../../../main/spikes/responses.js'
import { generateSyntheticRetina, syntheticToSpikeBatch } from '../../../main/spikes/synthetic-retina.js'
import { buildWordHistograms } from '../../../main/spikes/word-histograms.js'

describe('special functions', () => {
  it('ln Γ and ψ at known values', () => {
    // Γ(1) = Γ(2) = 1, Γ(0.5) = √π, Γ(10) = 9! = 362,880
    expect(lnGamma(1)).toBeCloseTo(0, 13)
    expect(lnGamma(2)).toBeCloseTo(0, 13)
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13)
    expect(lnGamma(10)).toBeCloseTo(Math.log(362_880), 11)
    // ψ(1) = −γ, ψ(0.5) = −γ − 2 ln 2, ψ(n+1) = ψ(n) + 1/n
    const gamma = 0.5772156649015329
    expect(digamma(1)).toBeCloseTo(-gamma, 10)
    expect(digamma(0.5)).toBeCloseTo(-gamma - 2 * Math.LN2, 10)
    expect(digamma(4)).toBeCloseTo(-gamma + 1 + 1 / 2 + 1 / 3, 10)
  })
})

describe('NSB entropy (functional-classification.md §8.5)', () => {
  it('lies between 0 and ln K, and grows with the spread of the counts', () => {
    const K = 8
    const peaked = nsbEntropy([100], K)
    const spread = nsbEntropy([13, 12, 13, 12, 13, 12, 13, 12], K)
    expect(peaked).toBeGreaterThan(0)
    expect(spread).toBeLessThan(Math.log(K))
    expect(spread).toBeGreaterThan(peaked)
    // many samples of a uniform histogram: the estimate approaches ln K
    expect(nsbEntropy(new Array(8).fill(10_000), K)).toBeCloseTo(Math.log(K), 3)
  })

  // §8.8: easy population (32 cells, seed 1), Δτ = 10 ms, L = 3; NSB column
  it.each([
    [20, 0.13],
    [50, 0.1556],
  ])('reproduces the reference I_NSB of the easy population at R = %i', (repeats, expected) => {
    const r = generateSyntheticRetina({ types: 4, cellsPerType: 8, jitter: 0.1, repeats, seed: 1 })
    const resp = responsesFromBatch(syntheticToSpikeBatch(r), { duration: 10, binSize: 0.01 })
    const info = nsbIdentityInformation(buildWordHistograms(resp, { wordLength: 3, stride: 1 }))
    expect(Math.abs(info - expected)).toBeLessThan(5e-5)
  })

  it('is reported by classification when asked, with the short-word caveat', async () => {
    const r = generateSyntheticRetina({ types: 4, cellsPerType: 8, jitter: 0.1, repeats: 20, seed: 1 })
    const res = await classifyCells(syntheticToSpikeBatch(r), { duration: 10, k: 4, nsb: true, extrapolate: false, splitHalf: false })
    expect(res.information.nsb).toBeCloseTo(0.13, 4)
    expect(res.warnings.some((w) => /NSB/.test(w))).toBe(true)
  })
})
