import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { ByteWriter } from './byte-writer.js'
import { unrepresentableError } from './decode-errors.js'
import { checkRange, checkTime } from './encode-checks.js'
import { rawHeaderText } from './prophesee-header.js'
import type { EventEncoder } from './types.js'

const SPAN = 4096

/**
 * Prophesee EVT 3.0 writer. Mirrors the decoder's state (time high/low, row, vector base) and
 * writes only the words that change it. Runs of events with the same time, row and polarity and
 * ascending x become VECT_BASE_X + VECT_12/VECT_8 words; forward time jumps are written as
 * TIME_HIGH steps of at most 2047 so the decoder's wrap rule (a drop of ≥ 2048) counts each wrap.
 */
export class Evt3Encoder implements EventEncoder {
  readonly format = 'evt3'
  private readonly out = new ByteWriter()
  private headerWritten: boolean
  private absHigh = -1
  private timeLow = -1
  private row = -1
  private index = 0

  constructor(private readonly options: { geometry: SensorGeometry; header?: boolean }) {
    this.headerWritten = options.header === false
  }

  write(batch: EventBatch): Uint8Array {
    if (!this.headerWritten) {
      this.out.writeText(rawHeaderText('evt3', this.options.geometry))
      this.headerWritten = true
    }
    const w = new ByteWriter(batch.t.length * 4 + 64)
    const put = (word: number): void => {
      w.ensure(2)
      w.u16[w.length >>> 1] = word
      w.length += 2
    }
    const { t, x, y, p } = batch
    const n = t.length
    let i = 0
    while (i < n) {
      const k = this.index + i
      const ti = t[i]
      checkTime('EVT 3.0', ti, k)
      checkRange('EVT 3.0', 'x', x[i], 2047, k)
      checkRange('EVT 3.0', 'y', y[i], 2047, k)
      this.moveTime(ti, k, put)
      if (y[i] !== this.row) {
        put(y[i])
        this.row = y[i]
      }
      let end = i + 1
      while (end < n && t[end] === ti && y[end] === y[i] && p[end] === p[i] && x[end] > x[end - 1]) end++
      const pol = p[i] ? 0x800 : 0
      if (end - i === 1) {
        put(0x2000 | pol | x[i])
        i = end
        continue
      }
      for (let j = i + 1; j < end; j++) checkRange('EVT 3.0', 'x', x[j], 2047, this.index + j)
      let base = x[i]
      put(0x3000 | pol | base)
      let k2 = i
      while (k2 < end) {
        if (x[k2] >= base + 12) {
          base = x[k2]
          put(0x3000 | pol | base)
        }
        let mask = 0
        while (k2 < end && x[k2] < base + 12) {
          mask |= 1 << (x[k2] - base)
          k2++
        }
        if (mask < 0x100) {
          put(0x5000 | mask)
          base += 8
        } else {
          put(0x4000 | mask)
          base += 12
        }
      }
      i = end
    }
    this.index += n
    this.out.writeBytes(w.bytes.subarray(0, w.length))
    return this.out.take()
  }

  private moveTime(t: number, index: number, put: (word: number) => void): void {
    const high = Math.floor(t / SPAN)
    const low = t - high * SPAN
    if (high !== this.absHigh) {
      if (this.absHigh < 0) {
        // the decoder starts in loop 0: walk up to the first event's loop
        this.absHigh = 0
        put(0x8000)
        this.timeLow = 0
      }
      if (high < this.absHigh) {
        const sameLoop = Math.floor(high / SPAN) === Math.floor(this.absHigh / SPAN)
        if (!sameLoop || this.absHigh - high >= 2048) {
          throw unrepresentableError('EVT 3.0', 't', `event ${index}: time goes back by 8.4 s or across a 2^24 µs wrap`)
        }
        put(0x8000 | high % SPAN)
        this.absHigh = high
        this.timeLow = 0
      }
      while (this.absHigh < high) {
        const step = Math.min(2047, high - this.absHigh)
        this.absHigh += step
        put(0x8000 | this.absHigh % SPAN)
        this.timeLow = 0
      }
    }
    if (low !== this.timeLow) {
      put(0x6000 | low)
      this.timeLow = low
    }
  }

  end(): Uint8Array {
    if (!this.headerWritten) return this.write({ t: new Float64Array(0), x: new Uint16Array(0), y: new Uint16Array(0), p: new Uint8Array(0) })
    return new Uint8Array(0)
  }

  finalPatches(): { offset: number; bytes: Uint8Array }[] {
    return []
  }
}
