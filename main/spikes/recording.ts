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
  readonly sourceFormat: 'csv' | 'nwb' | 'phy' | 'mat' | 'synthetic'
  readonly units: readonly SpikeUnit[]
  /** neuron = index into units; trial = index into trials (−1 outside any trial). Sorted by (neuron, trial, t). */
  readonly batch: SpikeBatch
  readonly timeBase: TimeBase
  readonly trials?: readonly TrialInfo[]
  readonly warnings: readonly string[]
}

/** Spike times of one unit (optionally one trial) as a sorted Float64Array. */
export function unitTimes(rec: Pick<SpikeRecording, 'batch'>, unit: number, trial?: number): Float64Array {
  const { t, neuron } = rec.batch
  const tr = rec.batch.trial
  const out: number[] = []
  for (let k = 0; k < t.length; k++) if (neuron[k] === unit && (trial === undefined || (tr !== undefined && tr[k] === trial))) out.push(t[k])
  return Float64Array.from(out).sort()
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
