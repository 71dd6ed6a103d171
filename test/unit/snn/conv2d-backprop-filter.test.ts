import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { conv2dFilterGradient, initBackend, SeededRandom } from '../../../main/snn/index.js'

interface Case {
  readonly x: [number, number, number, number]
  readonly filter: [number, number, number, number]
  readonly stride: number
  readonly pad: 'valid' | 'same'
}

const cases: Case[] = [
  { x: [2, 6, 6, 1], filter: [3, 3, 1, 4], stride: 1, pad: 'valid' },
  { x: [3, 7, 5, 2], filter: [3, 2, 2, 3], stride: 2, pad: 'same' },
  { x: [1, 8, 8, 3], filter: [5, 5, 3, 2], stride: 1, pad: 'same' },
  { x: [2, 9, 9, 2], filter: [3, 3, 2, 2], stride: 3, pad: 'valid' },
]

function values(n: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed)
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1))
}

/** dL/dfilter of L = Σ conv2d(x, f) ⊙ upstream, on the current backend. */
function filterGradient(c: Case): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(c.x.reduce((a, b) => a * b), 1), c.x)
    const f = tf.tensor4d(values(c.filter.reduce((a, b) => a * b), 2), c.filter)
    const y = tf.conv2d(x, f, c.stride, c.pad)
    const upstream = tf.tensor(values(y.size, 3), y.shape)
    const g = tf.grad((filter: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, filter as tf.Tensor4D, c.stride, c.pad), upstream)))(f)
    return g.dataSync() as Float32Array
  })
}

describe('Conv2DBackpropFilter on wasm', () => {
  it('is registered for wasm by initBackend', async () => {
    await initBackend('wasm')
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined()
  })

  for (const c of cases) {
    it(`equals the cpu backend: x ${c.x.join('×')}, filter ${c.filter.join('×')}, stride ${c.stride}, ${c.pad}`, async () => {
      await initBackend('cpu')
      const reference = filterGradient(c)
      await initBackend('wasm')
      const got = filterGradient(c)
      expect(got.length).toBe(reference.length)
      for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(reference[i], 4)
    })
  }

  it('a single-pixel input and single upstream gradient give the hand-computed filter gradient', () => {
    // x 1×3×3×1 with x[1,1] = 2, filter 2×2, stride 1, valid → output 2×2; upstream 1 only at (0,0).
    // dW[kh,kw] = x[kh, kw]·1 → only dW[1,1] = 2.
    const x = new Float32Array(9)
    x[4] = 2
    const dy = new Float32Array([1, 0, 0, 0])
    const { values: dw, shape } = conv2dFilterGradient(x, [1, 3, 3, 1], dy, {
      strides: 1,
      pad: 'valid',
      dataFormat: 'NHWC',
      filterShape: [2, 2, 1, 1],
    })
    expect(shape).toEqual([2, 2, 1, 1])
    expect(Array.from(dw)).toEqual([0, 0, 0, 2])
  })

  it('rejects NCHW naming the field', () => {
    expect(() =>
      conv2dFilterGradient(new Float32Array(9), [1, 1, 3, 3], new Float32Array(4), {
        strides: 1,
        pad: 'valid',
        dataFormat: 'NCHW',
        filterShape: [2, 2, 1, 1],
      }),
    ).toThrow(expect.objectContaining({ code: 'SNN_UNSUPPORTED', location: { field: 'dataFormat' } }))
  })
})
