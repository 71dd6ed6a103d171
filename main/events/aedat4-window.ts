/**
 * Seeking by time in AEDAT 4 through its FileDataTable (event-formats.md §3.5): only the packets
 * whose time span meets the window are read, whatever the file's size. The decoder gets the file
 * start (magic + IOHeader) and then those packets, each a self-contained header + payload.
 */
import { open } from 'node:fs/promises'
import { EventBatchBuilder, type EventBatch } from '../../common/event-batch.js'
import { Aedat4Decoder } from './aedat4-decoder.js'
import { readAedat4DataTable, readAedat4Start } from './aedat4-file.js'
import { loadZstd } from './payload-codec.js'

/**
 * Events with fromUs ≤ t < toUs (the sensor's own time), or undefined when the file has no
 * FileDataTable (an interrupted recording: repair it, or read it sequentially).
 */
export async function readAedat4Window(file: string, fromUs: number, toUs: number): Promise<EventBatch | undefined> {
  const table = await readAedat4DataTable(file)
  if (!table) return undefined
  const packets = table.filter((e) => e.tsEnd >= fromUs && e.tsStart < toUs).sort((a, b) => a.byteOffset - b.byteOffset)
  const out = new EventBatchBuilder(4096)
  const fh = await open(file, 'r')
  try {
    const { dataOffset } = await readAedat4Start(fh, file)
    const head = new Uint8Array(dataOffset)
    await fh.read(head, 0, dataOffset, 0)
    await loadZstd() // in case the packets are ZSTD-compressed
    const decoder = new Aedat4Decoder()
    const keep = (batches: EventBatch[]) => {
      for (const b of batches) for (let i = 0; i < b.t.length; i++) if (b.t[i] >= fromUs && b.t[i] < toUs) out.push(b.t[i], b.x[i], b.y[i], b.p[i])
    }
    keep(decoder.push(head))
    for (const p of packets) {
      const bytes = new Uint8Array(8 + p.size)
      await fh.read(bytes, 0, bytes.length, p.byteOffset - 8) // the 8-byte PacketHeader precedes the payload
      keep(decoder.push(bytes))
    }
  } finally {
    await fh.close()
  }
  return out.take()
}
