import * as tf from '@tensorflow/tfjs'
import type { SeededRandom } from '../random.js'
import { uniformFanIn } from './init.js'
import type { Parameter } from './parameter.js'
import { parameter } from './parameter.js'

/**
 * 2-D convolution over [T, B, H, W, C] (NHWC per step; time and batch folded into the batch axis so all
 * steps go through one conv). Filter [kh, kw, in, out]. On wasm its filter gradient comes from the
 * kernel registered in `kernels/conv2d-backprop-filter.ts`.
 */
export class Conv2d {
  readonly kernel: tf.Variable
  readonly bias: tf.Variable
  readonly parameters: readonly Parameter[]

  constructor(
    readonly inChannels: number,
    readonly filters: number,
    readonly kernelSize: number,
    rng: SeededRandom,
    readonly stride = 1,
    readonly padding: 'valid' | 'same' = 'valid',
    readonly name = 'conv2d',
  ) {
    const fanIn = inChannels * kernelSize * kernelSize
    const shape: [number, number, number, number] = [kernelSize, kernelSize, inChannels, filters]
    this.parameters = [
      parameter(`${name}/kernel`, uniformFanIn(fanIn * filters, fanIn, rng), shape),
      parameter(`${name}/bias`, uniformFanIn(filters, fanIn, rng), [filters]),
    ]
    this.kernel = this.parameters[0].variable
    this.bias = this.parameters[1].variable
  }

  get variables(): tf.Variable[] {
    return [this.kernel, this.bias]
  }

  apply(x: tf.Tensor): tf.Tensor {
    const [steps, batch, h, w, c] = x.shape
    return tf.tidy(() => {
      const folded = tf.reshape(x, [steps * batch, h, w, c]) as tf.Tensor4D
      const y = tf.add(tf.conv2d(folded, this.kernel as tf.Tensor4D, this.stride, this.padding), this.bias)
      return tf.reshape(y, [steps, batch, ...y.shape.slice(1)])
    })
  }
}
