/**
 * Fast merge-cost evaluation for the AIB (functional-classification.md §7.2–7.3).
 *
 * A cluster is stored as its silent-word count per position (dense) plus its non-silent words as
 * sorted keys t·2^L + w (sparse). With f(x, y) = G(x+y) − G(x) − G(y):
 *
 *   Σ_t X_t = Σ_t [f(n_a, n_b) − f(s_a(t), s_b(t))] − Σ_{(t,w) non-silent in both} f(c_a, c_b)
 *
 * One cluster (a) is "scattered" into dense tables once; every partner b then costs one pass over
 * b's active positions and b's non-silent keys, with no branches and no merge-join:
 * - silent sum = solo_a(n_b) + Σ_{t active in b} [f(s_a, n_b) − f(s_a, s_b)], where
 *   solo_a(n_b) = Σ_{t active in a} [f(n_a, n_b) − f(s_a, n_b)] is cached per partner size;
 * - shared sum: a's counts sit in a scratch table indexed by key; f(0, y) = 0 covers absent words.
 * Pairs of single cells use a precomputed (R+1)² table of f; a merged cluster against a single cell
 * uses rows of f for the cluster's distinct counts.
 */
import type { WordHistogram } from './word-histograms.js'

export interface DenseCluster {
  /** Samples per position (m·R). */
  readonly n: number
  /** Silent-word count at every position. */
  readonly silent: Int32Array
  /** Non-silent (position, word) keys t·2^L + w, ascending. */
  readonly keys: Int32Array
  readonly counts: Int32Array
  /** Positions where some repeat is non-silent, and the silent count there. */
  readonly activePos: Int32Array
  readonly activeSilent: Int32Array
}

function activeOf(silent: Int32Array, n: number): { activePos: Int32Array; activeSilent: Int32Array } {
  let m = 0
  for (let t = 0; t < silent.length; t++) if (silent[t] < n) m++
  const activePos = new Int32Array(m)
  const activeSilent = new Int32Array(m)
  m = 0
  for (let t = 0; t < silent.length; t++)
    if (silent[t] < n) {
      activePos[m] = t
      activeSilent[m++] = silent[t]
    }
  return { activePos, activeSilent }
}

export function denseFromHistogram(h: WordHistogram, nPositions: number, wordLength: number): DenseCluster {
  const silent = new Int32Array(nPositions).fill(h.n)
  let nonSilent = 0
  for (let e = 0; e < h.code.length; e++) if (h.code[e] !== 0) nonSilent++
  const keys = new Int32Array(nonSilent)
  const counts = new Int32Array(nonSilent)
  let o = 0
  for (let k = 0; k < h.pos.length; k++) {
    const t = h.pos[k]
    silent[t] = 0
    for (let e = h.start[k]; e < h.start[k + 1]; e++) {
      if (h.code[e] === 0) silent[t] = h.count[e]
      else {
        keys[o] = t * (1 << wordLength) + h.code[e]
        counts[o++] = h.count[e]
      }
    }
  }
  return { n: h.n, silent, keys, counts, ...activeOf(silent, h.n) }
}

export function mergeDense(a: DenseCluster, b: DenseCluster): DenseCluster {
  const silent = new Int32Array(a.silent.length)
  for (let t = 0; t < silent.length; t++) silent[t] = a.silent[t] + b.silent[t]
  const keys = new Int32Array(a.keys.length + b.keys.length)
  const counts = new Int32Array(keys.length)
  let i = 0
  let j = 0
  let o = 0
  while (i < a.keys.length || j < b.keys.length) {
    const ka = i < a.keys.length ? a.keys[i] : 0x7fffffff
    const kb = j < b.keys.length ? b.keys[j] : 0x7fffffff
    if (ka < kb) {
      keys[o] = ka
      counts[o++] = a.counts[i++]
    } else if (kb < ka) {
      keys[o] = kb
      counts[o++] = b.counts[j++]
    } else {
      keys[o] = ka
      counts[o++] = a.counts[i++] + b.counts[j++]
    }
  }
  return { n: a.n + b.n, silent, keys: keys.slice(0, o), counts: counts.slice(0, o), ...activeOf(silent, a.n + b.n) }
}

/** Largest dense scratch table (entries) the engine allocates; beyond it callers use the merge-join path. */
export const MAX_DENSE_KEYS = 1 << 26

export class DenseCostEngine {
  private readonly scratch: Int32Array
  private scattered: DenseCluster | null = null
  /** f(x, y) for 0 ≤ x, y ≤ R: pairs of single cells, the bulk of all evaluations, use one lookup. */
  private readonly f2: Float64Array
  /** h2[x, y] = f(x, R) − f(x, y): the silent term at a position where b is active, relative to b silent. */
  private readonly h2: Float64Array
  private readonly w: number
  /** Σ_{t active in a} [f(R,R) − f(s_a(t), R)] of the scattered single cell: its silent term against an all-silent partner. */
  private soloSum = 0
  /** The same for a general scattered cluster, by partner size n_b. */
  private readonly soloByPartnerSize = new Map<number, number>()
  /**
   * For a scattered merged cluster against single cells (the bulk of the merge phase): rows of
   * f(x, y), y = 0…R, for each distinct count x of the cluster, and the row offset of every key and position.
   */
  private rows = new Float64Array(0)
  private readonly rowOfValue: Int32Array
  private readonly keyRow: Int32Array
  private readonly silentRow: Int32Array

  constructor(
    nPositions: number,
    wordLength: number,
    private readonly g: Float64Array,
    private readonly nRepeats: number,
  ) {
    this.scratch = new Int32Array(nPositions * (1 << wordLength))
    this.keyRow = new Int32Array(this.scratch.length)
    this.silentRow = new Int32Array(nPositions)
    this.rowOfValue = new Int32Array(g.length).fill(-1)
    this.w = nRepeats + 1
    this.f2 = new Float64Array(this.w * this.w)
    for (let x = 0; x <= nRepeats; x++) for (let y = 0; y <= nRepeats; y++) this.f2[x * this.w + y] = g[x + y] - g[x] - g[y]
    this.h2 = new Float64Array(this.w * this.w)
    for (let x = 0; x <= nRepeats; x++) for (let y = 0; y <= nRepeats; y++) this.h2[x * this.w + y] = this.f2[x * this.w + nRepeats] - this.f2[x * this.w + y]
  }

  static fits(nPositions: number, wordLength: number): boolean {
    return nPositions * 2 ** wordLength <= MAX_DENSE_KEYS
  }

  /** Makes `a` the cluster whose non-silent counts sit in the scratch table. */
  scatter(a: DenseCluster): void {
    if (this.scattered === a) return
    const s = this.scratch
    if (this.scattered) {
      for (const k of this.scattered.keys) s[k] = 0
      if (this.scattered.n !== this.nRepeats) for (const k of this.scattered.keys) this.keyRow[k] = 0
    }
    for (let e = 0; e < a.keys.length; e++) s[a.keys[e]] = a.counts[e]
    this.scattered = a
    this.soloByPartnerSize.clear()
    if (a.n === this.nRepeats) {
      const R = this.nRepeats
      const base = this.f2[R * this.w + R]
      let solo = 0
      for (let q = 0; q < a.activeSilent.length; q++) solo += base - this.f2[a.activeSilent[q] * this.w + R]
      this.soloSum = solo
    } else this.buildRows(a)
  }

  private buildRows(a: DenseCluster): void {
    const values: number[] = [0]
    const rowOf = this.rowOfValue
    rowOf[0] = 0
    const note = (x: number): number => {
      if (rowOf[x] < 0) {
        rowOf[x] = values.length
        values.push(x)
      }
      return rowOf[x] * this.w
    }
    for (let e = 0; e < a.keys.length; e++) this.keyRow[a.keys[e]] = note(a.counts[e])
    for (let t = 0; t < a.silent.length; t++) this.silentRow[t] = note(a.silent[t])
    const w = this.w
    const g = this.g
    if (this.rows.length < values.length * w) this.rows = new Float64Array(values.length * w * 2)
    values.forEach((x, r) => {
      for (let y = 0; y < w; y++) this.rows[r * w + y] = g[x + y] - g[x] - g[y]
      rowOf[x] = -1
    })
  }

  /** Σ_t X_t for the scattered cluster and b (divide by N·R·n_t for ΔI). */
  costSum(b: DenseCluster): number {
    const a = this.scattered!
    return a.n === this.nRepeats && b.n === this.nRepeats ? this.costSingle(a, b) : this.costGeneral(a, b)
  }

  // f(0, y) = 0 exactly, so absent words need no branch in either path.
  // Silent term: Σ_t [f(R,R) − f(s_a, s_b)] = soloSum(a) + Σ_{t active in b} [f(s_a, R) − f(s_a, s_b)],
  // because positions where b is silent contribute f(R,R) − f(s_a, R), which soloSum already holds.
  private costSingle(a: DenseCluster, b: DenseCluster): number {
    const silent = this.soloSum + silentSumSingle(this.h2, this.w, a.silent, b.activePos, b.activeSilent)
    return silent - sharedSumSingle(this.f2, this.w, this.scratch, b.keys, b.counts)
  }

  /**
   * General sizes: Σ_t [f(n_a,n_b) − f(s_a,s_b)] = solo_a(n_b) + Σ_{t active in b} [f(s_a,n_b) − f(s_a,s_b)],
   * with solo_a(n_b) = Σ_{t active in a} [f(n_a,n_b) − f(s_a,n_b)] cached per partner size.
   */
  private costGeneral(a: DenseCluster, b: DenseCluster): number {
    const g = this.g
    const nb = b.n
    if (nb === this.nRepeats) return this.costMergedVsSingle(a, b)
    let solo = this.soloByPartnerSize.get(nb)
    if (solo === undefined) {
      const base = g[a.n + nb] - g[a.n] - g[nb]
      solo = 0
      for (let q = 0; q < a.activeSilent.length; q++) {
        const x = a.activeSilent[q]
        solo += base - (g[x + nb] - g[x] - g[nb])
      }
      this.soloByPartnerSize.set(nb, solo)
    }
    return solo + silentSumGeneral(g, a.silent, nb, b.activePos, b.activeSilent) - sharedSumGeneral(g, this.scratch, b.keys, b.counts)
  }

  /** Scattered merged cluster a against a single cell b, through the per-cluster rows of f. */
  private costMergedVsSingle(a: DenseCluster, b: DenseCluster): number {
    const R = this.nRepeats
    let solo = this.soloByPartnerSize.get(R)
    if (solo === undefined) {
      const g = this.g
      const base = g[a.n + R] - g[a.n] - g[R]
      solo = 0
      for (let q = 0; q < a.activeSilent.length; q++) {
        const x = a.activeSilent[q]
        solo += base - (g[x + R] - g[x] - g[R])
      }
      this.soloByPartnerSize.set(R, solo)
    }
    return solo + silentSumRows(this.rows, R, this.silentRow, b.activePos, b.activeSilent) - sharedSumRows(this.rows, this.keyRow, b.keys, b.counts)
  }
}

// Small monomorphic loops: V8 optimises these far better than one large method.
function silentSumSingle(h2: Float64Array, w: number, sa: Int32Array, bPos: Int32Array, bSilent: Int32Array): number {
  let sum = 0
  for (let q = 0; q < bPos.length; q++) sum += h2[sa[bPos[q]] * w + bSilent[q]]
  return sum
}

function sharedSumSingle(f2: Float64Array, w: number, scratch: Int32Array, keys: Int32Array, counts: Int32Array): number {
  let shared = 0
  for (let e = 0; e < keys.length; e++) shared += f2[scratch[keys[e]] * w + counts[e]]
  return shared
}

function silentSumGeneral(g: Float64Array, sa: Int32Array, nb: number, bPos: Int32Array, bSilent: Int32Array): number {
  let sum = 0
  // f(x, n_b) − f(x, y) = G(x+n_b) − G(n_b) − G(x+y) + G(y)
  for (let q = 0; q < bPos.length; q++) {
    const x = sa[bPos[q]]
    const y = bSilent[q]
    sum += g[x + nb] - g[nb] - g[x + y] + g[y]
  }
  return sum
}

function sharedSumGeneral(g: Float64Array, scratch: Int32Array, keys: Int32Array, counts: Int32Array): number {
  let shared = 0
  for (let e = 0; e < keys.length; e++) {
    const x = scratch[keys[e]]
    const y = counts[e]
    shared += g[x + y] - g[x] - g[y]
  }
  return shared
}

// f(x, R) − f(x, y) from the row of x.
function silentSumRows(rows: Float64Array, R: number, silentRow: Int32Array, bPos: Int32Array, bSilent: Int32Array): number {
  let sum = 0
  for (let q = 0; q < bPos.length; q++) {
    const row = silentRow[bPos[q]]
    sum += rows[row + R] - rows[row + bSilent[q]]
  }
  return sum
}

function sharedSumRows(rows: Float64Array, keyRow: Int32Array, keys: Int32Array, counts: Int32Array): number {
  let shared = 0
  for (let e = 0; e < keys.length; e++) shared += rows[keyRow[keys[e]] + counts[e]]
  return shared
}
