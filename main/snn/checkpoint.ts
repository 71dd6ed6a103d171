import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../common/errors.js'
import type { Parameter } from './layers/parameter.js'

/** One weight tensor of a checkpoint; `data` is little-endian float32, transferable between workers. */
export interface CheckpointTensor {
  readonly name: string
  readonly shape: readonly number[]
  readonly data: ArrayBuffer
}

/**
 * A trained (or partly trained) model: its weights as ArrayBuffers plus the JSON config that rebuilds
 * the network, so a checkpoint can cross a worker boundary and be written to the catalog as is.
 */
export interface Checkpoint<Config = unknown> {
  readonly format: 'spikelab.snn.checkpoint'
  readonly version: 1
  readonly method: string
  readonly config: Config
  /** Backend the weights were trained on (name + SIMD), for the record. */
  readonly backend: { readonly name: string; readonly simd: boolean }
  /** SHA-256 (hex) of the training and test data, so a catalog can tell which data a model saw. */
  readonly dataHash: string
  /** Completed epochs and batches within the current epoch when it was taken. */
  readonly epoch: number
  readonly batch: number
  readonly metrics: Readonly<Record<string, number>>
  readonly tensors: readonly CheckpointTensor[]
}

/** Copies the parameters' values out into ArrayBuffers. */
export function snapshotParameters(parameters: readonly Parameter[]): CheckpointTensor[] {
  return parameters.map(({ name, variable }) => {
    const values = Float32Array.from(variable.dataSync() as Float32Array)
    return { name, shape: [...variable.shape], data: values.buffer }
  })
}

/** Writes checkpoint tensors into parameters, matching by position, checking names and shapes. */
export function restoreParameters(parameters: readonly Parameter[], tensors: readonly CheckpointTensor[]): void {
  if (tensors.length !== parameters.length) {
    throw new SpikelabError('SNN_CHECKPOINT_MISMATCH', `checkpoint has ${tensors.length} tensors, network needs ${parameters.length}`, {
      field: 'tensors',
    })
  }
  parameters.forEach(({ name, variable: v }, i) => {
    const t = tensors[i]
    if (t.name !== name) {
      throw new SpikelabError('SNN_CHECKPOINT_MISMATCH', `tensor '${t.name}' where '${name}' was expected`, { field: `tensors[${i}].name` })
    }
    const size = t.shape.reduce((a, b) => a * b, 1)
    const same = t.shape.length === v.shape.length && t.shape.every((n, k) => n === v.shape[k])
    if (!same || t.data.byteLength !== size * 4) {
      throw new SpikelabError(
        'SNN_CHECKPOINT_MISMATCH',
        `tensor shape [${t.shape.join(', ')}] (${t.data.byteLength} bytes) does not fit [${v.shape.join(', ')}]`,
        { field: `tensors[${i}]` },
      )
    }
    tf.tidy(() => v.assign(tf.tensor(new Float32Array(t.data), [...t.shape], 'float32')))
  })
}
