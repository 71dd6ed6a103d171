import type { EventBatch } from '../../common/event-batch.js'
import { EventSink } from './event-sink.js'
import { HeaderGate } from './header-gate.js'
import { parseRawHeader, rawHeaderRules } from './prophesee-header.js'
import { truncatedError } from './decode-errors.js'
import { WordCarry } from './word-carry.js'
import { newCounters, type EventDecoder, type EventStreamInfo } from './types.js'
import type { SensorGeometry } from '../../common/event-batch.js'

const TIME_HIGH_SPAN = 2 ** 28
// A TIME_HIGH drop of at least (2^28−1)·64 − 10 000 µs is a wrap of the 34-bit clock (OpenEB HAL).
const WRAP_MIN_DROP_US = (2 ** 28 - 1) * 64 - 10_000

export interface RawDecoderOptions {
  /** Reuse output memory: returned batches stay valid only until the next push/end call. */
  reuseOutput?: boolean
  /** Expect a `% ` text header (default true); false for a bare word stream. */
  header?: boolean
  /** Sensor size when the header does not give one. */
  geometry?: SensorGeometry
}

/**
 * Prophesee EVT 2.0 (event-formats.md §5): 32-bit LE words, type in bits 31–28;
 * t = (loops·2^28 + TIME_HIGH)·64 + 6-bit LSB.
 */
export class Evt2Decoder implements EventDecoder {
  readonly info: EventStreamInfo
  readonly counters = newCounters()
  private readonly gate: HeaderGate
  private readonly carry = new WordCarry(4)
  private readonly sink: EventSink
  private hasBase = false
  private timeHigh = 0
  private loops = 0
  private base = 0

  constructor(options: RawDecoderOptions = {}) {
    this.sink = new EventSink(undefined, undefined, options.reuseOutput)
    this.gate = new HeaderGate(rawHeaderRules, options.header ?? true)
    this.info = { format: 'evt2', headerLines: this.gate.lines, geometry: options.geometry, dataOffset: this.gate.dataOffset }
  }

  get headerDone(): boolean {
    return this.gate.done
  }

  push(chunk: Uint8Array): EventBatch[] {
    const data = this.gate.pass(chunk)
    if (data === null) return []
    if (this.info.dataOffset === undefined) this.headerRead()
    this.decode(this.carry.join(data))
    return this.sink.take()
  }

  end(): EventBatch[] {
    const rest = this.gate.finish()
    if (this.info.dataOffset === undefined) this.headerRead()
    if (rest.length) this.decode(this.carry.join(rest))
    if (this.carry.pending) throw truncatedError('EVT 2.0', (this.info.dataOffset ?? 0) + this.carry.consumed, 'a 32-bit word')
    return this.sink.take()
  }

  private headerRead(): void {
    this.info.dataOffset = this.gate.dataOffset
    const facts = parseRawHeader(this.gate.lines)
    this.info.geometry ??= facts.geometry
  }

  private decode(bytes: Uint8Array): void {
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
