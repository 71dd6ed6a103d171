/**
 * The structure every spike reader produces (spike-trains.md §4): a unit table, the spikes as a
 * SpikeBatch (seconds), optional trials, and the warnings a person should see.
 */
import { SpikelabError } from '../../common/errors.js'
import type { SpikeBatch } from '../../common/spike-batch.js'

export interface SpikeUnit {
  /** Unit id as written in the source (never re-parsed, so "007" stays "007"). */
  readonly id: string
  /** Curation label, e.g. Phy's good/mua/noise. */
  readonly label?: string
  readonly channel?: number
  /** Rows of the NWB electrodes table this unit refers to (units/electrodes), when the file has them. */
  readonly electrodes?: readonly ElectrodeInfo[]
}

/** One row of /general/extracellular_ephys/electrodes. */
export interface ElectrodeInfo {
  /** Row index in the electrodes table. */
  readonly row: number
  /** The table's id column (the row index when it has none). */
  readonly id: number
  readonly location?: string
  readonly group?: string
  readonly x?: number
  readonly y?: number
  readonly z?: number
}

export interface TrialInfo {
  /** 0-based trial index (the value in SpikeBatch.trial). */
  readonly index: number
  /** Id as written in the source. */
  readonly id: string
  /** Trial start (s, absolute); 0 when times are already trial-relative and no onset is known. */
  readonly start: number
  readonly stop?: number
  readonly condition?: string
}

export type TimeBase = 'absolute' | 'trial-relative'

export interface SpikeRecording {
  readonly sourceFormat: 'csv' | 'nwb' | 'phy' | 'mat' | 'synthetic' | 'events'
  readonly units: readonly SpikeUnit[]
  /** neuron = index into units; trial = index into trials (−1 outside any trial). Sorted by (neuron, trial, t). */
  readonly batch: SpikeBatch
  readonly timeBase: TimeBase
  readonly trials?: readonly TrialInfo[]
  readonly warnings: readonly string[]
}

interface GroupIndex {
  /** Slots per unit: trial −1 (outside any trial) is slot 0, trial r is slot r + 1. */
  readonly slots: number
  readonly nUnits: number
  /** Spike indices grouped by (unit, slot); group g is order[offsets[g] … offsets[g+1]). */
  readonly offsets: Int32Array
  readonly order: Int32Array
}

const groupIndexes = new WeakMap<Pick<SpikeBatch, 't'>, GroupIndex>()

/** Counting sort of the spikes by (unit, trial), built once per batch so every per-unit query is O(its spikes). */
function groupIndex(batch: SpikeBatch): GroupIndex {
  const cached = groupIndexes.get(batch)
  if (cached) return cached
  const { t, neuron, trial } = batch
  let nUnits = 0
  let maxTrial = -1
  for (let k = 0; k < t.length; k++) {
    if (neuron[k] + 1 > nUnits) nUnits = neuron[k] + 1
    if (trial && trial[k] > maxTrial) maxTrial = trial[k]
  }
  const slots = maxTrial + 2
  const offsets = new Int32Array(nUnits * slots + 1)
  const slotOf = (k: number) => neuron[k] * slots + (trial ? Math.max(-1, trial[k]) + 1 : 0)
  for (let k = 0; k < t.length; k++) offsets[slotOf(k) + 1]++
  for (let g = 0; g < nUnits * slots; g++) offsets[g + 1] += offsets[g]
  const fill = offsets.slice(0, nUnits * slots)
  const order = new Int32Array(t.length)
  for (let k = 0; k < t.length; k++) order[fill[slotOf(k)]++] = k
  const index = { slots, nUnits, offsets, order }
  groupIndexes.set(batch, index)
  return index
}

/** Spike times of one unit (optionally one trial) as a sorted Float64Array. */
export function unitTimes(rec: Pick<SpikeRecording, 'batch'>, unit: number, trial?: number): Float64Array {
  const g = groupIndex(rec.batch)
  if (unit < 0 || unit >= g.nUnits) return new Float64Array(0)
  if (trial !== undefined && (!rec.batch.trial || trial + 1 >= g.slots || trial < -1)) return new Float64Array(0)
  const from = g.offsets[unit * g.slots + (trial === undefined ? 0 : trial + 1)]
  const to = g.offsets[unit * g.slots + (trial === undefined ? g.slots : trial + 2)]
  const t = rec.batch.t
  const out = new Float64Array(to - from)
  for (let q = from; q < to; q++) out[q - from] = t[g.order[q]]
  return out.sort()
}

/**
 * Cuts absolute spike times into trials: a spike in [start, stop) of trial j gets trial = j and
 * t − start (optionally with a window [start + pre, start + post)). Spikes outside every trial are dropped.
 * Trials may overlap (e.g. with a long window); a spike then appears in each.
 */
export function alignToTrials(batch: SpikeBatch, trials: readonly TrialInfo[], window?: { pre: number; post: number }): SpikeBatch {
  const t: number[] = []
  const neuron: number[] = []
  const trial: number[] = []
  // Spikes sorted by time let each trial take one contiguous range.
  const order = Array.from({ length: batch.t.length }, (_, k) => k).sort((a, b) => batch.t[a] - batch.t[b])
  const times = Float64Array.from(order, (k) => batch.t[k])
  const lower = (x: number): number => {
    let lo = 0
    let hi = times.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (times[mid] < x) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  for (const tr of trials) {
    const from = window ? tr.start + window.pre : tr.start
    const to = window ? tr.start + window.post : tr.stop
    if (to === undefined) throw new SpikelabError('spikes.trials', `trial ${tr.id} has no stop time and no window was given`, { field: 'stop_time', row: tr.index + 1 })
    for (let q = lower(from); q < times.length && times[q] < to; q++) {
      const k = order[q]
      t.push(batch.t[k] - tr.start)
      neuron.push(batch.neuron[k])
      trial.push(tr.index)
    }
  }
  return sortBatch({ t: Float64Array.from(t), neuron: Uint32Array.from(neuron), trial: Int32Array.from(trial) })
}

/** Sorts by (neuron, trial, t). */
export function sortBatch(b: SpikeBatch): SpikeBatch {
  const n = b.t.length
  const tr = b.trial
  const idx = Array.from({ length: n }, (_, k) => k).sort((x, y) => b.neuron[x] - b.neuron[y] || (tr ? tr[x] - tr[y] : 0) || b.t[x] - b.t[y])
  return {
    t: Float64Array.from(idx, (k) => b.t[k]),
    neuron: Uint32Array.from(idx, (k) => b.neuron[k]),
    trial: tr ? Int32Array.from(idx, (k) => tr[k]) : undefined,
  }
}
