import { EventSink } from './event-sink.js'
import type { DecoderStateValue } from './types.js'
import { PropheseeRawDecoder, type RawDecoderOptions } from './headered-decoder.js'

const LOOP_SPAN = 2 ** 24

/**
 * Prophesee EVT 3.0 (event-formats.md §7): 16-bit LE stateful words.
 * t = loops·2^24 + TIME_HIGH·4096 + TIME_LOW; a wrap is a TIME_HIGH drop of ≥ 2048 (OpenEB HAL).
 * Vector words are decoded one by one, as documented. OTHERS/CONTINUED/trigger words carry no
 * CD event and are skipped without affecting state, so nothing multi-word needs carrying.
 */
export class Evt3Decoder extends PropheseeRawDecoder {
  // state: -1 = not yet seen
  private timeHigh = -1
  private timeLow = 0
  private loops = 0
  private row = -1
  private isCD = true
  private baseX = -1
  private basePol = 0

  constructor(options: RawDecoderOptions = {}) {
    super('evt3', 'EVT 3.0', 2, new EventSink(8192, 12, options.reuseOutput), options)
  }

  protected saveState(): Record<string, DecoderStateValue> {
    return {
      timeHigh: this.timeHigh,
      timeLow: this.timeLow,
      loops: this.loops,
      row: this.row,
      isCD: this.isCD,
      baseX: this.baseX,
      basePol: this.basePol,
    }
  }

  protected restoreState(s: Readonly<Record<string, DecoderStateValue>>): void {
    this.timeHigh = s.timeHigh as number
    this.timeLow = s.timeLow as number
    this.loops = s.loops as number
    this.row = s.row as number
    this.isCD = s.isCD as boolean
    this.baseX = s.baseX as number
    this.basePol = s.basePol as number
  }

  protected decode(bytes: Uint8Array): void {
    const words = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 1)
    const sink = this.sink
    let { t, x, y, p } = sink
    let n = sink.n
    const limit = sink.limit
    let timeHigh = this.timeHigh
    let timeLow = this.timeLow
    let loops = this.loops
    let now = timeHigh < 0 ? 0 : loops * LOOP_SPAN + timeHigh * 4096 + timeLow
    let row = this.row
    let isCD = this.isCD
    let baseX = this.baseX
    let basePol = this.basePol
    let dropped = 0
    let skipped = 0
    let wraps = 0
    for (let i = 0, len = words.length; i < len; i++) {
      const w = words[i]
      const type = w >>> 12
      switch (type) {
        case 0x2: // EVT_ADDR_X
          if (timeHigh < 0 || row < 0) {
            dropped++
            break
          }
          if (!isCD) break
          if (n > limit) {
            sink.n = n
            sink.rotate()
            ;({ t, x, y, p } = sink)
            n = 0
          }
          t[n] = now
          x[n] = w & 2047
          y[n] = row
          p[n] = (w >>> 11) & 1
          n++
          break
        case 0x4: // VECT_12
        case 0x5: {
          // VECT_8
          const width = type === 0x4 ? 12 : 8
          if (timeHigh < 0 || row < 0 || baseX < 0) {
            dropped++
            break
          }
          if (isCD) {
            let mask = w & (type === 0x4 ? 0xfff : 0xff)
            if (n > limit) {
              sink.n = n
              sink.rotate()
              ;({ t, x, y, p } = sink)
              n = 0
            }
            while (mask !== 0) {
              const low = mask & -mask
              t[n] = now
              x[n] = baseX + 31 - Math.clz32(low)
              y[n] = row
              p[n] = basePol
              n++
              mask ^= low
            }
          }
          baseX += width
          break
        }
        case 0x0: // EVT_ADDR_Y
          if (timeHigh < 0) break
          row = w & 2047
          isCD = true
          break
        case 0x1: // EM (non-CD) row
          if (timeHigh < 0) break
          row = w & 2047
          isCD = false
          break
        case 0x3: // VECT_BASE_X
          if (timeHigh < 0) break
          baseX = w & 2047
          basePol = (w >>> 11) & 1
          break
        case 0x6: // EVT_TIME_LOW
          if (timeHigh < 0) break
          timeLow = w & 4095
          now = loops * LOOP_SPAN + timeHigh * 4096 + timeLow
          break
        case 0x8: {
          // EVT_TIME_HIGH
          const th = w & 4095
          if (timeHigh >= 0 && timeHigh >= th + 2048) {
            loops++
            wraps++
          }
          if (th !== timeHigh) timeLow = 0
          timeHigh = th
          now = loops * LOOP_SPAN + timeHigh * 4096 + timeLow
          break
        }
        default:
          skipped++
      }
    }
    sink.n = n
    this.timeHigh = timeHigh
    this.timeLow = timeLow
    this.loops = loops
    this.row = row
    this.isCD = isCD
    this.baseX = baseX
    this.basePol = basePol
    this.counters.droppedNoTimeBase += dropped
    this.counters.skippedWords += skipped
    this.counters.wraps += wraps
  }
}
