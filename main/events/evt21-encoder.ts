import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { ByteWriter } from './byte-writer.js'
import { checkRange, checkTime } from './encode-checks.js'
import { TimeHighTracker } from './evt2-encoder.js'
import type { Evt21Order } from './evt21-decoder.js'
import { rawHeaderText } from './prophesee-header.js'
import type { EventEncoder } from './types.js'

/**
 * Prophesee EVT 2.1 writer. Consecutive events with the same time, row and polarity whose x
 * ascend within a 32-pixel window share one vector word (the decoder emits a vector's events in
 * ascending x, so the event order is kept).
 */
export class Evt21Encoder implements EventEncoder {
  readonly format = 'evt21'
  private readonly out = new ByteWriter()
  private headerWritten: boolean
  private readonly time = new TimeHighTracker('EVT 2.1', 2 ** 28 - 1)
  private readonly order: Evt21Order
  private index = 0

  constructor(private readonly options: { geometry: SensorGeometry; order?: Evt21Order; header?: boolean }) {
    this.headerWritten = options.header === false
    this.order = options.order ?? 'legacy'
  }

  write(batch: EventBatch): Uint8Array {
    if (!this.headerWritten) {
      this.out.writeText(rawHeaderText('evt21', this.options.geometry, this.order))
      this.headerWritten = true
    }
    const words = new ByteWriter(batch.t.length * 8 + 64)
    const legacy = this.order === 'legacy'
    const put = (hi: number, lo: number): void => {
      words.ensure(8)
      const k = words.length >>> 2
      words.u32[k] = legacy ? hi : lo
      words.u32[k + 1] = legacy ? lo : hi
      words.length += 8
    }
    const emitTime = (th: number): void => put((0x80000000 | th) >>> 0, 0)
    const { t, x, y, p } = batch
    const n = t.length
    let i = 0
    while (i < n) {
      const k = this.index + i
      const ti = t[i]
      checkTime('EVT 2.1', ti, k)
      checkRange('EVT 2.1', 'x', x[i], 2047, k)
      checkRange('EVT 2.1', 'y', y[i], 2047, k)
      const th = Math.floor(ti / 64)
      this.time.moveTo(th, k, emitTime)
      const base = x[i]
      let mask = 1
      let j = i + 1
      while (j < n && t[j] === ti && y[j] === y[i] && p[j] === p[i] && x[j] > x[j - 1] && x[j] - base < 32) {
        mask |= 1 << (x[j] - base)
        j++
      }
      put(((p[i] ? 0x10000000 : 0) | ((ti - th * 64) << 22) | (base << 11) | y[i]) >>> 0, mask >>> 0)
      i = j
    }
    this.index += n
    this.out.writeBytes(words.bytes.subarray(0, words.length))
    return this.out.take()
  }

  end(): Uint8Array {
    if (!this.headerWritten) return this.write({ t: new Float64Array(0), x: new Uint16Array(0), y: new Uint16Array(0), p: new Uint8Array(0) })
    return new Uint8Array(0)
  }

  finalPatches(): { offset: number; bytes: Uint8Array }[] {
    return []
  }
}
