/**
 * Sequential IB refinement at fixed K (Slonim, Friedman & Tishby 2002; functional-classification.md §6):
 * each cell in turn leaves its cluster and joins the one with the smallest merge cost; I(K) never falls.
 */
import { SpikelabError } from '../../common/errors.js'
import { seededPermutation } from './estimators.js'
import { gTable, mergeCostSum, partitionInformation } from './information.js'
import { JobControl, type JobHooks } from './job-control.js'
import { addHistograms, sumHistograms, type WordHistogram, type WordHistograms } from './word-histograms.js'

/** a − b for b contained in a; positions that become all silent are dropped. */
export function subtractHistogram(a: WordHistogram, b: WordHistogram): WordHistogram {
  const n = a.n - b.n
  const pos: number[] = []
  const start: number[] = [0]
  const codes: number[] = []
  const counts: number[] = []
  let j = 0
  for (let i = 0; i < a.pos.length; i++) {
    const p = a.pos[i]
    while (j < b.pos.length && b.pos[j] < p) j++
    const bActive = j < b.pos.length && b.pos[j] === p
    let v = bActive ? b.start[j] : -1
    const ve = bActive ? b.start[j + 1] : -1
    const from = codes.length
    for (let e = a.start[i]; e < a.start[i + 1]; e++) {
      const c = a.code[e]
      let sub = 0
      if (bActive) {
        while (v < ve && b.code[v] < c) v++
        if (v < ve && b.code[v] === c) sub = b.count[v]
      } else if (c === 0) sub = b.n
      const left = a.count[e] - sub
      if (left > 0) {
        codes.push(c)
        counts.push(left)
      }
    }
    // Keep the position only if something other than "all silent" remains.
    if (codes.length - from === 0 || (codes.length - from === 1 && codes[from] === 0)) {
      codes.length = from
      counts.length = from
      continue
    }
    pos.push(p)
    start.push(codes.length)
  }
  return { n, pos: Int32Array.from(pos), start: Int32Array.from(start), code: Uint32Array.from(codes), count: Uint32Array.from(counts) }
}

export interface SequentialIBResult {
  readonly labels: Int32Array
  /** I(K) of the refined partition, recomputed exactly. */
  readonly info: number
  readonly sweeps: number
  readonly moves: number
}

export async function sequentialIB(hs: WordHistograms, initial: ArrayLike<number>, options: JobHooks & { maxSweeps?: number; seed?: number; job?: JobControl } = {}): Promise<SequentialIBResult> {
  const N = hs.nCells
  const labels = Int32Array.from(initial)
  const K = Math.max(...labels) + 1
  if (labels.length !== N) throw new SpikelabError('classify.labels', `expected ${N} labels, got ${labels.length}`, { field: 'labels' })
  const job = options.job ?? new JobControl(options)
  const g = gTable(N * hs.nRepeats)
  const members = Array.from({ length: K }, () => 0)
  for (const l of labels) members[l]++
  if (members.some((m) => m === 0)) throw new SpikelabError('classify.labels', 'every cluster of the initial partition needs a member', { field: 'labels' })
  const clusters: WordHistogram[] = Array.from({ length: K }, (_, k) => sumHistograms(hs.cells.filter((_, i) => labels[i] === k)))
  const order = seededPermutation(N, options.seed ?? 1)
  const maxSweeps = options.maxSweeps ?? 50
  let sweeps = 0
  let moves = 0
  for (; sweeps < maxSweeps; ) {
    sweeps++
    let moved = 0
    for (const x of order) {
      const from = labels[x]
      if (members[from] === 1) continue // keep K clusters
      const hx = hs.cells[x]
      clusters[from] = subtractHistogram(clusters[from], hx)
      members[from]--
      let bestK = -1
      let bestV = Infinity
      for (let k = 0; k < K; k++) {
        const v = mergeCostSum(hx, clusters[k], g)
        if (v < bestV) {
          bestV = v
          bestK = k
        }
      }
      clusters[bestK] = addHistograms(clusters[bestK], hx)
      members[bestK]++
      if (bestK !== from) {
        labels[x] = bestK
        moved++
      }
      await job.checkpoint()
    }
    moves += moved
    if (moved === 0) break
  }
  return { labels, info: partitionInformation(hs, labels, g), sweeps, moves }
}
