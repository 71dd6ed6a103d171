/**
 * The spike batch: recorded spike trains as a struct of typed arrays (architecture.md).
 *
 * - `t`: spike time in seconds (NWB's unit), Float64Array.
 * - `neuron`: unit index, Uint32Array (index into the owning recording's unit table).
 * - `trial`: optional trial / stimulus-repeat index, Int32Array, -1 where a spike is outside any trial.
 */
export interface SpikeBatch {
  readonly t: Float64Array
  readonly neuron: Uint32Array
  readonly trial?: Int32Array
}

export function spikeCount(batch: SpikeBatch): number {
  return batch.t.length
}
