/**
 * Pre-binned live updates (binary frame kind 4): what a live view draws, folded on the host, so the
 * viewer's cost and the bytes on the wire follow the number of active pixels and raster columns, not
 * the event rate. One update holds every event published since the previous one:
 *
 * - the event frame: per touched (pixel, polarity) the decayed activity of its events as of its newest
 *   event, Σ exp(−(t_new − tᵢ)/τ), and t_new. Folding an update into a frame that has its own (value,
 *   time) per pixel gives exactly what adding the events one by one gives (`EventFrame`), so Live and
 *   playback still draw the same frame. τ is the viewer's decay, sent by the viewer.
 * - the raster: event counts per (column, row) at the viewer's time per column, and per row its first
 *   event time (for sorting by first spike).
 *
 * Layout (little-endian; every column aligned to its size):
 *
 *   offset 0  u32 magic 'SLB1', 4 u32 streamId, 8 u32 kind = 4, 12 u32 events folded (n)
 *   offset 16 f64 newestUs: the newest event's time; the times below are ages before it
 *   offset 24 f64 decayUs (τ of the fold), 32 f64 usPerColumn (raster column width of the fold)
 *   offset 40 f64 firstColumn: index (event time / usPerColumn) of the first raster column
 *   offset 48 u32 stride (pixel key = ((y · stride + x) << 1) | p), 52 u32 m pixel entries,
 *   offset 56 u32 columns c, 60 u32 rows r
 *   offset 64 u32 key[m], f32 value[m], u32 age[m] (µs before newestUs), u32 count[c · r] (column
 *             by column), u32 firstAge[r] (µs before newestUs of the row's first event; 0xffffffff: none)
 *
 * Ages saturate at 0xfffffffe µs (71 minutes): a pixel that old has long faded out.
 */
import type { EventBatch } from '../event-batch.js'
import { FRAME_KIND_LIVE_BINS, FRAME_MAGIC } from './binary-frames.js'

export interface LiveBinSettings {
  /** The event frame's decay time constant τ, µs. */
  readonly decayUs: number
  /** The raster's time per column, µs. */
  readonly usPerColumn: number
}

export interface LiveBins {
  readonly streamId: number
  readonly events: number
  readonly newestUs: number
  readonly decayUs: number
  readonly usPerColumn: number
  readonly firstColumn: number
  readonly stride: number
  readonly keys: Uint32Array
  readonly values: Float32Array
  readonly ages: Uint32Array
  readonly columns: number
  readonly rows: number
  readonly counts: Uint32Array
  readonly firstAges: Uint32Array
}

export const LIVE_BINS_HEADER_BYTES = 64
/** A row with no event in the update (firstAge). */
export const NO_EVENT_AGE = 0xffffffff
const MAX_AGE = 0xfffffffe
/** Gaps between a pixel's events shorter than this (µs) take their decay from a table (~12 % less host CPU per event). */
const DECAY_TABLE_US = 4096
/** Pixels at x or y ≥ this are counted but not binned (no live view is that large). */
export const MAX_LIVE_COORDINATE = 2048
/** Raster columns one update carries at most (the newest; wider than any raster shown). */
export const MAX_LIVE_COLUMNS = 1024

/** Folds events into the next update for one viewer; `encode` then `reset` once it was sent. */
export class LiveBinner {
  /** Events folded since the last reset. */
  events = 0
  private settings: LiveBinSettings
  private nextSettings: LiveBinSettings | null = null
  private stride = 0
  private rowCapacity = 0
  /** Per pixel key: its entry in this update, or -1. Entries: key, activity as of `at`, newest event time. */
  private slot = new Int32Array(0)
  private keys = new Uint32Array(1024)
  private value = new Float64Array(1024)
  private at = new Float64Array(1024)
  private touchedCount = 0
  private newest = -Infinity
  private rowFirst = new Float64Array(0)
  private rowsSeen = 0
  /** Raster counts of this update per column index; the last one used is cached (events come in time order). */
  private readonly columnCounts = new Map<number, Uint32Array>()
  private spare: Uint32Array[] = []
  private lastColumn = NaN
  private readonly decay = new Float64Array(DECAY_TABLE_US)
  private decayTableUs = NaN
  private lastCounts: Uint32Array = new Uint32Array(0)

  constructor(settings: LiveBinSettings, width = 128, height = 128) {
    this.settings = checked(settings)
    this.grow(width, height)
  }

  /** New settings for the viewer; they take effect with the next update, so one update is folded one way. */
  configure(settings: LiveBinSettings): void {
    const s = checked(settings)
    if (this.events === 0) {
      this.settings = s
      this.nextSettings = null
    } else if (s.decayUs !== this.settings.decayUs || s.usPerColumn !== this.settings.usPerColumn) this.nextSettings = s
  }

  fold(batch: EventBatch, from = 0, to = batch.t.length): void {
    const { t, x, y, p } = batch
    this.makeRoom(x, y, from, to)
    const inv = 1 / this.settings.decayUs
    const per = this.settings.usPerColumn
    const decay = this.decayTable()
    const { slot, stride, rowCapacity, rowFirst } = this
    let { keys, value, at } = this
    let m = this.touchedCount
    let newest = this.newest
    let rowsSeen = this.rowsSeen
    let column = this.lastColumn
    let counts = this.lastCounts
    for (let i = from; i < to; i++) {
      const xi = x[i]
      const yi = y[i]
      if (xi >= stride || yi >= rowCapacity) continue // beyond MAX_LIVE_COORDINATE: counted, not drawable
      const ti = t[i]
      const k = ((yi * stride + xi) << 1) | (p[i] ? 1 : 0)
      const s = slot[k]
      if (s < 0) {
        if (m === keys.length) {
          this.touchedCount = m
          this.growEntries()
          ;({ keys, value, at } = this)
        }
        slot[k] = m
        keys[m] = k
        value[m] = 1
        at[m] = ti
        m++
      } else {
        const dt = ti - at[s]
        if (dt >= 0) {
          value[s] = value[s] * (dt < DECAY_TABLE_US && (dt | 0) === dt ? decay[dt] : Math.exp(-dt * inv)) + 1
          at[s] = ti
        } else {
          value[s] += Math.exp(dt * inv) // an event older than the pixel's newest
        }
      }
      if (ti > newest) newest = ti
      if (ti < rowFirst[yi]) rowFirst[yi] = ti
      if (yi >= rowsSeen) rowsSeen = yi + 1
      const col = Math.floor(ti / per)
      if (col !== column) {
        counts = this.countsOf(col)
        column = col
      }
      counts[yi]++
    }
    this.touchedCount = m
    this.newest = newest
    this.rowsSeen = rowsSeen
    this.lastColumn = column
    this.lastCounts = counts
    this.events += to - from
  }

  /** The update as one binary frame (kind 4); the binner keeps its state until `reset`. */
  encode(streamId: number): ArrayBuffer {
    const m = this.touchedCount
    const rows = this.rowsSeen
    let first = Infinity
    let last = -Infinity
    for (const col of this.columnCounts.keys()) {
      if (col < first) first = col
      if (col > last) last = col
    }
    const columns = this.columnCounts.size === 0 ? 0 : Math.min(MAX_LIVE_COLUMNS, last - first + 1)
    if (columns > 0) first = last - columns + 1
    const bytes = LIVE_BINS_HEADER_BYTES + 12 * m + 4 * columns * rows + 4 * rows
    const buf = new ArrayBuffer(bytes)
    const head = new DataView(buf)
    head.setUint32(0, FRAME_MAGIC, true)
    head.setUint32(4, streamId, true)
    head.setUint32(8, FRAME_KIND_LIVE_BINS, true)
    head.setUint32(12, this.events, true)
    const newest = Number.isFinite(this.newest) ? this.newest : 0
    head.setFloat64(16, newest, true)
    head.setFloat64(24, this.settings.decayUs, true)
    head.setFloat64(32, this.settings.usPerColumn, true)
    head.setFloat64(40, columns > 0 ? first : 0, true)
    head.setUint32(48, this.stride, true)
    head.setUint32(52, m, true)
    head.setUint32(56, columns, true)
    head.setUint32(60, rows, true)
    let offset = LIVE_BINS_HEADER_BYTES
    const keys = new Uint32Array(buf, offset, m)
    const values = new Float32Array(buf, (offset += 4 * m), m)
    const ages = new Uint32Array(buf, (offset += 4 * m), m)
    keys.set(this.keys.subarray(0, m))
    for (let i = 0; i < m; i++) {
      values[i] = this.value[i]
      ages[i] = ageOf(newest - this.at[i])
    }
    const counts = new Uint32Array(buf, (offset += 4 * m), columns * rows)
    for (let c = 0; c < columns; c++) {
      const col = this.columnCounts.get(first + c)
      if (col) counts.set(col.subarray(0, rows), c * rows)
    }
    const firstAges = new Uint32Array(buf, offset + 4 * columns * rows, rows)
    for (let r = 0; r < rows; r++) firstAges[r] = this.rowFirst[r] === Infinity ? NO_EVENT_AGE : ageOf(newest - this.rowFirst[r])
    return buf
  }

  /** Starts the next update (after the previous one was sent). */
  reset(): void {
    for (let i = 0; i < this.touchedCount; i++) this.slot[this.keys[i]] = -1
    this.touchedCount = 0
    this.events = 0
    this.newest = -Infinity
    this.rowFirst.fill(Infinity, 0, this.rowsSeen)
    this.rowsSeen = 0
    for (const counts of this.columnCounts.values()) this.spare.push(counts)
    this.columnCounts.clear()
    this.lastColumn = NaN
    if (this.nextSettings) {
      this.settings = this.nextSettings
      this.nextSettings = null
    }
  }

  /** exp(−dt/τ) for whole µs dt < DECAY_TABLE_US (the usual gap between a pixel's events): the same values, looked up. */
  private decayTable(): Float64Array {
    if (this.decayTableUs !== this.settings.decayUs) {
      const inv = 1 / this.settings.decayUs
      for (let d = 0; d < DECAY_TABLE_US; d++) this.decay[d] = Math.exp(-d * inv)
      this.decayTableUs = this.settings.decayUs
    }
    return this.decay
  }

  /** The raster counts of column `col` in this update. */
  private countsOf(col: number): Uint32Array {
    let counts = this.columnCounts.get(col)
    if (!counts) {
      counts = this.spare.pop()?.fill(0) ?? new Uint32Array(this.rowCapacity)
      this.columnCounts.set(col, counts)
      // A stalled viewer's update keeps only the newest columns (older ones are off any raster).
      if (this.columnCounts.size > 2 * MAX_LIVE_COLUMNS) {
        this.dropOldColumns()
        if (!this.columnCounts.has(col)) counts = new Uint32Array(this.rowCapacity) // counted, off the raster
      }
    }
    return counts
  }

  /** Grows the pixel and row capacity for the batch's coordinates, before folding it. */
  private makeRoom(x: Uint16Array, y: Uint16Array, from: number, to: number): void {
    let maxX = 0
    let maxY = 0
    for (let i = from; i < to; i++) {
      if (x[i] > maxX) maxX = x[i]
      if (y[i] > maxY) maxY = y[i]
    }
    const width = Math.min(MAX_LIVE_COORDINATE, maxX + 1)
    const height = Math.min(MAX_LIVE_COORDINATE, maxY + 1)
    if (width > this.stride || height > this.rowCapacity) this.grow(width, height)
  }

  private dropOldColumns(): void {
    const newest = Math.max(...this.columnCounts.keys())
    for (const [col, counts] of this.columnCounts) {
      if (col <= newest - MAX_LIVE_COLUMNS) {
        this.columnCounts.delete(col)
        this.spare.push(counts)
      }
    }
    this.lastColumn = NaN
  }

  /** Makes room for pixels up to (width, height), keeping what this update folded so far. */
  private grow(width: number, height: number): void {
    const stride = Math.max(this.stride, nextPowerOfTwo(width))
    const rowCapacity = Math.max(this.rowCapacity, nextPowerOfTwo(height))
    const slot = new Int32Array(2 * stride * rowCapacity).fill(-1)
    for (let i = 0; i < this.touchedCount; i++) {
      const k = this.keys[i]
      const pixel = k >>> 1
      const nk = ((Math.floor(pixel / this.stride) * stride + (pixel % this.stride)) << 1) | (k & 1)
      slot[nk] = i
      this.keys[i] = nk
    }
    const rowFirst = new Float64Array(rowCapacity).fill(Infinity)
    rowFirst.set(this.rowFirst)
    if (rowCapacity !== this.rowCapacity) {
      for (const [col, counts] of this.columnCounts) this.columnCounts.set(col, grown(counts, rowCapacity))
      this.spare = []
      this.lastColumn = NaN
    }
    this.stride = stride
    this.rowCapacity = rowCapacity
    this.slot = slot
    this.rowFirst = rowFirst
  }

  private growEntries(): void {
    const n = 2 * this.keys.length
    this.keys = grown(this.keys, n)
    this.value = grown(this.value, n)
    this.at = grown(this.at, n)
  }
}

/** Views into a kind-4 frame; throws a plain Error naming the fault when it is malformed. */
export function decodeLiveBins(buf: ArrayBuffer): LiveBins {
  if (buf.byteLength < LIVE_BINS_HEADER_BYTES) throw new Error(`live bins frame too short: ${buf.byteLength} bytes`)
  const head = new DataView(buf)
  if (head.getUint32(0, true) !== FRAME_MAGIC || (head.getUint32(8, true) & 0xff) !== FRAME_KIND_LIVE_BINS) throw new Error('not a live bins frame')
  const m = head.getUint32(52, true)
  const columns = head.getUint32(56, true)
  const rows = head.getUint32(60, true)
  const want = LIVE_BINS_HEADER_BYTES + 12 * m + 4 * columns * rows + 4 * rows
  if (buf.byteLength !== want) throw new Error(`live bins frame is ${buf.byteLength} bytes, header says ${want}`)
  let offset = LIVE_BINS_HEADER_BYTES
  return {
    streamId: head.getUint32(4, true),
    events: head.getUint32(12, true),
    newestUs: head.getFloat64(16, true),
    decayUs: head.getFloat64(24, true),
    usPerColumn: head.getFloat64(32, true),
    firstColumn: head.getFloat64(40, true),
    stride: head.getUint32(48, true),
    keys: new Uint32Array(buf, offset, m),
    values: new Float32Array(buf, (offset += 4 * m), m),
    ages: new Uint32Array(buf, (offset += 4 * m), m),
    columns,
    rows,
    counts: new Uint32Array(buf, (offset += 4 * m), columns * rows),
    firstAges: new Uint32Array(buf, offset + 4 * columns * rows, rows),
  }
}

function checked(s: LiveBinSettings): LiveBinSettings {
  if (!(s.decayUs > 0) || !(s.usPerColumn > 0)) throw new Error(`live bin settings must be positive: decay ${s.decayUs} µs, ${s.usPerColumn} µs per column`)
  return { decayUs: s.decayUs, usPerColumn: s.usPerColumn }
}

function ageOf(us: number): number {
  return us >= MAX_AGE ? MAX_AGE : Math.round(us)
}

function nextPowerOfTwo(n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

/** A copy of `a` of the same element type with `length` elements (zero-filled when longer). */
function grown(a: Uint32Array, length: number): Uint32Array<ArrayBuffer>
function grown(a: Float64Array, length: number): Float64Array<ArrayBuffer>
function grown(a: Uint32Array | Float64Array, length: number): Uint32Array<ArrayBuffer> | Float64Array<ArrayBuffer> {
  const b = a instanceof Float64Array ? new Float64Array(length) : new Uint32Array(length)
  b.set(a.subarray(0, Math.min(a.length, length)))
  return b
}
