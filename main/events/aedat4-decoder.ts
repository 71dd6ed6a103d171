import type { EventBatch } from '../../common/event-batch.js'
import { ByteQueue } from './byte-queue.js'
import { corruptError, truncatedError } from './decode-errors.js'
import { EventSink } from './event-sink.js'
import { FlatBufferReader } from './flatbuffer-reader.js'
import { AEDAT4_MAGIC, parseIoHeader, type Aedat4IoHeader } from './aedat4-info.js'
import { decompressPayload } from './payload-codec.js'
import { readGapTriggers, type RecordingGap } from './aedat4-gaps.js'
import { newCounters, type EventDecoder, type EventStreamInfo } from './types.js'

const EVENT_STRUCT = 16

export interface Aedat4DecoderOptions {
  /** Reuse output memory: returned batches stay valid only until the next push/end call. */
  reuseOutput?: boolean
  /** Largest packet (compressed or decompressed) accepted, in bytes (default 256 MiB). */
  maxPacketBytes?: number
  /** Only decode EVTS packets of this stream id (default: every EVTS stream). */
  streamId?: number
  /** A truncated last packet (interrupted recording) ends the stream quietly instead of throwing. */
  tolerateTruncation?: boolean
}

/** Summary of one packet, for building or checking a FileDataTable. */
export interface Aedat4PacketSummary {
  /** Absolute offset of the 8-byte PacketHeader. */
  headerOffset: number
  streamId: number
  size: number
  elements: number
  tsStart: number
  tsEnd: number
}

/**
 * AEDAT 4.0 (event-formats.md §3): magic line, size-prefixed IOHeader, then packets
 * `{int32 streamId, int32 size}` + payload (one LZ4/ZSTD frame when compressed) holding a
 * size-prefixed FlatBuffer. EVTS packets become events; other packet types are skipped; the
 * FileDataTable region (from dataTablePosition) is not event data.
 */
export class Aedat4Decoder implements EventDecoder {
  readonly info: EventStreamInfo
  readonly counters = newCounters()
  header: Aedat4IoHeader | undefined
  /** Packets read so far (kept only when `keepPackets` is set). */
  packets: Aedat4PacketSummary[] = []
  keepPackets = false
  /** Gap markers (aedat4-gaps.ts) met so far, in file order. */
  readonly gaps: RecordingGap[] = []
  private readonly q = new ByteQueue()
  private readonly sink: EventSink
  private readonly maxPacketBytes: number
  private readonly streamFilter: number | undefined
  private readonly tolerateTruncation: boolean
  private phase: 'magic' | 'prefix' | 'ioheader' | 'packets' | 'table' = 'magic'
  private headerSize = 0

  constructor(options: Aedat4DecoderOptions = {}) {
    this.sink = new EventSink(undefined, undefined, options.reuseOutput)
    this.maxPacketBytes = options.maxPacketBytes ?? 256 << 20
    this.streamFilter = options.streamId
    this.tolerateTruncation = options.tolerateTruncation ?? false
    this.info = { format: 'aedat4', headerLines: [] }
  }

  get headerDone(): boolean {
    return this.phase === 'packets' || this.phase === 'table'
  }

  push(chunk: Uint8Array): EventBatch[] {
    if (this.phase === 'table') return []
    this.q.append(chunk)
    this.run()
    return this.sink.take()
  }

  end(): EventBatch[] {
    this.run()
    if (this.phase !== 'table' && this.q.length > 0) {
      if (!this.tolerateTruncation || this.phase !== 'packets') {
        throw truncatedError('AEDAT 4.0', this.q.offset, this.phase === 'packets' ? 'a packet' : 'the file header')
      }
    }
    if (this.phase !== 'packets' && this.phase !== 'table') throw truncatedError('AEDAT 4.0', this.q.offset, 'the file header')
    return this.sink.take()
  }

  private run(): void {
    const q = this.q
    for (;;) {
      switch (this.phase) {
        case 'magic': {
          if (q.length < AEDAT4_MAGIC.length) return
          const got = Buffer.from(q.peek(AEDAT4_MAGIC.length)).toString('latin1')
          if (got !== AEDAT4_MAGIC) throw corruptError('AEDAT 4.0', 0, 'magic', 'file does not start with #!AER-DAT4.0')
          q.consume(AEDAT4_MAGIC.length)
          this.phase = 'prefix'
          break
        }
        case 'prefix': {
          if (q.length < 4) return
          const h = q.peek(4)
          this.headerSize = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0
          if (this.headerSize < 8 || this.headerSize > 64 << 20) {
            throw corruptError('AEDAT 4.0', q.offset, 'IOHeader size', `IOHeader size ${this.headerSize} is not plausible`)
          }
          q.consume(4)
          this.phase = 'ioheader'
          break
        }
        case 'ioheader': {
          if (q.length < this.headerSize) return
          this.header = parseIoHeader(q.peek(this.headerSize), q.offset)
          this.info.headerLines.push(this.header.infoNode)
          const evts = this.header.streams.find((s) => s.typeIdentifier === 'EVTS' && (this.streamFilter === undefined || s.id === this.streamFilter))
          if (evts?.geometry) this.info.geometry = evts.geometry
          q.consume(this.headerSize)
          this.info.dataOffset = q.offset
          this.phase = 'packets'
          break
        }
        case 'packets': {
          const tablePos = this.header!.dataTablePosition
          if (tablePos >= 0 && q.offset >= tablePos) {
            this.phase = 'table'
            q.consume(q.length)
            return
          }
          if (q.length < 8) return
          const h = q.peek(8)
          const streamId = h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)
          const size = h[4] | (h[5] << 8) | (h[6] << 16) | (h[7] << 24)
          if (size < 0 || size > this.maxPacketBytes) {
            throw corruptError('AEDAT 4.0', q.offset + 4, 'Size', `packet size ${size} outside 0..${this.maxPacketBytes}`)
          }
          if (q.length < 8 + size) return
          this.packet(streamId, q.peek(8 + size).subarray(8), q.offset)
          q.consume(8 + size)
          break
        }
        case 'table':
          q.consume(q.length)
          return
      }
    }
  }

  private packet(streamId: number, raw: Uint8Array, headerOffset: number): void {
    const at = headerOffset + 8
    const data = decompressPayload(this.header!.compression, raw, at, this.maxPacketBytes)
    if (data.length < 12) throw corruptError('AEDAT 4.0', at, 'payload', `payload of ${data.length} bytes is too short for a FlatBuffer`)
    const declared = (data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24)) >>> 0
    if (declared > data.length - 4) throw corruptError('AEDAT 4.0', at, 'payload size', `FlatBuffer size ${declared} exceeds the ${data.length - 4}-byte payload`)
    const b = data.subarray(4, 4 + declared)
    const compressed = this.header!.compression !== 'none'
    const r = new FlatBufferReader(b, compressed ? at : at + 4, 'packet', !compressed)
    const id = r.identifier()
    if (id === 'TRIG') {
      try {
        this.gaps.push(...readGapTriggers(r))
      } catch {
        // a trigger packet this reader cannot follow is skipped like any other non-event packet
      }
    }
    if (id !== 'EVTS' || (this.streamFilter !== undefined && streamId !== this.streamFilter)) {
      this.counters.skippedWords++
      if (this.keepPackets) this.packets.push({ headerOffset, streamId, size: raw.length, ...elementSummary(r, id) })
      return
    }
    const root = r.root()
    const vec = r.ref(root, 0)
    const { start, length } = vec ? r.vector(vec, EVENT_STRUCT) : { start: 0, length: 0 }
    const sink = this.sink
    let { t: ts, x, y, p } = sink
    let n = sink.n
    const limit = sink.limit
    let tsStart = -1
    let tsEnd = -1
    for (let i = 0, o = start; i < length; i++, o += EVENT_STRUCT) {
      const lo = (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
      const hi = b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24)
      const t = hi * 4294967296 + lo
      if (n >= limit) {
        sink.n = n
        sink.rotate()
        ;({ t: ts, x, y, p } = sink)
        n = 0
      }
      ts[n] = t
      x[n] = b[o + 8] | (b[o + 9] << 8)
      y[n] = b[o + 10] | (b[o + 11] << 8)
      p[n] = b[o + 12] & 1
      n++
      if (i === 0) tsStart = t
      tsEnd = t
    }
    sink.n = n
    if (this.keepPackets) this.packets.push({ headerOffset, streamId, size: raw.length, elements: length, tsStart, tsEnd })
  }
}

/** Element count and time range of a non-event packet (IMUS/TRIG tables start with an int64 timestamp). */
function elementSummary(r: FlatBufferReader, id: string): { elements: number; tsStart: number; tsEnd: number } {
  try {
    const root = r.root()
    if (id === 'FRME') {
      const t = r.int64(root, 0, 0)
      return { elements: 1, tsStart: t, tsEnd: t }
    }
    const vec = r.ref(root, 0)
    if (!vec) return { elements: 0, tsStart: -1, tsEnd: -1 }
    const { start, length } = r.vector(vec, 4)
    if (length === 0) return { elements: 0, tsStart: -1, tsEnd: -1 }
    const first = start + r.u32(start)
    const lastSlot = start + 4 * (length - 1)
    const last = lastSlot + r.u32(lastSlot)
    return { elements: length, tsStart: r.int64(first, 0, 0), tsEnd: r.int64(last, 0, 0) }
  } catch {
    return { elements: 0, tsStart: -1, tsEnd: -1 }
  }
}
