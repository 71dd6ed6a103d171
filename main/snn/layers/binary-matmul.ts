/**
 * Matrix products whose left operand is a binary spike matrix, on the host. A spike input is 0/1 and
 * mostly 0 (rate-coded MNIST ≈ 13 % ones), so y = x·W is a sum of the W rows of the active inputs, and
 * the weight gradient xᵀ·dy adds dy rows into the rows of active inputs: ≈ 8× less work than dense.
 */

import type { WasmMemory } from '../kernels/row-sum-wasm.js'
import { rowSumKernel } from '../kernels/row-sum-wasm.js'

/** Active (value 1) positions of a [rows, cols] 0/1 matrix, by row (CSR) and by column (CSC). */
export interface BinaryPattern {
  readonly rows: number
  readonly cols: number
  /** Row r's active columns are rowIndex[rowStart[r] .. rowStart[r+1]). */
  readonly rowStart: Int32Array
  readonly rowIndex: Int32Array
  /** Column c's active rows are colIndex[colStart[c] .. colStart[c+1]). */
  readonly colStart: Int32Array
  readonly colIndex: Int32Array
}

/** The pattern of `x` if every value is exactly 0 or 1, else null. */
export function binaryPattern(x: ArrayLike<number>, rows: number, cols: number): BinaryPattern | null {
  // Pass 1 over the dense matrix: validate and count per column.
  let nnz = 0
  const colStart = new Int32Array(cols + 1)
  for (let r = 0; r < rows; r++) {
    const base = r * cols
    for (let c = 0; c < cols; c++) {
      const v = x[base + c]
      if (v === 0) continue
      if (v !== 1) return null
      nnz++
      colStart[c + 1]++
    }
  }
  for (let c = 0; c < cols; c++) colStart[c + 1] += colStart[c]
  // Pass 2 over the dense matrix: row lists. Column lists then come from the row lists alone.
  const rowStart = new Int32Array(rows + 1)
  const rowIndex = new Int32Array(nnz)
  let p = 0
  for (let r = 0; r < rows; r++) {
    const base = r * cols
    for (let c = 0; c < cols; c++) if (x[base + c] !== 0) rowIndex[p++] = c
    rowStart[r + 1] = p
  }
  const colFill = colStart.slice(0, cols)
  const colIndex = new Int32Array(nnz)
  for (let r = 0; r < rows; r++) {
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) colIndex[colFill[rowIndex[k]]++] = r
  }
  return { rows, cols, rowStart, rowIndex, colStart, colIndex }
}

/** Byte offsets of consecutive regions in the kernel's memory, each 16-byte aligned; grows the memory. */
function layout(memory: WasmMemory, byteSizes: number[]): number[] {
  const offsets: number[] = []
  let end = 0
  for (const size of byteSizes) {
    offsets.push(end)
    end += Math.ceil(size / 16) * 16
  }
  const missing = end - memory.buffer.byteLength
  if (missing > 0) memory.grow(Math.ceil(missing / 65536))
  return offsets
}

/**
 * Σ of selected rows of `matrix` [*, width] into each destination row: destination d receives the rows
 * listed in index[start[d] .. start[d+1]). `initial` (one row, or null for zeros) seeds every row.
 */
function gatherRowSums(
  matrix: Float32Array,
  index: Int32Array,
  start: Int32Array,
  destinations: number,
  width: number,
  initial: Float32Array | null,
): Float32Array | null {
  const kernel = width % 4 === 0 ? rowSumKernel() : null
  if (kernel === null) return null
  const [matrixAt, indexAt, outAt] = layout(kernel.memory, [matrix.length * 4, index.length * 4, destinations * width * 4])
  const f32 = new Float32Array(kernel.memory.buffer)
  f32.set(matrix, matrixAt / 4)
  new Int32Array(kernel.memory.buffer).set(index, indexAt / 4)
  const out = f32.subarray(outAt / 4, outAt / 4 + destinations * width)
  if (initial) for (let d = 0; d < destinations; d++) out.set(initial, d * width)
  else out.fill(0)
  for (let d = 0; d < destinations; d++) {
    const count = start[d + 1] - start[d]
    if (count > 0) kernel.rowSum(outAt + d * width * 4, matrixAt, indexAt + start[d] * 4, count, width)
  }
  return out.slice()
}

/** y[rows, out] = x·W + bias with W stored [in, out] row-major. */
export function binaryMatMul(pattern: BinaryPattern, w: Float32Array, bias: Float32Array | null, out: number): Float32Array {
  const { rows, rowStart, rowIndex } = pattern
  const fast = gatherRowSums(w, rowIndex, rowStart, rows, out, bias ?? null)
  if (fast) return fast
  const y = new Float32Array(rows * out)
  for (let r = 0; r < rows; r++) {
    const yo = r * out
    if (bias) y.set(bias, yo)
    let k = rowStart[r]
    const end = rowStart[r + 1]
    // Four rows per pass: one read-modify-write of y per four W rows.
    for (; k + 3 < end; k += 4) {
      const a = rowIndex[k] * out
      const b = rowIndex[k + 1] * out
      const c = rowIndex[k + 2] * out
      const d = rowIndex[k + 3] * out
      for (let o = 0; o < out; o++) y[yo + o] += w[a + o] + w[b + o] + w[c + o] + w[d + o]
    }
    for (; k < end; k++) {
      const a = rowIndex[k] * out
      for (let o = 0; o < out; o++) y[yo + o] += w[a + o]
    }
  }
  return y
}

/** dW[in, out] = xᵀ·dy for binary x: row i of dW sums the dy rows where input i was active. */
export function binaryWeightGrad(pattern: BinaryPattern, dy: Float32Array, out: number): Float32Array {
  const { cols, colStart, colIndex } = pattern
  const fast = gatherRowSums(dy, colIndex, colStart, cols, out, null)
  if (fast) return fast
  const dw = new Float32Array(cols * out)
  for (let i = 0; i < cols; i++) {
    const wo = i * out
    let k = colStart[i]
    const end = colStart[i + 1]
    for (; k + 3 < end; k += 4) {
      const a = colIndex[k] * out
      const b = colIndex[k + 1] * out
      const c = colIndex[k + 2] * out
      const d = colIndex[k + 3] * out
      for (let o = 0; o < out; o++) dw[wo + o] += dy[a + o] + dy[b + o] + dy[c + o] + dy[d + o]
    }
    for (; k < end; k++) {
      const a = colIndex[k] * out
      for (let o = 0; o < out; o++) dw[wo + o] += dy[a + o]
    }
  }
  return dw
}

/** Column sums of dy [rows, out] (the bias gradient). */
export function columnSums(dy: Float32Array, rows: number, out: number): Float32Array {
  const acc = new Float64Array(out)
  for (let r = 0; r < rows; r++) {
    const o0 = r * out
    for (let o = 0; o < out; o++) acc[o] += dy[o0 + o]
  }
  return Float32Array.from(acc)
}

/** dx[rows, in] = dy[rows, out]·Wᵀ with W stored [in, out] (the input gradient of y = x·W). */
export function matMulTransposed(dy: Float32Array, w: Float32Array, rows: number, inputs: number, out: number): Float32Array {
  // Wᵀ [out, in] makes the inner loop a contiguous axpy over the (wide) input axis.
  const wt = new Float32Array(out * inputs)
  for (let i = 0; i < inputs; i++) for (let o = 0; o < out; o++) wt[o * inputs + i] = w[i * out + o]
  const kernel = inputs % 4 === 0 ? rowSumKernel() : null
  if (kernel) {
    const [wtAt, dyAt, dxAt] = layout(kernel.memory, [wt.length * 4, dy.length * 4, rows * inputs * 4])
    const f32 = new Float32Array(kernel.memory.buffer)
    f32.set(wt, wtAt / 4)
    f32.set(dy, dyAt / 4)
    const dx = f32.subarray(dxAt / 4, dxAt / 4 + rows * inputs)
    dx.fill(0)
    for (let r = 0; r < rows; r++) kernel.scaledRowSum(dxAt + r * inputs * 4, wtAt, dyAt + r * out * 4, out, inputs)
    return dx.slice()
  }
  const dx = new Float32Array(rows * inputs)
  for (let r = 0; r < rows; r++) {
    const dxo = r * inputs
    for (let o = 0; o < out; o++) {
      const d = dy[r * out + o]
      if (d === 0) continue
      const wo = o * inputs
      for (let i = 0; i < inputs; i++) dx[dxo + i] += d * wt[wo + i]
    }
  }
  return dx
}
