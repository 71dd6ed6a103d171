import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { ByteQueue } from './byte-queue.js'
import { corruptError, truncatedError } from './decode-errors.js'
import { EventSink } from './event-sink.js'
import { ascii, TextHeaderScanner } from './text-header.js'
import { newCounters, type DecoderStateValue, type EventStreamInfo, type ResumableDecoder, type ResumePoint } from './types.js'
import { WordCarry } from './word-carry.js'

/** DAT event types that hold CD events (Event2D = 0, EventCD = 12). */
const CD_TYPES = new Set([0, 12])

/**
 * Prophesee DAT (event-formats.md §8): `% ` text header, then an event-type byte and an
 * event-size byte, then LE records `u32 t; u32 data` (x bits 13–0, y 27–14, polarity bit 28).
 * A file with no header line at all has no type/size bytes (Event2D, 8 bytes).
 * 32-bit time is unwrapped into 64-bit time.
 */
export class DatDecoder implements ResumableDecoder {
  readonly info: EventStreamInfo
  readonly counters = newCounters()
  private readonly q = new ByteQueue()
  private readonly scanner = new TextHeaderScanner({ format: 'DAT', prefix: ascii('% ') })
  private phase: 'header' | 'typesize' | 'data' = 'header'
  private eventType = 0
  private eventSize = 8
  private carry: WordCarry | undefined
  private readonly sink: EventSink
  private prevRaw = -1
  private epoch = 0

  constructor(options: { geometry?: SensorGeometry; reuseOutput?: boolean } = {}) {
    this.sink = new EventSink(undefined, undefined, options.reuseOutput)
    this.info = { format: 'dat', headerLines: this.scanner.lines, geometry: options.geometry }
  }

  get headerDone(): boolean {
    return this.phase === 'data'
  }

  push(chunk: Uint8Array): EventBatch[] {
    if (this.phase === 'data') {
      this.decode(this.carry!.join(chunk))
      return this.sink.take()
    }
    this.q.append(chunk)
    this.advanceHeader(false)
    return this.sink.take()
  }

  end(): EventBatch[] {
    if (this.phase !== 'data') this.advanceHeader(true)
    if (this.phase !== 'data') throw truncatedError('DAT', this.q.offset, 'the event type/size bytes')
    if (this.carry!.pending) throw truncatedError('DAT', this.info.dataOffset! + this.carry!.consumed, `a ${this.eventSize}-byte event`)
    return this.sink.take()
  }

  resumePoint(): ResumePoint | null {
    if (this.phase !== 'data') return null
    return {
      offset: this.info.dataOffset! + this.carry!.consumed,
      state: { eventType: this.eventType, eventSize: this.eventSize, prevRaw: this.prevRaw, epoch: this.epoch },
    }
  }

  resumeAt(point: ResumePoint): void {
    const s: Readonly<Record<string, DecoderStateValue>> = point.state
    this.eventType = s.eventType as number
    this.eventSize = s.eventSize as number
    this.prevRaw = s.prevRaw as number
    this.epoch = s.epoch as number
    this.phase = 'data'
    this.info.dataOffset = point.offset
    this.carry = new WordCarry(this.eventSize)
  }

  private advanceHeader(eof: boolean): void {
    if (this.phase === 'header') {
      if (!this.scanner.scan(this.q, eof)) return
      this.phase = this.scanner.lines.length === 0 ? 'data' : 'typesize'
      this.readGeometry()
      if (this.phase === 'data') this.startData()
    }
    if (this.phase === 'typesize') {
      if (this.q.length < 2) return
      const at = this.q.offset
      this.eventType = this.q.byteAt(0)
      this.eventSize = this.q.byteAt(1)
      if (CD_TYPES.has(this.eventType) && this.eventSize < 8) {
        throw corruptError('DAT', at + 1, 'eventSize', `event size ${this.eventSize} is too small for CD events (8)`)
      }
      if (this.eventSize === 0) throw corruptError('DAT', at + 1, 'eventSize', 'event size 0')
      this.q.consume(2)
      this.phase = 'data'
      this.startData()
    }
  }

  private startData(): void {
    this.info.dataOffset = this.q.offset
    this.carry = new WordCarry(this.eventSize)
    const rest = this.q.drain()
    this.decode(this.carry.join(rest))
  }

  private readGeometry(): void {
    let w: number | undefined
    let h: number | undefined
    for (const line of this.scanner.lines) {
      const m = /^% (Width|Height) (\d+)/i.exec(line)
      if (m) {
        if (m[1].toLowerCase() === 'width') w = Number(m[2])
        else h = Number(m[2])
      }
    }
    if (w !== undefined && h !== undefined) this.info.geometry ??= { width: w, height: h }
  }

  private decode(bytes: Uint8Array): void {
    if (!CD_TYPES.has(this.eventType)) {
      this.counters.skippedWords += bytes.length / this.eventSize
      return
    }
    const stride = this.eventSize >>> 2
    const aligned = this.eventSize % 4 === 0
    const words = aligned ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2) : undefined
    const count = bytes.length / this.eventSize
    const sink = this.sink
    let { t, x, y, p } = sink
    let n = sink.n
    const limit = sink.limit
    let prev = this.prevRaw
    let epoch = this.epoch
    const size = this.eventSize
    // word index of the current record when sizes are whole words, else its byte offset
    for (let i = 0, w = 0, o = 0; i < count; i++, w += stride, o += size) {
      let ts: number
      let data: number
      if (words) {
        ts = words[w]
        data = words[w + 1]
      } else {
        ts = (bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (bytes[o + 3] << 24)) >>> 0
        data = (bytes[o + 4] | (bytes[o + 5] << 8) | (bytes[o + 6] << 16) | (bytes[o + 7] << 24)) >>> 0
      }
      if (ts < prev) {
        if (prev - ts > 2 ** 31) {
          epoch += 2 ** 32
          this.counters.wraps++
        } else this.counters.nonMonotonic++
      }
      prev = ts
      if (n >= limit) {
        sink.n = n
        sink.rotate()
        ;({ t, x, y, p } = sink)
        n = 0
      }
      t[n] = epoch + ts
      x[n] = data & 0x3fff
      y[n] = (data >>> 14) & 0x3fff
      p[n] = (data >>> 28) & 1
      n++
    }
    sink.n = n
    this.prevRaw = prev
    this.epoch = epoch
  }
}
