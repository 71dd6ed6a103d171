/**
 * Inter-spike-interval statistics with Elephant 1.2.1 definitions (elephant/statistics.py,
 * spike-trains.md §2). Inputs that are too short give NaN, Elephant's `with_nan=True` behaviour.
 */
import type { Times } from './spike-train.js'

/** Consecutive differences of the spike times. */
export function isi(times: Times): Float64Array {
  const n = Math.max(0, times.length - 1)
  const out = new Float64Array(n)
  for (let k = 0; k < n; k++) out[k] = times[k + 1] - times[k]
  return out
}

export interface RateWindow {
  /** Default 0. */
  readonly tStart?: number
  /** Default: the last spike. */
  readonly tStop?: number
}

/** #{tStart ≤ t ≤ tStop} / (tStop − tStart), both ends included (Elephant, plain arrays). NaN without a window. */
export function meanFiringRate(times: Times, window: RateWindow = {}): number {
  const tStart = window.tStart ?? 0
  let tStop = window.tStop
  if (tStop === undefined) {
    if (times.length === 0) return NaN
    tStop = -Infinity
    for (let i = 0; i < times.length; i++) tStop = Math.max(tStop, times[i])
  }
  if (!(tStop > tStart)) return NaN
  let n = 0
  for (let i = 0; i < times.length; i++) if (times[i] >= tStart && times[i] <= tStop) n++
  return n / (tStop - tStart)
}

function mean(x: Times): number {
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i]
  return s / x.length
}

/** Coefficient of variation std/mean with population std (scipy.stats.variation); NaN when empty. */
export function cv(values: Times): number {
  if (values.length === 0) return NaN
  const m = mean(values)
  let v = 0
  for (let i = 0; i < values.length; i++) v += (values[i] - m) ** 2
  return Math.sqrt(v / values.length) / m
}

/** CV2 = 2·mean |I_{k+1} − I_k| / (I_{k+1} + I_k); takes intervals; NaN for fewer than 2. */
export function cv2(intervals: Times): number {
  const m = intervals.length
  if (m < 2) return NaN
  let s = 0
  for (let k = 0; k < m - 1; k++) s += Math.abs(intervals[k + 1] - intervals[k]) / (intervals[k + 1] + intervals[k])
  return (2 * s) / (m - 1)
}

/** LV = 3·mean ((I_{k+1} − I_k)/(I_{k+1} + I_k))²; takes intervals; NaN for fewer than 2. */
export function lv(intervals: Times): number {
  const m = intervals.length
  if (m < 2) return NaN
  let s = 0
  for (let k = 0; k < m - 1; k++) s += ((intervals[k + 1] - intervals[k]) / (intervals[k + 1] + intervals[k])) ** 2
  return (3 * s) / (m - 1)
}

/**
 * LvR (Shinomoto 2009) with refractoriness constant R in the same unit as the intervals
 * (default 0.005, i.e. 5 ms for intervals in seconds); NaN for fewer than 2 intervals.
 */
export function lvr(intervals: Times, refractoryR = 0.005): number {
  const m = intervals.length
  if (m < 2) return NaN
  let s = 0
  for (let k = 0; k < m - 1; k++) {
    const sum = intervals[k] + intervals[k + 1]
    s += (1 - (4 * intervals[k] * intervals[k + 1]) / (sum * sum)) * (1 + (4 * refractoryR) / sum)
  }
  return (3 * s) / (m - 1)
}

/** Fano factor var(c)/mean(c) of per-train spike counts (population variance); NaN if all counts are 0 or no trains. */
export function fanoFactor(trains: readonly Times[]): number {
  return fanoFactorOfCounts(trains.map((t) => t.length))
}

export function fanoFactorOfCounts(counts: Times): number {
  if (counts.length === 0) return NaN
  const m = mean(counts)
  if (m === 0) return NaN
  let v = 0
  for (let i = 0; i < counts.length; i++) v += (counts[i] - m) ** 2
  return v / counts.length / m
}

export interface IsiHistogram {
  /** Left bin edges (s). */
  readonly edges: Float64Array
  readonly counts: Uint32Array
  /** Intervals ≥ maxIsi, not in any bin. */
  readonly overflow: number
}

/** Histogram of intervals in bins [j·binWidth, (j+1)·binWidth) up to maxIsi. */
export function isiHistogram(intervals: Times, binWidth: number, maxIsi: number): IsiHistogram {
  const nBins = Math.max(0, Math.floor(maxIsi / binWidth + 1e-8))
  const counts = new Uint32Array(nBins)
  let overflow = 0
  for (let i = 0; i < intervals.length; i++) {
    const j = Math.floor(intervals[i] / binWidth + 1e-8)
    if (j >= 0 && j < nBins) counts[j]++
    else overflow++
  }
  const edges = Float64Array.from({ length: nBins }, (_, j) => j * binWidth)
  return { edges, counts, overflow }
}
