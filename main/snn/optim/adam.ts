import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../common/errors.js'
import type { Parameter } from '../layers/parameter.js'

export interface AdamOptions {
  readonly learningRate: number
  readonly beta1: number
  readonly beta2: number
  readonly epsilon: number
}

/**
 * Adam as PyTorch defines it (torch.optim.Adam, no weight decay, no amsgrad), stepping on the host:
 *
 *   m ← β1·m + (1 − β1)·g        v ← β2·v + (1 − β2)·g²
 *   w ← w − lr·(m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
 *
 * One fused loop per tensor instead of ~15 tensor ops per variable: the gradients of the spiking layers
 * are produced on the host anyway, and tfjs's cpu backend broadcasts the optimizer's scalars slowly.
 */
export class HostAdam {
  private readonly m: Float32Array[]
  private readonly v: Float32Array[]
  private step = 0
  /** The rate of the next steps; a schedule may change it between steps. */
  learningRate: number

  constructor(
    private readonly parameters: readonly Parameter[],
    private readonly options: AdamOptions,
  ) {
    this.learningRate = options.learningRate
    this.m = parameters.map((p) => new Float32Array(p.variable.size))
    this.v = parameters.map((p) => new Float32Array(p.variable.size))
  }

  /** Applies one update; `grads` maps each parameter's tfjs variable name to its gradient. */
  apply(grads: tf.NamedTensorMap): void {
    const weights: Float32Array[] = []
    const gradients: Float32Array[] = []
    for (const { name, variable } of this.parameters) {
      const grad = grads[variable.name]
      if (grad === undefined) {
        throw new SpikelabError('SNN_NO_GRADIENT', `no gradient for parameter '${name}'`, { field: name })
      }
      gradients.push(grad.dataSync() as Float32Array)
      weights.push(Float32Array.from(variable.dataSync() as Float32Array))
    }
    this.applyHost(weights, gradients)
    this.parameters.forEach(({ variable }, k) => tf.tidy(() => variable.assign(tf.tensor(weights[k], variable.shape, 'float32'))))
  }

  /**
   * One update of host copies of the weights, in place: `weights[k]` and `grads[k]` belong to
   * parameter k. The variables are not touched (the host trainer writes them back when needed).
   */
  applyHost(weights: readonly Float32Array[], grads: readonly Float32Array[]): void {
    this.step++
    const { beta1, beta2, epsilon } = this.options
    const lr = this.learningRate
    const correction1 = 1 - beta1 ** this.step
    const correction2 = 1 - beta2 ** this.step
    for (let k = 0; k < this.parameters.length; k++) {
      const w = weights[k]
      const g = grads[k]
      const m = this.m[k]
      const v = this.v[k]
      if (w.length !== m.length || g.length !== m.length) {
        const { name } = this.parameters[k]
        throw new SpikelabError('SNN_NO_GRADIENT', `gradient of '${name}' has ${g.length} values, expected ${m.length}`, { field: name })
      }
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]
        const mi = beta1 * m[i] + (1 - beta1) * gi
        const vi = beta2 * v[i] + (1 - beta2) * gi * gi
        m[i] = mi
        v[i] = vi
        w[i] -= (lr * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon)
      }
    }
  }
}
