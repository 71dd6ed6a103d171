import { describe, expect, it } from 'vitest'
import { binaryMatMul, binaryPattern, binaryWeightGrad, columnSums, matMulTransposed } from '../../../main/snn/layers/binary-matmul.js'
import { rowSumKernel } from '../../../main/snn/kernels/row-sum-wasm.js'
import { SeededRandom } from '../../../main/snn/random.js'

describe('binary spike matrix products', () => {
  // x (3×4) with ones at (0,0) (0,2) (2,1) (2,2) (2,3); W (4×2) rows [1,2] [3,4] [5,6] [7,8].
  const x = new Uint8Array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1])
  const w = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8])

  it('finds the active positions by row and by column', () => {
    const p = binaryPattern(x, 3, 4)
    expect(p).not.toBeNull()
    expect(Array.from(p!.rowStart)).toEqual([0, 2, 2, 5])
    expect(Array.from(p!.rowIndex)).toEqual([0, 2, 1, 2, 3])
    expect(Array.from(p!.colStart)).toEqual([0, 1, 2, 4, 5])
    expect(Array.from(p!.colIndex)).toEqual([0, 2, 0, 2, 2])
  })

  it('returns null for a non-binary matrix', () => {
    expect(binaryPattern(new Float32Array([0, 1, 0.5, 0]), 2, 2)).toBeNull()
  })

  it('x·W + b by hand: row 0 = W0 + W2, row 1 = 0, row 2 = W1 + W2 + W3', () => {
    const y = binaryMatMul(binaryPattern(x, 3, 4)!, w, new Float32Array([0.5, -1]), 2)
    expect(Array.from(y)).toEqual([6.5, 7, 0.5, -1, 15.5, 17])
  })

  it('handles rows with ≥ 4 active inputs (the unrolled path)', () => {
    const ones = new Uint8Array(4).fill(1)
    expect(Array.from(binaryMatMul(binaryPattern(ones, 1, 4)!, w, null, 2))).toEqual([16, 20])
    // five active inputs of width 1: four unrolled + one remainder
    const five = binaryPattern(new Uint8Array(5).fill(1), 1, 5)!
    expect(Array.from(binaryMatMul(five, new Float32Array([1, 2, 3, 4, 5]), null, 1))).toEqual([15])
  })

  it('xᵀ·dy by hand', () => {
    const dy = new Float32Array([1, 2, 10, 20, 100, 200])
    const dw = binaryWeightGrad(binaryPattern(x, 3, 4)!, dy, 2)
    // input 0: row 0; input 1: row 2; input 2: rows 0, 2; input 3: row 2
    expect(Array.from(dw)).toEqual([1, 2, 100, 200, 101, 202, 100, 200])
    expect(Array.from(columnSums(dy, 3, 2))).toEqual([111, 222])
  })

  describe('WebAssembly SIMD path (widths that are multiples of 4)', () => {
    const rows = 9
    const inputs = 11
    const out = 8
    const rng = new SeededRandom(3)
    const x = Uint8Array.from({ length: rows * inputs }, () => (rng.next() < 0.35 ? 1 : 0))
    const w = Float32Array.from({ length: inputs * out }, () => rng.uniform(-1, 1))
    const dy = Float32Array.from({ length: rows * out }, () => rng.uniform(-1, 1))
    const bias = Float32Array.from({ length: out }, () => rng.uniform(-1, 1))
    const pattern = binaryPattern(x, rows, inputs)!

    it('is available on this Node', () => {
      expect(rowSumKernel()).not.toBeNull()
    })

    it('x·W + b equals the naive triple loop', () => {
      const y = binaryMatMul(pattern, w, bias, out)
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < out; o++) {
          let s = bias[o]
          for (let i = 0; i < inputs; i++) s += x[r * inputs + i] * w[i * out + o]
          expect(y[r * out + o]).toBeCloseTo(s, 5)
        }
      }
    })

    it('xᵀ·dy equals the naive triple loop', () => {
      const dw = binaryWeightGrad(pattern, dy, out)
      for (let i = 0; i < inputs; i++) {
        for (let o = 0; o < out; o++) {
          let s = 0
          for (let r = 0; r < rows; r++) s += x[r * inputs + i] * dy[r * out + o]
          expect(dw[i * out + o]).toBeCloseTo(s, 5)
        }
      }
    })

    it('dy·Wᵀ equals the naive triple loop (wide input axis → SIMD)', () => {
      const wide = 12
      const w2 = Float32Array.from({ length: wide * 3 }, () => rng.uniform(-1, 1))
      const dy2 = Float32Array.from({ length: rows * 3 }, () => rng.uniform(-1, 1))
      const dx = matMulTransposed(dy2, w2, rows, wide, 3)
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < wide; i++) {
          let s = 0
          for (let o = 0; o < 3; o++) s += dy2[r * 3 + o] * w2[i * 3 + o]
          expect(dx[r * wide + i]).toBeCloseTo(s, 5)
        }
      }
    })
  })
})
