/**
 * Cross- and auto-correlograms of binned trains, Elephant `cross_correlation_histogram`
 * (spike-trains.md §2.1): CCH[τ] = Σ_k x_i[k]·x_j[k+τ]; τ > 0 means j fires after i.
 */
import { SpikelabError } from '../../common/errors.js'

export interface CorrelogramOptions {
  /** 'full' = every lag with overlap, 'valid' = lag 0 only for equal lengths, or [minLag, maxLag] in bins. */
  readonly window?: 'full' | 'valid' | readonly [number, number]
  /** Clip counts to one per bin before correlating. */
  readonly binary?: boolean
  /** Multiply each lag by n/(n − |τ|) (Elephant's code, not its docstring). */
  readonly borderCorrection?: boolean
  /** Return the Pearson-style cross-correlation coefficient instead of counts. */
  readonly coefficient?: boolean
}

export interface Correlogram {
  /** Lags in bins, ascending. */
  readonly lags: Int32Array
  readonly values: Float64Array
}

function nonzero(x: ArrayLike<number>, binary: boolean): { idx: Int32Array; val: Float64Array } {
  let n = 0
  for (let k = 0; k < x.length; k++) if (x[k] !== 0) n++
  const idx = new Int32Array(n)
  const val = new Float64Array(n)
  n = 0
  for (let k = 0; k < x.length; k++)
    if (x[k] !== 0) {
      idx[n] = k
      val[n++] = binary ? 1 : x[k]
    }
  return { idx, val }
}

function lowerBound(a: Int32Array, v: number): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (a[mid] < v) lo = mid + 1
    else hi = mid
  }
  return lo
}

export function crossCorrelogram(xi: ArrayLike<number>, xj: ArrayLike<number>, options: CorrelogramOptions = {}): Correlogram {
  const n = xi.length
  if (xj.length !== n) throw new SpikelabError('spikes.cch', `binned trains differ in length (${n} vs ${xj.length} bins)`, { field: 'binned' })
  const w = options.window ?? 'full'
  const [minLag, maxLag] = w === 'full' ? [-(n - 1), n - 1] : w === 'valid' ? [0, 0] : w
  if (!Number.isInteger(minLag) || !Number.isInteger(maxLag) || minLag > maxLag)
    throw new SpikelabError('spikes.cch', `invalid lag window [${minLag}, ${maxLag}]`, { field: 'window' })
  const a = nonzero(xi, options.binary ?? false)
  const b = nonzero(xj, options.binary ?? false)
  const nLags = maxLag - minLag + 1
  const values = new Float64Array(nLags)
  for (let p = 0; p < a.idx.length; p++) {
    const k = a.idx[p]
    for (let q = lowerBound(b.idx, k + minLag); q < b.idx.length && b.idx[q] <= k + maxLag; q++) values[b.idx[q] - k - minLag] += a.val[p] * b.val[q]
  }
  const lags = Int32Array.from({ length: nLags }, (_, i) => minLag + i)
  if (options.borderCorrection) {
    for (let i = 0; i < nLags; i++) {
      const overlap = n - Math.abs(lags[i])
      values[i] = overlap > 0 ? (values[i] * n) / overlap : 0
    }
  }
  if (options.coefficient) {
    let ni = 0
    let nj = 0
    let si = 0
    let sj = 0
    for (const v of a.val) {
      ni += v
      si += v * v
    }
    for (const v of b.val) {
      nj += v
      sj += v * v
    }
    const denom = Math.sqrt((si - (ni * ni) / n) * (sj - (nj * nj) / n))
    for (let i = 0; i < nLags; i++) values[i] = (values[i] - (ni * nj) / n) / denom
  }
  return { lags, values }
}

/** Auto-correlogram; the zero-lag bin counts each spike with itself, so it is set to 0 unless keepZeroLag. */
export function autoCorrelogram(x: ArrayLike<number>, options: CorrelogramOptions & { keepZeroLag?: boolean } = {}): Correlogram {
  const c = crossCorrelogram(x, x, options)
  if (!options.keepZeroLag) {
    const zero = c.lags.indexOf(0)
    if (zero >= 0) c.values[zero] = 0
  }
  return c
}
