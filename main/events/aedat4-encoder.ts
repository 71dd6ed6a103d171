import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { buildDataTable, buildFileStart, EventPacketBuilder, type FileDataEntry } from './aedat4-tables.js'
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
 *
 * Each call gathers its output as parts (packet header, payload, ...). `write`/`writeGaps`/`end`
 * return them joined in a fresh array; the `…Parts` variants return the parts themselves, without
 * a copy, for a caller that writes them at once (writev) — those parts may be the encoder's reused
 * packet buffer and are valid only until the next call.
 */
export class Aedat4Encoder implements EventEncoder {
  readonly format = 'aedat4'
  /** Bytes produced so far (= absolute offset of the next byte). */
  position = 0
  readonly entries: FileDataEntry[] = []
  /** Output of the current call, in order, and its length in bytes. */
  private parts: Uint8Array[] = []
  private partsLength = 0
  private readonly packets = new EventPacketBuilder()
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
    return join(this.writeParts(batch))
  }

  /** `write` without joining: the parts are valid until the next call. */
  writeParts(batch: EventBatch): Uint8Array[] {
    this.start()
    const n = batch.t.length
    const entriesBefore = this.entries.length
    const partsBefore = this.parts.length
    const lengthBefore = this.partsLength
    for (let from = 0; from < n; from += this.maxPacketEvents) {
      const to = Math.min(n, from + this.maxPacketEvents)
      if (!this.packet(batch, from, to)) {
        // nothing of this batch is emitted: drop its packets, then let the precise checks name the event
        this.entries.length = entriesBefore
        this.parts.length = partsBefore
        this.partsLength = lengthBefore
        this.checkEvents(batch)
      }
    }
    this.index += n
    return this.takeParts()
  }

  /** Throws for the first event AEDAT 4 cannot hold (the packet builder found one). */
  private checkEvents(batch: EventBatch): never {
    const { t, x, y } = batch
    for (let i = 0; i < t.length; i++) {
      const k = this.index + i
      if (!(Number.isInteger(t[i]) && Math.abs(t[i]) <= Number.MAX_SAFE_INTEGER)) checkTime('AEDAT 4.0', t[i], k)
      checkRange('AEDAT 4.0', 'x', x[i], 0x7fff, k)
      checkRange('AEDAT 4.0', 'y', y[i], 0x7fff, k)
    }
    throw new SpikelabError('ENCODE_INTERNAL', 'the AEDAT 4.0 packet builder refused an event the checks accept')
  }

  /** One TRIG packet holding gap markers (aedat4-gaps.ts); needs the `gapStream` option. */
  writeGaps(gaps: readonly RecordingGap[]): Uint8Array {
    return join(this.writeGapsParts(gaps))
  }

  /** `writeGaps` without joining: the parts are valid until the next call. */
  writeGapsParts(gaps: readonly RecordingGap[]): Uint8Array[] {
    this.start()
    if (!this.options.gapStream) throw new SpikelabError('ENCODE_OPTION', 'gap markers need an encoder opened with gapStream: true', { field: 'gapStream' })
    if (gaps.length === 0) return this.takeParts()
    const streamId = this.streamId + 1
    const payload = compressPayload(this.compression, buildGapPacket(gaps))
    const payloadOffset = this.position + this.partsLength + 8
    this.push(packetHeader(streamId, payload.length))
    this.push(payload)
    this.entries.push({ byteOffset: payloadOffset, streamId, size: payload.length, numElements: gaps.length, tsStart: gaps[0].afterUs, tsEnd: gaps[gaps.length - 1].afterUs })
    return this.takeParts()
  }

  end(): Uint8Array {
    return join(this.endParts())
  }

  /** `end` without joining. */
  endParts(): Uint8Array[] {
    this.start()
    this.tablePosition = this.position + this.partsLength
    this.push(compressPayload(this.compression, buildDataTable(this.entries)))
    return this.takeParts()
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
    this.push(bytes)
    this.started = true
  }

  /** Adds one EVTS packet; false (and nothing added) when an event is not representable. */
  private packet(batch: EventBatch, from: number, to: number): boolean {
    const built = this.packets.build(batch, from, to)
    if (!this.packets.representable) return false
    let payload = compressPayload(this.compression, built)
    // uncompressed, the payload is the builder's buffer: a following packet of this call reuses it
    if (payload === built && to < batch.t.length) payload = built.slice()
    const payloadOffset = this.position + this.partsLength + 8
    this.push(packetHeader(this.streamId, payload.length))
    this.push(payload)
    this.entries.push({
      byteOffset: payloadOffset,
      streamId: this.streamId,
      size: payload.length,
      numElements: to - from,
      tsStart: batch.t[from],
      tsEnd: batch.t[to - 1],
    })
    return true
  }

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes)
    this.partsLength += bytes.length
  }

  private takeParts(): Uint8Array[] {
    const parts = this.parts
    this.position += this.partsLength
    this.parts = []
    this.partsLength = 0
    return parts
  }
}

/** The parts in one fresh array. */
function join(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const bytes = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    bytes.set(part, at)
    at += part.length
  }
  return bytes
}

/** The 8-byte packet header: stream id and payload size (event-formats.md §3.1). */
function packetHeader(streamId: number, size: number): Uint8Array {
  const header = new Uint8Array(8)
  const dv = new DataView(header.buffer)
  dv.setInt32(0, streamId, true)
  dv.setInt32(4, size, true)
  return header
}
