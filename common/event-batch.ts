/**
 * The event batch: Spikelab's one in-memory shape for DVS events (architecture.md, "The data model").
 * A struct of typed arrays, never an array of objects, so batches move between threads and processes
 * as packed buffers. Every array has exactly `t.length` elements.
 *
 * - `t`: timestamp in microseconds, in the sensor's own time base (exact up to 2^53).
 * - `x`, `y`: pixel address.
 * - `p`: polarity, 1 = ON (brightness increase), 0 = OFF.
 */
export interface EventBatch {
  readonly t: Float64Array
  readonly x: Uint16Array
  readonly y: Uint16Array
  readonly p: Uint8Array
}

/** Sensor size in pixels. */
export interface SensorGeometry {
  readonly width: number
  readonly height: number
}

export function createEventBatch(length: number): EventBatch {
  return {
    t: new Float64Array(length),
    x: new Uint16Array(length),
    y: new Uint16Array(length),
    p: new Uint8Array(length),
  }
}

export function eventCount(batch: EventBatch): number {
  return batch.t.length
}

/** A view of events [from, to) of a batch; shares memory with it. */
export function sliceEventBatch(batch: EventBatch, from: number, to: number): EventBatch {
  return {
    t: batch.t.subarray(from, to),
    x: batch.x.subarray(from, to),
    y: batch.y.subarray(from, to),
    p: batch.p.subarray(from, to),
  }
}

export function concatEventBatches(batches: readonly EventBatch[]): EventBatch {
  let total = 0
  for (const b of batches) total += b.t.length
  const out = createEventBatch(total)
  let at = 0
  for (const b of batches) {
    out.t.set(b.t, at)
    out.x.set(b.x, at)
    out.y.set(b.y, at)
    out.p.set(b.p, at)
    at += b.t.length
  }
  return out
}

/**
 * Appends events one at a time into growing typed arrays; `take()` hands out the filled part as a
 * batch and starts over. Decoders and parsers use it so that per-event work is a few array stores.
 */
export class EventBatchBuilder {
  private t: Float64Array
  private x: Uint16Array
  private y: Uint16Array
  private p: Uint8Array
  private n = 0

  constructor(initialCapacity = 4096) {
    const cap = Math.max(16, initialCapacity)
    this.t = new Float64Array(cap)
    this.x = new Uint16Array(cap)
    this.y = new Uint16Array(cap)
    this.p = new Uint8Array(cap)
  }

  get length(): number {
    return this.n
  }

  push(t: number, x: number, y: number, p: number): void {
    if (this.n === this.t.length) this.grow()
    const i = this.n++
    this.t[i] = t
    this.x[i] = x
    this.y[i] = y
    this.p[i] = p
  }

  /** Returns the events pushed since the last take (copied to exact-size arrays) and resets. */
  take(): EventBatch {
    const n = this.n
    const out: EventBatch = {
      t: this.t.slice(0, n),
      x: this.x.slice(0, n),
      y: this.y.slice(0, n),
      p: this.p.slice(0, n),
    }
    this.n = 0
    return out
  }

  private grow(): void {
    const cap = this.t.length * 2
    const t = new Float64Array(cap)
    t.set(this.t)
    const x = new Uint16Array(cap)
    x.set(this.x)
    const y = new Uint16Array(cap)
    y.set(this.y)
    const p = new Uint8Array(cap)
    p.set(this.p)
    this.t = t
    this.x = x
    this.y = y
    this.p = p
  }
}
