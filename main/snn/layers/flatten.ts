import * as tf from '@tensorflow/tfjs'

/** [T, B, ...features] → [T, B, prod(features)]. */
export function flatten(x: tf.Tensor): tf.Tensor {
  const [steps, batch] = x.shape
  return tf.reshape(x, [steps, batch, -1])
}
