import * as tf from '@tensorflow/tfjs'
import type { CheckpointTensor } from '../../checkpoint.js'
import { snapshotParameters } from '../../checkpoint.js'
import type { Parameter } from '../../layers/parameter.js'
import { parameter } from '../../layers/parameter.js'
import { uniformFanIn } from '../../layers/init.js'
import { HostAdam } from '../../optim/adam.js'
import type { SeededRandom } from '../../random.js'

/**
 * The VDIB decoding ANN (spec §A.2): `linear` (in → out) or `mlp` (in → hidden → ReLU → out), on tfjs
 * with autograd, trained by Adam. Output `log-softmax` (classification over patterns, NLL loss) or
 * `sigmoid` (reconstruction, BCE loss, mean over outputs).
 */
export interface DecoderShape {
  readonly kind: 'linear' | 'mlp'
  readonly inputs: number
  readonly hidden: number
  readonly outputs: number
  readonly output: 'log-softmax' | 'sigmoid'
}

/** What training and evaluation need from a decoder; batch-major host arrays in and out. */
export interface Decoder {
  readonly shape: DecoderShape
  /** One Adam step on one example (`target`: class index, or the [out] target values); the loss and argmax before the step. */
  trainExample(z: Float32Array, target: number | Float32Array): { loss: number; predicted: number }
  /** Log-probabilities (log-softmax) or sigmoid outputs for `rows` inputs. */
  predictRows(z: Float32Array, rows: number): Float32Array
  snapshot(): CheckpointTensor[]
  dispose(): void
}

/** A decoder on tfjs (autograd, any backend). */
export class VdibDecoder implements Decoder {
  readonly parameters: readonly Parameter[]
  private readonly optimizer: HostAdam

  constructor(
    readonly shape: DecoderShape,
    learningRate: number,
    rng: SeededRandom,
  ) {
    const layer = (name: string, inputs: number, outputs: number) => [
      parameter(`decoder/${name}/kernel`, uniformFanIn(inputs * outputs, inputs, rng), [inputs, outputs]),
      parameter(`decoder/${name}/bias`, uniformFanIn(outputs, inputs, rng), [outputs]),
    ]
    this.parameters =
      shape.kind === 'linear'
        ? layer('out', shape.inputs, shape.outputs)
        : [...layer('hidden', shape.inputs, shape.hidden), ...layer('out', shape.hidden, shape.outputs)]
    this.optimizer = new HostAdam(this.parameters, { learningRate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 })
  }

  get variables(): tf.Variable[] {
    return this.parameters.map((p) => p.variable)
  }

  /** Pre-activation outputs (logits) for inputs [B, in]. */
  logits(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [w0, b0, w1, b1] = this.variables
      const first = tf.add(tf.matMul(z, w0), b0) as tf.Tensor2D
      if (this.shape.kind === 'linear') return first
      return tf.add(tf.matMul(tf.relu(first), w1), b1) as tf.Tensor2D
    })
  }

  /**
   * Mean loss over the batch: NLL of the target class (`targets` = class indices) or BCE against
   * `targets` in [0, 1] [B, out] (in logit form: max(x, 0) − x·y + log(1 + e^(−|x|))).
   */
  loss(z: tf.Tensor2D, targets: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const x = this.logits(z)
      if (this.shape.output === 'log-softmax') {
        const oneHot = tf.oneHot(targets as tf.Tensor1D, this.shape.outputs)
        return tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(x), oneHot))), z.shape[0]) as tf.Scalar
      }
      const bce = tf.add(tf.sub(tf.relu(x), tf.mul(x, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))))
      return tf.mean(bce) as tf.Scalar
    })
  }

  /** One Adam step on the loss; returns the loss before the step. */
  trainStep(z: tf.Tensor2D, targets: tf.Tensor): number {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => this.loss(z, targets), this.variables)
      this.optimizer.apply(grads)
      return value.dataSync()[0]
    })
  }

  /** Outputs: log-probabilities or sigmoid values. */
  predict(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const x = this.logits(z)
      return (this.shape.output === 'log-softmax' ? tf.logSoftmax(x) : tf.sigmoid(x)) as tf.Tensor2D
    })
  }

  trainExample(z: Float32Array, target: number | Float32Array): { loss: number; predicted: number } {
    return tf.tidy(() => {
      const zt = tf.tensor2d(z, [1, z.length])
      const predicted = tf.argMax(this.logits(zt), -1).dataSync()[0]
      const y = typeof target === 'number' ? tf.tensor1d([target], 'int32') : tf.tensor2d(target, [1, target.length])
      return { loss: this.trainStep(zt, y), predicted }
    })
  }

  predictRows(z: Float32Array, rows: number): Float32Array {
    // read outside tidy: tidy would walk a returned typed array element by element
    const out = tf.tidy(() => this.predict(tf.tensor2d(z, [rows, this.shape.inputs])))
    const values = out.dataSync() as Float32Array
    out.dispose()
    return values
  }

  snapshot(): CheckpointTensor[] {
    return snapshotParameters(this.parameters)
  }

  dispose(): void {
    for (const p of this.parameters) p.variable.dispose()
  }
}

/**
 * The linear log-softmax decoder on the host, with PyTorch's Adam: the predictive-coding task takes an
 * optimiser step at every time step, where tfjs's per-call overhead (milliseconds) would dominate.
 */
export class HostLinearDecoder implements Decoder {
  private readonly weight: Float32Array
  private readonly bias: Float32Array
  private readonly m: Float64Array[]
  private readonly v: Float64Array[]
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
    // same draws, in the same order, as VdibDecoder's linear layer
    this.weight = uniformFanIn(shape.inputs * shape.outputs, shape.inputs, rng)
    this.bias = uniformFanIn(shape.outputs, shape.inputs, rng)
    this.m = [new Float64Array(this.weight.length), new Float64Array(this.bias.length)]
    this.v = [new Float64Array(this.weight.length), new Float64Array(this.bias.length)]
  }

  /** log-softmax of z·W + b for one row. */
  private logProbs(z: Float32Array, offset: number, out: Float64Array): void {
    const { inputs, outputs } = this.shape
    for (let o = 0; o < outputs; o++) out[o] = this.bias[o]
    for (let i = 0; i < inputs; i++) {
      const zi = z[offset + i]
      if (zi === 0) continue
      const row = i * outputs
      for (let o = 0; o < outputs; o++) out[o] += zi * this.weight[row + o]
    }
    let max = -Infinity
    for (let o = 0; o < outputs; o++) max = Math.max(max, out[o])
    let sum = 0
    for (let o = 0; o < outputs; o++) sum += Math.exp(out[o] - max)
    const log = max + Math.log(sum)
    for (let o = 0; o < outputs; o++) out[o] -= log
  }

  trainExample(z: Float32Array, target: number | Float32Array): { loss: number; predicted: number } {
    if (typeof target !== 'number') throw new Error('HostLinearDecoder classifies: the target is a class index')
    const { inputs, outputs } = this.shape
    const logp = new Float64Array(outputs)
    this.logProbs(z, 0, logp)
    let predicted = 0
    for (let o = 1; o < outputs; o++) if (logp[o] > logp[predicted]) predicted = o
    const loss = -logp[target]
    // dL/dlogit = softmax − onehot
    const delta = new Float64Array(outputs)
    for (let o = 0; o < outputs; o++) delta[o] = Math.exp(logp[o]) - (o === target ? 1 : 0)
    this.step++
    const c1 = 1 - this.beta1 ** this.step
    const c2 = 1 - this.beta2 ** this.step
    const { beta1, beta2, epsilon } = this
    const lr = this.learningRate
    const adam = (w: Float32Array, m: Float64Array, v: Float64Array, rowOffset: number, scale: number) => {
      // Adam moves every weight, including those whose gradient is 0 now (their moments decay).
      for (let o = 0; o < outputs; o++) {
        const index = rowOffset + o
        const g = scale * delta[o]
        const mi = (m[index] = beta1 * m[index] + (1 - beta1) * g)
        const vi = (v[index] = beta2 * v[index] + (1 - beta2) * g * g)
        w[index] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon)
      }
    }
    for (let i = 0; i < inputs; i++) adam(this.weight, this.m[0], this.v[0], i * outputs, z[i])
    adam(this.bias, this.m[1], this.v[1], 0, 1)
    return { loss, predicted }
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
