import { EventSink } from './event-sink.js'
import type { DecoderStateValue } from './types.js'
import { PropheseeRawDecoder, type RawDecoderOptions } from './headered-decoder.js'
import type { RawHeaderFacts } from './prophesee-header.js'

const TIME_HIGH_SPAN = 2 ** 28
// OpenEB's EVT 2.1 decoder counts a loop only when TIME_HIGH drops by at least (2^28−1)·64 µs.
const WRAP_MIN_DROP = 2 ** 28 - 1

export type Evt21Order = 'legacy' | 'little'

export interface Evt21DecoderOptions extends RawDecoderOptions {
  /** Half-word order when the header does not state it (default: from system_ID, else legacy). */
  order?: Evt21Order
}

/**
 * Prophesee EVT 2.1 (event-formats.md §6): 64-bit vectorised words. `legacy` order stores the
 * word as two LE u32 halves, high half first; `little` stores one LE u64 (mask in the low half).
 */
export class Evt21Decoder extends PropheseeRawDecoder {
  order: Evt21Order
  private readonly orderFromOptions: boolean
  private hasBase = false
  private timeHigh = 0
  private loops = 0
  private base = 0

  constructor(options: Evt21DecoderOptions = {}) {
    super('evt21', 'EVT 2.1', 8, new EventSink(8192, 32, options.reuseOutput), options)
    this.order = options.order ?? 'legacy'
    this.orderFromOptions = options.order !== undefined
  }

  protected saveState(): Record<string, DecoderStateValue> {
    return {
      order: this.order,
      hasBase: this.hasBase,
      timeHigh: this.timeHigh,
      loops: this.loops,
      base: this.base,
    }
  }

  protected restoreState(s: Readonly<Record<string, DecoderStateValue>>): void {
    this.order = s.order as Evt21Order
    this.hasBase = s.hasBase as boolean
    this.timeHigh = s.timeHigh as number
    this.loops = s.loops as number
    this.base = s.base as number
  }

  protected override onRawHeader(facts: RawHeaderFacts): void {
    if (!this.orderFromOptions && facts.evt21Order) this.order = facts.evt21Order
  }

  protected decode(bytes: Uint8Array): void {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2)
    const hiFirst = this.order === 'legacy'
    const sink = this.sink
    let { t, x, y, p } = sink
    let n = sink.n
    const limit = sink.limit
    let base = this.base
    let hasBase = this.hasBase
    let dropped = 0
    let skipped = 0
    for (let i = 0, len = words.length; i < len; i += 2) {
      const hi = hiFirst ? words[i] : words[i + 1]
      const type = hi >>> 28
      if (type <= 1) {
        let mask = hiFirst ? words[i + 1] : words[i]
        if (!hasBase) {
          dropped++
          continue
        }
        if (n > limit) {
          sink.n = n
          sink.rotate()
          ;({ t, x, y, p } = sink)
          n = 0
        }
        const te = base + ((hi >>> 22) & 63)
        const xb = (hi >>> 11) & 2047
        const ye = hi & 2047
        while (mask !== 0) {
          const low = mask & -mask
          t[n] = te
          x[n] = xb + 31 - Math.clz32(low)
          y[n] = ye
          p[n] = type
          n++
          mask ^= low
        }
      } else if (type === 8) {
        const th = hi & 0x0fffffff
        if (hasBase && th < this.timeHigh) {
          if (this.timeHigh - th >= WRAP_MIN_DROP) {
            this.loops++
            this.counters.wraps++
          } else this.counters.nonMonotonic++
        }
        this.timeHigh = th
        hasBase = true
        base = (this.loops * TIME_HIGH_SPAN + th) * 64
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
}
