import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { buildDataTable, buildEventPacket, buildFileStart, type FileDataEntry } from './aedat4-tables.js'
import { ByteWriter } from './byte-writer.js'
import { checkRange, checkTime } from './encode-checks.js'
import { compressPayload, type CompressionName } from './payload-codec.js'
import type { EventEncoder } from './types.js'
import { SpikelabError } from '../../common/errors.js'
import { buildGapPacket, type RecordingGap } from './aedat4-gaps.js'

export interface Aedat4EncoderOptions {
  geometry: SensorGeometry
  /** Payload compression (ZSTD needs `loadZstd()` first). Default none. */
  compression?: CompressionName
  streamId?: number
  /** Events per packet at most (default 65 536). */
  maxPacketEvents?: number
  /** Declare a TRIG stream (id streamId + 1) for gap markers (`writeGaps`). */
  gapStream?: boolean
}

/**
 * AEDAT 4.0 writer: file start, one EVTS packet per `write` (split at maxPacketEvents), and on
 * `end()` a FileDataTable (compressed with the file's codec, DV-style payload ByteOffsets) whose
 * position `finalPatches()` writes into the IOHeader.
 */
export class Aedat4Encoder implements EventEncoder {
  readonly format = 'aedat4'
  /** Bytes produced so far (= absolute offset of the next byte). */
  position = 0
  readonly entries: FileDataEntry[] = []
  private readonly out = new ByteWriter()
  private started = false
  private tablePositionOffset = 0
  private tablePosition = -1
  private readonly compression: CompressionName
  private readonly streamId: number
  private readonly maxPacketEvents: number
  private index = 0

  constructor(private readonly options: Aedat4EncoderOptions) {
    this.compression = options.compression ?? 'none'
    this.streamId = options.streamId ?? 0
    this.maxPacketEvents = options.maxPacketEvents ?? 1 << 16
  }

  /** Offset of the IOHeader's 8-byte dataTablePosition field. */
  get dataTablePositionOffset(): number {
    return this.tablePositionOffset
  }

  write(batch: EventBatch): Uint8Array {
    this.start()
    const { t, x, y } = batch
    const n = t.length
    for (let i = 0; i < n; i++) {
      const k = this.index + i
      if (!(Number.isInteger(t[i]) && Math.abs(t[i]) <= Number.MAX_SAFE_INTEGER)) checkTime('AEDAT 4.0', t[i], k)
      checkRange('AEDAT 4.0', 'x', x[i], 0x7fff, k)
      checkRange('AEDAT 4.0', 'y', y[i], 0x7fff, k)
    }
    for (let from = 0; from < n; from += this.maxPacketEvents) {
      const to = Math.min(n, from + this.maxPacketEvents)
      this.packet(batch, from, to)
    }
    this.index += n
    return this.take()
  }

  /** One TRIG packet holding gap markers (aedat4-gaps.ts); needs the `gapStream` option. */
  writeGaps(gaps: readonly RecordingGap[]): Uint8Array {
    this.start()
    if (!this.options.gapStream) throw new SpikelabError('ENCODE_OPTION', 'gap markers need an encoder opened with gapStream: true', { field: 'gapStream' })
    if (gaps.length === 0) return this.take()
    const streamId = this.streamId + 1
    const payload = compressPayload(this.compression, buildGapPacket(gaps))
    const header = new Uint8Array(8)
    const dv = new DataView(header.buffer)
    dv.setInt32(0, streamId, true)
    dv.setInt32(4, payload.length, true)
    const payloadOffset = this.position + this.out.length + 8
    this.out.writeBytes(header)
    this.out.writeBytes(payload)
    this.entries.push({ byteOffset: payloadOffset, streamId, size: payload.length, numElements: gaps.length, tsStart: gaps[0].afterUs, tsEnd: gaps[gaps.length - 1].afterUs })
    return this.take()
  }

  end(): Uint8Array {
    this.start()
    this.tablePosition = this.position + this.out.length
    this.out.writeBytes(compressPayload(this.compression, buildDataTable(this.entries)))
    return this.take()
  }

  finalPatches(): { offset: number; bytes: Uint8Array }[] {
    if (this.tablePosition < 0) return []
    const bytes = new Uint8Array(8)
    new DataView(bytes.buffer).setBigInt64(0, BigInt(this.tablePosition), true)
    return [{ offset: this.tablePositionOffset, bytes }]
  }

  private start(): void {
    if (this.started) return
    const { bytes, tablePositionOffset } = buildFileStart(this.options.geometry, this.compression, this.streamId, this.options.gapStream ? this.streamId + 1 : undefined)
    this.tablePositionOffset = tablePositionOffset
    this.out.writeBytes(bytes)
    this.started = true
  }

  private packet(batch: EventBatch, from: number, to: number): void {
    const payload = compressPayload(this.compression, buildEventPacket(batch, from, to))
    const header = new Uint8Array(8)
    const dv = new DataView(header.buffer)
    dv.setInt32(0, this.streamId, true)
    dv.setInt32(4, payload.length, true)
    const payloadOffset = this.position + this.out.length + 8
    this.out.writeBytes(header)
    this.out.writeBytes(payload)
    this.entries.push({
      byteOffset: payloadOffset,
      streamId: this.streamId,
      size: payload.length,
      numElements: to - from,
      tsStart: batch.t[from],
      tsEnd: batch.t[to - 1],
    })
  }

  private take(): Uint8Array {
    const bytes = this.out.take()
    this.position += bytes.length
    return bytes
  }
}
