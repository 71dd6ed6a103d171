import * as tf from '@tensorflow/tfjs'
import type { Parameter } from '../../layers/parameter.js'
import type { FeedbackInput } from './feedback-net.js'

/**
 * What IDE's training step needs of a feedback network (spec snn-methods.md §C.2–C.5), whatever its
 * architecture (§C.6): the FC net (`FeedbackNet`, state [B, hidden]) or the 64C5s conv net
 * (`ConvFeedbackNet`, state [B, H, W, C]). Inputs are always flat rows [B, pixels] (NHWC order for images).
 *
 *   f(a) = clamp((W_s ∗ (m ⊙ a) + d(x̄)) / V_th, 0, 1),    logits = C·flatten(m ⊙ z) + c
 */
export interface IdeNet {
  readonly parameters: readonly Parameter[]
  /** State saved with the weights but not trained (power-iteration vectors, BN running statistics). */
  readonly buffers: readonly Parameter[]
  readonly variables: tf.Variable[]
  /** Variables of the equilibrium map f (everything but the classifier). */
  readonly equilibriumVariables: tf.Variable[]
  readonly classifierVariables: tf.Variable[]
  readonly classes: number
  /** Shape of one sample's state a (the feedback layer's neurons), without the batch axis. */
  readonly stateShape: readonly number[]
  /**
   * Training mode: BatchNorm (if the net has one) normalises with the batch's statistics and
   * `simulate` updates its running statistics; otherwise the running statistics are used.
   */
  training: boolean
  /** One power iteration of the feedback weight's spectral norm. */
  powerIteration(): void
  feedbackWeight(): tf.Tensor
  /** The input layer's drive d(x̄) [B, ...stateShape]. */
  drive(xbar: tf.Tensor2D): tf.Tensor
  equilibriumMap(a: tf.Tensor, drive: tf.Tensor, weight: tf.Tensor, mask: tf.Tensor | null): tf.Tensor
  logits(z: tf.Tensor, mask: tf.Tensor | null): tf.Tensor2D
  /** T steps without a tape: the λ-weighted average rates [B, ...stateShape] and input x̄ [B, pixels]. */
  simulate(input: FeedbackInput, steps: number, mask: tf.Tensor | null): { rates: tf.Tensor; xbar: tf.Tensor2D }
  /** a = f(a) by plain iteration from 0 (the exact equilibrium; for gradient checks). */
  solveEquilibrium(xbar: tf.Tensor2D, mask: tf.Tensor | null, iterations?: number): tf.Tensor
  dispose(): void
}

/** a = f(a) by plain iteration from a = 0, the shared body of both nets' `solveEquilibrium`. */
export function iterateEquilibrium(net: IdeNet, xbar: tf.Tensor2D, mask: tf.Tensor | null, iterations: number): tf.Tensor {
  return tf.tidy(() => {
    const weight = net.feedbackWeight()
    const d = net.drive(xbar)
    let a: tf.Tensor = tf.zeros([xbar.shape[0], ...net.stateShape])
    for (let k = 0; k < iterations; k++) {
      const next = net.equilibriumMap(a, d, weight, mask)
      a.dispose()
      a = next
    }
    return a
  })
}

/** Frees a net's trained and saved state. */
export function disposeNet(net: Pick<IdeNet, 'parameters' | 'buffers'>): void {
  for (const p of [...net.parameters, ...net.buffers]) p.variable.dispose()
}
