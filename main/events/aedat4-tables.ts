import { Builder } from 'flatbuffers'
import type { EventBatch } from '../../common/event-batch.js'
import { FlatBufferReader } from './flatbuffer-reader.js'
import type { CompressionName } from './payload-codec.js'
import { Compression } from './payload-codec.js'
import type { SensorGeometry } from '../../common/event-batch.js'
import { corruptError } from './decode-errors.js'

/** One FileDataTable row (event-formats.md §3.5). ByteOffset is DV-style: it points at the payload. */
export interface FileDataEntry {
  byteOffset: number
  streamId: number
  size: number
  numElements: number
  tsStart: number
  tsEnd: number
}

const CODE: Record<CompressionName, number> = { none: Compression.NONE, lz4: Compression.LZ4, zstd: Compression.ZSTD }
const DV_NAME: Record<CompressionName, string> = { none: 'NONE', lz4: 'LZ4', zstd: 'ZSTD' }

export function infoNodeXml(geometry: SensorGeometry, compression: CompressionName, streamId = 0, triggerStreamId?: number): string {
  const base = '/mainloop/Recorder/outInfo/'
  const triggers =
    triggerStreamId === undefined
      ? ''
      : `<node name="${triggerStreamId}" path="${base}${triggerStreamId}/">` +
        `<attr key="compression" type="string">${DV_NAME[compression]}</attr>` +
        `<attr key="originalModuleName" type="string">Spikelab</attr>` +
        `<attr key="originalOutputName" type="string">gaps</attr>` +
        `<attr key="typeDescription" type="string">Array of triggers (Spikelab gap markers: type 100).</attr>` +
        `<attr key="typeIdentifier" type="string">TRIG</attr>` +
        `<node name="info" path="${base}${triggerStreamId}/info/">` +
        `<attr key="source" type="string">Spikelab</attr><attr key="tsOffset" type="long">0</attr>` +
        `</node></node>`
  return (
    `<dv version="2.0"><node name="outInfo" path="${base}"><node name="${streamId}" path="${base}${streamId}/">` +
    `<attr key="compression" type="string">${DV_NAME[compression]}</attr>` +
    `<attr key="originalModuleName" type="string">Spikelab</attr>` +
    `<attr key="originalOutputName" type="string">events</attr>` +
    `<attr key="typeDescription" type="string">Array of events (polarity ON/OFF).</attr>` +
    `<attr key="typeIdentifier" type="string">EVTS</attr>` +
    `<node name="info" path="${base}${streamId}/info/">` +
    `<attr key="sizeX" type="int">${geometry.width}</attr><attr key="sizeY" type="int">${geometry.height}</attr>` +
    `<attr key="source" type="string">Spikelab</attr><attr key="tsOffset" type="long">0</attr>` +
    `</node></node>${triggers}</node></dv>`
  )
}

/**
 * The file start: magic line, u32 size, IOHeader. dataTablePosition is always written (−1 until
 * the table exists) so it can be patched in place; returns where its 8 bytes are.
 */
export function buildFileStart(geometry: SensorGeometry, compression: CompressionName, streamId = 0, triggerStreamId?: number): { bytes: Uint8Array; tablePositionOffset: number } {
  const b = new Builder(1024)
  b.forceDefaults(true)
  const info = b.createString(infoNodeXml(geometry, compression, streamId, triggerStreamId))
  b.startObject(3)
  b.addFieldInt64(1, -1n, -1n)
  b.addFieldOffset(2, info, 0)
  b.addFieldInt32(0, CODE[compression], 0)
  const root = b.endObject()
  b.finishSizePrefixed(root, 'IOHE')
  const fb = b.asUint8Array()
  const magic = Buffer.from('#!AER-DAT4.0\r\n', 'latin1')
  const bytes = new Uint8Array(magic.length + fb.length)
  bytes.set(magic, 0)
  bytes.set(fb, magic.length)
  const r = new FlatBufferReader(fb.subarray(4), magic.length + 4, 'IOHeader')
  const at = r.field(r.root(), 1)
  return { bytes, tablePositionOffset: magic.length + 4 + at }
}

/** An EVTS payload (size-prefixed EventPacket flatbuffer, laid out by hand for speed), in a fresh buffer. */
export function buildEventPacket(batch: EventBatch, from: number, to: number): Uint8Array {
  return new EventPacketBuilder().build(batch, from, to).slice()
}

/**
 * Builds EVTS payloads into one buffer it reuses (a fresh ~1 MB buffer per packet cost page faults
 * and zeroing): each `build` result is valid until the next. Every byte of the result is written,
 * padding included, so reuse never leaks old bytes. The build loop also checks that every event is
 * representable (t a whole number with |t| ≤ 2^53 − 1, x and y ≤ 0x7fff); `representable` says
 * whether the last build's events all were, so the caller runs its precise (throwing) checks only
 * when one is not.
 */
export class EventPacketBuilder {
  private buf = new ArrayBuffer(0)
  private u8 = new Uint8Array(0)
  private u16 = new Uint16Array(0)
  private u32 = new Uint32Array(0)
  private i32 = new Int32Array(0)
  /** Whether every event of the last build fits AEDAT 4 (see the class comment). */
  representable = true

  build(batch: EventBatch, from: number, to: number): Uint8Array {
    const n = to - from
    const total = 32 + n * 16
    if (this.buf.byteLength < total) this.grow(total)
    const { u8, u16, u32, i32 } = this
    u32[0] = total - 4 // size prefix
    u32[1] = 16 // root table at byte 20 = 4 + 16
    u8[8] = 0x45 // "EVTS"
    u8[9] = 0x56
    u8[10] = 0x54
    u8[11] = 0x53
    u16[6] = 6 // vtable at 12: size 6, table size 8, field 0 at +4
    u16[7] = 8
    u16[8] = 4
    u16[9] = 0 // padding before the table
    i32[5] = 8 // table at 20: soffset to vtable at 12
    u32[6] = 4 // field 0 at 24: vector at 28
    u32[7] = n
    const { t, x, y, p } = batch
    let xy = 0
    let timesOk = true
    for (let i = 0; i < n; i++) {
      const s = from + i
      const w = 8 + i * 4 // element start at byte 32 + 16 i, in u32 units
      const ti = t[s]
      if (!(Math.floor(ti) === ti && ti <= Number.MAX_SAFE_INTEGER && ti >= -Number.MAX_SAFE_INTEGER)) timesOk = false
      const hi = Math.floor(ti / 4294967296)
      u32[w] = ti - hi * 4294967296
      i32[w + 1] = hi
      const xs = x[s]
      const ys = y[s]
      xy |= xs | ys
      u32[w + 2] = xs | (ys << 16)
      u32[w + 3] = p[s] ? 1 : 0 // polarity byte, then 3 padding bytes
    }
    this.representable = timesOk && xy <= 0x7fff
    return u8.subarray(0, total)
  }

  private grow(total: number): void {
    const cap = Math.max(total, this.buf.byteLength * 2)
    this.buf = new ArrayBuffer((cap + 7) & ~7)
    this.u8 = new Uint8Array(this.buf)
    this.u16 = new Uint16Array(this.buf)
    this.u32 = new Uint32Array(this.buf)
    this.i32 = new Int32Array(this.buf)
  }
}

export function buildDataTable(entries: readonly FileDataEntry[]): Uint8Array {
  const b = new Builder(64 + entries.length * 64)
  const rows: number[] = []
  for (const e of entries) {
    b.startObject(5)
    b.addFieldInt64(0, BigInt(e.byteOffset), 0n)
    b.prep(4, 8)
    b.writeInt32(e.size)
    b.writeInt32(e.streamId)
    b.addFieldStruct(1, b.offset(), 0)
    b.addFieldInt64(2, BigInt(e.numElements), 0n)
    b.addFieldInt64(3, BigInt(e.tsStart), 0n)
    b.addFieldInt64(4, BigInt(e.tsEnd), 0n)
    rows.push(b.endObject())
  }
  b.startVector(4, rows.length, 4)
  for (let i = rows.length - 1; i >= 0; i--) b.addOffset(rows[i])
  const vec = b.endVector()
  b.startObject(1)
  b.addFieldOffset(0, vec, 0)
  const root = b.endObject()
  b.finishSizePrefixed(root, 'FTAB')
  return b.asUint8Array()
}

/** Reads a (decompressed) FileDataTable; `base` is its absolute offset for error messages. */
export function parseDataTable(data: Uint8Array, base: number): FileDataEntry[] {
  if (data.length < 12) throw corruptError('AEDAT 4.0', base, 'FileDataTable', 'FileDataTable too short')
  const declared = (data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24)) >>> 0
  if (declared > data.length - 4) throw corruptError('AEDAT 4.0', base, 'FileDataTable', 'FileDataTable size exceeds its region')
  const r = new FlatBufferReader(data.subarray(4, 4 + declared), base + 4, 'FileDataTable')
  if (r.identifier() !== 'FTAB') throw corruptError('AEDAT 4.0', base + 8, 'identifier', `identifier '${r.identifier()}' is not 'FTAB'`)
  const root = r.root()
  const vec = r.ref(root, 0)
  if (!vec) return []
  const { start, length } = r.vector(vec, 4)
  const out: FileDataEntry[] = []
  for (let i = 0; i < length; i++) {
    const slot = start + 4 * i
    const row = slot + r.u32(slot)
    const info = r.field(row, 1)
    out.push({
      byteOffset: r.int64(row, 0, 0),
      streamId: info ? r.u32(info) | 0 : 0,
      size: info ? r.u32(info + 4) | 0 : 0,
      numElements: r.int64(row, 2, 0),
      tsStart: r.int64(row, 3, 0),
      tsEnd: r.int64(row, 4, 0),
    })
  }
  return out
}
