import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { ByteWriter } from './byte-writer.js'
import { checkRange, checkTime, Wrap32Check } from './encode-checks.js'
import type { EventEncoder } from './types.js'

/** Prophesee DAT writer: `% ` header with Width/Height, type byte 0x0C (EventCD), size 8, then records. */
export class DatEncoder implements EventEncoder {
  readonly format = 'dat'
  private readonly out = new ByteWriter()
  private headerWritten = false
  private readonly wrap = new Wrap32Check('DAT')
  private index = 0

  constructor(private readonly options: { geometry: SensorGeometry }) {}

  write(batch: EventBatch): Uint8Array {
    if (!this.headerWritten) {
      const g = this.options.geometry
      this.out.writeText(`% Data file containing EventCD events.\n% Version 2\n% Width ${g.width}\n% Height ${g.height}\n`)
      this.out.writeBytes(Uint8Array.of(12, 8))
      this.headerWritten = true
    }
    const { t, x, y, p } = batch
    const n = t.length
    const rec = new ByteWriter(n * 8 + 8)
    const u32 = rec.u32
    for (let i = 0; i < n; i++) {
      const k = this.index + i
      checkTime('DAT', t[i], k)
      checkRange('DAT', 'x', x[i], 0x3fff, k)
      checkRange('DAT', 'y', y[i], 0x3fff, k)
      u32[2 * i] = this.wrap.raw(t[i], k)
      u32[2 * i + 1] = ((p[i] ? 0x10000000 : 0) | (y[i] << 14) | x[i]) >>> 0
    }
    this.index += n
    this.out.writeBytes(rec.bytes.subarray(0, n * 8))
    return this.out.take()
  }

  end(): Uint8Array {
    return this.headerWritten ? new Uint8Array(0) : this.write({ t: new Float64Array(0), x: new Uint16Array(0), y: new Uint16Array(0), p: new Uint8Array(0) })
  }

  finalPatches(): { offset: number; bytes: Uint8Array }[] {
    return []
  }
}
