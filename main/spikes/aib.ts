/**
 * Agglomerative information bottleneck (Slonim & Tishby; functional-classification.md §4.2):
 * greedily merge the pair with the smallest weighted Jensen–Shannon cost, ties to the smallest
 * (min id, max id) pair, new ids N, N+1, …. Best-partner caching (§7.3) over a full cost matrix keeps
 * each merge at O(N) cost evaluations plus rescans of rows whose partner disappeared.
 */
import { DenseCostEngine, denseFromHistogram, mergeDense } from './dense-cost.js'
import { gTable, mergeCostSum } from './information.js'
import { JobControl, type JobHooks } from './job-control.js'
import { addHistograms, type WordHistograms } from './word-histograms.js'

export interface Merge {
  readonly a: number
  readonly b: number
  readonly id: number
  /** ΔI in bits. */
  readonly cost: number
  /** I after this merge (I(N) minus cumulative costs). */
  readonly infoAfter: number
  readonly size: number
}

export interface AibResult {
  readonly nCells: number
  /** I(N), plug-in bits per word. */
  readonly infoAll: number
  /** N − 1 merges in order. */
  readonly merges: readonly Merge[]
  /** ΔI (bits) of every pair of single cells before any merge, N × N row-major (the pairwise divergences). */
  readonly pairCosts?: Float64Array
}

export interface AibOptions extends JobHooks {
  /** Fraction range of the overall job this AIB occupies, for progress reporting. */
  readonly progressRange?: readonly [number, number]
  /** The enclosing job's control, so throttling spans the whole job. */
  readonly job?: JobControl
}

/** How clusters are stored and compared: `prepare(a)` readies a as the left side of `costSum(a, b)`. */
interface CostBackend<C> {
  readonly clusters: C[]
  merge(a: C, b: C): C
  prepare(a: C): void
  costSum(a: C, b: C): number
}

function denseBackend(hs: WordHistograms, g: Float64Array): CostBackend<ReturnType<typeof denseFromHistogram>> {
  const engine = new DenseCostEngine(hs.nPositions, hs.wordLength, g, hs.nRepeats)
  return {
    clusters: hs.cells.map((h) => denseFromHistogram(h, hs.nPositions, hs.wordLength)),
    merge: mergeDense,
    prepare: (a) => engine.scatter(a),
    costSum: (_a, b) => engine.costSum(b),
  }
}

function mergeJoinBackend(hs: WordHistograms, g: Float64Array): CostBackend<WordHistograms['cells'][number]> {
  return { clusters: hs.cells.slice(), merge: addHistograms, prepare: () => {}, costSum: (a, b) => mergeCostSum(a, b, g) }
}

export async function agglomerativeIB(hs: WordHistograms, infoAll: number, options: AibOptions = {}): Promise<AibResult> {
  const g = gTable(hs.nCells * hs.nRepeats)
  return DenseCostEngine.fits(hs.nPositions, hs.wordLength) ? runAib(hs, infoAll, options, denseBackend(hs, g)) : runAib(hs, infoAll, options, mergeJoinBackend(hs, g))
}

async function runAib<C>(hs: WordHistograms, infoAll: number, options: AibOptions, backend: CostBackend<C>): Promise<AibResult> {
  const N = hs.nCells
  const R = hs.nRepeats
  const norm = 1 / (N * R * hs.nPositions)
  const job = options.job ?? new JobControl(options)
  const [p0, p1] = options.progressRange ?? [0, 1]
  const report = (f: number): void => job.progress('aib', p0 + (p1 - p0) * f)
  const cost = (x: C, y: C): number => {
    const v = backend.costSum(x, y) * norm
    return v < 0 && v > -1e-12 ? 0 : v
  }

  // Slot s holds one active cluster; merges keep the result in the smaller slot.
  const hist: (C | null)[] = backend.clusters
  const idAt = Int32Array.from({ length: N }, (_, s) => s)
  const size = new Int32Array(N).fill(1)
  const active = new Uint8Array(N).fill(1)
  const C = new Float64Array(N * N)
  const best = new Int32Array(N).fill(-1)
  const bestCost = new Float64Array(N).fill(Infinity)

  const totalPairs = (N * (N - 1)) / 2
  let done = 0
  for (let a = 0; a < N; a++) {
    backend.prepare(hist[a]!)
    for (let b = a + 1; b < N; b++) {
      const v = cost(hist[a]!, hist[b]!)
      C[a * N + b] = v
      C[b * N + a] = v
    }
    done += N - 1 - a
    report((0.6 * done) / Math.max(1, totalPairs))
    await job.checkpoint()
  }
  const pairCosts = C.slice()
  const rescan = (s: number): void => {
    let bs = -1
    let bc = Infinity
    const row = s * N
    for (let k = 0; k < N; k++) {
      if (k === s || !active[k]) continue
      const v = C[row + k]
      if (v < bc || (v === bc && idAt[k] < idAt[bs])) {
        bc = v
        bs = k
      }
    }
    best[s] = bs
    bestCost[s] = bc
  }
  for (let s = 0; s < N; s++) rescan(s)

  const merges: Merge[] = []
  let info = infoAll
  let nextId = N
  for (let step = 0; step < N - 1; step++) {
    // Global argmin over cached bests; ties → smallest (min id, max id).
    let sa = -1
    let ca = Infinity
    let keyLo = 0
    let keyHi = 0
    for (let s = 0; s < N; s++) {
      if (!active[s]) continue
      const v = bestCost[s]
      const x = idAt[s]
      const y = idAt[best[s]]
      const lo = Math.min(x, y)
      const hi = Math.max(x, y)
      if (v < ca || (v === ca && (lo < keyLo || (lo === keyLo && hi < keyHi)))) {
        ca = v
        sa = s
        keyLo = lo
        keyHi = hi
      }
    }
    let sb = best[sa]
    if (sb < sa) [sa, sb] = [sb, sa]
    const ha = hist[sa]!
    const hb = hist[sb]!
    const merged = backend.merge(ha, hb)
    const newId = nextId++
    const idA = idAt[sa]
    const idB = idAt[sb]
    info -= ca
    size[sa] += size[sb]
    merges.push({ a: Math.min(idA, idB), b: Math.max(idA, idB), id: newId, cost: ca, infoAfter: info, size: size[sa] })
    hist[sa] = merged
    hist[sb] = null
    active[sb] = 0
    idAt[sa] = newId
    backend.prepare(merged)
    for (let k = 0; k < N; k++) {
      if (!active[k] || k === sa) continue
      const v = cost(merged, hist[k]!)
      C[sa * N + k] = v
      C[k * N + sa] = v
    }
    for (let k = 0; k < N; k++) {
      if (!active[k] || k === sa) continue
      if (best[k] === sa || best[k] === sb) rescan(k)
      else {
        const v = C[k * N + sa]
        if (v < bestCost[k] || (v === bestCost[k] && newId < idAt[best[k]])) {
          bestCost[k] = v
          best[k] = sa
        }
      }
    }
    rescan(sa)
    report(0.6 + (0.4 * (step + 1)) / (N - 1))
    await job.checkpoint()
  }
  return { nCells: N, infoAll, merges, pairCosts }
}
