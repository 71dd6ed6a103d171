import { EventSink } from './event-sink.js'
import type { DecoderStateValue } from './types.js'
import { PropheseeRawDecoder, type RawDecoderOptions } from './headered-decoder.js'

const TIME_HIGH_SPAN = 2 ** 28
// A TIME_HIGH drop of at least (2^28−1)·64 − 10 000 µs is a wrap of the 34-bit clock (OpenEB HAL).
const WRAP_MIN_DROP_US = (2 ** 28 - 1) * 64 - 10_000

/**
 * Prophesee EVT 2.0 (event-formats.md §5): 32-bit LE words, type in bits 31–28;
 * t = (loops·2^28 + TIME_HIGH)·64 + 6-bit LSB.
 */
export class Evt2Decoder extends PropheseeRawDecoder {
  private hasBase = false
  private timeHigh = 0
  private loops = 0
  private base = 0

  constructor(options: RawDecoderOptions = {}) {
    super('evt2', 'EVT 2.0', 4, new EventSink(undefined, undefined, options.reuseOutput), options)
  }

  protected saveState(): Record<string, DecoderStateValue> {
    return {
      hasBase: this.hasBase,
      timeHigh: this.timeHigh,
      loops: this.loops,
      base: this.base,
    }
  }

  protected restoreState(s: Readonly<Record<string, DecoderStateValue>>): void {
    this.hasBase = s.hasBase as boolean
    this.timeHigh = s.timeHigh as number
    this.loops = s.loops as number
    this.base = s.base as number
  }

  protected decode(bytes: Uint8Array): void {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2)
    const sink = this.sink
    let { t, x, y, p } = sink
    let n = sink.n
    const limit = sink.limit
    let base = this.base
    let hasBase = this.hasBase
    let dropped = 0
    let skipped = 0
    for (let i = 0, len = words.length; i < len; i++) {
      const w = words[i]
      const type = w >>> 28
      if (type <= 1) {
        if (!hasBase) {
          dropped++
          continue
        }
        if (n >= limit) {
          sink.n = n
          sink.rotate()
          ;({ t, x, y, p } = sink)
          n = 0
        }
        t[n] = base + ((w >>> 22) & 63)
        x[n] = (w >>> 11) & 2047
        y[n] = w & 2047
        p[n] = type
        n++
      } else if (type === 8) {
        this.base = base
        this.hasBase = hasBase
        this.timeHighWord(w & 0x0fffffff)
        base = this.base
        hasBase = true
      } else {
        skipped++
      }
    }
    sink.n = n
    this.base = base
    this.hasBase = hasBase
    this.counters.droppedNoTimeBase += dropped
    this.counters.skippedWords += skipped
  }

  private timeHighWord(th: number): void {
    if (this.hasBase && th < this.timeHigh) {
      if ((this.timeHigh - th) * 64 >= WRAP_MIN_DROP_US) {
        this.loops++
        this.counters.wraps++
      } else {
        this.counters.nonMonotonic++
      }
    }
    this.timeHigh = th
    this.hasBase = true
    this.base = (this.loops * TIME_HIGH_SPAN + th) * 64
  }
}
