import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { SurrogateSpec } from '../../../main/snn/index.js'
import { initBackend, spikeOp, surrogateDerivative } from '../../../main/snn/index.js'
import { loadLifGolden } from './golden.js'

const golden = loadLifGolden()
const xs = golden.xs

/** dS/dx with upstream gradient 1, as the fixture's procedure (README §2). */
function tensorGradients(spec: SurrogateSpec): number[] {
  const grad = tf.grad((x: tf.Tensor) => tf.sum(spikeOp(spec)(x)))
  return Array.from(grad(tf.tensor1d(xs)).dataSync())
}

beforeAll(async () => {
  await initBackend('cpu')
})

describe('surrogate gradients match snnTorch (lif-golden.json)', () => {
  const absolute: [string, SurrogateSpec, number[]][] = [
    ['atan α=2', { kind: 'atan', alpha: 2 }, golden.atan_alpha2],
    ['fast sigmoid k=25', { kind: 'fast-sigmoid', slope: 25 }, golden.fast_sigmoid_slope25],
  ]
  for (const [name, spec, expected] of absolute) {
    it(`${name}: tf.customGrad op and host formula within 1e-6`, () => {
      const viaTensor = tensorGradients(spec)
      const viaHost = xs.map(surrogateDerivative(spec))
      for (let i = 0; i < xs.length; i++) {
        expect(Math.abs(viaTensor[i] - expected[i])).toBeLessThanOrEqual(1e-6)
        expect(Math.abs(viaHost[i] - expected[i])).toBeLessThanOrEqual(1e-6)
      }
    })
  }

  it('sigmoid k=25: relative 1e-4 where |g| > 1e-3, else absolute 1e-6', () => {
    const spec: SurrogateSpec = { kind: 'sigmoid', slope: 25 }
    const viaTensor = tensorGradients(spec)
    const viaHost = xs.map(surrogateDerivative(spec))
    for (let i = 0; i < xs.length; i++) {
      const e = golden.sigmoid_slope25[i]
      for (const g of [viaTensor[i], viaHost[i]]) {
        if (Math.abs(e) > 1e-3) expect(Math.abs(g - e) / Math.abs(e)).toBeLessThanOrEqual(1e-4)
        else expect(Math.abs(g - e)).toBeLessThanOrEqual(1e-6)
      }
    }
  })

  it('the forward is the strict Heaviside 1[x > 0]', () => {
    const s = spikeOp({ kind: 'atan' })(tf.tensor1d(xs)).dataSync()
    expect(Array.from(s)).toEqual([0, 0, 0, 0, 1, 1, 1])
  })

  it("triangular is a real triangle, not snnTorch 0.9.4's sign-flipping constant", () => {
    // (1/w)·max(0, 1 − |x|/w) with w = 1, by hand at xs.
    const expected = [0, 0.5, 0.9, 1, 0.9, 0.5, 0]
    const got = tensorGradients({ kind: 'triangular', width: 1 })
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i], 6))
    expect(got).not.toEqual(golden.triangular_thr1)
    expect(got.some((g) => g < 0)).toBe(false)
  })

  it('rectangular (1/w)·1[|x| < w/2], w = 1, by hand', () => {
    const expected = [0, 0, 1, 1, 1, 0, 0]
    expect(tensorGradients({ kind: 'rectangular', width: 1 })).toEqual(expected)
    expect(xs.map(surrogateDerivative({ kind: 'rectangular', width: 1 }))).toEqual(expected)
  })

  it('rejects a non-positive slope, naming the field', () => {
    expect(() => surrogateDerivative({ kind: 'fast-sigmoid', slope: 0 })).toThrow(
      expect.objectContaining({ code: 'SNN_BAD_CONFIG', location: { field: 'surrogate.slope' } }),
    )
  })
})
