/**
 * How a coarse network's output spikes become a class (spec snn-methods.md §B.4: the argmax of the
 * output spike counts over the L intervals).
 *
 * - `count`: the paper code's `argmax` of the counts; ties go to the lowest class index (torch.argmax).
 * - `count-then-drive` (default): the argmax of the counts; ties go to the class whose output neuron
 *   received the most synaptic input Σₙ x[n] over the train. With L = 4 a count takes only five values,
 *   so several classes often share the top count, and the lowest-index rule then decides by label
 *   order. The summed input is the evidence the count quantises; a unique top count always wins.
 */
export type CoarseReadout = 'count' | 'count-then-drive'

export const COARSE_READOUTS: readonly CoarseReadout[] = ['count', 'count-then-drive']

/**
 * Predicted class of each sample. `spikes` and `drive` are the output neurons' spikes and synaptic
 * input, both [T, B, classes] row-major (`drive` is read only for ties under `count-then-drive`).
 */
export function readoutClasses(
  spikes: ArrayLike<number>,
  drive: ArrayLike<number>,
  steps: number,
  classes: number,
  readout: CoarseReadout,
): Int32Array {
  const batch = spikes.length / (steps * classes)
  if (!Number.isInteger(batch)) throw new RangeError(`spikes has ${spikes.length} values, not a multiple of ${steps} steps × ${classes} classes`)
  if (readout === 'count-then-drive' && drive.length !== spikes.length) throw new RangeError(`drive has ${drive.length} values, spikes ${spikes.length}`)
  const counts = new Float64Array(classes)
  const evidence = new Float64Array(classes)
  const predicted = new Int32Array(batch)
  for (let b = 0; b < batch; b++) {
    counts.fill(0)
    evidence.fill(0)
    for (let t = 0; t < steps; t++) {
      const row = (t * batch + b) * classes
      for (let k = 0; k < classes; k++) {
        counts[k] += spikes[row + k]
        if (readout === 'count-then-drive') evidence[k] += drive[row + k]
      }
    }
    let best = 0
    for (let k = 1; k < classes; k++) {
      if (counts[k] > counts[best] || (counts[k] === counts[best] && evidence[k] > evidence[best])) best = k
    }
    predicted[b] = best
  }
  return predicted
}
