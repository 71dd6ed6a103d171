import * as tf from '@tensorflow/tfjs'
import type { BinaryPattern } from '../layers/binary-matmul.js'
import { binaryMatMul, binaryPattern, binaryWeightGrad, columnSums, matMulTransposed, PatternBuffers } from '../layers/binary-matmul.js'
import type { Dense } from '../layers/dense.js'
import type { HostSpikes } from '../layers/host-spikes.js'
import type { LifConfig } from '../neurons/lif.js'
import { lifBackward, lifForward } from '../neurons/lif.js'
import type { HostAdam } from '../optim/adam.js'

/**
 * BPTT for a stack of dense → LIF layers, entirely on the host: no tensors, no autodiff tape. Every
 * value the tfjs path computes goes through the same host kernels there (sparse dense layers, the LIF
 * loops), so this only drops the framework around them: no copies into and out of the backend, no
 * tensor allocation per op. Between layers the spikes are binary, so every dense layer (not only the
 * first) takes the row-sum path. The weights live in host arrays; `syncVariables` writes them into
 * the network's tf variables (for evaluation and checkpoints).
 */
export type HostLoss = 'membrane-ce' | 'count-ce'

export interface HostBatchResult {
  /** The batch's loss (Σ_t batch-mean CE, or batch-mean CE of the counts). */
  readonly loss: number
  /** Argmax of the output spike counts per sample (ties → lowest class). */
  readonly predicted: Int32Array
}

interface LayerState {
  pattern: BinaryPattern
  mem: Float32Array
  spikes: Float32Array
}

/**
 * Per-layer arrays reused from batch to batch. Allocation-free steps matter here: a fresh 13 MB
 * Float32Array per op costs page faults and zeroing comparable to the LIF loop itself.
 */
class LayerBuffers {
  readonly patterns = new PatternBuffers()
  private readonly arrays = new Map<string, Float32Array>()

  /** A view of `length` floats of the buffer `name` (contents left from the last use). */
  take(name: string, length: number): Float32Array {
    let a = this.arrays.get(name)
    if (a === undefined || a.length < length) {
      a = new Float32Array(length)
      this.arrays.set(name, a)
    }
    return a.subarray(0, length)
  }
}

export class DenseLifTrainer {
  /** Host copies of the parameters, in the network's parameter order (kernel, bias per layer). */
  private readonly weights: Float32Array[]
  private readonly buffers: LayerBuffers[]

  constructor(
    private readonly stack: readonly { dense: Dense; lif: LifConfig }[],
    private readonly optimizer: Pick<HostAdam, 'applyHost'>,
    private readonly loss: HostLoss,
  ) {
    this.weights = stack.flatMap(({ dense }) => [
      Float32Array.from(dense.kernel.dataSync() as Float32Array),
      Float32Array.from(dense.bias.dataSync() as Float32Array),
    ])
    this.buffers = stack.map(() => new LayerBuffers())
  }

  /** Forward, loss, backward and one optimizer step on one batch of [T, B, inputs] spikes. */
  step(input: HostSpikes, labels: Uint8Array): HostBatchResult {
    const [steps, batch] = input.shape
    const rows = steps * batch
    const states: LayerState[] = []
    let pattern = this.inputPattern(input, rows)
    this.stack.forEach(({ dense, lif }, l) => {
      const buf = this.buffers[l]
      const size = rows * dense.units
      const current = binaryMatMul(pattern, this.weights[2 * l], this.weights[2 * l + 1], dense.units, buf.take('current', size))
      const { mem, spikes } = lifForward(current, steps, lif, { mem: buf.take('mem', size), spikes: buf.take('spikes', size) })
      states.push({ pattern, mem, spikes })
      if (l + 1 < this.stack.length) pattern = spikePattern(spikes, rows, dense.units, this.buffers[l + 1].patterns)
    })
    const out = states[states.length - 1]
    const classes = this.stack[this.stack.length - 1].dense.units
    const counts = spikeCounts(out.spikes, steps, batch, classes)
    const predicted = argmaxRows(counts, batch, classes)
    const { loss, dMem, dSpikes } =
      this.loss === 'membrane-ce'
        ? membraneCrossEntropy(out.mem, labels, steps, batch, classes)
        : countCrossEntropy(counts, labels, steps, batch, classes)

    const grads: Float32Array[] = new Array<Float32Array>(this.weights.length)
    const last = this.stack.length - 1
    const lastSize = rows * this.stack[last].dense.units
    let dCurrent = lifBackward(out.mem, out.spikes, dSpikes, dMem, steps, this.stack[last].lif, this.buffers[last].take('dCurrent', lastSize))
    for (let l = last; l >= 0; l--) {
      const { dense } = this.stack[l]
      const buf = this.buffers[l]
      grads[2 * l] = binaryWeightGrad(states[l].pattern, dCurrent, dense.units, buf.take('dKernel', dense.inputs * dense.units))
      grads[2 * l + 1] = columnSums(dCurrent, rows, dense.units)
      if (l > 0) {
        const below = states[l - 1]
        const belowBuf = this.buffers[l - 1]
        const size = rows * dense.inputs
        const dSpikesBelow = matMulTransposed(dCurrent, this.weights[2 * l], rows, dense.inputs, dense.units, belowBuf.take('dSpikes', size))
        dCurrent = lifBackward(below.mem, below.spikes, dSpikesBelow, null, steps, this.stack[l - 1].lif, belowBuf.take('dCurrent', size))
      }
    }
    this.optimizer.applyHost(this.weights, grads)
    return { loss, predicted }
  }

  /** Writes the host weights into the network's variables. */
  syncVariables(): void {
    this.stack.forEach(({ dense }, l) => {
      tf.tidy(() => {
        dense.kernel.assign(tf.tensor(this.weights[2 * l], dense.kernel.shape, 'float32'))
        dense.bias.assign(tf.tensor(this.weights[2 * l + 1], dense.bias.shape, 'float32'))
      })
    })
  }

  private inputPattern(input: HostSpikes, rows: number): BinaryPattern {
    const inputs = this.stack[0].dense.inputs
    const pattern = binaryPattern(input.data, rows, inputs, this.buffers[0].patterns)
    if (pattern === null) throw new Error('unreachable: host spikes are binary by construction')
    return pattern
  }
}

function spikePattern(spikes: Float32Array, rows: number, cols: number, buffers: PatternBuffers): BinaryPattern {
  const pattern = binaryPattern(spikes, rows, cols, buffers)
  if (pattern === null) throw new Error('unreachable: LIF spikes with a spike forward are 0 or 1')
  return pattern
}

/** Σ_t spikes [T, B, C] → [B, C]. */
function spikeCounts(spikes: Float32Array, steps: number, batch: number, classes: number): Float32Array {
  const n = batch * classes
  const counts = new Float32Array(n)
  for (let t = 0; t < steps; t++) for (let i = 0; i < n; i++) counts[i] += spikes[t * n + i]
  return counts
}

function argmaxRows(x: Float32Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows)
  for (let r = 0; r < rows; r++) {
    let best = 0
    for (let c = 1; c < cols; c++) if (x[r * cols + c] > x[r * cols + best]) best = c
    out[r] = best
  }
  return out
}

/**
 * Cross-entropy of one row of logits against `label`, in float64; writes (softmax − onehot)·scale
 * into `grad` at `at` and returns the CE.
 */
function rowCrossEntropy(logits: Float32Array, at: number, classes: number, label: number, grad: Float32Array, scale: number): number {
  let max = -Infinity
  for (let c = 0; c < classes; c++) max = Math.max(max, logits[at + c])
  let sum = 0
  for (let c = 0; c < classes; c++) sum += Math.exp(logits[at + c] - max)
  const logSum = Math.log(sum) + max
  for (let c = 0; c < classes; c++) grad[at + c] = (Math.exp(logits[at + c] - logSum) - (c === label ? 1 : 0)) * scale
  return logSum - logits[at + label]
}

/** Σ_t mean_b CE(mem[t, b], y_b) and its gradient with respect to the membranes. */
function membraneCrossEntropy(mem: Float32Array, labels: Uint8Array, steps: number, batch: number, classes: number) {
  const dMem = new Float32Array(mem.length)
  let loss = 0
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) loss += rowCrossEntropy(mem, (t * batch + b) * classes, classes, labels[b], dMem, 1 / batch)
  }
  return { loss: loss / batch, dMem, dSpikes: null }
}

/** mean_b CE(Σ_t spikes[t, b], y_b); every step's spikes get the count's gradient. */
function countCrossEntropy(counts: Float32Array, labels: Uint8Array, steps: number, batch: number, classes: number) {
  const dCounts = new Float32Array(counts.length)
  let loss = 0
  for (let b = 0; b < batch; b++) loss += rowCrossEntropy(counts, b * classes, classes, labels[b], dCounts, 1 / batch)
  const dSpikes = new Float32Array(steps * counts.length)
  for (let t = 0; t < steps; t++) dSpikes.set(dCounts, t * counts.length)
  return { loss: loss / batch, dMem: null, dSpikes }
}
