import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { ByteQueue } from './byte-queue.js'
import { corruptError, truncatedError } from './decode-errors.js'
import { EventSink } from './event-sink.js'
import { ascii, TextHeaderScanner } from './text-header.js'
import { newCounters, type EventStreamInfo, type ResumableDecoder, type ResumePoint } from './types.js'

const PACKET_HEADER = 28
const POLARITY = 1

export interface Aedat3DecoderOptions {
  /** Reuse output memory: returned batches stay valid only until the next push/end call. */
  reuseOutput?: boolean
  /** Largest packet body accepted, in bytes (default 256 MiB). */
  maxPacketBytes?: number
  geometry?: SensorGeometry
  /**
   * Polarity bit layout for AEDAT 3.0 files, which is disputed (event-formats.md §2.4): 'libcaer'
   * = the 3.1 layout (X bits 31–17, Y 16–2; default), 'jaer' = X bits 31–18, Y 17–4. 3.1 files
   * always use the 3.1 layout.
   */
  aedat30Layout?: 'libcaer' | 'jaer'
}

/**
 * AEDAT 3.1 (event-formats.md §2): `#` header up to `#!END-HEADER`, then packets of a 28-byte LE
 * header and eventCapacity × eventSize bytes. POLARITY packets become events (valid bit honoured,
 * t = overflow·2^31 + ts); every other packet type is skipped by its declared length.
 */
export class Aedat3Decoder implements ResumableDecoder {
  readonly info: EventStreamInfo
  readonly counters = newCounters()
  private readonly q = new ByteQueue()
  private readonly scanner = new TextHeaderScanner({
    format: 'AEDAT 3.1',
    prefix: ascii('#'),
    isLastLine: (l) => l.startsWith('#!END-HEADER'),
  })
  private readonly sink: EventSink
  private readonly maxPacketBytes: number
  private inHeader = true
  private readonly aedat30Layout: 'libcaer' | 'jaer'
  private xShift = 17
  private yShift = 2
  private coordMask = 0x7fff

  constructor(options: Aedat3DecoderOptions = {}) {
    this.sink = new EventSink(undefined, undefined, options.reuseOutput)
    this.maxPacketBytes = options.maxPacketBytes ?? 256 << 20
    this.aedat30Layout = options.aedat30Layout ?? 'libcaer'
    this.info = { format: 'aedat3', headerLines: this.scanner.lines, geometry: options.geometry }
  }

  get headerDone(): boolean {
    return !this.inHeader
  }

  push(chunk: Uint8Array): EventBatch[] {
    this.q.append(chunk)
    this.run(false)
    return this.sink.take()
  }

  end(): EventBatch[] {
    this.run(true)
    if (this.q.length > 0) throw truncatedError('AEDAT 3.1', this.q.offset, 'a packet')
    return this.sink.take()
  }

  /** Packets are self-contained (each carries its timestamp overflow), so a packet boundary needs only the layout. */
  resumePoint(): ResumePoint | null {
    if (this.inHeader) return null
    return { offset: this.q.offset, state: { xShift: this.xShift, yShift: this.yShift, coordMask: this.coordMask } }
  }

  resumeAt(point: ResumePoint): void {
    this.inHeader = false
    this.info.dataOffset = point.offset
    this.q.offset = point.offset
    this.xShift = point.state.xShift as number
    this.yShift = point.state.yShift as number
    this.coordMask = point.state.coordMask as number
  }

  private run(eof: boolean): void {
    if (this.inHeader) {
      if (!this.scanner.scan(this.q, eof)) return
      this.inHeader = false
      this.info.dataOffset = this.q.offset
      if (!this.scanner.lines[0]?.startsWith('#!AER-DAT3')) {
        throw corruptError('AEDAT 3.1', 0, 'version', 'first line is not #!AER-DAT3.x')
      }
      this.info.geometry ??= geometryOfSource(this.scanner.lines)
      if (this.scanner.lines[0].startsWith('#!AER-DAT3.0') && this.aedat30Layout === 'jaer') {
        this.xShift = 18
        this.yShift = 4
        this.coordMask = 0x3fff
      }
    }
    const q = this.q
    while (q.length >= PACKET_HEADER) {
      const h = q.peek(PACKET_HEADER)
      const dv = new DataView(h.buffer, h.byteOffset, PACKET_HEADER)
      const type = dv.getInt16(0, true)
      const size = dv.getInt32(4, true)
      const tsOffset = dv.getInt32(8, true)
      const overflow = dv.getInt32(12, true)
      const capacity = dv.getInt32(16, true)
      const at = q.offset
      if (size <= 0) throw corruptError('AEDAT 3.1', at + 4, 'eventSize', `event size ${size}`)
      if (capacity < 0) throw corruptError('AEDAT 3.1', at + 16, 'eventCapacity', `event capacity ${capacity}`)
      const body = capacity * size
      if (body > this.maxPacketBytes) {
        throw corruptError('AEDAT 3.1', at + 16, 'eventCapacity', `packet of ${body} bytes exceeds the ${this.maxPacketBytes}-byte limit`)
      }
      if (tsOffset < 0 || tsOffset + 4 > size) throw corruptError('AEDAT 3.1', at + 8, 'eventTSOffset', `timestamp offset ${tsOffset} outside a ${size}-byte event`)
      if (q.length < PACKET_HEADER + body) return
      if (type === POLARITY) {
        if (size < 8) throw corruptError('AEDAT 3.1', at + 4, 'eventSize', `polarity event size ${size} < 8`)
        this.polarity(q.peek(PACKET_HEADER + body).subarray(PACKET_HEADER), capacity, size, tsOffset, overflow)
      } else {
        this.counters.skippedWords += capacity
      }
      q.consume(PACKET_HEADER + body)
    }
  }

  private polarity(b: Uint8Array, count: number, size: number, tsOffset: number, overflow: number): void {
    const sink = this.sink
    let { t, x, y, p } = sink
    let n = sink.n
    const limit = sink.limit
    const high = overflow * 2 ** 31
    const { xShift, yShift, coordMask } = this
    for (let i = 0; i < count; i++) {
      const o = i * size
      const data = (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
      if ((data & 1) === 0) {
        this.counters.skippedWords++
        continue
      }
      const to = o + tsOffset
      const ts = b[to] | (b[to + 1] << 8) | (b[to + 2] << 16) | (b[to + 3] << 24)
      if (n >= limit) {
        sink.n = n
        sink.rotate()
        ;({ t, x, y, p } = sink)
        n = 0
      }
      t[n] = high + ts
      x[n] = (data >>> xShift) & coordMask
      y[n] = (data >>> yShift) & coordMask
      p[n] = (data >>> 1) & 1
      n++
    }
    sink.n = n
  }
}

const SOURCE_SIZES: [RegExp, SensorGeometry][] = [
  [/DAVIS346/i, { width: 346, height: 260 }],
  [/DAVIS240/i, { width: 240, height: 180 }],
  [/DAVIS640/i, { width: 640, height: 480 }],
  [/DVXplorer/i, { width: 640, height: 480 }],
  [/DVS128/i, { width: 128, height: 128 }],
]

function geometryOfSource(lines: readonly string[]): SensorGeometry | undefined {
  const src = lines.find((l) => /^#Source \d+:/.test(l))
  if (!src) return undefined
  const m = /(\d+)x(\d+)/.exec(src)
  if (m) return { width: Number(m[1]), height: Number(m[2]) }
  for (const [re, g] of SOURCE_SIZES) if (re.test(src)) return g
  return undefined
}
