/**
 * A WebAssembly SIMD kernel for the one loop that dominates spike-input layers: add a list of rows of a
 * matrix into a destination row (y_r += Σ_k W[idx_k] for the forward, dW_i += Σ_k dy[idx_k] for the
 * weight gradient). Scalar JS does one float per instruction group; f32x4 does four.
 *
 * The module is assembled here from named opcodes (no toolchain, no binary blob); its text form is:
 *
 *   (func (export "rowSum") (param $dst $src $idx $count $width i32)
 *     ;; requires $width % 4 == 0; rows are $width float32 wide, $idx holds int32 row numbers
 *     four rows at a time: dst[o..o+4) = dst + a + b + c + d   for o in 0, 4, .. width
 *     then the remaining rows one at a time)
 *   (func (export "scaledRowSum") (param $dst $src $coef $count $width i32)
 *     ;; dst[0..width) += Σ_{k < count} coef[k] · src[k·width .. (k+1)·width), four floats per step)
 *   (import "env" "memory" (memory 1 16384 shared)) (export "memory")
 *
 * The memory is shared, and `rowSums` can hand half of the destination rows to a helper thread (a
 * worker_thread running the same module on the same memory) when the machine has a second core.
 * Each destination row is summed by one thread in a fixed order, so results are identical bit for
 * bit whether or not the helper runs.
 */

import os from 'node:os'
import { Worker } from 'node:worker_threads'

const I32 = 0x7f
/** 1 GiB of address space reserved for the shared memory (only what is grown is committed). */
const MAX_PAGES = 16384
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  i32Const: (v: number) => {
    if (v < 0 || v > 63) throw new Error('only small non-negative constants are encoded')
    return [0x41, v]
  },
  i32Load: (offset: number) => [0x28, 0x02, offset],
  f32Load: [0x2a, 0x02, 0x00],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32GtU: [0x4b],
  i32GeU: [0x4f],
  v128Load: [0xfd, 0x00, 0x00, 0x00],
  v128Store: [0xfd, 0x0b, 0x00, 0x00],
  f32x4Add: [0xfd, 0xe4, 0x01],
  f32x4Mul: [0xfd, 0xe6, 0x01],
  f32x4Splat: [0xfd, 0x13],
} as const
const V128 = 0x7b

// Parameter and local indices.
const DST = 0
const SRC = 1
const IDX = 2
const COUNT = 3
const WIDTH = 4
const K = 5
const O = 6
const ROW = [7, 8, 9, 10] as const
const STRIDE = 11

/** local ROW[j] = src + idx[k + j] · stride */
function rowPointer(j: number): number[] {
  return [
    ...op.get(SRC),
    ...op.get(IDX),
    ...op.get(K),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.i32Load(4 * j),
    ...op.get(STRIDE),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(ROW[j]),
  ]
}

/** v128 at (local base) + o */
function loadAt(base: number): number[] {
  return [...op.get(base), ...op.get(O), ...op.i32Add, ...op.v128Load]
}

/** for (o = 0; o < stride; o += 16) dst[o] = dst[o] + row_0[o] + … + row_{n−1}[o] */
function vectorLoop(rows: number): number[] {
  const sum: number[] = [...loadAt(DST)]
  for (let j = 0; j < rows; j++) sum.push(...loadAt(ROW[j]), ...op.f32x4Add)
  return [
    ...op.i32Const(0),
    ...op.set(O),
    ...op.block,
    ...op.loop,
    ...op.get(O),
    ...op.get(STRIDE),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.get(DST),
    ...op.get(O),
    ...op.i32Add,
    ...sum,
    ...op.v128Store,
    ...op.get(O),
    ...op.i32Const(16),
    ...op.i32Add,
    ...op.set(O),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ]
}

/** while (k + rows ≤ count) { load `rows` row pointers; vector loop; k += rows } */
function rowLoop(rows: number): number[] {
  const exit = rows === 1 ? [...op.get(K), ...op.get(COUNT), ...op.i32GeU] : [...op.get(K), ...op.i32Const(rows), ...op.i32Add, ...op.get(COUNT), ...op.i32GtU]
  const pointers: number[] = []
  for (let j = 0; j < rows; j++) pointers.push(...rowPointer(j))
  return [
    ...op.block,
    ...op.loop,
    ...exit,
    ...op.brIf(1),
    ...pointers,
    ...vectorLoop(rows),
    ...op.get(K),
    ...op.i32Const(rows),
    ...op.i32Add,
    ...op.set(K),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ]
}

function unsignedLeb(value: number): number[] {
  const out: number[] = []
  do {
    let byte = value & 0x7f
    value >>>= 7
    if (value !== 0) byte |= 0x80
    out.push(byte)
  } while (value !== 0)
  return out
}

function vector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()]
}

function section(id: number, contents: number[]): number[] {
  return [id, ...unsignedLeb(contents.length), ...contents]
}

function name(text: string): number[] {
  return vector([...text].map((c) => [c.charCodeAt(0)]))
}

/** scaledRowSum: locals k = 5, o = 6, row = 7, stride = 8 (i32) and c = 9 (v128). */
function scaledRowSumBody(): number[] {
  const [k, o, row, stride, c] = [5, 6, 7, 8, 9]
  const coef = 2
  return [
    ...vector([
      [4, I32],
      [1, V128],
    ]),
    ...op.get(WIDTH),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.set(stride),
    ...op.block,
    ...op.loop,
    ...op.get(k),
    ...op.get(COUNT),
    ...op.i32GeU,
    ...op.brIf(1),
    // row = src + k·stride; c = splat(coef[k])
    ...op.get(SRC),
    ...op.get(k),
    ...op.get(stride),
    ...op.i32Mul,
    ...op.i32Add,
    ...op.set(row),
    ...op.get(coef),
    ...op.get(k),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Add,
    ...op.f32Load,
    ...op.f32x4Splat,
    ...op.set(c),
    ...op.i32Const(0),
    ...op.set(o),
    ...op.block,
    ...op.loop,
    ...op.get(o),
    ...op.get(stride),
    ...op.i32GeU,
    ...op.brIf(1),
    ...op.get(DST),
    ...op.get(o),
    ...op.i32Add,
    ...op.get(DST),
    ...op.get(o),
    ...op.i32Add,
    ...op.v128Load,
    ...op.get(row),
    ...op.get(o),
    ...op.i32Add,
    ...op.v128Load,
    ...op.get(c),
    ...op.f32x4Mul,
    ...op.f32x4Add,
    ...op.v128Store,
    ...op.get(o),
    ...op.i32Const(16),
    ...op.i32Add,
    ...op.set(o),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.get(k),
    ...op.i32Const(1),
    ...op.i32Add,
    ...op.set(k),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ]
}

function moduleBytes(): Uint8Array {
  const scaled = scaledRowSumBody()
  const body = [
    ...vector([[8, I32]]), // locals k, o, row0..row3, stride, (spare)
    ...op.get(WIDTH),
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.set(STRIDE),
    ...rowLoop(4),
    ...rowLoop(1),
    ...op.end,
  ]
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([[0x60, ...vector([[I32], [I32], [I32], [I32], [I32]]), ...vector([])]])),
    // (import "env" "memory" (memory 1 MAX_PAGES shared)): shared so a helper thread can run on it
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x03, 1, ...unsignedLeb(MAX_PAGES)]])),
    ...section(3, vector([[0], [0]])),
    ...section(
      7,
      vector([
        [...name('rowSum'), 0x00, 0],
        [...name('scaledRowSum'), 0x00, 1],
        [...name('memory'), 0x02, 0],
      ]),
    ),
    ...section(
      10,
      vector([
        [...unsignedLeb(body.length), ...body],
        [...unsignedLeb(scaled.length), ...scaled],
      ]),
    ),
  ])
}

/** The parts of the WebAssembly API used here (the project's TS lib set has no WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> }
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory
}

/** The instantiated kernel and its memory. */
export interface RowSumKernel {
  readonly memory: WasmMemory
  /** Byte addresses; `width` floats per row, a multiple of 4. */
  readonly rowSum: (dst: number, src: number, idx: number, count: number, width: number) => void
  /** dst += Σ_k coef[k]·src row k, for k < count; byte addresses, `width` a multiple of 4. */
  readonly scaledRowSum: (dst: number, src: number, coef: number, count: number, width: number) => void
  /**
   * For each destination d < `destinations`: dst row d += Σ src rows idx[start[d] .. start[d+1]).
   * `start` is the byte address of destinations + 1 int32 offsets. Splits across two threads when
   * the work is large and a helper is available.
   */
  readonly rowSums: (dst: number, src: number, idx: number, start: number, destinations: number, width: number) => void
}

/** Below this many floats added, a helper thread's hand-off costs more than it saves. */
const PARALLEL_MIN_WORK = 1 << 20
/** A helper that does not answer within this time is considered lost. */
const HELPER_TIMEOUT_MS = 60_000

// Control words shared with the helper: job sequence number, finished sequence number, then the job.
const JOB = 0
const DONE = 1
const ARGS = 2

/** The helper thread's whole program (plain JS, so it runs without a TypeScript loader or bundle entry). */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads')
const { bytes, memory, control } = workerData
const rowSum = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.rowSum
const ctl = new Int32Array(control)
let seen = 0
for (;;) {
  Atomics.wait(ctl, ${JOB}, seen)
  seen = Atomics.load(ctl, ${JOB})
  const [dst, src, idx, startAt, first, last, width] = ctl.subarray(${ARGS}, ${ARGS} + 7)
  const start = new Int32Array(memory.buffer, startAt, last + 1)
  for (let d = first; d < last; d++) {
    const count = start[d + 1] - start[d]
    if (count > 0) rowSum(dst + d * width * 4, src, idx + start[d] * 4, count, width)
  }
  Atomics.store(ctl, ${DONE}, seen)
  Atomics.notify(ctl, ${DONE})
}
`

/**
 * Off by default: on a loaded 2-core machine (other processes on both cores) the hand-off made a
 * whole training run slower, although each product alone got faster. SPIKELAB_SNN_THREADS=2 or
 * `useRowSumHelper(true)` turns it on.
 */
let helperWanted = process.env.SPIKELAB_SNN_THREADS === '2'

/** Allows or forbids the helper thread for later large row sums (a running helper stays idle). */
export function useRowSumHelper(enabled: boolean): void {
  helperWanted = enabled
}

interface Helper {
  readonly control: Int32Array
  sequence: number
}

function startHelper(bytes: Uint8Array, memory: WasmMemory): Helper | null {
  if (!helperWanted || os.availableParallelism() < 2) return null
  try {
    const control = new Int32Array(new SharedArrayBuffer(64))
    const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { bytes, memory, control: control.buffer } })
    worker.unref() // an idle helper never keeps the process alive
    return { control, sequence: 0 }
  } catch {
    return null
  }
}

let kernel: RowSumKernel | null | undefined

/** The kernel, or null where WebAssembly SIMD is unavailable (callers then use the JS loops). */
export function rowSumKernel(): RowSumKernel | null {
  if (kernel !== undefined) return kernel
  const bytes = moduleBytes()
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly
  if (wasm === undefined || typeof SharedArrayBuffer === 'undefined' || !wasm.validate(bytes)) {
    kernel = null
    return kernel
  }
  const memory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true })
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } })
  const exports = instance.exports as unknown as Pick<RowSumKernel, 'rowSum' | 'scaledRowSum'>
  const { rowSum, scaledRowSum } = exports
  let helper: Helper | null | undefined
  const serial = (dst: number, src: number, idx: number, starts: Int32Array, first: number, last: number, width: number) => {
    for (let d = first; d < last; d++) {
      const count = starts[d + 1] - starts[d]
      if (count > 0) rowSum(dst + d * width * 4, src, idx + starts[d] * 4, count, width)
    }
  }
  const rowSums = (dst: number, src: number, idx: number, start: number, destinations: number, width: number) => {
    const starts = new Int32Array(memory.buffer, start, destinations + 1)
    const total = starts[destinations] - starts[0]
    const large = helperWanted && total * width >= PARALLEL_MIN_WORK
    if (large && helper === undefined) helper = startHelper(bytes, memory)
    if (!large || !helper) {
      serial(dst, src, idx, starts, 0, destinations, width)
      return
    }
    // Split where half of the rows to add are done (not half the destinations: their lists differ).
    let split = 0
    while (split < destinations && starts[split] - starts[0] < total / 2) split++
    const { control } = helper
    control.set([dst, src, idx, start, split, destinations, width], ARGS)
    const job = ++helper.sequence
    Atomics.store(control, JOB, job)
    Atomics.notify(control, JOB)
    serial(dst, src, idx, starts, 0, split, width)
    const deadline = Date.now() + HELPER_TIMEOUT_MS
    while (Atomics.load(control, DONE) !== job) {
      if (Date.now() > deadline) throw new Error('row-sum helper thread stopped answering')
      Atomics.wait(control, DONE, job - 1, 100)
    }
  }
  kernel = { memory, rowSum, scaledRowSum, rowSums }
  return kernel
}
