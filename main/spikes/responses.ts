/**
 * Repeat-aligned binary responses (functional-classification.md §2): for every cell and repeat,
 * the sorted list of occupied bins of width Δτ. Storing only occupied bins keeps memory
 * proportional to the spike count, not to N·R·n_b.
 */
import { SpikelabError } from '../../common/errors.js'
import type { SpikeBatch } from '../../common/spike-batch.js'

export interface RepeatedResponses {
  readonly nCells: number
  readonly nRepeats: number
  /** n_b = floor(T/Δτ). */
  readonly nBins: number
  readonly binSize: number
  /** occupied[i·R + r]: ascending distinct bins in which cell i fired in repeat r. */
  readonly occupied: readonly Int32Array[]
}

export interface ResponseOptions {
  /** Repeat duration T (s); spikes at t < 0 or t ≥ T are ignored. */
  readonly duration: number
  /** Δτ (s). */
  readonly binSize: number
  /** Number of cells; default max neuron index + 1. */
  readonly nCells?: number
  /** Number of repeats; default max trial index + 1. */
  readonly nRepeats?: number
}

function sortedDistinct(bins: number[]): Int32Array {
  const a = Int32Array.from(bins).sort()
  let n = 0
  for (let q = 0; q < a.length; q++) if (n === 0 || a[q] !== a[n - 1]) a[n++] = a[q]
  return a.slice(0, n)
}

/**
 * Bins a repeat-aligned batch (t relative to repeat onset, trial = repeat index).
 * Bin index = floor(t/Δτ), the benchmark protocol's rule.
 */
export function responsesFromBatch(batch: SpikeBatch, o: ResponseOptions): RepeatedResponses {
  const trial = batch.trial
  if (!trial) throw new SpikelabError('classify.trials', 'classification needs repeat-aligned spikes: the batch has no trial column', { field: 'trial' })
  if (!(o.binSize > 0)) throw new SpikelabError('classify.option', 'bin width must be positive', { field: 'binSize' })
  const nBins = Math.floor(o.duration / o.binSize + 1e-9)
  if (nBins < 1) throw new SpikelabError('classify.option', 'repeat duration is shorter than one bin', { field: 'duration' })
  let maxCell = -1
  let maxTrial = -1
  for (let k = 0; k < batch.t.length; k++) {
    if (batch.neuron[k] > maxCell) maxCell = batch.neuron[k]
    if (trial[k] > maxTrial) maxTrial = trial[k]
  }
  const nCells = o.nCells ?? maxCell + 1
  const nRepeats = o.nRepeats ?? maxTrial + 1
  if (nCells < 1 || nRepeats < 1) throw new SpikelabError('classify.empty', 'no cells or no repeats to classify', { field: 'trial' })
  // Counting sort by (cell, repeat), then sort and de-duplicate each short list in place.
  const nLists = nCells * nRepeats
  const key = new Int32Array(batch.t.length).fill(-1)
  const bin = new Int32Array(batch.t.length)
  const offsets = new Int32Array(nLists + 1)
  for (let k = 0; k < batch.t.length; k++) {
    const i = batch.neuron[k]
    const r = trial[k]
    if (r < 0 || i >= nCells || r >= nRepeats) continue
    const b = Math.floor(batch.t[k] / o.binSize)
    if (b < 0 || b >= nBins) continue
    key[k] = i * nRepeats + r
    bin[k] = b
    offsets[key[k] + 1]++
  }
  for (let q = 0; q < nLists; q++) offsets[q + 1] += offsets[q]
  const fill = offsets.slice(0, nLists)
  const bins = new Int32Array(offsets[nLists])
  for (let k = 0; k < key.length; k++) if (key[k] >= 0) bins[fill[key[k]]++] = bin[k]
  const occupied: Int32Array[] = new Array(nLists)
  for (let q = 0; q < nLists; q++) {
    const list = bins.subarray(offsets[q], offsets[q + 1]).sort()
    let n = 0
    for (let u = 0; u < list.length; u++) if (n === 0 || list[u] !== list[n - 1]) list[n++] = list[u]
    occupied[q] = list.subarray(0, n)
  }
  return { nCells, nRepeats, nBins, binSize: o.binSize, occupied }
}

/** Builds responses directly from per-cell, per-repeat spike-time arrays (s, relative to repeat onset). */
export function responsesFromTrains(trains: readonly (readonly ArrayLike<number>[])[], o: { duration: number; binSize: number }): RepeatedResponses {
  const nCells = trains.length
  const nRepeats = nCells > 0 ? trains[0].length : 0
  const nBins = Math.floor(o.duration / o.binSize + 1e-9)
  const occupied: Int32Array[] = []
  trains.forEach((cell, i) => {
    if (cell.length !== nRepeats) throw new SpikelabError('classify.repeats', `cell ${i} has ${cell.length} repeats, expected ${nRepeats}`, { field: 'trial' })
    for (const times of cell) {
      const bins: number[] = []
      for (let k = 0; k < times.length; k++) {
        const b = Math.floor(times[k] / o.binSize)
        if (b >= 0 && b < nBins) bins.push(b)
      }
      occupied.push(sortedDistinct(bins))
    }
  })
  return { nCells, nRepeats, nBins, binSize: o.binSize, occupied }
}

/** The same responses restricted to a subset of repeats (in the given order). */
export function selectRepeats(resp: RepeatedResponses, repeats: readonly number[]): RepeatedResponses {
  const occupied: Int32Array[] = []
  for (let i = 0; i < resp.nCells; i++) for (const r of repeats) occupied.push(resp.occupied[i * resp.nRepeats + r])
  return { ...resp, nRepeats: repeats.length, occupied }
}
