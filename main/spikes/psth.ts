/**
 * Peri-stimulus time histograms (Elephant `time_histogram`) and kernel-smoothed rates
 * (Elephant `instantaneous_rate` with a fixed kernel width), spike-trains.md §2.
 */
import { SpikelabError } from '../../common/errors.js'
import { binCount, binIndex } from './binning.js'
import type { Times } from './spike-train.js'

export type PsthOutput = 'counts' | 'mean' | 'rate'

export interface PsthOptions {
  readonly binSize: number
  /** Default 0. */
  readonly tStart?: number
  /** Default: the last spike over all trains. */
  readonly tStop?: number
  readonly output?: PsthOutput
  /** Count at most one spike per train per bin. */
  readonly binary?: boolean
}

export interface Psth {
  /** Left bin edges (s). */
  readonly edges: Float64Array
  readonly values: Float64Array
  readonly binSize: number
}

function lastSpike(trains: readonly Times[]): number {
  let m = -Infinity
  for (const t of trains) for (let i = 0; i < t.length; i++) m = Math.max(m, t[i])
  return m
}

export function timeHistogram(trains: readonly Times[], options: PsthOptions): Psth {
  const tStart = options.tStart ?? 0
  const tStop = options.tStop ?? lastSpike(trains)
  if (!Number.isFinite(tStop)) throw new SpikelabError('spikes.window', 'no spikes and no t_stop: the PSTH window is undefined', { field: 'tStop' })
  const n = binCount(tStart, tStop, options.binSize)
  const values = new Float64Array(n)
  const seen = new Int32Array(n).fill(-1)
  trains.forEach((times, trainIdx) => {
    for (let i = 0; i < times.length; i++) {
      const j = binIndex(times[i], tStart, options.binSize, n)
      if (j < 0) continue
      if (options.binary) {
        if (seen[j] === trainIdx) continue
        seen[j] = trainIdx
      }
      values[j]++
    }
  })
  const output = options.output ?? 'counts'
  const scale = output === 'counts' ? 1 : output === 'mean' ? 1 / trains.length : 1 / (trains.length * options.binSize)
  if (scale !== 1) for (let j = 0; j < n; j++) values[j] *= scale
  const edges = Float64Array.from({ length: n }, (_, j) => tStart + j * options.binSize)
  return { edges, values, binSize: options.binSize }
}

export type KernelShape = 'gaussian' | 'rectangular' | 'triangular' | 'epanechnikov' | 'exponential'

/**
 * Kernel density with unit area and standard deviation sigma, Elephant's parameterisation
 * (elephant/kernels.py): every shape is specified by its SD so widths are comparable.
 */
export function kernelValue(shape: KernelShape, sigma: number, dt: number): number {
  switch (shape) {
    case 'gaussian':
      return Math.exp(-0.5 * (dt / sigma) ** 2) / (Math.sqrt(2 * Math.PI) * sigma)
    case 'rectangular': {
      const half = Math.sqrt(3) * sigma
      return Math.abs(dt) <= half ? 1 / (2 * half) : 0
    }
    case 'triangular': {
      const half = Math.sqrt(6) * sigma
      return Math.abs(dt) < half ? (1 - Math.abs(dt) / half) / half : 0
    }
    case 'epanechnikov': {
      const half = Math.sqrt(5) * sigma
      return Math.abs(dt) < half ? (3 / (4 * half)) * (1 - (dt / half) ** 2) : 0
    }
    case 'exponential': {
      // Causal: the rate rises at the spike and decays with time constant sigma.
      return dt >= 0 ? Math.exp(-dt / sigma) / sigma : 0
    }
  }
}

function kernelSupport(shape: KernelShape, sigma: number): number {
  switch (shape) {
    case 'gaussian':
    case 'exponential':
      return 5 * sigma // Elephant's default cutoff of 5σ
    case 'rectangular':
      return Math.sqrt(3) * sigma
    case 'triangular':
      return Math.sqrt(6) * sigma
    case 'epanechnikov':
      return Math.sqrt(5) * sigma
  }
}

export interface SmoothedRateOptions {
  readonly kernel: KernelShape
  /** Kernel SD in seconds. */
  readonly sigma: number
  readonly samplingPeriod: number
  readonly tStart: number
  readonly tStop: number
}

export interface SmoothedRate {
  /** Sample times (s). */
  readonly times: Float64Array
  /** Rate in Hz, averaged over the trains (trial-averaged PSTH). */
  readonly rate: Float64Array
}

/**
 * Trial-averaged rate: r(t) = (1/n_trains) Σ_spikes K(t − s), sampled at tStart + k·samplingPeriod,
 * k < floor((tStop − tStart)/samplingPeriod). No border correction (Elephant's default).
 */
export function smoothedRate(trains: readonly Times[], o: SmoothedRateOptions): SmoothedRate {
  if (!(o.sigma > 0)) throw new SpikelabError('spikes.kernel', 'kernel sigma must be positive', { field: 'sigma' })
  const n = binCount(o.tStart, o.tStop, o.samplingPeriod)
  const times = Float64Array.from({ length: n }, (_, k) => o.tStart + k * o.samplingPeriod)
  const rate = new Float64Array(n)
  const support = kernelSupport(o.kernel, o.sigma)
  for (const train of trains) {
    for (let i = 0; i < train.length; i++) {
      const s = train[i]
      const k0 = Math.max(0, Math.ceil((s - support - o.tStart) / o.samplingPeriod))
      const k1 = Math.min(n - 1, Math.floor((s + support - o.tStart) / o.samplingPeriod))
      for (let k = k0; k <= k1; k++) rate[k] += kernelValue(o.kernel, o.sigma, times[k] - s)
    }
  }
  const scale = trains.length > 0 ? 1 / trains.length : 0
  for (let k = 0; k < n; k++) rate[k] *= scale
  return { times, rate }
}
