/**
 * The scrolling raster as a density image (electron-notes.md §7): time runs left to right in
 * columns of `usPerColumn` of *event time* (the sensor's timestamps, so arrival jitter does not
 * show), rows are sensor rows (or neurons). Counts per (column, row) become intensity; when time
 * passes the newest column, older columns shift left. Drawing cost is independent of the rate.
 */
const BG = 0xff1a1614 // ABGR: RGBA 20,22,26,255 on little-endian

export class RasterStrip {
  readonly pixels: Uint32Array
  private readonly counts: Uint32Array
  /** Column index (event time / usPerColumn) of the rightmost column; -1 before the first event. */
  private newest = -1
  private dirty = false

  constructor(readonly columns: number, readonly rows: number, private usPerColumn: number) {
    this.pixels = new Uint32Array(columns * rows).fill(BG)
    this.counts = new Uint32Array(columns * rows)
  }

  setResolution(usPerColumn: number): void {
    if (usPerColumn === this.usPerColumn) return
    this.usPerColumn = usPerColumn
    this.clear()
  }

  add(t: Float64Array, y: Uint16Array): void {
    const { columns, rows, counts } = this
    for (let i = 0; i < t.length; i++) {
      const col = Math.floor(t[i] / this.usPerColumn)
      if (col > this.newest) {
        this.shift(this.newest < 0 ? columns : col - this.newest)
        this.newest = col
      }
      const c = columns - 1 - (this.newest - col)
      if (c < 0 || y[i] >= rows) continue // older than the window, or outside the sensor
      counts[y[i] * columns + c]++
      this.dirty = true
    }
  }

  /** Renders the counts into `pixels`; returns false when nothing changed since the last call. */
  render(): boolean {
    if (!this.dirty) return false
    this.dirty = false
    const { counts, pixels } = this
    let max = 1
    for (let k = 0; k < counts.length; k++) if (counts[k] > max) max = counts[k]
    const scale = 1 / Math.log1p(max)
    for (let k = 0; k < counts.length; k++) {
      if (counts[k] === 0) {
        pixels[k] = BG
        continue
      }
      const a = 0.3 + 0.7 * Math.log1p(counts[k]) * scale
      pixels[k] = abgr(20 + (235 - 20) * a, 22 + (235 - 22) * a, 26 + (245 - 26) * a)
    }
    return true
  }

  clear(): void {
    this.pixels.fill(BG)
    this.counts.fill(0)
    this.newest = -1
    this.dirty = true
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

function abgr(r: number, g: number, b: number): number {
  return ((255 << 24) | (Math.round(b) << 16) | (Math.round(g) << 8) | Math.round(r)) >>> 0
}
