import { describe, expect, it } from 'vitest'
import { coarseConstants, coarseLifBackward, coarseLifConfig, coarseLifForward } from '../../../main/snn/neurons/coarse-lif.js'

// Spec snn-methods.md §B.2 table and §B.3 worked example (τ = 4, v0 = 1, constant x).
describe('coarse LIF constants', () => {
  it.each([
    [2, 0.606531, 0.786939, 0.426123, 1.846742],
    [4, 0.778801, 0.884797, 0.460813, 1.92008],
    [8, 0.882497, 0.940025, 0.479802, 1.959194],
  ])('τ = %d gives the spec table', (tau, a, b, c, ratio) => {
    const k = coarseConstants(tau)
    expect(k.a).toBeCloseTo(a, 6)
    expect(k.b).toBeCloseTo(b, 6)
    expect(k.c).toBeCloseTo(c, 6)
    expect(k.b / k.c).toBeCloseTo(ratio, 5)
  })
})

describe('coarse LIF update', () => {
  const cfg = coarseLifConfig({ tau: 4 })
  it.each([
    [0.5, [0.442398, 0.786939, 1.055267, 0.230406, 0.621839, 0.926687, 1.164103, 0.230406], [0, 0, 1, 0, 0, 0, 1, 0]],
    [0.3, [0.265439, 0.472163, 0.63316, 0.758545, 0.856194, 0.932244, 0.991471, 1.037598], [0, 0, 0, 0, 0, 0, 0, 1]],
  ])('constant x = %f reproduces the worked example', (x, v, s) => {
    const { mem, spikes } = coarseLifForward(new Float32Array(8).fill(x), 8, cfg)
    Array.from(mem).forEach((m, i) => expect(m).toBeCloseTo(v[i], 5))
    expect(Array.from(spikes)).toEqual(s)
  })

  it('H(0) = ½ exactly at the threshold', () => {
    // x = 1 gives v[0] = b exactly; with v0 = b the neuron sits on the threshold
    const b = coarseConstants(4).b
    expect(coarseLifForward(Float32Array.of(1), 1, coarseLifConfig({ tau: 4, threshold: b })).spikes[0]).toBe(0.5)
    expect(coarseLifForward(Float32Array.of(1), 1, coarseLifConfig({ tau: 4, threshold: b * 1.001 })).spikes[0]).toBe(0)
    expect(coarseLifForward(Float32Array.of(1), 1, coarseLifConfig({ tau: 4, threshold: b * 0.999 })).spikes[0]).toBe(1)
  })

  it('variants: no post-reset charge, and the analog-input layer (×1.1, b/c, x after reset)', () => {
    const { a, b, c } = coarseConstants(4)
    const x = 0.9
    const plain = coarseLifForward(new Float32Array(3).fill(x), 3, coarseLifConfig({ tau: 4, variant: 'no-post-reset' }))
    expect(plain.mem[0]).toBeCloseTo(b * x, 6)
    expect(plain.mem[1]).toBeCloseTo(a * b * x + b * x, 6) // 1.48 > 1: fires
    expect(plain.spikes[1]).toBe(1)
    expect(plain.mem[2]).toBe(0)
    const analog = coarseLifForward(new Float32Array(3).fill(x), 3, coarseLifConfig({ tau: 4, variant: 'analog-input' }))
    const v1 = (b / c) * 1.1 * x
    expect(analog.mem[0]).toBeCloseTo(v1, 5) // 1.90 > 1: fires
    expect(analog.mem[1]).toBeCloseTo(1.1 * x, 5)
  })

  it('rejects bad settings, naming the field', () => {
    expect(() => coarseLifConfig({ tau: 0 })).toThrow(/tau/)
    expect(() => coarseLifConfig({ variant: 'x' as never })).toThrow(/variant/)
  })
})

describe('coarse LIF backward', () => {
  it('matches central finite differences of the relaxed forward, through v, s and the reset term', () => {
    const steps = 6
    const n = 5
    const cfg = coarseLifConfig({ tau: 3, forward: 'relaxed', surrogateBeta: 5 })
    const x = Float32Array.from({ length: steps * n }, (_, i) => 0.3 + 0.5 * Math.sin(1.7 * i))
    const weights = Float32Array.from({ length: steps * n }, (_, i) => Math.cos(0.9 * i))
    // L = Σ w·s, in float64 by a separate implementation of the same equations
    const loss = (input: Float64Array): number => {
      const { a, b, c } = coarseConstants(3)
      let total = 0
      for (let i = 0; i < n; i++) {
        let v = 0
        let s = 0
        for (let t = 0; t < steps; t++) {
          const xi = input[t * n + i]
          v = (1 - s) * (a * v + b * xi) + s * c * xi
          s = 1 / (1 + Math.exp(-5 * (v - 1)))
          total += weights[t * n + i] * s
        }
      }
      return total
    }
    const { mem, spikes } = coarseLifForward(x, steps, cfg)
    const analytic = coarseLifBackward(x, mem, spikes, weights, steps, cfg)
    const eps = 1e-5
    for (let k = 0; k < x.length; k++) {
      const plus = Float64Array.from(x)
      const minus = Float64Array.from(x)
      plus[k] += eps
      minus[k] -= eps
      const numeric = (loss(plus) - loss(minus)) / (2 * eps)
      expect(Math.abs(analytic[k] - numeric)).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(numeric))
    }
  })
})
