/**
 * The NSB entropy estimator (Nemenman, Shafee & Bialek, NIPS 14; functional-classification.md §8.5)
 * and the identity information built from it: I_NSB = ⟨Ĥ(pooled) − Σ_i p_i Ĥ(cell i)⟩_t.
 * An advanced option for long words (L ≥ 6), where plug-in and PT break down; with short words and
 * mostly silent responses it is biased low (the spec's caveat).
 *
 * Ĥ averages the Dirichlet(β) posterior mean entropy over a prior uniform in the prior mean entropy
 * ξ(β) = ψ(Kβ+1) − ψ(β+1) ∈ (0, ln K), weighted by the evidence P(n | β): a fixed grid of 400 points
 * uniform in ξ, β(ξ) by bisection, everything in log-evidence. Unobserved words add nothing to the
 * evidence and (K − K_obs)·β/(N+Kβ)·ψ(β+1) to the entropy, so a histogram costs O(K_obs) per point.
 */
import { SpikelabError } from '../../common/errors.js'
import { pooledHistogram } from './information.js'
import type { WordHistogram, WordHistograms } from './word-histograms.js'

const GRID = 400

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x)
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]
  const z = x - 1
  let a = c[0]
  const t = z + 7.5
  for (let i = 1; i < 9; i++) a += c[i] / (z + i)
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a)
}

/** ψ(x) for x > 0: recurrence up to x ≥ 6, then the asymptotic series. */
export function digamma(x: number): number {
  let r = 0
  while (x < 6) {
    r -= 1 / x
    x += 1
  }
  const f = 1 / (x * x)
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))))
}

/** The grid of β values, uniform in ξ(β) over (0, ln K), for an alphabet of K words. */
export function nsbGrid(alphabet: number, points = GRID): Float64Array {
  const K = alphabet
  const xiOf = (b: number) => digamma(K * b + 1) - digamma(b + 1)
  const top = Math.log(K)
  const betas = new Float64Array(points)
  for (let g = 0; g < points; g++) {
    const xi = ((g + 0.5) / points) * top
    // ξ(β) rises from 0 (β → 0) to ln K (β → ∞): bisect in log β
    let lo = -40
    let hi = 40
    for (let it = 0; it < 200 && hi - lo > 1e-12; it++) {
      const mid = (lo + hi) / 2
      if (xiOf(Math.exp(mid)) < xi) lo = mid
      else hi = mid
    }
    betas[g] = Math.exp((lo + hi) / 2)
  }
  return betas
}

/** NSB entropy (nats) of a histogram given by its non-zero counts, over an alphabet of K words. */
export function nsbEntropy(counts: ArrayLike<number>, alphabet: number, grid: Float64Array = nsbGrid(alphabet)): number {
  const K = alphabet
  let N = 0
  for (let k = 0; k < counts.length; k++) N += counts[k]
  if (N === 0) throw new SpikelabError('classify.nsb', 'NSB needs at least one sample', { field: 'counts' })
  const observed = counts.length
  const logEvidence = new Float64Array(grid.length)
  const entropy = new Float64Array(grid.length)
  let maxLog = -Infinity
  for (let g = 0; g < grid.length; g++) {
    const b = grid[g]
    const kb = K * b
    let log = lnGamma(kb) - lnGamma(N + kb)
    let sum = 0
    const lgB = lnGamma(b)
    for (let k = 0; k < observed; k++) {
      const n = counts[k]
      log += lnGamma(n + b) - lgB
      sum += ((n + b) / (N + kb)) * digamma(n + b + 1)
    }
    sum += ((K - observed) * b) / (N + kb) * digamma(b + 1)
    logEvidence[g] = log
    entropy[g] = digamma(N + kb + 1) - sum
    if (log > maxLog) maxLog = log
  }
  let weight = 0
  let total = 0
  for (let g = 0; g < grid.length; g++) {
    const w = Math.exp(logEvidence[g] - maxLog)
    weight += w
    total += w * entropy[g]
  }
  return total / weight
}

/**
 * I_NSB(C; W | t) in bits per word, with p_i = 1/N. Histograms with the same counts share one
 * evaluation (most positions are all-silent or nearly so), which keeps 1,000 cells practical.
 */
export function nsbIdentityInformation(hs: WordHistograms): number {
  const K = 2 ** hs.wordLength
  const grid = nsbGrid(K)
  const cache = new Map<string, number>()
  const entropyOf = (counts: number[]): number => {
    counts.sort((a, b) => b - a)
    const key = counts.join(',')
    let h = cache.get(key)
    if (h === undefined) {
      h = nsbEntropy(counts, K, grid)
      cache.set(key, h)
    }
    return h
  }
  const nT = hs.nPositions
  const pooled = pooledHistogram(hs)
  const pooledAt = positionsOf(pooled)
  let total = 0
  for (let t = 0; t < nT; t++) total += entropyOf(countsAt(pooled, pooledAt.get(t)))
  const N = hs.cells.length
  for (const cell of hs.cells) {
    const at = positionsOf(cell)
    let cellTotal = 0
    for (let t = 0; t < nT; t++) cellTotal += entropyOf(countsAt(cell, at.get(t)))
    total -= cellTotal / N
  }
  return total / nT / Math.LN2
}

function positionsOf(h: WordHistogram): Map<number, number> {
  const m = new Map<number, number>()
  for (let k = 0; k < h.pos.length; k++) m.set(h.pos[k], k)
  return m
}

/** The non-zero counts of a histogram at one position (an inactive position is all silent: {n}). */
function countsAt(h: WordHistogram, k: number | undefined): number[] {
  if (k === undefined) return [h.n]
  const out: number[] = []
  for (let e = h.start[k]; e < h.start[k + 1]; e++) out.push(h.count[e])
  return out
}
