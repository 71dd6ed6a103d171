import * as tf from '@tensorflow/tfjs'

/**
 * Pooling over [T, B, H, W, C]. `sum` is the average times the window area: it keeps spike counts
 * integer, which spiking hardware and the coarse LIF LeNet variants use.
 */
export class Pool2d {
  constructor(
    readonly mode: 'max' | 'avg' | 'sum',
    readonly size: number,
    readonly stride = size,
  ) {}

  apply(x: tf.Tensor): tf.Tensor {
    const [steps, batch, h, w, c] = x.shape
    return tf.tidy(() => {
      const folded = tf.reshape(x, [steps * batch, h, w, c]) as tf.Tensor4D
      let y: tf.Tensor4D
      if (this.mode === 'max') y = tf.maxPool(folded, this.size, this.stride, 'valid')
      else {
        y = tf.avgPool(folded, this.size, this.stride, 'valid')
        if (this.mode === 'sum') y = tf.mul(y, this.size * this.size)
      }
      return tf.reshape(y, [steps, batch, ...y.shape.slice(1)])
    })
  }
}
