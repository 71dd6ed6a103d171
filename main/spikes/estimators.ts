/**
 * Bias handling and sample-size references for the identity information
 * (functional-classification.md §5 rule 3, §8.4, §9): the split-half noise floor, quadratic
 * extrapolation, and the single-spike identity information.
 */
import { SpikelabError } from '../../common/errors.js'
import { gTable, identityInformation, mergeCostSum } from './information.js'
import { selectRepeats, type RepeatedResponses } from './responses.js'
import { uniformAt } from './rng.js'
import { buildWordHistograms, type WordOptions } from './word-histograms.js'

/**
 * F = mean over cells of the merge cost between the even-repeat and odd-repeat halves of one cell,
 * each half weighted 1/N (bits). With an odd R the halves differ by one repeat and π follows the counts.
 */
export function splitHalfFloor(resp: RepeatedResponses, words: WordOptions): number {
  const R = resp.nRepeats
  if (R < 2) throw new SpikelabError('classify.repeats', 'the split-half floor needs at least 2 repeats', { field: 'trial' })
  const even = Array.from({ length: Math.ceil(R / 2) }, (_, k) => 2 * k)
  const odd = Array.from({ length: Math.floor(R / 2) }, (_, k) => 2 * k + 1)
  const he = buildWordHistograms(selectRepeats(resp, even), words)
  const ho = buildWordHistograms(selectRepeats(resp, odd), words)
  const g = gTable(R)
  const N = resp.nCells
  let total = 0
  for (let i = 0; i < N; i++) {
    // X_t = (n_a + n_b)·JS_t; ΔI = (p_a + p_b)·⟨JS⟩_t with p = 1/N each.
    const js = mergeCostSum(he.cells[i], ho.cells[i], g) / R / he.nPositions
    total += (2 / N) * Math.max(0, js)
  }
  return total / N
}

/** Seeded Fisher–Yates permutation of 0…n−1 using the portable generator. */
export function seededPermutation(n: number, seed: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniformAt(seed, n - 1 - i) * (i + 1))
    ;[p[i], p[j]] = [p[j], p[i]]
  }
  return p
}

export interface ExtrapolatedInformation {
  readonly full: number
  readonly halves: number
  readonly quarters: number
  /** I_∞ = (8/3)·I_1 − 2·I_2 + (1/3)·I_4 (Strong et al. 1998). */
  readonly extrapolated: number
}

/** Quadratic extrapolation from all repeats, 2 disjoint halves and 4 disjoint quarters of a seeded permutation. */
export function quadraticExtrapolation(resp: RepeatedResponses, words: WordOptions, seed: number, full?: number): ExtrapolatedInformation {
  const R = resp.nRepeats
  if (R < 4) throw new SpikelabError('classify.repeats', 'quadratic extrapolation needs at least 4 repeats', { field: 'trial' })
  const perm = seededPermutation(R, seed)
  const infoOf = (repeats: number[]): number => identityInformation(buildWordHistograms(selectRepeats(resp, repeats), words)).plugin
  const meanOver = (parts: number): number => {
    const size = Math.floor(R / parts)
    let s = 0
    for (let k = 0; k < parts; k++) s += infoOf(perm.slice(k * size, (k + 1) * size))
    return s / parts
  }
  const i1 = full ?? identityInformation(buildWordHistograms(resp, words)).plugin
  const i2 = meanOver(2)
  const i4 = meanOver(4)
  return { full: i1, halves: i2, quarters: i4, extrapolated: (8 / 3) * i1 - 2 * i2 + i4 / 3 }
}

/**
 * Single-spike identity information I_1 (bits per spike) from per-cell PSTH counts r_i(t):
 * I_1 = Σ P(i,t) log2[P(i,t) / (P(i) P(t))] with P(i,t) = r_i(t) / Σ r. NaN without spikes.
 */
export function singleSpikeInformation(psth: readonly ArrayLike<number>[]): number {
  const N = psth.length
  if (N === 0) return NaN
  const nT = psth[0].length
  const pt = new Float64Array(nT)
  const pi = new Float64Array(N)
  let total = 0
  for (let i = 0; i < N; i++)
    for (let t = 0; t < nT; t++) {
      pt[t] += psth[i][t]
      pi[i] += psth[i][t]
      total += psth[i][t]
    }
  if (total === 0) return NaN
  let info = 0
  for (let i = 0; i < N; i++)
    for (let t = 0; t < nT; t++) {
      const v = psth[i][t]
      if (v > 0) info += (v / total) * Math.log2((v * total) / (pi[i] * pt[t]))
    }
  return info
}
