import { describe, expect, it } from 'vitest'
import type { AffineMap, FloatLayer } from '../../../main/deploy/index.js'
import { applyLinear, identityMap } from '../../../main/deploy/index.js'

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296 - 0.5
  }
}

function apply(m: AffineMap, x: ArrayLike<number>): number[] {
  const y = Array.from(m.bias)
  for (let r = 0; r < m.rows; r++) for (let k = m.rowPtr[r]; k < m.rowPtr[r + 1]; k++) y[r] += m.values[k] * x[m.colIdx[k]]
  return y
}

/** Direct NHWC convolution with zero padding, written independently of the CSR expansion. */
function directConv(x: number[], [h, w, cin]: number[], weight: Float32Array, bias: Float32Array, [kh, kw]: number[], [sy, sx]: number[], [py, px]: number[], cout: number): { y: number[]; shape: number[] } {
  const padded = (yy: number, xx: number, c: number) => (yy < 0 || yy >= h || xx < 0 || xx >= w ? 0 : x[(yy * w + xx) * cin + c])
  const oh = Math.floor((h + 2 * py - kh) / sy) + 1
  const ow = Math.floor((w + 2 * px - kw) / sx) + 1
  const y: number[] = []
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let co = 0; co < cout; co++) {
        let s = bias[co]
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++)
            for (let ci = 0; ci < cin; ci++) s += weight[((ky * kw + kx) * cin + ci) * cout + co] * padded(oy * sy - py + ky, ox * sx - px + kx, ci)
        y.push(s)
      }
  return { y, shape: [oh, ow, cout] }
}

function directPool(x: number[], [h, w, c]: number[], k: number, s: number, mode: 'sum' | 'avg'): number[] {
  const oh = Math.floor((h - k) / s) + 1
  const ow = Math.floor((w - k) / s) + 1
  const y: number[] = []
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let ch = 0; ch < c; ch++) {
        let sum = 0
        for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) sum += x[((oy * s + dy) * w + ox * s + dx) * c + ch]
        y.push(mode === 'avg' ? sum / (k * k) : sum)
      }
  return y
}

describe('linear layers expanded to sparse matrices', () => {
  const r = rng(7)
  const inShape: [number, number, number] = [6, 5, 2]
  const conv: FloatLayer = {
    kind: 'conv2d', inShape, filters: 3, kernel: [3, 2], stride: [1, 2], padding: [1, 1],
    weight: Float32Array.from({ length: 3 * 2 * 2 * 3 }, r), bias: Float32Array.from({ length: 3 }, r),
  }
  const x = Array.from({ length: 60 }, () => (r() > 0 ? 1 : 0))

  it('conv2d as CSR equals a direct convolution (stride, padding, several channels)', () => {
    const m = applyLinear(identityMap(60), conv, inShape, 'conv')
    const direct = directConv(x, inShape, conv.weight, conv.bias!, [3, 2], [1, 2], [1, 1], 3)
    expect(direct.shape).toEqual([6, 3, 3])
    expect(m.rows).toBe(54)
    // Each output row holds at most kh·kw·cin entries; border rows fewer (padding).
    for (let row = 0; row < m.rows; row++) expect(m.rowPtr[row + 1] - m.rowPtr[row]).toBeLessThanOrEqual(12)
    const got = apply(m, x)
    got.forEach((v, i) => expect(v).toBeCloseTo(direct.y[i], 12))
  })

  it('conv2d then sum/avg pooling composes into one map equal to the two applied in turn', () => {
    const c1 = applyLinear(identityMap(60), conv, inShape, 'conv')
    for (const mode of ['sum', 'avg'] as const) {
      const pool: FloatLayer = { kind: 'pool', mode, inShape: [6, 3, 3], window: [2, 2], stride: [2, 2], padding: [0, 0] }
      const both = applyLinear(c1, pool, [6, 3, 3], 'pool')
      const direct = directPool(directConv(x, inShape, conv.weight, conv.bias!, [3, 2], [1, 2], [1, 1], 3).y, [6, 3, 3], 2, 2, mode)
      expect(both.rows).toBe(3 * 1 * 3)
      apply(both, x).forEach((v, i) => expect(v).toBeCloseTo(direct[i], 12))
    }
  })

  it('refuses max pooling with the board\'s UNSUPPORTED_MODEL code', () => {
    const pool: FloatLayer = { kind: 'pool', mode: 'max', inShape: [6, 5, 2], window: [2, 2], stride: [2, 2], padding: [0, 0] }
    expect(() => applyLinear(identityMap(60), pool, inShape, 'layers[3]')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MODEL' }))
  })
})
