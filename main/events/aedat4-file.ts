import { open, type FileHandle } from 'node:fs/promises'
import { SpikelabError } from '../../common/errors.js'
import { AEDAT4_MAGIC, parseIoHeader, type Aedat4IoHeader } from './aedat4-info.js'
import { parseDataTable, type FileDataEntry } from './aedat4-tables.js'
import { corruptError } from './decode-errors.js'
import { FlatBufferReader } from './flatbuffer-reader.js'
import { decompressPayload, isCompressedFrame, loadZstd } from './payload-codec.js'

/** The IOHeader of an AEDAT 4 file plus where things are in the file. */
export interface Aedat4FileStart {
  header: Aedat4IoHeader
  /** Offset of the first packet. */
  dataOffset: number
  /** Offset of the IOHeader's dataTablePosition int64, or −1 when the writer omitted the field. */
  tablePositionOffset: number
}

export async function readAedat4Start(fh: FileHandle, file: string): Promise<Aedat4FileStart> {
  const first = new Uint8Array(AEDAT4_MAGIC.length + 4)
  const got = (await fh.read(first, 0, first.length, 0)).bytesRead
  if (got < first.length || Buffer.from(first.subarray(0, AEDAT4_MAGIC.length)).toString('latin1') !== AEDAT4_MAGIC) {
    throw new SpikelabError('EVENTS_CORRUPT', 'not an AEDAT 4.0 file', { file, byteOffset: 0, field: 'magic' })
  }
  const size = new DataView(first.buffer).getUint32(AEDAT4_MAGIC.length, true)
  if (size < 8 || size > 64 << 20) throw new SpikelabError('EVENTS_CORRUPT', `IOHeader size ${size} is not plausible`, { file, byteOffset: AEDAT4_MAGIC.length })
  const base = first.length
  const b = new Uint8Array(size)
  if ((await fh.read(b, 0, size, base)).bytesRead < size) throw new SpikelabError('EVENTS_TRUNCATED', 'file ends inside the IOHeader', { file, byteOffset: base })
  const header = parseIoHeader(b, base)
  const r = new FlatBufferReader(b, base, 'IOHeader')
  const field = r.field(r.root(), 1)
  return { header, dataOffset: base + size, tablePositionOffset: field ? base + field : -1 }
}

/**
 * Reads the FileDataTable of an AEDAT 4 file, or undefined when it has none. Byte offsets are
 * normalised to DV's convention (pointing at the payload); jAER-style tables (pointing at the
 * PacketHeader) are detected per file as jAER does (event-formats.md §3.5).
 */
export async function readAedat4DataTable(file: string): Promise<FileDataEntry[] | undefined> {
  const fh = await open(file, 'r')
  try {
    const { header } = await readAedat4Start(fh, file)
    const pos = header.dataTablePosition
    if (pos < 0) return undefined
    const { size } = await fh.stat()
    if (pos >= size) throw new SpikelabError('EVENTS_CORRUPT', `dataTablePosition ${pos} is beyond the end of the file`, { file, field: 'dataTablePosition' })
    if (size - pos > 256 << 20) throw new SpikelabError('EVENTS_CORRUPT', 'FileDataTable region larger than 256 MiB', { file, byteOffset: pos })
    const region = new Uint8Array(size - pos)
    await fh.read(region, 0, region.length, pos)
    if (isCompressedFrameKind(region) === 'zstd') await loadZstd()
    const data = isCompressedFrame(region) ? decompressPayload(isCompressedFrameKind(region), region, pos, 256 << 20) : region
    const entries = parseDataTable(data, pos)
    if (entries.length === 0) return entries
    const probe = entries[0]
    const at = new Uint8Array(8)
    await fh.read(at, 0, 8, probe.byteOffset - 8)
    const dv = new DataView(at.buffer)
    const payloadStyle = dv.getInt32(0, true) === probe.streamId && dv.getInt32(4, true) === probe.size
    if (payloadStyle) return entries
    await fh.read(at, 0, 8, probe.byteOffset)
    if (dv.getInt32(0, true) === probe.streamId && dv.getInt32(4, true) === probe.size) {
      return entries.map((e) => ({ ...e, byteOffset: e.byteOffset + 8 }))
    }
    throw corruptError('AEDAT 4.0', pos, 'ByteOffset', 'FileDataTable offsets match neither DV nor jAER packet positions')
  } finally {
    await fh.close()
  }
}

function isCompressedFrameKind(b: Uint8Array): 'lz4' | 'zstd' {
  return b[0] === 0x28 ? 'zstd' : 'lz4'
}
