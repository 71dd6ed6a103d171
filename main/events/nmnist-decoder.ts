import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { truncatedError } from './decode-errors.js'
import { EventSink } from './event-sink.js'
import { newCounters, type EventStreamInfo, type ResumableDecoder, type ResumePoint } from './types.js'
import { WordCarry } from './word-carry.js'

export interface NmnistDecoderOptions {
  /** Reuse output memory: returned batches stay valid only until the next push/end call. */
  reuseOutput?: boolean
  geometry?: SensorGeometry
  /**
   * tonic's reading of `y == 240` as a marker adding 2^13 µs to later events (not in the dataset
   * description — event-formats.md §9 UNVERIFIED), so opt-in only.
   */
  overflowMarkers?: boolean
}

/** N-MNIST / N-Caltech101 ATIS `.bin`: 5-byte records x, y, p|t[22:16], t[15:8], t[7:0]. */
export class NmnistDecoder implements ResumableDecoder {
  readonly info: EventStreamInfo
  readonly counters = newCounters()
  readonly headerDone = true
  private readonly carry = new WordCarry(5)
  private readonly sink: EventSink
  private readonly overflowMarkers: boolean
  private overflow = 0
  /** File offset of the first byte fed (0 unless resumed mid-file). */
  private base = 0

  constructor(options: NmnistDecoderOptions = {}) {
    this.sink = new EventSink(undefined, undefined, options.reuseOutput)
    this.info = { format: 'nmnist', headerLines: [], geometry: options.geometry ?? { width: 34, height: 34 }, dataOffset: 0 }
    this.overflowMarkers = options.overflowMarkers ?? false
  }

  push(chunk: Uint8Array): EventBatch[] {
    this.decode(this.carry.join(chunk))
    return this.sink.take()
  }

  end(): EventBatch[] {
    if (this.carry.pending) throw truncatedError('N-MNIST', this.base + this.carry.consumed, 'a 5-byte event')
    return this.sink.take()
  }

  resumePoint(): ResumePoint {
    return { offset: this.base + this.carry.consumed, state: { overflow: this.overflow } }
  }

  resumeAt(point: ResumePoint): void {
    this.base = point.offset
    this.info.dataOffset = point.offset
    this.overflow = point.state.overflow as number
  }

  private decode(b: Uint8Array): void {
    const sink = this.sink
    let { t, x, y, p } = sink
    let n = sink.n
    const limit = sink.limit
    for (let o = 0, len = b.length; o < len; o += 5) {
      const yy = b[o + 1]
      if (this.overflowMarkers && yy === 240) {
        this.overflow += 2 ** 13
        this.counters.skippedWords++
        continue
      }
      const b2 = b[o + 2]
      if (n >= limit) {
        sink.n = n
        sink.rotate()
        ;({ t, x, y, p } = sink)
        n = 0
      }
      t[n] = this.overflow + (((b2 & 0x7f) << 16) | (b[o + 3] << 8) | b[o + 4])
      x[n] = b[o]
      y[n] = yy
      p[n] = b2 >>> 7
      n++
    }
    sink.n = n
  }
}
