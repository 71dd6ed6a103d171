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
