import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { ByteWriter } from './byte-writer.js'
import { unrepresentableError } from './decode-errors.js'
import { checkRange, checkTime } from './encode-checks.js'
import { rawHeaderText } from './prophesee-header.js'
import type { EventEncoder } from './types.js'

const SPAN = 2 ** 28

/**
 * Tracks the TIME_HIGH value (in 64 µs units, absolute) a 34-bit EVT 2.x decoder holds and
 * emits the TIME_HIGH words that move it to a new value, stepping across 2^34 wraps so the
 * decoder's wrap rule (a drop of almost a full span) counts each one.
 */
export class TimeHighTracker {
  private current = -1

  constructor(
    private readonly format: string,
    /** Smallest drop (64 µs units) the decoder counts as a wrap. */
    private readonly wrapMinDrop: number,
  ) {}

  /** Calls `emit(th mod 2^28)` for each TIME_HIGH word needed to reach `th`. */
  moveTo(th: number, index: number, emit: (th: number) => void): void {
    if (th === this.current) return
    if (this.current < 0) {
      if (th < SPAN) {
        emit(th)
        this.current = th
        return
      }
      emit(SPAN - 1)
      this.current = SPAN - 1
    }
    const cur = this.current
    if (th < cur) {
      const sameLoop = Math.floor(th / SPAN) === Math.floor(cur / SPAN)
      if (!sameLoop || cur - th >= this.wrapMinDrop) {
        throw unrepresentableError(this.format, 't', `event ${index}: time goes back across a 2^34 µs wrap`)
      }
      emit(th % SPAN)
      this.current = th
      return
    }
    let loop = Math.floor(cur / SPAN)
    const target = Math.floor(th / SPAN)
    while (loop < target) {
      // the last value of the old loop, then the first of the next: a drop of 2^28 − 1
      if (this.current !== loop * SPAN + SPAN - 1) emit(SPAN - 1)
      loop++
      emit(0)
      this.current = loop * SPAN
    }
    if (this.current === th) return
    emit(th % SPAN)
    this.current = th
  }
}

/** Prophesee EVT 2.0 writer: a RAW header, then TIME_HIGH and CD_ON/CD_OFF words. */
export class Evt2Encoder implements EventEncoder {
  readonly format = 'evt2'
  private readonly out = new ByteWriter()
  private headerWritten: boolean
  private readonly time = new TimeHighTracker('EVT 2.0', SPAN - 1 - 156)
  private index = 0

  constructor(private readonly options: { geometry: SensorGeometry; header?: boolean }) {
    this.headerWritten = options.header === false
  }

  write(batch: EventBatch): Uint8Array {
    const out = this.out
    if (!this.headerWritten) {
      out.writeText(rawHeaderText('evt2', this.options.geometry))
      this.headerWritten = true
    }
    // words go on a 4-byte boundary of the whole stream: pad the header with nothing, as OpenEB
    // does, and write words through a separate aligned writer
    const words = new ByteWriter(batch.t.length * 4 + 64)
    const emit = (th: number): void => {
      words.ensure(4)
      words.u32[words.length >>> 2] = 0x80000000 | th
      words.length += 4
    }
    const { t, x, y, p } = batch
    for (let i = 0, n = t.length; i < n; i++) {
      const ti = t[i]
      const k = this.index + i
      checkTime('EVT 2.0', ti, k)
      checkRange('EVT 2.0', 'x', x[i], 2047, k)
      checkRange('EVT 2.0', 'y', y[i], 2047, k)
      const th = Math.floor(ti / 64)
      this.time.moveTo(th, k, emit)
      words.ensure(4)
      words.u32[words.length >>> 2] = ((p[i] ? 0x10000000 : 0) | ((ti - th * 64) << 22) | (x[i] << 11) | y[i]) >>> 0
      words.length += 4
    }
    this.index += t.length
    out.writeBytes(words.bytes.subarray(0, words.length))
    return out.take()
  }

  end(): Uint8Array {
    if (!this.headerWritten) return this.write({ t: new Float64Array(0), x: new Uint16Array(0), y: new Uint16Array(0), p: new Uint8Array(0) })
    return new Uint8Array(0)
  }

  finalPatches(): { offset: number; bytes: Uint8Array }[] {
    return []
  }
}
