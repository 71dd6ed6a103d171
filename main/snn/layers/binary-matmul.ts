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

/** Index arrays reused from batch to batch by `binaryPattern` (they only ever grow). */
export class PatternBuffers {
  private store: Record<'rowStart' | 'colStart' | 'colFill' | 'rowIndex' | 'colIndex', Int32Array> = {
    rowStart: new Int32Array(0),
    colStart: new Int32Array(0),
    colFill: new Int32Array(0),
    rowIndex: new Int32Array(0),
    colIndex: new Int32Array(0),
  }

  /** A zeroed view of `length` ints of buffer `name`. */
  take(name: keyof PatternBuffers['store'], length: number, zero: boolean): Int32Array {
    if (this.store[name].length < length) this.store[name] = new Int32Array(Math.ceil(length * 1.25))
    const view = this.store[name].subarray(0, length)
    if (zero) view.fill(0)
    return view
  }
}

/**
 * The pattern of `x` if every value is exactly 0 or 1, else null. With `buffers` the index arrays are
 * views into reused storage, valid until the next call with the same buffers.
 */
export function binaryPattern(x: ArrayLike<number>, rows: number, cols: number, buffers?: PatternBuffers): BinaryPattern | null {
  const take = (name: Parameters<PatternBuffers['take']>[0], length: number, zero: boolean) =>
    buffers ? buffers.take(name, length, zero) : new Int32Array(length)
  // One pass over the dense matrix (it dominates: rows × cols reads for ≈ 5–15 % ones): validate
  // and write the row lists into room for the worst case. Column lists come from the row lists.
  const rowStart = take('rowStart', rows + 1, false)
  const rowRoom = take('rowIndex', rows * cols, false)
  rowStart[0] = 0
  const nnz = x instanceof Uint8Array ? scanBytes(x, rows, cols, rowStart, rowRoom) : scanValues(x, rows, cols, rowStart, rowRoom)
  if (nnz < 0) return null
  const rowIndex = buffers ? rowRoom.subarray(0, nnz) : rowRoom.slice(0, nnz)
  const colStart = take('colStart', cols + 1, true)
  for (let k = 0; k < nnz; k++) colStart[rowIndex[k] + 1]++
  for (let c = 0; c < cols; c++) colStart[c + 1] += colStart[c]
  const colFill = take('colFill', cols, false)
  colFill.set(colStart.subarray(0, cols))
  const colIndex = take('colIndex', nnz, false)
  for (let r = 0; r < rows; r++) {
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) colIndex[colFill[rowIndex[k]]++] = r
  }
  return { rows, cols, rowStart, rowIndex, colStart, colIndex }
}

// Two scans, one per element type, so each loop's element loads stay monomorphic (encoded inputs
// are Uint8Array, hidden spikes Float32Array; one shared loop ran ~2× slower). They return the
// number of ones, or -1 for a value other than 0 and 1.
function scanBytes(x: Uint8Array, rows: number, cols: number, rowStart: Int32Array, rowIndex: Int32Array): number {
  let p = 0
  for (let r = 0; r < rows; r++) {
    const base = r * cols
    for (let c = 0; c < cols; c++) {
      const v = x[base + c]
      if (v !== 0) {
        if (v !== 1) return -1
        rowIndex[p++] = c
      }
    }
    rowStart[r + 1] = p
  }
  return p
}

function scanValues(x: ArrayLike<number>, rows: number, cols: number, rowStart: Int32Array, rowIndex: Int32Array): number {
  let p = 0
  for (let r = 0; r < rows; r++) {
    const base = r * cols
    for (let c = 0; c < cols; c++) {
      const v = x[base + c]
      if (v !== 0) {
        if (v !== 1) return -1
        rowIndex[p++] = c
      }
    }
    rowStart[r + 1] = p
  }
  return p
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
  target: Float32Array | undefined,
): Float32Array | null {
  const kernel = width % 4 === 0 ? rowSumKernel() : null
  if (kernel === null) return null
  const [matrixAt, indexAt, startAt, outAt] = layout(kernel.memory, [
    matrix.length * 4,
    index.length * 4,
    (destinations + 1) * 4,
    destinations * width * 4,
  ])
  const f32 = new Float32Array(kernel.memory.buffer)
  f32.set(matrix, matrixAt / 4)
  const i32 = new Int32Array(kernel.memory.buffer)
  i32.set(index, indexAt / 4)
  i32.set(start.subarray(0, destinations + 1), startAt / 4)
  const out = f32.subarray(outAt / 4, outAt / 4 + destinations * width)
  if (initial) for (let d = 0; d < destinations; d++) out.set(initial, d * width)
  else out.fill(0)
  kernel.rowSums(outAt, matrixAt, indexAt, startAt, destinations, width)
  if (target === undefined) return out.slice()
  target.set(out)
  return target
}

/** `target` cut to `length` values, or a new array (zeroed either way when `zero`). */
function output(target: Float32Array | undefined, length: number, zero: boolean): Float32Array {
  if (target === undefined) return new Float32Array(length)
  const view = target.subarray(0, length)
  if (zero) view.fill(0)
  return view
}

/** y[rows, out] = x·W + bias with W stored [in, out] row-major. */
export function binaryMatMul(
  pattern: BinaryPattern,
  w: Float32Array,
  bias: Float32Array | null,
  out: number,
  target?: Float32Array,
): Float32Array {
  const { rows, rowStart, rowIndex } = pattern
  const fast = gatherRowSums(w, rowIndex, rowStart, rows, out, bias ?? null, target?.subarray(0, rows * out))
  if (fast) return fast
  const y = output(target, rows * out, true)
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
export function binaryWeightGrad(pattern: BinaryPattern, dy: Float32Array, out: number, target?: Float32Array): Float32Array {
  const { cols, colStart, colIndex } = pattern
  const fast = gatherRowSums(dy, colIndex, colStart, cols, out, null, target?.subarray(0, cols * out))
  if (fast) return fast
  const dw = output(target, cols * out, true)
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
export function matMulTransposed(
  dy: Float32Array,
  w: Float32Array,
  rows: number,
  inputs: number,
  out: number,
  target?: Float32Array,
): Float32Array {
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
    if (target === undefined) return dx.slice()
    const result = target.subarray(0, rows * inputs)
    result.set(dx)
    return result
  }
  const dx = output(target, rows * inputs, true)
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
