/**
 * Identity information I(C; W | t) and the weighted Jensen–Shannon merge cost on the integer fast
 * path (functional-classification.md §3, §4.1, §7.2): equal repeat counts and p_i = 1/N, so every
 * entropy is log2 n − (1/n) Σ_w G(c_w) with G(x) = x·log2 x from a table.
 */
import { SpikelabError } from '../../common/errors.js'
import { sumHistograms, type WordHistogram, type WordHistograms } from './word-histograms.js'

/** G(x) = x·log2 x for x = 0…maxCount (G(0) = 0). */
export function gTable(maxCount: number): Float64Array {
  const g = new Float64Array(maxCount + 1)
  for (let x = 1; x <= maxCount; x++) g[x] = x * Math.log2(x)
  return g
}

/** Σ_t H_t of a histogram over its active positions (inactive positions have H = 0). */
export function entropySum(h: WordHistogram, g: Float64Array): number {
  const logN = Math.log2(h.n)
  let s = 0
  for (let k = 0; k < h.pos.length; k++) {
    let f = 0
    for (let e = h.start[k]; e < h.start[k + 1]; e++) f += g[h.count[e]]
    s += logN - f / h.n
  }
  return s
}

const MAX_DENSE_POOL = 1 << 24

/** Histogram of all cells together: a dense accumulation when n_t·2^L is small, else a tree of merges. */
export function pooledHistogram(hs: WordHistograms, cells: readonly WordHistogram[] = hs.cells): WordHistogram {
  const A = 2 ** hs.wordLength
  const nT = hs.nPositions
  if (nT * A > MAX_DENSE_POOL || cells.length === 0) return sumHistograms(cells)
  const dense = new Float64Array(nT * A)
  let n = 0
  for (const h of cells) {
    n += h.n
    // Inactive positions hold h.n silent words; add them for every position and correct the active ones.
    for (let t = 0; t < nT; t++) dense[t * A] += h.n
    for (let k = 0; k < h.pos.length; k++) {
      const row = h.pos[k] * A
      dense[row] -= h.n
      for (let e = h.start[k]; e < h.start[k + 1]; e++) dense[row + h.code[e]] += h.count[e]
    }
  }
  const pos: number[] = []
  const start: number[] = [0]
  const codes: number[] = []
  const counts: number[] = []
  for (let t = 0; t < nT; t++) {
    const row = t * A
    if (dense[row] === n) continue
    for (let w = 0; w < A; w++)
      if (dense[row + w] > 0) {
        codes.push(w)
        counts.push(dense[row + w])
      }
    pos.push(t)
    start.push(codes.length)
  }
  return { n, pos: Int32Array.from(pos), start: Int32Array.from(start), code: Uint32Array.from(codes), count: Uint32Array.from(counts) }
}

/** Number of distinct words summed over active positions, and the count of active positions. */
function distinctWords(h: WordHistogram): { words: number; active: number } {
  return { words: h.start[h.pos.length], active: h.pos.length }
}

export interface IdentityInformation {
  /** Plug-in I(C; W | t), bits per word. */
  readonly plugin: number
  /** Panzeri–Treves first-order bias ⟨bias_t⟩_t (§8.2). */
  readonly ptBias: number
  /** plugin − ptBias. */
  readonly pt: number
}

function checkEqualRepeats(hs: WordHistograms): void {
  for (const h of hs.cells)
    if (h.n !== hs.nRepeats) throw new SpikelabError('classify.repeats', 'every cell needs the same number of repeats for the integer fast path', { field: 'trial' })
}

/**
 * Plug-in identity information with the PT correction. bias_t = [Σ_i (R̃_{i,t} − 1) − (R̃_t − 1)] / (2·N·R·ln 2),
 * with R̃ the number of observed words (an all-silent position has R̃ = 1).
 */
export function identityInformation(hs: WordHistograms, g: Float64Array = gTable(hs.nCells * hs.nRepeats)): IdentityInformation {
  checkEqualRepeats(hs)
  const N = hs.nCells
  const pooled = pooledHistogram(hs)
  let cellEntropy = 0
  let cellExtraWords = 0
  for (const h of hs.cells) {
    cellEntropy += entropySum(h, g)
    const d = distinctWords(h)
    cellExtraWords += d.words - d.active
  }
  const pooledWords = distinctWords(pooled)
  const nT = hs.nPositions
  const plugin = (entropySum(pooled, g) - cellEntropy / N) / nT
  const ptBias = (cellExtraWords - (pooledWords.words - pooledWords.active)) / (2 * N * hs.nRepeats * Math.LN2) / nT
  return { plugin, ptBias, pt: plugin - ptBias }
}

/** Information kept by a partition: ⟨H[P(·|t)] − Σ_c p_c H[P(·|c,t)]⟩_t, recomputed exactly (§3, §7.4). */
export function partitionInformation(hs: WordHistograms, labels: ArrayLike<number>, g: Float64Array = gTable(hs.nCells * hs.nRepeats)): number {
  checkEqualRepeats(hs)
  const groups = new Map<number, WordHistogram[]>()
  for (let i = 0; i < hs.nCells; i++) {
    const l = labels[i]
    const list = groups.get(l)
    if (list) list.push(hs.cells[i])
    else groups.set(l, [hs.cells[i]])
  }
  let within = 0
  for (const members of groups.values()) within += (members.length / hs.nCells) * entropySum(pooledHistogram(hs, members), g)
  return (entropySum(pooledHistogram(hs), g) - within) / hs.nPositions
}

/**
 * Σ_t X_t of §7.2 for clusters a and b, X_t = G(n_a+n_b) − G(n_a) − G(n_b) − Σ_{w∈a∩b}[G(c_a+c_b) − G(c_a) − G(c_b)].
 * Only positions active in either cluster contribute; ΔI = result / (N·R·n_t).
 */
export function mergeCostSum(a: WordHistogram, b: WordHistogram, g: Float64Array): number {
  const na = a.n
  const nb = b.n
  const base = g[na + nb] - g[na] - g[nb]
  const ap = a.pos
  const bp = b.pos
  const as = a.start
  const bs = b.start
  const ac = a.code
  const bc = b.code
  const an = a.count
  const bn = b.count
  let sum = 0
  let i = 0
  let j = 0
  const la = ap.length
  const lb = bp.length
  while (i < la || j < lb) {
    const pa = i < la ? ap[i] : 0x7fffffff
    const pb = j < lb ? bp[j] : 0x7fffffff
    let x = base
    if (pa < pb) {
      // b is all silent here: only the silent word can be shared.
      const e = as[i]
      if (ac[e] === 0) {
        const c = an[e]
        x -= g[c + nb] - g[c] - g[nb]
      }
      i++
    } else if (pb < pa) {
      const e = bs[j]
      if (bc[e] === 0) {
        const c = bn[e]
        x -= g[c + na] - g[c] - g[na]
      }
      j++
    } else {
      let u = as[i]
      let v = bs[j]
      const ue = as[i + 1]
      const ve = bs[j + 1]
      while (u < ue && v < ve) {
        const cu = ac[u]
        const cv = bc[v]
        if (cu < cv) u++
        else if (cv < cu) v++
        else {
          const p = an[u]
          const q = bn[v]
          x -= g[p + q] - g[p] - g[q]
          u++
          v++
        }
      }
      i++
      j++
    }
    sum += x
  }
  return sum
}

/** Merge cost ΔI(a, b) in bits for N cells with R repeats and n_t positions; tiny negatives from rounding clamp to 0. */
export function mergeCost(a: WordHistogram, b: WordHistogram, g: Float64Array, nCells: number, nRepeats: number, nPositions: number): number {
  const v = mergeCostSum(a, b, g) / (nCells * nRepeats * nPositions)
  return v < 0 && v > -1e-12 ? 0 : v
}

/** PT bias of a merge cost (§8.3): (p_a+p_b)·⟨[(R̃_a−1)+(R̃_b−1)−(R̃_ab−1)] / (2(n_a+n_b) ln 2)⟩_t. */
export function mergeCostBias(a: WordHistogram, b: WordHistogram, merged: WordHistogram, nCells: number, nRepeats: number, nPositions: number): number {
  const extra = (h: WordHistogram): number => h.start[h.pos.length] - h.pos.length
  const pSum = (a.n + b.n) / (nRepeats * nCells)
  return (pSum * (extra(a) + extra(b) - extra(merged))) / (2 * (a.n + b.n) * Math.LN2) / nPositions
}

/**
 * Per-cell identifiability i_i = ⟨KL(P(·|i,t) ‖ P(·|t))⟩_t in bits (§3): how distinct a cell is from the
 * population average; Σ_i p_i i_i = I(C; W | t). Sorting by it gives the "uniqueness" list.
 */
export function cellIdentifiability(hs: WordHistograms): Float64Array {
  checkEqualRepeats(hs)
  const pooled = pooledHistogram(hs)
  const np = pooled.n
  const out = new Float64Array(hs.nCells)
  hs.cells.forEach((h, i) => {
    let sum = 0
    let j = 0
    for (let k = 0; k < pooled.pos.length; k++) {
      const t = pooled.pos[k]
      while (j < h.pos.length && h.pos[j] < t) j++
      const ps = pooled.start[k]
      if (j < h.pos.length && h.pos[j] === t) {
        let u = ps
        for (let e = h.start[j]; e < h.start[j + 1]; e++) {
          while (pooled.code[u] < h.code[e]) u++
          const p = h.count[e] / h.n
          sum += p * Math.log2((p * np) / pooled.count[u])
        }
      } else if (pooled.code[ps] === 0) sum += Math.log2(np / pooled.count[ps]) // cell all silent here
    }
    out[i] = sum / hs.nPositions
  })
  return out
}
