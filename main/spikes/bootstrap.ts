/**
 * Bootstrap confidence interval of the identity information (functional-classification.md §8.7):
 * repeat indices are resampled with replacement **jointly for all cells** (they were recorded
 * simultaneously), I_PT is recomputed on each resample, and the percentile interval is reported.
 */
import { SpikelabError } from '../../common/errors.js'
import { gTable, identityInformation } from './information.js'
import { JobControl, type JobHooks } from './job-control.js'
import { selectRepeats, type RepeatedResponses } from './responses.js'
import { uniformAt } from './rng.js'
import { buildWordHistograms, type WordOptions } from './word-histograms.js'

export interface BootstrapOptions {
  /** Number of resamples (spec default 200). */
  readonly resamples?: number
  /** Seed of the portable generator (resample b, draw r uses U(b·R + r)). */
  readonly seed?: number
  /** Central coverage of the interval, default 0.95. */
  readonly level?: number
  /** I_PT on all repeats when the caller has it (saves one histogram build). */
  readonly estimate?: number
}

export interface BootstrapInterval {
  /** Percentile interval (spec §8.7). */
  readonly low: number
  readonly high: number
  /**
   * The percentile interval shifted by (θ̂ − mean of the resamples), so it is centred where the estimate is.
   * Resampling with replacement repeats trials, which adds plug-in bias the PT term does not remove, so
   * the percentile interval sits above the full-sample θ̂; the shifted one keeps its width and shape.
   */
  readonly centredLow: number
  readonly centredHigh: number
  readonly level: number
  readonly resamples: number
  /** I_PT of every resample, ascending. */
  readonly values: Float64Array
}

/** Percentile of sorted values by linear interpolation between order statistics (NumPy's default). */
export function percentileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length
  if (n === 0) return NaN
  const pos = q * (n - 1)
  const lo = Math.floor(pos)
  const hi = Math.min(n - 1, lo + 1)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

/** The repeats drawn for resample b (with replacement), a pure function of (seed, b, R). */
export function bootstrapRepeats(nRepeats: number, seed: number, b: number): number[] {
  return Array.from({ length: nRepeats }, (_, r) => Math.min(nRepeats - 1, Math.floor(uniformAt(seed, b * nRepeats + r) * nRepeats)))
}

export async function bootstrapInformation(resp: RepeatedResponses, words: WordOptions, options: BootstrapOptions = {}, hooks: JobHooks = {}): Promise<BootstrapInterval> {
  const resamples = options.resamples ?? 200
  const level = options.level ?? 0.95
  const seed = options.seed ?? 1
  if (!Number.isInteger(resamples) || resamples < 2) throw new SpikelabError('classify.bootstrap', `the bootstrap needs at least 2 resamples (got ${resamples})`, { field: 'resamples' })
  if (!(level > 0 && level < 1)) throw new SpikelabError('classify.bootstrap', `the interval level must lie strictly between 0 and 1 (got ${level})`, { field: 'level' })
  if (resp.nRepeats < 2) throw new SpikelabError('classify.bootstrap', 'the bootstrap needs at least 2 repeats', { field: 'trial' })
  const job = new JobControl(hooks)
  const g = gTable(resp.nCells * resp.nRepeats)
  const estimate = options.estimate ?? identityInformation(buildWordHistograms(resp, words), g).pt
  const values = new Float64Array(resamples)
  for (let b = 0; b < resamples; b++) {
    values[b] = identityInformation(buildWordHistograms(selectRepeats(resp, bootstrapRepeats(resp.nRepeats, seed, b)), words), g).pt
    job.progress('bootstrap', (b + 1) / resamples)
    await job.checkpoint()
  }
  values.sort()
  const tail = (1 - level) / 2
  const low = percentileOfSorted(values, tail)
  const high = percentileOfSorted(values, 1 - tail)
  let mean = 0
  for (const v of values) mean += v / resamples
  const shift = estimate - mean
  return { low, high, centredLow: low + shift, centredHigh: high + shift, level, resamples, values }
}
