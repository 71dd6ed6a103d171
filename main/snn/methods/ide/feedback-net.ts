import * as tf from '@tensorflow/tfjs'
import type { Parameter } from '../../layers/parameter.js'
import { parameter } from '../../layers/parameter.js'
import type { SeededRandom } from '../../random.js'
import { disposeNet, iterateEquilibrium, type IdeNet } from './ide-net.js'
import { normalisedWeight, powerIterate, unitVector } from './spectral-norm.js'

/**
 * The single-layer feedback SNN of IDE (spec snn-methods.md §C.2–C.5, the FC "F400" architecture):
 * input weights F, feedback weights W_s with a spectral-norm reparametrisation, and a linear classifier
 * on the equilibrium rates. Row-vector layout (tfjs): a sample is a row, weights are [in, out].
 *
 *   drive   d = x̄·F + b_F
 *   W_s     = clamp(g, −1, 1) · V / σ_max(V)          (σ from a power iteration; u, v held constant)
 *   f(a)    = clamp(((m ⊙ a)·W_s + d) / V_th, 0, 1)    (m: variational dropout mask, scaled by 1/(1 − p))
 *   logits  = (m ⊙ z)·C + c
 */
export interface FeedbackNetShape {
  readonly inputs: number
  readonly hidden: number
  readonly classes: number
}

export interface NeuronConstants {
  /** Firing threshold V_th (reset by subtraction, spike when u ≥ V_th). */
  readonly threshold: number
  /** Membrane leak λ after each reset; 1 = IF. Also the weighting of the average rate. */
  readonly leak: number
}

/**
 * Input of one batch: a constant analog drive (the image at every step) or one spike frame per step.
 * `frame(t)` returns a new tensor the caller disposes; calling it again for the same t gives the same
 * frame (the conv net reads the frames twice: x̄ first, for its BatchNorm statistics).
 */
export type FeedbackInput =
  | { readonly kind: 'analog'; readonly x: tf.Tensor2D }
  | { readonly kind: 'spikes'; readonly frame: (t: number) => tf.Tensor2D; readonly batch: number }

export class FeedbackNet implements IdeNet {
  readonly parameters: readonly Parameter[]
  /** Power-iteration vectors of the spectral norm: state, not trained, but saved with the weights. */
  readonly buffers: readonly Parameter[]
  /** No BatchNorm here, so the mode changes nothing. */
  training = false
  private readonly inputKernel: tf.Variable
  private readonly inputBias: tf.Variable
  private readonly direction: tf.Variable
  private readonly scale: tf.Variable
  private readonly classifierKernel: tf.Variable
  private readonly classifierBias: tf.Variable
  private readonly left: tf.Variable
  private readonly right: tf.Variable

  constructor(
    readonly shape: FeedbackNetShape,
    readonly neuron: NeuronConstants,
    rng: SeededRandom,
  ) {
    const { inputs, hidden, classes } = shape
    this.parameters = [
      parameter('input/kernel', unitColumns(inputs, hidden, rng), [inputs, hidden]),
      parameter('input/bias', new Float32Array(hidden), [hidden]),
      parameter('feedback/direction', unitColumns(hidden, hidden, rng), [hidden, hidden]),
      parameter('feedback/scale', Float32Array.of(1), []),
      parameter('classifier/kernel', unitColumns(hidden, classes, rng), [hidden, classes]),
      parameter('classifier/bias', new Float32Array(classes), [classes]),
    ]
    ;[this.inputKernel, this.inputBias, this.direction, this.scale, this.classifierKernel, this.classifierBias] = this.parameters.map(
      (p) => p.variable,
    )
    this.buffers = [parameter('feedback/u', unitVector(hidden, rng), [hidden, 1]), parameter('feedback/v', unitVector(hidden, rng), [hidden, 1])]
    this.buffers.forEach((b) => ((b.variable as { trainable: boolean }).trainable = false))
    ;[this.left, this.right] = this.buffers.map((b) => b.variable)
  }

  get classes(): number {
    return this.shape.classes
  }

  get stateShape(): readonly number[] {
    return [this.shape.hidden]
  }

  get variables(): tf.Variable[] {
    return this.parameters.map((p) => p.variable)
  }

  /** Variables of the equilibrium map f (everything but the classifier). */
  get equilibriumVariables(): tf.Variable[] {
    return [this.inputKernel, this.inputBias, this.direction, this.scale]
  }

  get classifierVariables(): tf.Variable[] {
    return [this.classifierKernel, this.classifierBias]
  }

  /** One power iteration on V (torch spectral_norm does one per training forward). */
  powerIteration(): void {
    powerIterate(this.direction as tf.Tensor2D, this.left, this.right)
  }

  /** W_s = clamp(g, −1, 1)·V/σ with σ = uᵀ·V·v (u, v constant, so σ is differentiable in V only). */
  feedbackWeight(): tf.Tensor2D {
    return normalisedWeight(this.direction, this.direction as tf.Tensor2D, this.scale, this.left, this.right) as tf.Tensor2D
  }

  /** d = x̄·F + b_F. */
  drive(xbar: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(xbar, this.inputKernel), this.inputBias) as tf.Tensor2D)
  }

  /** f(a) = clamp(((mask ⊙ a)·W_s + d)/V_th, 0, 1); pre-activation also returned for the clamp's mask. */
  equilibriumMap(a: tf.Tensor2D, drive: tf.Tensor2D, weight: tf.Tensor2D, mask: tf.Tensor | null): tf.Tensor2D {
    return tf.tidy(() => {
      const fed = mask ? tf.mul(a, mask) : a
      return tf.clipByValue(tf.div(tf.add(tf.matMul(fed as tf.Tensor2D, weight), drive), this.neuron.threshold), 0, 1) as tf.Tensor2D
    })
  }

  logits(z: tf.Tensor2D, mask: tf.Tensor | null): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul((mask ? tf.mul(z, mask) : z) as tf.Tensor2D, this.classifierKernel), this.classifierBias) as tf.Tensor2D)
  }

  /**
   * Simulates the feedback layer for `steps` steps (no tape; each step's tensors are freed before the
   * next, so memory does not grow with T) and returns the λ-weighted average firing rates [B, hidden]
   * and the same average of the input, x̄ [B, inputs].
   *
   *   u ← u + d[t] + (m ⊙ s)·W_s (from t = 1);  s ← H(u ≥ V_th);  u ← u − V_th·s;  u ← λ·u
   *   a = Σ_t λ^(T−1−t)·s[t] / Σ_k λ^k
   */
  simulate(input: FeedbackInput, steps: number, mask: tf.Tensor | null): { rates: tf.Tensor2D; xbar: tf.Tensor2D } {
    const { threshold, leak } = this.neuron
    const weight = this.feedbackWeight()
    const batch = input.kind === 'analog' ? input.x.shape[0] : input.batch
    const keep = <T extends tf.Tensor>(next: T, old: tf.Tensor | null): T => {
      old?.dispose()
      return next
    }
    let u: tf.Tensor = tf.zeros([batch, this.shape.hidden])
    let s: tf.Tensor | null = null
    let acc: tf.Tensor = tf.zerosLike(u)
    let xacc: tf.Tensor | null = null
    const constantDrive = input.kind === 'analog' ? this.drive(input.x) : null
    try {
      for (let t = 0; t < steps; t++) {
        const frame = input.kind === 'spikes' ? input.frame(t) : null
        const next = tf.tidy(() => {
          const d = constantDrive ?? this.drive(frame as tf.Tensor2D)
          let current = tf.add(u, d)
          if (s) current = tf.add(current, tf.matMul((mask ? tf.mul(s, mask) : s) as tf.Tensor2D, weight))
          const spikes = tf.cast(tf.greaterEqual(current, threshold), 'float32')
          const after = tf.sub(current, tf.mul(spikes, threshold))
          return { u: leak === 1 ? after : tf.mul(after, leak), s: spikes, acc: tf.add(leak === 1 ? acc : tf.mul(acc, leak), spikes) }
        })
        u = keep(next.u, u)
        s = keep(next.s, s)
        acc = keep(next.acc, acc)
        if (frame) {
          const x = frame
          xacc = keep(tf.tidy(() => (xacc ? tf.add(leak === 1 ? xacc : tf.mul(xacc, leak), x) : x.clone())), xacc)
          frame.dispose()
        }
      }
      const norm = leak === 1 ? steps : (1 - leak ** steps) / (1 - leak)
      const rates = tf.tidy(() => tf.div(acc, norm) as tf.Tensor2D)
      const xbar = input.kind === 'analog' ? input.x.clone() : tf.tidy(() => tf.div(xacc as tf.Tensor, norm) as tf.Tensor2D)
      return { rates, xbar }
    } finally {
      for (const t of [u, s, acc, xacc, weight, constantDrive]) t?.dispose()
    }
  }

  /**
   * Solves a = f(a) by plain iteration from 0 (a contraction when ‖W_s‖ ≤ 1 and V_th > 1); the exact
   * equilibrium the simulation approximates. Used for gradient checks and as a reference.
   */
  solveEquilibrium(xbar: tf.Tensor2D, mask: tf.Tensor | null, iterations = 200): tf.Tensor2D {
    return iterateEquilibrium(this, xbar, mask, iterations) as tf.Tensor2D
  }

  dispose(): void {
    disposeNet(this)
  }
}

/** IDE's init: uniform(−1, 1), then each output unit's weight vector (a column here) scaled to unit L2 norm. */
export function unitColumns(rows: number, cols: number, rng: SeededRandom): Float32Array {
  const w = new Float32Array(rows * cols)
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-1, 1)
  for (let j = 0; j < cols; j++) {
    let s = 0
    for (let i = 0; i < rows; i++) s += w[i * cols + j] ** 2
    const n = Math.sqrt(s) || 1
    for (let i = 0; i < rows; i++) w[i * cols + j] /= n
  }
  return w
}
