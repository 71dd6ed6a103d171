import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { ByteWriter } from './byte-writer.js'
import { checkRange, checkTime } from './encode-checks.js'
import type { EventEncoder } from './types.js'

const OVERFLOW_SPAN = 2 ** 31

/**
 * AEDAT 3.1 writer: header lines up to `#!END-HEADER`, then POLARITY packets (type 1, source 1,
 * 8-byte events). A packet holds events of one timestamp-overflow epoch, so a batch is split
 * where t crosses a multiple of 2^31 µs.
 */
export class Aedat3Encoder implements EventEncoder {
  readonly format = 'aedat3'
  private readonly out = new ByteWriter()
  private headerWritten = false
  private index = 0

  constructor(private readonly options: { geometry: SensorGeometry; sourceName?: string; maxPacketEvents?: number }) {}

  write(batch: EventBatch): Uint8Array {
    const out = this.out
    if (!this.headerWritten) {
      const g = this.options.geometry
      const name = this.options.sourceName ?? `Spikelab ${g.width}x${g.height}`
      const now = new Date().toISOString().replace('T', ' ').slice(0, 19)
      out.writeText(`#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: ${name}\r\n#Start-Time: ${now} (TZ+0000)\r\n#!END-HEADER\r\n`)
      this.headerWritten = true
    }
    const { t, x, y, p } = batch
    const n = t.length
    const maxEvents = this.options.maxPacketEvents ?? 1 << 16
    let i = 0
    while (i < n) {
      checkTime('AEDAT 3.1', t[i], this.index + i)
      const overflow = Math.floor(t[i] / OVERFLOW_SPAN)
      let j = i
      while (j < n && j - i < maxEvents && Math.floor(t[j] / OVERFLOW_SPAN) === overflow) j++
      const count = j - i
      out.ensure(28 + count * 8)
      const dv = new DataView(out.bytes.buffer, out.length, 28 + count * 8)
      dv.setInt16(0, 1, true)
      dv.setInt16(2, 1, true)
      dv.setInt32(4, 8, true)
      dv.setInt32(8, 4, true)
      dv.setInt32(12, overflow, true)
      dv.setInt32(16, count, true)
      dv.setInt32(20, count, true)
      dv.setInt32(24, count, true)
      for (let e = 0; e < count; e++) {
        const s = i + e
        const k = this.index + s
        checkTime('AEDAT 3.1', t[s], k)
        checkRange('AEDAT 3.1', 'x', x[s], 0x7fff, k)
        checkRange('AEDAT 3.1', 'y', y[s], 0x7fff, k)
        checkRange('AEDAT 3.1', 't', overflow, 0x7fffffff, k)
        dv.setUint32(28 + e * 8, ((x[s] << 17) | (y[s] << 2) | (p[s] ? 2 : 0) | 1) >>> 0, true)
        dv.setInt32(32 + e * 8, t[s] - overflow * OVERFLOW_SPAN, true)
      }
      out.length += 28 + count * 8
      i = j
    }
    this.index += n
    return out.take()
  }

  end(): Uint8Array {
    return this.headerWritten ? new Uint8Array(0) : this.write({ t: new Float64Array(0), x: new Uint16Array(0), y: new Uint16Array(0), p: new Uint8Array(0) })
  }

  finalPatches(): { offset: number; bytes: Uint8Array }[] {
    return []
  }
}
