import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../../common/errors.js'
import type { Parameter } from '../../layers/parameter.js'
import { parameter } from '../../layers/parameter.js'
import type { SeededRandom } from '../../random.js'
import type { FeedbackInput, NeuronConstants } from './feedback-net.js'
import { unitColumns } from './feedback-net.js'
import { disposeNet, iterateEquilibrium, type IdeNet } from './ide-net.js'
import { normalisedWeight, powerIterate, unitVector } from './spectral-norm.js'

/**
 * The convolutional feedback SNN of IDE, "64C5s" (spec snn-methods.md §C.6), NHWC:
 *
 *   drive   d = BN(conv(x̄, F; k, stride s, pad p))        (MNIST: 1→64, k5 s2 p2, 28→14;
 *                                                          N-MNIST: 2→64, k5 s2 p1, 34→16)
 *   W_s     = clamp(g, −1, 1)·V/σ(V as [k·k·C, C])         (§C.5 norm restriction)
 *   f(a)    = clamp((conv(m ⊙ a, W_s; k, same) + d)/V_th, 0, 1)
 *   logits  = flatten(m ⊙ z)·C + c                         (FC H'·W'·C → classes on the rates)
 *
 * The input conv has no bias (BN's β takes its place). BN normalises with the batch's statistics in
 * training mode (biased variance, ε = 1e-5) and keeps running statistics (momentum 0.1, unbiased
 * variance) for evaluation, as torch's BatchNorm2d. The statistics are taken on conv(x̄), x̄ the
 * (λ-weighted) average input, and applied to every step's drive (§C.2): BN is affine per channel, so the
 * average drive over the steps is exactly the drive of x̄.
 */
export interface ConvFeedbackShape {
  /** Input image: height, width, channels (flat input rows are in this NHWC order). */
  readonly height: number
  readonly width: number
  readonly inChannels: number
  /** Channels of the feedback layer (64 in the spec). */
  readonly channels: number
  /** Kernel size of the input and feedback convolutions (5). */
  readonly kernel: number
  /** Stride and symmetric zero padding of the input convolution. */
  readonly stride: number
  readonly padding: number
  readonly classes: number
}

/** The 64C5s geometries of spec §C.6. */
export const CONV_64C5S = {
  mnist: { height: 28, width: 28, inChannels: 1, channels: 64, kernel: 5, stride: 2, padding: 2 },
  nmnist: { height: 34, width: 34, inChannels: 2, channels: 64, kernel: 5, stride: 2, padding: 1 },
} as const

const BN_EPSILON = 1e-5
const BN_MOMENTUM = 0.1

export class ConvFeedbackNet implements IdeNet {
  readonly parameters: readonly Parameter[]
  readonly buffers: readonly Parameter[]
  readonly stateShape: readonly [number, number, number]
  training = false
  private readonly inputKernel: tf.Variable
  private readonly gamma: tf.Variable
  private readonly beta: tf.Variable
  private readonly direction: tf.Variable
  private readonly scale: tf.Variable
  private readonly classifierKernel: tf.Variable
  private readonly classifierBias: tf.Variable
  private readonly left: tf.Variable
  private readonly right: tf.Variable
  private readonly runningMean: tf.Variable
  private readonly runningVariance: tf.Variable

  constructor(
    readonly shape: ConvFeedbackShape,
    readonly neuron: NeuronConstants,
    rng: SeededRandom,
  ) {
    const { height, width, inChannels, channels, kernel, stride, padding, classes } = shape
    for (const [field, v] of Object.entries(shape)) {
      if (!Number.isInteger(v) || v < (field === 'padding' ? 0 : 1)) {
        throw new SpikelabError('SNN_BAD_CONFIG', `conv feedback net: ${field} must be a positive integer, got ${String(v)}`, { field })
      }
    }
    const outH = Math.floor((height + 2 * padding - kernel) / stride) + 1
    const outW = Math.floor((width + 2 * padding - kernel) / stride) + 1
    if (outH < 1 || outW < 1) {
      throw new SpikelabError('SNN_BAD_CONFIG', `conv feedback net: a ${height}×${width} input is smaller than the ${kernel}×${kernel} kernel`, { field: 'kernel' })
    }
    this.stateShape = [outH, outW, channels]
    const neurons = outH * outW * channels
    const fan = kernel * kernel
    this.parameters = [
      parameter('input/kernel', unitColumns(fan * inChannels, channels, rng), [kernel, kernel, inChannels, channels]),
      parameter('input/bn/gamma', new Float32Array(channels).fill(1), [channels]),
      parameter('input/bn/beta', new Float32Array(channels), [channels]),
      parameter('feedback/direction', unitColumns(fan * channels, channels, rng), [kernel, kernel, channels, channels]),
      parameter('feedback/scale', Float32Array.of(1), []),
      parameter('classifier/kernel', unitColumns(neurons, classes, rng), [neurons, classes]),
      parameter('classifier/bias', new Float32Array(classes), [classes]),
    ]
    ;[this.inputKernel, this.gamma, this.beta, this.direction, this.scale, this.classifierKernel, this.classifierBias] = this.parameters.map(
      (p) => p.variable,
    )
    this.buffers = [
      parameter('feedback/u', unitVector(fan * channels, rng), [fan * channels, 1]),
      parameter('feedback/v', unitVector(channels, rng), [channels, 1]),
      parameter('input/bn/mean', new Float32Array(channels), [channels]),
      parameter('input/bn/variance', new Float32Array(channels).fill(1), [channels]),
    ]
    this.buffers.forEach((b) => ((b.variable as { trainable: boolean }).trainable = false))
    ;[this.left, this.right, this.runningMean, this.runningVariance] = this.buffers.map((b) => b.variable)
  }

  get classes(): number {
    return this.shape.classes
  }

  get variables(): tf.Variable[] {
    return this.parameters.map((p) => p.variable)
  }

  get equilibriumVariables(): tf.Variable[] {
    return [this.inputKernel, this.gamma, this.beta, this.direction, this.scale]
  }

  get classifierVariables(): tf.Variable[] {
    return [this.classifierKernel, this.classifierBias]
  }

  private directionMatrix(): tf.Tensor2D {
    const { kernel, channels } = this.shape
    return tf.reshape(this.direction, [kernel * kernel * channels, channels])
  }

  powerIteration(): void {
    tf.tidy(() => powerIterate(this.directionMatrix(), this.left, this.right))
  }

  feedbackWeight(): tf.Tensor4D {
    return tf.tidy(() => normalisedWeight(this.direction, this.directionMatrix(), this.scale, this.left, this.right) as tf.Tensor4D)
  }

  private images(x: tf.Tensor2D): tf.Tensor4D {
    const { height, width, inChannels } = this.shape
    return tf.reshape(x, [x.shape[0], height, width, inChannels])
  }

  private inputConv(x: tf.Tensor2D): tf.Tensor4D {
    const { stride, padding: p } = this.shape
    return tf.conv2d(this.images(x), this.inputKernel as tf.Tensor4D, stride, [
      [0, 0],
      [p, p],
      [p, p],
      [0, 0],
    ])
  }

  /** BN statistics per channel: the batch's (training) or the running ones. */
  private statistics(convolved: tf.Tensor4D): { mean: tf.Tensor; variance: tf.Tensor } {
    if (!this.training) return { mean: this.runningMean, variance: this.runningVariance }
    return tf.moments(convolved, [0, 1, 2])
  }

  private normalise(convolved: tf.Tensor4D, stats: { mean: tf.Tensor; variance: tf.Tensor }): tf.Tensor4D {
    return tf.add(
      tf.mul(tf.div(tf.sub(convolved, stats.mean), tf.sqrt(tf.add(stats.variance, BN_EPSILON))), this.gamma),
      this.beta,
    ) as tf.Tensor4D
  }

  drive(xbar: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => {
      const c = this.inputConv(xbar)
      return this.normalise(c, this.statistics(c))
    })
  }

  equilibriumMap(a: tf.Tensor, drive: tf.Tensor, weight: tf.Tensor, mask: tf.Tensor | null): tf.Tensor4D {
    return tf.tidy(() => {
      const fed = (mask ? tf.mul(a, mask) : a) as tf.Tensor4D
      const feedback = tf.conv2d(fed, weight as tf.Tensor4D, 1, 'same')
      return tf.clipByValue(tf.div(tf.add(feedback, drive), this.neuron.threshold), 0, 1) as tf.Tensor4D
    })
  }

  logits(z: tf.Tensor, mask: tf.Tensor | null): tf.Tensor2D {
    return tf.tidy(() => {
      const fed = mask ? tf.mul(z, mask) : z
      return tf.add(tf.matMul(tf.reshape(fed, [z.shape[0], -1]) as tf.Tensor2D, this.classifierKernel), this.classifierBias) as tf.Tensor2D
    })
  }

  /** The λ-weighted average of a spike input's frames (one pass; `frame(t)` replays the same frames). */
  private averageInput(input: Extract<FeedbackInput, { kind: 'spikes' }>, steps: number): tf.Tensor2D {
    const { leak } = this.neuron
    let acc: tf.Tensor2D | null = null
    for (let t = 0; t < steps; t++) {
      const frame = input.frame(t)
      const prev: tf.Tensor2D | null = acc
      acc = tf.tidy(() => (prev ? (tf.add(leak === 1 ? prev : tf.mul(prev, leak), frame) as tf.Tensor2D) : frame.clone()))
      prev?.dispose()
      frame.dispose()
    }
    const norm = leak === 1 ? steps : (1 - leak ** steps) / (1 - leak)
    const sum = acc as tf.Tensor2D
    const xbar = tf.tidy(() => tf.div(sum, norm) as tf.Tensor2D)
    sum.dispose()
    return xbar
  }

  /**
   * T steps of the IF/LIF feedback layer without a tape (each step's tensors are freed before the
   * next, so memory does not grow with T), as `FeedbackNet.simulate` but with convolutions:
   *
   *   u ← u + d[t] + conv(m ⊙ s, W_s) (from t = 1);  s ← H(u ≥ V_th);  u ← u − V_th·s;  u ← λ·u
   *
   * Spike input is read twice (x̄ first, for the BN statistics), so its `frame(t)` must replay.
   */
  simulate(input: FeedbackInput, steps: number, mask: tf.Tensor | null): { rates: tf.Tensor4D; xbar: tf.Tensor2D } {
    const { threshold, leak } = this.neuron
    const xbar = input.kind === 'analog' ? input.x.clone() : this.averageInput(input, steps)
    const weight = this.feedbackWeight()
    const batch = xbar.shape[0]
    const stats = tf.tidy(() => {
      const { mean, variance } = this.statistics(this.inputConv(xbar))
      return { mean: tf.clone(mean), variance: tf.clone(variance) }
    })
    if (this.training) this.updateRunningStatistics(stats, batch)
    const keep = <T extends tf.Tensor>(next: T, old: tf.Tensor | null): T => {
      old?.dispose()
      return next
    }
    let u: tf.Tensor = tf.zeros([batch, ...this.stateShape])
    let s: tf.Tensor | null = null
    let acc: tf.Tensor = tf.zerosLike(u)
    const constantDrive = input.kind === 'analog' ? tf.tidy(() => this.normalise(this.inputConv(xbar), stats)) : null
    try {
      for (let t = 0; t < steps; t++) {
        const frame = input.kind === 'spikes' ? input.frame(t) : null
        const next = tf.tidy(() => {
          const d = constantDrive ?? this.normalise(this.inputConv(frame as tf.Tensor2D), stats)
          let current = tf.add(u, d)
          if (s) current = tf.add(current, tf.conv2d((mask ? tf.mul(s, mask) : s) as tf.Tensor4D, weight, 1, 'same'))
          const spikes = tf.cast(tf.greaterEqual(current, threshold), 'float32')
          const after = tf.sub(current, tf.mul(spikes, threshold))
          return { u: leak === 1 ? after : tf.mul(after, leak), s: spikes, acc: tf.add(leak === 1 ? acc : tf.mul(acc, leak), spikes) }
        })
        frame?.dispose()
        u = keep(next.u, u)
        s = keep(next.s, s)
        acc = keep(next.acc, acc)
      }
      const norm = leak === 1 ? steps : (1 - leak ** steps) / (1 - leak)
      const rates = tf.tidy(() => tf.div(acc, norm) as tf.Tensor4D)
      return { rates, xbar }
    } finally {
      for (const t of [u, s, acc, weight, constantDrive, stats.mean, stats.variance]) t?.dispose()
    }
  }

  /** torch BatchNorm2d: running ← (1 − 0.1)·running + 0.1·batch, with the unbiased batch variance. */
  private updateRunningStatistics(stats: { mean: tf.Tensor; variance: tf.Tensor }, batch: number): void {
    const [h, w] = this.stateShape
    const n = batch * h * w
    const unbiased = n > 1 ? n / (n - 1) : 1
    tf.tidy(() => {
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - BN_MOMENTUM), tf.mul(stats.mean, BN_MOMENTUM)))
      this.runningVariance.assign(tf.add(tf.mul(this.runningVariance, 1 - BN_MOMENTUM), tf.mul(stats.variance, BN_MOMENTUM * unbiased)))
    })
  }

  solveEquilibrium(xbar: tf.Tensor2D, mask: tf.Tensor | null, iterations = 200): tf.Tensor4D {
    return iterateEquilibrium(this, xbar, mask, iterations) as tf.Tensor4D
  }

  dispose(): void {
    disposeNet(this)
  }
}
