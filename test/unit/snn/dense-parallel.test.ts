import { describe, expect, it } from 'vitest'
import { SeededRandom } from '../../../main/snn/index.js'
import { useRowSumHelper } from '../../../main/snn/kernels/row-sum-wasm.js'
import { binaryMatMul, binaryPattern, binaryWeightGrad, PatternBuffers } from '../../../main/snn/layers/binary-matmul.js'

/**
 * Spike-input products big enough that the row-sum kernel hands half the rows to its helper thread
 * (≥ 2^20 floats added), checked against plain loops written here, and repeated with reused pattern
 * buffers and output arrays of a larger size (the host trainer's steady state).
 */
const ROWS = 700
const INPUTS = 300
const OUT = 64

function random(size: number, rng: SeededRandom): Float32Array {
  return Float32Array.from({ length: size }, () => rng.uniform(-1, 1))
}

function spikes(rng: SeededRandom): Uint8Array {
  return Uint8Array.from({ length: ROWS * INPUTS }, () => (rng.next() < 0.3 ? 1 : 0))
}

function denseProduct(x: Uint8Array, w: Float32Array, bias: Float32Array): Float64Array {
  const y = new Float64Array(ROWS * OUT)
  for (let r = 0; r < ROWS; r++) {
    for (let o = 0; o < OUT; o++) {
      let sum = bias[o]
      for (let i = 0; i < INPUTS; i++) if (x[r * INPUTS + i]) sum += w[i * OUT + o]
      y[r * OUT + o] = sum
    }
  }
  return y
}

function denseWeightGrad(x: Uint8Array, dy: Float32Array): Float64Array {
  const dw = new Float64Array(INPUTS * OUT)
  for (let r = 0; r < ROWS; r++) {
    for (let i = 0; i < INPUTS; i++) {
      if (!x[r * INPUTS + i]) continue
      for (let o = 0; o < OUT; o++) dw[i * OUT + o] += dy[r * OUT + o]
    }
  }
  return dw
}

function expectClose(actual: Float32Array, expected: Float64Array): void {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])))
  expect(worst).toBeLessThan(1e-5)
}

describe('binary products on the two-thread path', () => {
  it('match plain loops and the one-thread path bit for bit, with fresh and with reused buffers', () => {
    const rng = new SeededRandom(5)
    const w = random(INPUTS * OUT, rng)
    const bias = random(OUT, rng)
    const buffers = new PatternBuffers()
    const target = new Float32Array(ROWS * OUT + 100)
    const gradTarget = new Float32Array(INPUTS * OUT + 100)
    for (let round = 0; round < 2; round++) {
      const x = spikes(rng)
      const dy = random(ROWS * OUT, rng)
      const fresh = binaryPattern(x, ROWS, INPUTS)!
      const reused = binaryPattern(x, ROWS, INPUTS, buffers)!
      expect(fresh.rowIndex.length * OUT).toBeGreaterThan(1 << 20)
      useRowSumHelper(false)
      const ySerial = binaryMatMul(fresh, w, bias, OUT)
      const dwSerial = binaryWeightGrad(fresh, dy, OUT)
      useRowSumHelper(true)
      const y = binaryMatMul(fresh, w, bias, OUT)
      expectClose(y, denseProduct(x, w, bias))
      expect(y).toEqual(ySerial)
      expect(binaryMatMul(reused, w, bias, OUT, target)).toEqual(y)
      const dw = binaryWeightGrad(fresh, dy, OUT)
      expectClose(dw, denseWeightGrad(x, dy))
      expect(dw).toEqual(dwSerial)
      expect(binaryWeightGrad(reused, dy, OUT, gradTarget)).toEqual(dw)
    }
    useRowSumHelper(false)
  })
})
