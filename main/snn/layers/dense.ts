import * as tf from '@tensorflow/tfjs'
import { customOp } from '../custom-op.js'
import type { SeededRandom } from '../random.js'
import type { BinaryPattern } from './binary-matmul.js'
import { binaryMatMul, binaryPattern, binaryWeightGrad, columnSums, matMulTransposed } from './binary-matmul.js'
import type { HostSpikes } from './host-spikes.js'
import { isHostSpikes } from './host-spikes.js'
import { uniformFanIn } from './init.js'
import type { Parameter } from './parameter.js'
import { parameter } from './parameter.js'

/**
 * Fully connected layer y = x·W + b over [..., in] (time and batch axes are folded into rows, so all
 * T steps go through one product). W is stored [in, out] (tfjs convention; the spec's W[out, in] is its
 * transpose). Binary (spike) inputs take the sparse host kernels; any other input uses tf.matMul.
 */
export class Dense {
  readonly kernel: tf.Variable
  readonly bias: tf.Variable
  readonly parameters: readonly Parameter[]

  constructor(
    readonly inputs: number,
    readonly units: number,
    rng: SeededRandom,
    readonly name = 'dense',
  ) {
    this.parameters = [
      parameter(`${name}/kernel`, uniformFanIn(inputs * units, inputs, rng), [inputs, units]),
      parameter(`${name}/bias`, uniformFanIn(units, inputs, rng), [units]),
    ]
    this.kernel = this.parameters[0].variable
    this.bias = this.parameters[1].variable
  }

  get variables(): tf.Variable[] {
    return [this.kernel, this.bias]
  }

  /**
   * Applies the layer. `inputGrad: false` skips dL/dx (the first layer's input is data, and its
   * gradient would cost as much as the whole forward pass).
   */
  apply(x: tf.Tensor | HostSpikes, options: { inputGrad: boolean } = { inputGrad: true }): tf.Tensor {
    const shape = x.shape
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1)
    const outShape = [...shape.slice(0, -1), this.units]
    const values = isHostSpikes(x) ? x.data : (x.dataSync() as Float32Array)
    const pattern = binaryPattern(values, rows, this.inputs)
    if (pattern === null) {
      if (isHostSpikes(x)) throw new Error('unreachable: host spikes are binary by construction')
      return tf.tidy(() => tf.reshape(tf.add(tf.matMul(tf.reshape(x, [rows, this.inputs]), this.kernel), this.bias), outShape))
    }
    if (options.inputGrad && !isHostSpikes(x)) return this.sparseWithInputGrad(x, pattern, rows, outShape)
    return this.sparse(pattern, rows, outShape)
  }

  private forwardValue(pattern: BinaryPattern, outShape: number[]): tf.Tensor {
    const w = this.kernel.dataSync() as Float32Array
    const b = this.bias.dataSync() as Float32Array
    return tf.tensor(binaryMatMul(pattern, w, b, this.units), outShape, 'float32')
  }

  private parameterGrads(pattern: BinaryPattern, dy: tf.Tensor, rows: number): [tf.Tensor, tf.Tensor] {
    const d = dy.dataSync() as Float32Array
    return [
      tf.tensor(binaryWeightGrad(pattern, d, this.units), [this.inputs, this.units], 'float32'),
      tf.tensor(columnSums(d, rows, this.units), [this.units], 'float32'),
    ]
  }

  private sparse(pattern: BinaryPattern, rows: number, outShape: number[]): tf.Tensor {
    const op = customOp(() => ({
      value: this.forwardValue(pattern, outShape),
      gradFunc: (dy: tf.Tensor) => this.parameterGrads(pattern, dy, rows),
    }))
    return op(this.kernel, this.bias)
  }

  private sparseWithInputGrad(x: tf.Tensor, pattern: BinaryPattern, rows: number, outShape: number[]): tf.Tensor {
    const op = customOp(() => ({
      value: this.forwardValue(pattern, outShape),
      gradFunc: (dy: tf.Tensor) => {
        const w = this.kernel.dataSync() as Float32Array
        const dx = matMulTransposed(dy.dataSync() as Float32Array, w, rows, this.inputs, this.units)
        return [tf.tensor(dx, x.shape, 'float32'), ...this.parameterGrads(pattern, dy, rows)]
      },
    }))
    return op(x, this.kernel, this.bias)
  }
}
