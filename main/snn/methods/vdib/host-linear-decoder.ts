import type { CheckpointTensor } from '../../checkpoint.js'
import { uniformFanIn } from '../../layers/init.js'
import type { SeededRandom } from '../../random.js'
import type { Decoder, DecoderShape } from './decoder.js'

/** One example's NLL, the decoder's argmax before the step, and the exact gradient of the NLL. */
export interface LinearDecoderGradients {
  readonly loss: number
  readonly predicted: number
  /** ∂NLL/∂W [in, out] = z ⊗ (softmax − onehot). */
  readonly weight: Float64Array
  /** ∂NLL/∂b [out] = softmax − onehot. */
  readonly bias: Float64Array
}

/**
 * The linear log-softmax decoder of the predictive-coding task on the host, with PyTorch's Adam. That
 * task steps the decoder at every time step (5 million steps for the reference run), where tfjs's
 * per-call overhead (≈ 1 ms) would dominate a model this small, so the forward pass and the gradient
 * are written out by hand:
 *
 *   logp = log_softmax(z·W + b);   NLL = −logp[y];   ∂NLL/∂logits = softmax − onehot(y) =: δ
 *   ∂NLL/∂W[i, o] = z_i·δ_o;       ∂NLL/∂b[o] = δ_o
 *
 * Adam moves every weight, including those whose gradient is 0 at this step (their moments decay).
 * No allocation per step.
 */
export class HostLinearDecoder implements Decoder {
  private readonly weight: Float32Array
  private readonly bias: Float32Array
  private readonly m: [Float64Array, Float64Array]
  private readonly v: [Float64Array, Float64Array]
  private readonly logp: Float64Array
  private readonly delta: Float64Array
  private step = 0
  private readonly beta1 = 0.9
  private readonly beta2 = 0.999
  private readonly epsilon = 1e-8

  constructor(
    readonly shape: DecoderShape,
    private readonly learningRate: number,
    rng: SeededRandom,
  ) {
    if (shape.kind !== 'linear' || shape.output !== 'log-softmax') throw new Error('HostLinearDecoder is linear with log-softmax only')
    // same draws, in the same order, as VdibDecoder's linear layer (PyTorch's nn.Linear init)
    this.weight = uniformFanIn(shape.inputs * shape.outputs, shape.inputs, rng)
    this.bias = uniformFanIn(shape.outputs, shape.inputs, rng)
    this.m = [new Float64Array(this.weight.length), new Float64Array(this.bias.length)]
    this.v = [new Float64Array(this.weight.length), new Float64Array(this.bias.length)]
    this.logp = new Float64Array(shape.outputs)
    this.delta = new Float64Array(shape.outputs)
  }

  /** log-softmax of z·W + b for the row of `z` at `offset`, into `out`. */
  private logProbs(z: Float32Array, offset: number, out: Float64Array): void {
    const { inputs, outputs } = this.shape
    const { weight, bias } = this
    for (let o = 0; o < outputs; o++) out[o] = bias[o]
    for (let i = 0; i < inputs; i++) {
      const zi = z[offset + i]
      if (zi === 0) continue
      const row = i * outputs
      for (let o = 0; o < outputs; o++) out[o] += zi * weight[row + o]
    }
    let max = -Infinity
    for (let o = 0; o < outputs; o++) max = Math.max(max, out[o])
    let sum = 0
    for (let o = 0; o < outputs; o++) sum += Math.exp(out[o] - max)
    const log = max + Math.log(sum)
    for (let o = 0; o < outputs; o++) out[o] -= log
  }

  /** Forward pass and δ = ∂NLL/∂logits into `this.delta`. */
  private backward(z: Float32Array, target: number): { loss: number; predicted: number } {
    const { outputs } = this.shape
    if (!Number.isInteger(target) || target < 0 || target >= outputs) throw new Error(`target class ${target} outside 0..${outputs - 1}`)
    const { logp, delta } = this
    this.logProbs(z, 0, logp)
    let predicted = 0
    for (let o = 1; o < outputs; o++) if (logp[o] > logp[predicted]) predicted = o
    for (let o = 0; o < outputs; o++) delta[o] = Math.exp(logp[o]) - (o === target ? 1 : 0)
    return { loss: -logp[target], predicted }
  }

  /** The loss and its exact gradient for one example, without stepping (what `trainExample` descends). */
  gradients(z: Float32Array, target: number): LinearDecoderGradients {
    const { inputs, outputs } = this.shape
    const { loss, predicted } = this.backward(z, target)
    const weight = new Float64Array(inputs * outputs)
    for (let i = 0; i < inputs; i++) for (let o = 0; o < outputs; o++) weight[i * outputs + o] = z[i] * this.delta[o]
    return { loss, predicted, weight, bias: Float64Array.from(this.delta) }
  }

  trainExample(z: Float32Array, target: number | Float32Array): { loss: number; predicted: number } {
    if (typeof target !== 'number') throw new Error('HostLinearDecoder classifies: the target is a class index')
    const { inputs, outputs } = this.shape
    const result = this.backward(z, target)
    const { delta, beta1, beta2, epsilon, weight, bias } = this
    this.step++
    const c1 = 1 - beta1 ** this.step
    const c2 = 1 - beta2 ** this.step
    const lr = this.learningRate
    const [mw, mb] = this.m
    const [vw, vb] = this.v
    for (let i = 0; i < inputs; i++) {
      const zi = z[i]
      const row = i * outputs
      if (zi === 0) {
        // g = 0: the moments only decay (the same arithmetic as below with g = 0)
        for (let o = 0; o < outputs; o++) {
          const index = row + o
          const mi = (mw[index] = beta1 * mw[index])
          const vi = (vw[index] = beta2 * vw[index])
          weight[index] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon)
        }
        continue
      }
      for (let o = 0; o < outputs; o++) {
        const index = row + o
        const g = zi * delta[o]
        const mi = (mw[index] = beta1 * mw[index] + (1 - beta1) * g)
        const vi = (vw[index] = beta2 * vw[index] + (1 - beta2) * g * g)
        weight[index] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon)
      }
    }
    for (let o = 0; o < outputs; o++) {
      const g = delta[o]
      const mi = (mb[o] = beta1 * mb[o] + (1 - beta1) * g)
      const vi = (vb[o] = beta2 * vb[o] + (1 - beta2) * g * g)
      bias[o] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon)
    }
    return result
  }

  predictRows(z: Float32Array, rows: number): Float32Array {
    const { inputs, outputs } = this.shape
    const out = new Float32Array(rows * outputs)
    const logp = new Float64Array(outputs)
    for (let r = 0; r < rows; r++) {
      this.logProbs(z, r * inputs, logp)
      out.set(logp, r * outputs)
    }
    return out
  }

  snapshot(): CheckpointTensor[] {
    return [
      { name: 'decoder/out/kernel', shape: [this.shape.inputs, this.shape.outputs], data: Float32Array.from(this.weight).buffer },
      { name: 'decoder/out/bias', shape: [this.shape.outputs], data: Float32Array.from(this.bias).buffer },
    ]
  }

  dispose(): void {}
}
