/**
 * Gap markers in AEDAT 4 recordings: where the sensor was lost (unplug, process killed) or the
 * parser skipped bytes, the recording holds an explicit marker with counts.
 *
 * Representation (readers of AEDAT 4 tolerate it): a second output stream with typeIdentifier
 * `TRIG`, declared in the infoNode, whose packets are DV TriggerPackets (event-formats.md §3.4).
 * Each marker is one Trigger: slot 0 timestamp = time of the last event before the gap, slot 1
 * type = GAP_TRIGGER_TYPE (100, outside DV's 0–9; DV reads the type as a plain int8). Spikelab
 * adds slots after the schema's, which FlatBuffers readers built from DV's schema skip:
 * 2 durationUs int64, 3 droppedBytes int64, 4 lostEventsEstimate int64, 5 eventIndex int64
 * (events in the file before the marker), 6 kind int8 (1 link lost, 2 bytes dropped), 7 reason string.
 */
import { open } from 'node:fs/promises'
import { Builder } from 'flatbuffers'
import { SpikelabError } from '../../common/errors.js'
import { readAedat4Start } from './aedat4-file.js'
import { corruptError } from './decode-errors.js'
import { FlatBufferReader } from './flatbuffer-reader.js'
import { decompressPayload, loadZstd } from './payload-codec.js'

/** Trigger type that marks a gap (Spikelab's; DV defines 0–9). */
export const GAP_TRIGGER_TYPE = 100

export type RecordingGapKind = 'link-lost' | 'dropped-bytes' | 'unknown'

export interface RecordingGap {
  readonly kind: RecordingGapKind
  /** Time of the last event before the gap, µs. */
  readonly afterUs: number
  /** How long nothing could arrive (host-measured; 0 when bytes were skipped in a running stream). */
  readonly durationUs: number
  readonly droppedBytes: number
  readonly lostEventsEstimate: number
  /** Events in the file before the marker. */
  readonly eventIndex: number
  readonly reason: string
}

const KIND_CODE: Record<RecordingGapKind, number> = { unknown: 0, 'link-lost': 1, 'dropped-bytes': 2 }
const KIND_NAME: RecordingGapKind[] = ['unknown', 'link-lost', 'dropped-bytes']

/** A size-prefixed TriggerPacket FlatBuffer ("TRIG") holding one Trigger per gap. */
export function buildGapPacket(gaps: readonly RecordingGap[]): Uint8Array {
  const b = new Builder(256 + gaps.length * 128)
  const rows: number[] = []
  for (const g of gaps) {
    const reason = b.createString(g.reason.slice(0, 200))
    b.startObject(8)
    b.addFieldInt64(0, BigInt(Math.round(g.afterUs)), 0n)
    b.addFieldInt64(2, BigInt(Math.round(g.durationUs)), 0n)
    b.addFieldInt64(3, BigInt(Math.round(g.droppedBytes)), 0n)
    b.addFieldInt64(4, BigInt(Math.round(g.lostEventsEstimate)), 0n)
    b.addFieldInt64(5, BigInt(Math.round(g.eventIndex)), 0n)
    b.addFieldOffset(7, reason, 0)
    b.addFieldInt8(1, GAP_TRIGGER_TYPE, 0)
    b.addFieldInt8(6, KIND_CODE[g.kind], 0)
    rows.push(b.endObject())
  }
  b.startVector(4, rows.length, 4)
  for (let i = rows.length - 1; i >= 0; i--) b.addOffset(rows[i])
  const vec = b.endVector()
  b.startObject(1)
  b.addFieldOffset(0, vec, 0)
  b.finishSizePrefixed(b.endObject(), 'TRIG')
  return b.asUint8Array()
}

/** The gap markers of a TriggerPacket (other trigger types are ignored). */
export function readGapTriggers(r: FlatBufferReader): RecordingGap[] {
  const root = r.root()
  const vec = r.ref(root, 0)
  if (!vec) return []
  const { start, length } = r.vector(vec, 4)
  const out: RecordingGap[] = []
  for (let i = 0; i < length; i++) {
    const slot = start + 4 * i
    const row = slot + r.u32(slot)
    if (r.int8(row, 1, 0) !== GAP_TRIGGER_TYPE) continue
    const reasonAt = r.ref(row, 7)
    out.push({
      kind: KIND_NAME[r.int8(row, 6, 0)] ?? 'unknown',
      afterUs: r.int64(row, 0, 0),
      durationUs: r.int64(row, 2, 0),
      droppedBytes: r.int64(row, 3, 0),
      lostEventsEstimate: r.int64(row, 4, 0),
      eventIndex: r.int64(row, 5, 0),
      reason: reasonAt ? r.string(reasonAt) : '',
    })
  }
  return out
}

/**
 * Every gap marker of an AEDAT 4 file, reading only packet headers and the TRIG payloads (a
 * truncated last packet, as left by a killed recorder, ends the scan).
 */
export async function readAedat4Gaps(file: string): Promise<RecordingGap[]> {
  const fh = await open(file, 'r')
  try {
    const { header, dataOffset } = await readAedat4Start(fh, file)
    const trig = new Set(header.streams.filter((s) => s.typeIdentifier === 'TRIG').map((s) => s.id))
    if (trig.size === 0) return []
    if (header.compression === 'zstd') await loadZstd()
    const { size: fileSize } = await fh.stat()
    const end = header.dataTablePosition >= 0 ? Math.min(header.dataTablePosition, fileSize) : fileSize
    const gaps: RecordingGap[] = []
    const head = new Uint8Array(8)
    const dv = new DataView(head.buffer)
    for (let pos = dataOffset; pos + 8 <= end; ) {
      await fh.read(head, 0, 8, pos)
      const streamId = dv.getInt32(0, true)
      const size = dv.getInt32(4, true)
      if (size < 0 || size > 256 << 20) throw new SpikelabError('EVENTS_CORRUPT', `packet size ${size} is not plausible`, { file, byteOffset: pos + 4 })
      if (pos + 8 + size > end) break
      if (trig.has(streamId)) {
        const raw = new Uint8Array(size)
        await fh.read(raw, 0, size, pos + 8)
        const data = decompressPayload(header.compression, raw, pos + 8, 256 << 20)
        gaps.push(...readGapTriggers(payloadReader(data, pos + 8)))
      }
      pos += 8 + size
    }
    return gaps
  } finally {
    await fh.close()
  }
}

/** A reader over a (decompressed) size-prefixed packet payload. */
export function payloadReader(data: Uint8Array, at: number): FlatBufferReader {
  if (data.length < 12) throw corruptError('AEDAT 4.0', at, 'payload', `payload of ${data.length} bytes is too short for a FlatBuffer`)
  const declared = (data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24)) >>> 0
  if (declared > data.length - 4) throw corruptError('AEDAT 4.0', at, 'payload size', `FlatBuffer size ${declared} exceeds the ${data.length - 4}-byte payload`)
  return new FlatBufferReader(data.subarray(4, 4 + declared), at, 'packet', false)
}
