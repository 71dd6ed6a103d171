/**
 * Reading an AIB merge table: cuts at K, the information curve, and the rules for choosing K
 * (functional-classification.md §4.2 outputs and §5).
 */
import { SpikelabError } from '../../common/errors.js'
import type { AibResult } from './aib.js'

/** Cluster labels 0…K−1 (numbered by first member cell) after the first N − K merges. */
export function cutAt(aib: AibResult, k: number): Int32Array {
  const N = aib.nCells
  if (!Number.isInteger(k) || k < 1 || k > N) throw new SpikelabError('classify.k', `K must be an integer in 1…${N}`, { field: 'k' })
  const parent = Int32Array.from({ length: 2 * N - 1 }, (_, i) => i)
  for (let m = 0; m < N - k; m++) {
    const { a, b, id } = aib.merges[m]
    parent[a] = id
    parent[b] = id
  }
  const root = (x: number): number => {
    while (parent[x] !== x) x = parent[x]
    return x
  }
  const labelOf = new Map<number, number>()
  const labels = new Int32Array(N)
  for (let i = 0; i < N; i++) {
    const r = root(i)
    let l = labelOf.get(r)
    if (l === undefined) {
      l = labelOf.size
      labelOf.set(r, l)
    }
    labels[i] = l
  }
  return labels
}

/** I(K) for K = 1…N (index K), from I(N) minus the cumulative merge costs. */
export function informationCurve(aib: AibResult): Float64Array {
  const N = aib.nCells
  const curve = new Float64Array(N + 1)
  curve[N] = aib.infoAll
  aib.merges.forEach((m, idx) => (curve[N - idx - 1] = m.infoAfter))
  curve[0] = NaN
  return curve
}

/** c_K: the cost of the merge that takes K clusters to K − 1 (K = 2…N). */
export function mergeCostAt(aib: AibResult, k: number): number {
  return aib.merges[aib.nCells - k].cost
}

export interface KChoice {
  readonly k: number
  readonly score: number
}

/** K_jump = argmax_{2≤K≤⌊N/2⌋} c_K / c_{K+1}; score = that ratio. */
export function kByJump(aib: AibResult): KChoice | null {
  const N = aib.nCells
  let best: KChoice | null = null
  for (let k = 2; k <= Math.floor(N / 2) && k + 1 <= N; k++) {
    const ratio = mergeCostAt(aib, k) / mergeCostAt(aib, k + 1)
    if (best === null || ratio > best.score) best = { k, score: ratio }
  }
  return best
}

/** K_knee = argmax_{1≤K≤N} [I(K)/I(N) − ln K / ln N]. */
export function kByKnee(aib: AibResult): KChoice | null {
  const N = aib.nCells
  if (N < 2 || !(aib.infoAll > 0)) return null
  const curve = informationCurve(aib)
  let best: KChoice | null = null
  for (let k = 1; k <= N; k++) {
    const score = curve[k] / aib.infoAll - Math.log(k) / Math.log(N)
    if (best === null || score > best.score) best = { k, score }
  }
  return best
}

/** K_floor: clusters left when the first merge above s·F would be made (1 if none). */
export function kByFloor(aib: AibResult, floor: number, factor = 3): number {
  const idx = aib.merges.findIndex((m) => m.cost > factor * floor)
  return idx < 0 ? 1 : aib.nCells - idx
}

/** Dendrogram node heights: cumulative loss I(N) − I(after merge), monotone even when costs are not. */
export function dendrogramHeights(aib: AibResult): Float64Array {
  return Float64Array.from(aib.merges, (m) => aib.infoAll - m.infoAfter)
}
