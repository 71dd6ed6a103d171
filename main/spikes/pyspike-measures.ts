/**
 * ISI-distance, SPIKE-distance and SPIKE-synchronization (Kreuz et al.; PySpike 0.8.0 conventions
 * and edge corrections, spike-trains.md §3.2), written from the definitions there.
 *
 * Trains are sorted and de-duplicated, then restricted to the given edges [tStart, tEnd]. The product
 * compares trains on the intersection of their windows, so callers pass that intersection.
 */
import { SpikelabError } from '../../common/errors.js'
import { cleanTrain, restrictTrain, type Times } from './spike-train.js'

export interface Edges {
  readonly tStart: number
  readonly tEnd: number
}

export interface PySpikeOptions {
  /** Minimum relevant time scale; 'auto' = sqrt(mean squared ISI) pooled over the trains. Default 0. */
  readonly mrts?: number | 'auto'
}

function prepare(train: Times, e: Edges): Float64Array {
  if (!(e.tEnd > e.tStart)) throw new SpikelabError('spikes.edges', `t_end (${e.tEnd}) must be after t_start (${e.tStart})`, { field: 'tEnd' })
  return restrictTrain(cleanTrain(train).times, e.tStart, e.tEnd)
}

/** PySpike treats an empty train as spikes at both edges for ISI and SPIKE measures. */
function nonEmpty(t: Float64Array, e: Edges): Float64Array {
  return t.length > 0 ? t : Float64Array.of(e.tStart, e.tEnd)
}

/** Edge-corrected ISI lengths of one train (PySpike isi_lengths), used by the 'auto' threshold. */
function isiLengths(t: Float64Array, e: Edges): number[] {
  const n = t.length
  if (n === 0) return [e.tEnd - e.tStart]
  const out: number[] = []
  let iStart: number
  if (t[0] > e.tStart) {
    out.push(n > 1 ? Math.max(t[0] - e.tStart, t[1] - t[0]) : t[0] - e.tStart)
    iStart = 0
  } else {
    out.push(n > 1 ? t[1] - t[0] : e.tStart - t[0])
    iStart = 1
  }
  let delEnd: number
  let iEnd: number
  if (t[n - 1] < e.tEnd) {
    delEnd = n > 1 ? Math.max(e.tEnd - t[n - 1], t[n - 1] - t[n - 2]) : e.tEnd - t[0]
    iEnd = n
  } else {
    delEnd = n > 1 ? t[n - 1] - t[n - 2] : t[0] - e.tEnd
    iEnd = n - 1
  }
  for (let i = iStart; i < iEnd - 1; i++) out.push(t[i + 1] - t[i])
  out.push(delEnd)
  return out
}

/** The 'auto' MRTS threshold: sqrt(mean of squared edge-corrected ISIs) over all trains. */
export function autoThreshold(trains: readonly Times[], e: Edges): number {
  let ss = 0
  let n = 0
  for (const tr of trains)
    for (const v of isiLengths(prepare(tr, e), e)) {
      ss += v * v
      n++
    }
  return n > 0 ? Math.sqrt(ss / n) : 0
}

function resolveMrts(trains: readonly Times[], e: Edges, o: PySpikeOptions): number {
  return o.mrts === 'auto' ? autoThreshold(trains, e) : (o.mrts ?? 0)
}

/** Merged, de-duplicated event times of both trains strictly inside the edges, with the edges. */
function events(a: Float64Array, b: Float64Array, e: Edges): number[] {
  const out = [e.tStart]
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++]
    if (v > out[out.length - 1] && v < e.tEnd) out.push(v)
  }
  out.push(e.tEnd)
  return out
}

/** Index of the last spike ≤ x, or -1. */
function lastAtOrBefore(t: Float64Array, x: number): number {
  let lo = 0
  let hi = t.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (t[mid] <= x) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}

/** ν(t) on the segment starting at x (the ISI of the train containing it, with PySpike's edge rules). */
function isiAt(t: Float64Array, x: number, e: Edges): number {
  const n = t.length
  const k = lastAtOrBefore(t, x)
  if (k < 0) return n > 1 ? Math.max(t[0] - e.tStart, t[1] - t[0]) : t[0] - e.tStart
  if (k === n - 1) return n > 1 ? Math.max(e.tEnd - t[n - 1], t[n - 1] - t[n - 2]) : e.tEnd - t[n - 1]
  return t[k + 1] - t[k]
}

/** Bivariate ISI-distance on [tStart, tEnd]. */
export function isiDistance(a: Times, b: Times, edges: Edges, options: PySpikeOptions = {}): number {
  const ta = nonEmpty(prepare(a, edges), edges)
  const tb = nonEmpty(prepare(b, edges), edges)
  const mrts = resolveMrts([a, b], edges, options)
  const ev = events(ta, tb, edges)
  let sum = 0
  for (let s = 0; s + 1 < ev.length; s++) {
    const nu1 = isiAt(ta, ev[s], edges)
    const nu2 = isiAt(tb, ev[s], edges)
    const denom = Math.max(nu1, nu2, mrts)
    if (denom > 0) sum += (Math.abs(nu1 - nu2) / denom) * (ev[s + 1] - ev[s])
  }
  return sum / (edges.tEnd - edges.tStart)
}

/** Distance from x to the nearest spike of the other train, its auxiliary edge spikes included. */
function nearest(x: number, other: Float64Array, auxLo: number, auxHi: number): number {
  let d = Math.min(Math.abs(x - auxLo), Math.abs(x - auxHi))
  const k = lastAtOrBefore(other, x)
  if (k >= 0) d = Math.min(d, x - other[k])
  if (k + 1 < other.length) d = Math.min(d, other[k + 1] - x)
  return d
}

interface TrainState {
  /** Value of S_n at the segment's start and end. */
  readonly s0: number
  readonly s1: number
  /** The ISI x_ISI in force on the segment. */
  readonly isi: number
}

function auxSpikes(t: Float64Array, e: Edges): [number, number] {
  const n = t.length
  return n > 1 ? [Math.min(e.tStart, 2 * t[0] - t[1]), Math.max(e.tEnd, 2 * t[n - 1] - t[n - 2])] : [e.tStart, e.tEnd]
}

/** S_n on segment [x0, x1] of one train, against the other train (PySpike 0.8.0 edge rules). */
function spikeState(t: Float64Array, other: Float64Array, otherAux: [number, number], x0: number, x1: number, e: Edges): TrainState {
  const n = t.length
  const dist = (x: number): number => nearest(x, other, otherAux[0], otherAux[1])
  const k = lastAtOrBefore(t, x0)
  if (k < 0) {
    // Before the first spike: S_n is held at Δt of the first spike.
    const isi = n > 1 ? Math.max(t[0] - e.tStart, t[1] - t[0]) : t[0] - e.tStart
    const d = dist(t[0])
    return { s0: d, s1: d, isi }
  }
  let tP = t[k]
  let tF: number
  let dF: number
  if (k < n - 1) {
    tF = t[k + 1]
    dF = dist(tF)
  } else if (n === 1 && t[0] === e.tStart) {
    // A lone spike on the start edge: PySpike interpolates towards the end edge.
    tF = e.tEnd
    dF = dist(e.tEnd)
  } else {
    // After the last spike: held at Δt of the last spike.
    const isi = n > 1 ? Math.max(e.tEnd - t[n - 1], t[n - 1] - t[n - 2]) : e.tEnd - t[n - 1]
    const d = dist(t[n - 1])
    return { s0: d, s1: d, isi }
  }
  if (k === 0 && t[0] === e.tStart) tP = e.tStart
  const dP = dist(tP)
  const isi = tF - tP
  const at = (x: number): number => (dP * (tF - x) + dF * (x - tP)) / isi
  return { s0: at(x0), s1: at(x1), isi }
}

function spikeValue(s1: number, s2: number, isi1: number, isi2: number, mrts: number, rateIndependent: boolean): number {
  const meanIsi = 0.5 * (isi1 + isi2)
  const limited = Math.max(mrts, meanIsi)
  if (limited === 0) return 0
  return rateIndependent ? (0.5 * (s1 + s2)) / limited : (0.5 * (s1 * isi2 + s2 * isi1)) / (meanIsi * limited)
}

export interface SpikeDistanceOptions extends PySpikeOptions {
  /** RI-SPIKE (rate-independent) variant. */
  readonly rateIndependent?: boolean
}

/** Bivariate SPIKE-distance on [tStart, tEnd] (piecewise linear profile, integrated exactly). */
export function spikeDistance(a: Times, b: Times, edges: Edges, options: SpikeDistanceOptions = {}): number {
  const ta = nonEmpty(prepare(a, edges), edges)
  const tb = nonEmpty(prepare(b, edges), edges)
  const mrts = resolveMrts([a, b], edges, options)
  const ri = options.rateIndependent ?? false
  const auxA = auxSpikes(ta, edges)
  const auxB = auxSpikes(tb, edges)
  const ev = events(ta, tb, edges)
  let sum = 0
  for (let s = 0; s + 1 < ev.length; s++) {
    const x0 = ev[s]
    const x1 = ev[s + 1]
    const p = spikeState(ta, tb, auxB, x0, x1, edges)
    const q = spikeState(tb, ta, auxA, x0, x1, edges)
    const y0 = spikeValue(p.s0, q.s0, p.isi, q.isi, mrts, ri)
    const y1 = spikeValue(p.s1, q.s1, p.isi, q.isi, mrts, ri)
    sum += 0.5 * (y0 + y1) * (x1 - x0)
  }
  return sum / (edges.tEnd - edges.tStart)
}

/** PySpike's thresholded choice between half-intervals a and b at x = MRTS/4. */
function thresholded(a: number, b: number, x: number): number {
  const m = Math.min(a, b)
  if (x < m) return m
  if (x > b) return b
  return x
}

/** Coincidence window for spike i of t1 and spike j of t2 (cython_get_tau). */
function coincidenceWindow(t1: Float64Array, t2: Float64Array, i: number, j: number, maxTau: number, mrts: number): number {
  const mF1 = (i < t1.length - 1 ? t1[i + 1] - t1[i] : maxTau) / 2
  const mP1 = (i > 0 ? t1[i] - t1[i - 1] : maxTau) / 2
  const mF2 = (j < t2.length - 1 ? t2[j + 1] - t2[j] : maxTau) / 2
  const mP2 = (j > 0 ? t2[j] - t2[j - 1] : maxTau) / 2
  const x = mrts / 4
  if (t1[i] <= t2[j]) return Math.min(thresholded(mP1, mF1, x), thresholded(mF2, mP2, x))
  return Math.min(thresholded(mF1, mP1, x), thresholded(mP2, mF2, x))
}

export interface SyncOptions extends PySpikeOptions {
  /** Upper bound on the coincidence window; 0/undefined = unbounded. */
  readonly maxTau?: number
}

export interface SyncCounts {
  readonly coincidences: number
  readonly spikes: number
}

/** Coincidence count of a pair: spike i of a is coincident with its nearest preceding or following spike of b. */
export function spikeSyncCounts(a: Times, b: Times, edges: Edges, options: SyncOptions = {}): SyncCounts {
  const t1 = prepare(a, edges)
  const t2 = prepare(b, edges)
  const mrts = resolveMrts([a, b], edges, options)
  let maxTau = edges.tEnd - edges.tStart
  if (options.maxTau && options.maxTau > 0) maxTau = Math.min(maxTau, 2 * options.maxTau)
  const c1 = new Uint8Array(t1.length)
  const c2 = new Uint8Array(t2.length)
  // Walk the merged order; each spike is tested against the latest spike of the other train.
  let i = -1
  let j = -1
  while (i + j < t1.length + t2.length - 2) {
    if (i < t1.length - 1 && (j === t2.length - 1 || t1[i + 1] < t2[j + 1])) {
      i++
      if (j > -1 && t1[i] - t2[j] < coincidenceWindow(t1, t2, i, j, maxTau, mrts)) c1[i] = c2[j] = 1
    } else if (j < t2.length - 1 && (i === t1.length - 1 || t1[i + 1] > t2[j + 1])) {
      j++
      if (i > -1 && t2[j] - t1[i] < coincidenceWindow(t1, t2, i, j, maxTau, mrts)) c1[i] = c2[j] = 1
    } else {
      i++
      j++
      c1[i] = c2[j] = 1 // equal times are coincident for both
    }
  }
  let c = 0
  for (const v of c1) c += v
  for (const v of c2) c += v
  return { coincidences: c, spikes: t1.length + t2.length }
}

/** Bivariate SPIKE-synchronization; 1 when neither train has spikes. */
export function spikeSync(a: Times, b: Times, edges: Edges, options: SyncOptions = {}): number {
  const { coincidences, spikes } = spikeSyncCounts(a, b, edges, options)
  return spikes === 0 ? 1 : coincidences / spikes
}

function forPairs(n: number, f: (i: number, j: number) => void): void {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) f(i, j)
}

/** Multivariate ISI-distance: mean of all pairwise distances. MRTS 'auto' pools all trains. */
export function isiDistanceMulti(trains: readonly Times[], edges: Edges, options: PySpikeOptions = {}): number {
  const mrts = resolveMrts(trains, edges, options)
  let s = 0
  let n = 0
  forPairs(trains.length, (i, j) => {
    s += isiDistance(trains[i], trains[j], edges, { mrts })
    n++
  })
  return n > 0 ? s / n : NaN
}

export function spikeDistanceMulti(trains: readonly Times[], edges: Edges, options: SpikeDistanceOptions = {}): number {
  const mrts = resolveMrts(trains, edges, options)
  let s = 0
  let n = 0
  forPairs(trains.length, (i, j) => {
    s += spikeDistance(trains[i], trains[j], edges, { ...options, mrts })
    n++
  })
  return n > 0 ? s / n : NaN
}

/** Multivariate SPIKE-sync: total coincidences over all pairs / total spikes over all pairs. */
export function spikeSyncMulti(trains: readonly Times[], edges: Edges, options: SyncOptions = {}): number {
  const mrts = resolveMrts(trains, edges, options)
  let c = 0
  let s = 0
  forPairs(trains.length, (i, j) => {
    const r = spikeSyncCounts(trains[i], trains[j], edges, { ...options, mrts })
    c += r.coincidences
    s += r.spikes
  })
  return s === 0 ? 1 : c / s
}

/** Pairwise matrix of any bivariate measure; the diagonal is the measure of a train with itself. */
export function pairwiseMatrix(trains: readonly Times[], measure: (a: Times, b: Times) => number): Float64Array[] {
  const n = trains.length
  const m = Array.from({ length: n }, () => new Float64Array(n))
  for (let i = 0; i < n; i++) {
    m[i][i] = measure(trains[i], trains[i])
    for (let j = i + 1; j < n; j++) m[i][j] = m[j][i] = measure(trains[i], trains[j])
  }
  return m
}
