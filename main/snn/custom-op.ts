import * as tf from '@tensorflow/tfjs'

/** What a custom op's body returns: its value and the gradient for each of its inputs. */
export interface CustomOpBody {
  readonly value: tf.Tensor
  readonly gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[]
}

/**
 * `tf.customGrad` with typed inputs: tfjs passes the save function as the last argument, mixed into the
 * inputs' type; this separates them.
 */
export function customOp(body: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => CustomOpBody): (...inputs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc
    return body(args.slice(0, -1) as tf.Tensor[], save)
  })
}

/** H(x) = 1[x > 0] with no gradient (the reset flag of a LIF step is detached from the graph). */
export const detachedHeaviside = customOp(([x]) => ({
  value: tf.cast(tf.greater(x, 0), 'float32'),
  gradFunc: () => tf.zerosLike(x),
}))
