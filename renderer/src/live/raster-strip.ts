/**
 * The scrolling raster as a density image (electron-notes.md §7): time runs left to right in
 * columns of `usPerColumn` of *event time* (the sensor's timestamps, so arrival jitter does not
 * show), rows are neurons (sensor rows). Counts per (column, neuron) become intensity; when time
 * passes the newest column, older columns shift left. Drawing cost is independent of the rate.
 *
 * Rows can be ordered by address, by rate (events in the visible window, busiest on top) or by
 * first-spike time (since the last clear; silent neurons last). Counts stay in address order; only
 * the drawing goes through the permutation, so changing the order never loses data.
 */
import { NO_EVENT_AGE, type LiveBins } from '../../../common/contract/live-bins.js'

const BG = 0xff1a1614 // ABGR: RGBA 20,22,26,255 on little-endian

export type RasterSort = 'address' | 'rate' | 'first-spike'

/** Re-sort by rate at most this often (in renders), so rows do not flicker at display rate. */
const RESORT_EVERY = 15

/**
 * Colours of the 256 intensity levels (0.3 … 1 of the way from the background to white-blue), and
 * log1p of small counts: rendering then costs a table look-up per pixel, not a log and three roundings.
 */
const PALETTE = Uint32Array.from({ length: 256 }, (_, i) => {
  const a = 0.3 + (0.7 * i) / 255
  return abgr(20 + (235 - 20) * a, 22 + (235 - 22) * a, 26 + (245 - 26) * a)
})
const LOG1P = Float64Array.from({ length: 4096 }, (_, n) => Math.log1p(n))

export class RasterStrip {
  readonly pixels: Uint32Array
  private readonly counts: Uint32Array
  private readonly firstSpikeUs: Float64Array
  private readonly rowTotals: Float64Array
  /** Display row → neuron. */
  private readonly order: Uint16Array
  /** Column index (event time / usPerColumn) of the rightmost column; -1 before the first event. */
  private newest = -1
  private dirty = false
  private sortBy: RasterSort = 'address'
  private rendersSinceSort = Infinity

  constructor(readonly columns: number, readonly rows: number, private usPerColumn: number) {
    this.pixels = new Uint32Array(columns * rows).fill(BG)
    this.counts = new Uint32Array(columns * rows)
    this.firstSpikeUs = new Float64Array(rows).fill(Infinity)
    this.rowTotals = new Float64Array(rows)
    this.order = Uint16Array.from({ length: rows }, (_, i) => i)
  }

  get resolutionUs(): number {
    return this.usPerColumn
  }

  /** Event time at the right edge of the newest column, µs (NaN before the first event). */
  get endUs(): number {
    return this.newest < 0 ? NaN : (this.newest + 1) * this.usPerColumn
  }

  setResolution(usPerColumn: number): void {
    if (usPerColumn === this.usPerColumn) return
    this.usPerColumn = usPerColumn
    this.clear()
  }

  setSort(sortBy: RasterSort): void {
    if (sortBy === this.sortBy) return
    this.sortBy = sortBy
    this.rendersSinceSort = Infinity
    this.dirty = true
  }

  /** The current display order (display row → neuron). */
  rowOrder(): readonly number[] {
    return Array.from(this.order)
  }

  /** Scrolls so the newest column is the one holding event time `us` (playback: the right edge is the position). */
  advanceTo(us: number): void {
    const col = Math.floor(us / this.usPerColumn)
    if (col <= this.newest) return
    this.shift(this.newest < 0 ? this.columns : col - this.newest)
    this.newest = col
  }

  add(t: Float64Array, y: Uint16Array, from = 0, to = t.length): void {
    const { columns, rows, counts, firstSpikeUs } = this
    const per = this.usPerColumn
    for (let i = from; i < to; i++) {
      const row = y[i]
      if (row >= rows) continue // outside the sensor
      const col = Math.floor(t[i] / per)
      if (col > this.newest) {
        this.shift(this.newest < 0 ? columns : col - this.newest)
        this.newest = col
      }
      const c = columns - 1 - (this.newest - col)
      if (c < 0) continue // older than the window
      counts[row * columns + c]++
      if (t[i] < firstSpikeUs[row]) firstSpikeUs[row] = t[i]
      this.dirty = true
    }
  }

  /**
   * Adds a binned update's counts (live-bins.ts): `columns` consecutive columns of `rows` counts from
   * column index `firstColumn` at `usPerColumn`, and per row the first event's age before `newestUs`
   * (`NO_EVENT_AGE`: none). Columns binned at another resolution (the view zoomed while the update was
   * on its way) go to the column their start time falls in.
   */
  addColumns(bins: Pick<LiveBins, 'firstColumn' | 'columns' | 'rows' | 'counts' | 'usPerColumn' | 'firstAges' | 'newestUs'>): void {
    const { columns, rows: ownRows, counts, firstSpikeUs } = this
    const { rows, firstColumn, usPerColumn } = bins
    const same = usPerColumn === this.usPerColumn
    const useRows = Math.min(rows, ownRows)
    for (let i = 0; i < bins.columns; i++) {
      const col = same ? firstColumn + i : Math.floor(((firstColumn + i) * usPerColumn) / this.usPerColumn)
      if (col > this.newest) {
        this.shift(this.newest < 0 ? columns : col - this.newest)
        this.newest = col
      }
      const c = columns - 1 - (this.newest - col)
      if (c < 0) continue // older than the window
      const src = bins.counts
      for (let r = 0, k = i * rows; r < useRows; r++, k++) {
        const n = src[k]
        if (n !== 0) counts[r * columns + c] += n
      }
      this.dirty = true
    }
    for (let r = 0; r < useRows; r++) {
      const age = bins.firstAges[r]
      if (age === NO_EVENT_AGE) continue
      const t = bins.newestUs - age
      if (t < firstSpikeUs[r]) firstSpikeUs[r] = t
    }
  }

  /** Renders the counts into `pixels`; returns false when nothing changed since the last call. */
  render(): boolean {
    if (!this.dirty) return false
    this.dirty = false
    const { counts, pixels, columns, rows, rowTotals, order } = this
    let max = 1
    for (let r = 0; r < rows; r++) {
      let sum = 0
      for (let k = r * columns, end = k + columns; k < end; k++) {
        const n = counts[k]
        sum += n
        if (n > max) max = n
      }
      rowTotals[r] = sum
    }
    if (this.rendersSinceSort++ >= RESORT_EVERY) this.sort()
    const scale = 255 / Math.log1p(max)
    for (let r = 0; r < rows; r++) {
      const src = order[r] * columns
      const dst = r * columns
      for (let c = 0; c < columns; c++) {
        const n = counts[src + c]
        pixels[dst + c] = n === 0 ? BG : PALETTE[Math.round((n < 4096 ? LOG1P[n] : Math.log1p(n)) * scale)]
      }
    }
    return true
  }

  clear(): void {
    this.pixels.fill(BG)
    this.counts.fill(0)
    this.firstSpikeUs.fill(Infinity)
    this.newest = -1
    this.rendersSinceSort = Infinity
    this.dirty = true
  }

  private sort(): void {
    this.rendersSinceSort = 0
    const rows = Array.from({ length: this.rows }, (_, i) => i)
    const { rowTotals, firstSpikeUs } = this
    // Ties keep address order, so a quiet raster does not shuffle.
    if (this.sortBy === 'rate') rows.sort((a, b) => rowTotals[b] - rowTotals[a] || a - b)
    else if (this.sortBy === 'first-spike') rows.sort((a, b) => compareTimes(firstSpikeUs[a], firstSpikeUs[b]) || a - b)
    this.order.set(rows)
  }

  private shift(n: number): void {
    const { columns, rows, counts } = this
    const k = Math.min(n, columns)
    for (let r = 0; r < rows; r++) {
      const row = r * columns
      counts.copyWithin(row, row + k, row + columns)
      counts.fill(0, row + columns - k, row + columns)
    }
    this.dirty = true
  }
}

function compareTimes(a: number, b: number): number {
  if (a === b) return 0
  return a < b ? -1 : 1 // Infinity (never fired) sorts last
}

function abgr(r: number, g: number, b: number): number {
  return ((255 << 24) | (Math.round(b) << 16) | (Math.round(g) << 8) | Math.round(r)) >>> 0
}
