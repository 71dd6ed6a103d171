import type { EventBatch } from '../../common/event-batch.js'
import { ByteWriter } from './byte-writer.js'
import { checkRange, checkTime, Wrap32Check } from './encode-checks.js'
import type { Aedat2Layout } from './aedat2-decoder.js'
import type { EventEncoder } from './types.js'

const CHIP: Record<Aedat2Layout, string> = {
  dvs128: 'ch.unizh.ini.jaer.chip.retina.DVS128',
  davis: 'eu.seebetter.ini.chips.davis.DAVIS240C',
}

/**
 * jAER AEDAT 2.0 writer: CRLF `#` header ending with `#End Of ASCII Header`, then big-endian
 * (address, timestamp) records in the DVS128 or DAVIS layout (raw coordinates; ON = bit 0 = 1
 * for DVS128 as [IDOC] states, bit 11 for DAVIS).
 */
export class Aedat2Encoder implements EventEncoder {
  readonly format = 'aedat2'
  private readonly out = new ByteWriter()
  private headerWritten = false
  private readonly wrap = new Wrap32Check('AEDAT 2.0')
  private readonly layout: Aedat2Layout
  private readonly chip: string
  private index = 0

  constructor(options: { layout?: Aedat2Layout; chipClass?: string } = {}) {
    this.layout = options.layout ?? 'davis'
    this.chip = options.chipClass ?? CHIP[this.layout]
  }

  write(batch: EventBatch): Uint8Array {
    if (!this.headerWritten) {
      this.out.writeText(`#!AER-DAT2.0\r\n# This is a raw AE data file created by Spikelab\r\n# AEChip: ${this.chip}\r\n#End Of ASCII Header\r\n`)
      this.headerWritten = true
    }
    const { t, x, y, p } = batch
    const n = t.length
    const rec = new Uint8Array(n * 8)
    const dv = new DataView(rec.buffer)
    const davis = this.layout === 'davis'
    for (let i = 0; i < n; i++) {
      const k = this.index + i
      checkTime('AEDAT 2.0', t[i], k)
      let a: number
      if (davis) {
        checkRange('AEDAT 2.0', 'x', x[i], 1023, k)
        checkRange('AEDAT 2.0', 'y', y[i], 511, k)
        a = (y[i] << 22) | (x[i] << 12) | (p[i] ? 0x800 : 0)
      } else {
        checkRange('AEDAT 2.0', 'x', x[i], 127, k)
        checkRange('AEDAT 2.0', 'y', y[i], 127, k)
        a = (y[i] << 8) | (x[i] << 1) | (p[i] ? 1 : 0)
      }
      dv.setUint32(i * 8, a >>> 0, false)
      dv.setUint32(i * 8 + 4, this.wrap.raw(t[i], k), false)
    }
    this.index += n
    this.out.writeBytes(rec)
    return this.out.take()
  }

  end(): Uint8Array {
    return this.headerWritten ? new Uint8Array(0) : this.write({ t: new Float64Array(0), x: new Uint16Array(0), y: new Uint16Array(0), p: new Uint8Array(0) })
  }

  finalPatches(): { offset: number; bytes: Uint8Array }[] {
    return []
  }
}
