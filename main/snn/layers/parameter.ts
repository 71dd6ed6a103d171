import * as tf from '@tensorflow/tfjs'

/** A trainable tensor with its logical name within the network (e.g. 'dense0/kernel'). */
export interface Parameter {
  readonly name: string
  readonly variable: tf.Variable
}

let nextId = 0

/**
 * tfjs requires globally unique variable names, but two networks with the same layout may coexist (a
 * training run and an evaluation, or tests), so the tfjs name gets a process-unique suffix while the
 * logical name stays stable for checkpoints.
 */
export function parameter(name: string, values: Float32Array, shape: number[]): Parameter {
  const initial = tf.tensor(values, shape, 'float32')
  const variable = tf.variable(initial, true, `${name}#${nextId++}`)
  initial.dispose() // the variable holds its own copy
  return { name, variable }
}
