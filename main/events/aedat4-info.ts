import type { SensorGeometry } from '../../common/event-batch.js'
import { corruptError } from './decode-errors.js'
import { FlatBufferReader } from './flatbuffer-reader.js'
import { compressionName, type CompressionName } from './payload-codec.js'

export const AEDAT4_MAGIC = '#!AER-DAT4.0\r\n'

/** One output stream declared in the infoNode XML. */
export interface Aedat4Stream {
  id: number
  typeIdentifier: string
  geometry?: SensorGeometry
}

/** The AEDAT 4 IOHeader (event-formats.md §3.3). */
export interface Aedat4IoHeader {
  compressionCode: number
  compression: CompressionName
  /** Absolute offset of the FileDataTable, or −1 when the file has none. */
  dataTablePosition: number
  infoNode: string
  streams: Aedat4Stream[]
}

/** Parses the IOHeader flatbuffer `b` (the bytes after its u32 size prefix) found at offset `base`. */
export function parseIoHeader(b: Uint8Array, base: number): Aedat4IoHeader {
  const r = new FlatBufferReader(b, base, 'IOHeader')
  const root = r.root()
  if (r.identifier() !== 'IOHE') throw corruptError('AEDAT 4.0', base + 4, 'identifier', `IOHeader identifier is '${r.identifier()}', not 'IOHE'`)
  const compressionCode = r.int32(root, 0, 0)
  const compression = compressionName(compressionCode)
  if (compression === undefined) throw corruptError('AEDAT 4.0', base + root, 'compression', `unknown compression code ${compressionCode}`)
  const dataTablePosition = r.int64(root, 1, -1)
  const infoAt = r.ref(root, 2)
  const infoNode = infoAt ? r.string(infoAt) : ''
  return { compressionCode, compression, dataTablePosition, infoNode, streams: parseStreams(infoNode) }
}

/** Reads stream id, typeIdentifier and sizeX/sizeY from DV's infoNode XML. */
export function parseStreams(xml: string): Aedat4Stream[] {
  const parts = xml.split('<node name="')
  const out: Aedat4Stream[] = []
  for (let i = 1; i < parts.length; i++) {
    const m = /^(\d+)"/.exec(parts[i])
    if (!m) continue
    const text = parts[i] + (parts[i + 1]?.startsWith('info"') ? parts[i + 1] : '')
    const attr = (key: string): string | undefined => new RegExp(`key="${key}"[^>]*>([^<]*)<`).exec(text)?.[1]
    const typeIdentifier = attr('typeIdentifier') ?? ''
    const w = attr('sizeX')
    const h = attr('sizeY')
    const stream: Aedat4Stream = { id: Number(m[1]), typeIdentifier }
    if (w !== undefined && h !== undefined) stream.geometry = { width: Number(w), height: Number(h) }
    out.push(stream)
  }
  return out
}
