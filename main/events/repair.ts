import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { SpikelabError } from '../../common/errors.js'
import { Aedat4Decoder } from './aedat4-decoder.js'
import { readAedat4DataTable, readAedat4Start } from './aedat4-file.js'
import { buildDataTable } from './aedat4-tables.js'
import { compressPayload, loadZstd } from './payload-codec.js'

export interface RepairResult {
  /** False when the file already had a readable FileDataTable. */
  repaired: boolean
  packets: number
  events: number
  /** Bytes of a truncated last packet that were cut off. */
  truncatedBytes: number
}

/**
 * Rebuilds the FileDataTable of an AEDAT 4 file whose writer never closed it (e.g. killed):
 * scans the packets, cuts a truncated last packet, appends a table and records its position.
 */
export async function repairAedat4(file: string): Promise<RepairResult> {
  const existing = await readAedat4DataTable(file).catch(() => undefined)
  if (existing) return { repaired: false, packets: existing.length, events: existing.reduce((s, e) => s + e.numElements, 0), truncatedBytes: 0 }
  const fh = await open(file, 'r+')
  try {
    const start = await readAedat4Start(fh, file)
    if (start.tablePositionOffset < 0) {
      throw new SpikelabError('REPAIR_UNSUPPORTED', 'the IOHeader has no dataTablePosition field to update; convert the file instead', { file })
    }
    if (start.header.compression === 'zstd') await loadZstd()
    const decoder = new Aedat4Decoder({ tolerateTruncation: true })
    decoder.keepPackets = true
    // a broken table position is treated as absent: every byte after the header is packets
    const end = start.header.dataTablePosition >= 0 ? start.header.dataTablePosition : Infinity
    const stream = createReadStream(file, { highWaterMark: 1 << 20, end: Number.isFinite(end) ? end - 1 : undefined })
    let fileBytes = 0
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      fileBytes += chunk.length
      decoder.push(chunk)
    }
    decoder.end()
    const packets = decoder.packets
    const last = packets.at(-1)
    const dataEnd = last ? last.headerOffset + 8 + last.size : start.dataOffset
    const entries = packets.map((p) => ({
      byteOffset: p.headerOffset + 8,
      streamId: p.streamId,
      size: p.size,
      numElements: p.elements,
      tsStart: p.tsStart,
      tsEnd: p.tsEnd,
    }))
    const codec = start.header.compression
    const table = compressPayload(codec, buildDataTable(entries))
    await fh.truncate(dataEnd)
    await fh.write(table, 0, table.length, dataEnd)
    const pos = new Uint8Array(8)
    new DataView(pos.buffer).setBigInt64(0, BigInt(dataEnd), true)
    await fh.write(pos, 0, 8, start.tablePositionOffset)
    await fh.sync()
    return {
      repaired: true,
      packets: packets.length,
      events: entries.reduce((s, e) => s + e.numElements, 0),
      truncatedBytes: fileBytes - dataEnd,
    }
  } finally {
    await fh.close()
  }
}
