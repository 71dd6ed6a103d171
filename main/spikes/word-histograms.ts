/**
 * Sparse per-cell word histograms P(w | i, t) counted over repeats (functional-classification.md
 * §2, §7.1). Each histogram is CSR over its *active* positions (some repeat non-silent); at every
 * other position the histogram is implicitly {silent word: n}. Codes are sorted ascending, so the
 * silent word 0 comes first where present.
 */
import { SpikelabError } from '../../common/errors.js'
import type { RepeatedResponses } from './responses.js'

export interface WordHistogram {
  /** Samples per position: m·R for a cluster of m cells. */
  readonly n: number
  readonly pos: Int32Array
  /** Offsets into code/count, length pos.length + 1. */
  readonly start: Int32Array
  readonly code: Uint32Array
  readonly count: Uint32Array
}

export interface WordOptions {
  /** Word length L in bins (1…16). */
  readonly wordLength: number
  /** Stride s in bins (default 1). */
  readonly stride?: number
}

export interface WordHistograms {
  readonly nCells: number
  readonly nRepeats: number
  readonly nPositions: number
  readonly wordLength: number
  readonly stride: number
  readonly cells: readonly WordHistogram[]
}

export const MAX_WORD_LENGTH = 16

export function positionCount(nBins: number, wordLength: number, stride: number): number {
  return nBins >= wordLength ? Math.floor((nBins - wordLength) / stride) + 1 : 0
}

/** Scratch for counting codes at one position: dense counts plus the list of touched codes. */
class CodeCounter {
  private readonly counts: Uint32Array
  private readonly touched: Uint32Array
  private nTouched = 0
  constructor(alphabet: number, maxDistinct: number) {
    this.counts = new Uint32Array(alphabet)
    this.touched = new Uint32Array(Math.min(alphabet, maxDistinct))
  }
  add(code: number, c: number): void {
    if (this.counts[code] === 0) this.touched[this.nTouched++] = code
    this.counts[code] += c
  }
  /** Appends (code, count) sorted by code, then resets. */
  flush(codes: number[], counts: number[]): number {
    const t = this.touched.subarray(0, this.nTouched).sort()
    for (const c of t) {
      codes.push(c)
      counts.push(this.counts[c])
      this.counts[c] = 0
    }
    const n = this.nTouched
    this.nTouched = 0
    return n
  }
}

/** Reusable buffers for building one cell's histogram. */
class HistogramScratch {
  evPos = new Int32Array(1024)
  evCode = new Int32Array(1024)
  order = new Int32Array(1024)
  bucket: Int32Array
  fill: Int32Array
  outCodes: number[] = []
  outCounts: number[] = []
  constructor(nT: number) {
    this.bucket = new Int32Array(nT + 1)
    this.fill = new Int32Array(nT)
  }
  grow(n: number): void {
    if (n <= this.evPos.length) return
    const size = Math.max(n, 2 * this.evPos.length)
    const p = new Int32Array(size)
    p.set(this.evPos)
    const c = new Int32Array(size)
    c.set(this.evCode)
    this.evPos = p
    this.evCode = c
    this.order = new Int32Array(size)
  }
}

/** Histogram of one cell over its repeats. */
function cellHistogram(resp: RepeatedResponses, cell: number, L: number, s: number, nT: number, counter: CodeCounter, sc: HistogramScratch): WordHistogram {
  const R = resp.nRepeats
  // Non-silent (position, code) events of every repeat.
  let nEv = 0
  const top = 1 << (L - 1)
  for (let r = 0; r < R; r++) {
    const occ = resp.occupied[cell * R + r]
    sc.grow(nEv + occ.length * L)
    const evPos = sc.evPos
    const evCode = sc.evCode
    let lastT = -1
    let lo = 0
    for (let q = 0; q < occ.length; q++) {
      const k = occ[q]
      // Word starts t with t ≤ k ≤ t+L−1, on the stride grid, within [0, (nT−1)·s].
      let t = Math.max(lastT + 1, k - L + 1, 0)
      t = Math.ceil(t / s) * s
      const tMax = Math.min(k, (nT - 1) * s)
      for (; t <= tMax; t += s) {
        while (occ[lo] < t) lo++
        let code = 0
        for (let u = lo; u < occ.length && occ[u] <= t + L - 1; u++) code |= top >>> (occ[u] - t)
        evPos[nEv] = t / s
        evCode[nEv++] = code
        lastT = t
      }
    }
  }
  // Counting sort by position.
  const { bucket, fill, order, evPos, evCode } = sc
  bucket.fill(0)
  for (let e = 0; e < nEv; e++) bucket[evPos[e] + 1]++
  for (let p = 0; p < nT; p++) bucket[p + 1] += bucket[p]
  fill.set(bucket.subarray(0, nT))
  for (let e = 0; e < nEv; e++) order[fill[evPos[e]]++] = e
  let nActive = 0
  for (let p = 0; p < nT; p++) if (bucket[p + 1] > bucket[p]) nActive++
  const pos = new Int32Array(nActive)
  const start = new Int32Array(nActive + 1)
  const codes = sc.outCodes
  const counts = sc.outCounts
  codes.length = 0
  counts.length = 0
  let a = 0
  for (let p = 0; p < nT; p++) {
    const from = bucket[p]
    const to = bucket[p + 1]
    if (from === to) continue
    const silent = R - (to - from)
    if (silent > 0) counter.add(0, silent)
    for (let e = from; e < to; e++) counter.add(evCode[order[e]], 1)
    counter.flush(codes, counts)
    pos[a++] = p
    start[a] = codes.length
  }
  return { n: R, pos, start, code: Uint32Array.from(codes), count: Uint32Array.from(counts) }
}

/** Binary words of L bins (first bin = most significant bit) at every stride position. */
export function buildWordHistograms(resp: RepeatedResponses, o: WordOptions): WordHistograms {
  const L = o.wordLength
  const s = o.stride ?? 1
  if (!Number.isInteger(L) || L < 1 || L > MAX_WORD_LENGTH)
    throw new SpikelabError('classify.option', `word length must be an integer in 1…${MAX_WORD_LENGTH}`, { field: 'wordLength' })
  if (!Number.isInteger(s) || s < 1 || s > L) throw new SpikelabError('classify.option', 'stride must be an integer in 1…L', { field: 'stride' })
  const nT = positionCount(resp.nBins, L, s)
  if (nT < 1) throw new SpikelabError('classify.option', 'the repeat is shorter than one word', { field: 'wordLength' })
  const counter = new CodeCounter(1 << L, resp.nRepeats + 1)
  const scratch = new HistogramScratch(nT)
  const cells: WordHistogram[] = []
  for (let i = 0; i < resp.nCells; i++) cells.push(cellHistogram(resp, i, L, s, nT, counter, scratch))
  return { nCells: resp.nCells, nRepeats: resp.nRepeats, nPositions: nT, wordLength: L, stride: s, cells }
}

/** Histogram built directly from counts; used for hand-made test vectors and imports. */
export function histogramFromCounts(n: number, perPosition: readonly (readonly number[])[]): WordHistogram {
  const pos: number[] = []
  const start: number[] = [0]
  const codes: number[] = []
  const counts: number[] = []
  perPosition.forEach((row, p) => {
    const total = row.reduce((a, b) => a + b, 0)
    if (total !== n) throw new SpikelabError('classify.counts', `position ${p} has ${total} samples, expected ${n}`, { row: p + 1 })
    if (row[0] === n) return // all silent: implicit
    row.forEach((c, w) => {
      if (c > 0) {
        codes.push(w)
        counts.push(c)
      }
    })
    pos.push(p)
    start.push(codes.length)
  })
  return { n, pos: Int32Array.from(pos), start: Int32Array.from(start), code: Uint32Array.from(codes), count: Uint32Array.from(counts) }
}

/** Sum of two histograms (a cluster merge), by merge-join over positions and codes. */
export function addHistograms(a: WordHistogram, b: WordHistogram): WordHistogram {
  const pos: number[] = []
  const start: number[] = [0]
  const codes: number[] = []
  const counts: number[] = []
  let i = 0
  let j = 0
  const copy = (h: WordHistogram, k: number, silentExtra: number): void => {
    let e = h.start[k]
    const end = h.start[k + 1]
    if (h.code[e] === 0) {
      codes.push(0)
      counts.push(h.count[e] + silentExtra)
      e++
    } else {
      codes.push(0)
      counts.push(silentExtra)
    }
    for (; e < end; e++) {
      codes.push(h.code[e])
      counts.push(h.count[e])
    }
  }
  while (i < a.pos.length || j < b.pos.length) {
    const pa = i < a.pos.length ? a.pos[i] : Infinity
    const pb = j < b.pos.length ? b.pos[j] : Infinity
    if (pa < pb) {
      copy(a, i++, b.n)
      pos.push(pa)
    } else if (pb < pa) {
      copy(b, j++, a.n)
      pos.push(pb)
    } else {
      let x = a.start[i]
      let y = b.start[j]
      const xe = a.start[i + 1]
      const ye = b.start[j + 1]
      while (x < xe || y < ye) {
        const ca = x < xe ? a.code[x] : Infinity
        const cb = y < ye ? b.code[y] : Infinity
        if (ca < cb) {
          codes.push(ca)
          counts.push(a.count[x++])
        } else if (cb < ca) {
          codes.push(cb)
          counts.push(b.count[y++])
        } else {
          codes.push(ca)
          counts.push(a.count[x++] + b.count[y++])
        }
      }
      pos.push(pa)
      i++
      j++
    }
    start.push(codes.length)
  }
  return { n: a.n + b.n, pos: Int32Array.from(pos), start: Int32Array.from(start), code: Uint32Array.from(codes), count: Uint32Array.from(counts) }
}

/** Sum of many histograms. */
export function sumHistograms(hs: readonly WordHistogram[]): WordHistogram {
  if (hs.length === 0) throw new SpikelabError('classify.empty', 'cannot sum zero histograms')
  // Pairwise tree reduction keeps each merge small.
  let level = hs.slice()
  while (level.length > 1) {
    const next: WordHistogram[] = []
    for (let k = 0; k + 1 < level.length; k += 2) next.push(addHistograms(level[k], level[k + 1]))
    if (level.length % 2 === 1) next.push(level[level.length - 1])
    level = next
  }
  return level[0]
}
