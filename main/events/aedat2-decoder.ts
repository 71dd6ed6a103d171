import type { SensorGeometry } from '../../common/event-batch.js'
import { EventSink } from './event-sink.js'
import type { DecoderStateValue } from './types.js'
import { HeaderGate } from './header-gate.js'
import { HeaderedDecoder } from './headered-decoder.js'
import { ascii, type TextHeaderRules } from './text-header.js'

const AEDAT2_HEADER: TextHeaderRules = {
  format: 'AEDAT 2.0',
  prefix: ascii('#'),
  printableOnly: true,
  isLastLine: (l) => l.startsWith('#End Of ASCII Header'),
}

export type Aedat2Layout = 'dvs128' | 'davis'

/** One DAVIS IMU sample: 7 raw int16 values in code order accelX, accelY, accelZ, temp, gyroX, gyroY, gyroZ. */
export interface ImuSample {
  t: number
  raw: Int16Array
}

export interface Aedat2DecoderOptions {
  /** Reuse output memory: returned batches stay valid only until the next push/end call. */
  reuseOutput?: boolean
  /** Address layout; default from the header's AEChip line (DVS128 → dvs128, else davis). */
  layout?: Aedat2Layout
  /** DVS128: treat raw bit 0 = 0 as ON (jAER's convention; default true when the header names eDVS). */
  polarityInvert?: boolean
  /** Keep IMU samples (read with `takeImu()`); default false. */
  keepImu?: boolean
}

/**
 * jAER AEDAT 2.0 (event-formats.md §1): `#` header lines, then 8-byte big-endian records
 * (int32 address, int32 timestamp). DAVIS words with bit 31 set are APS or IMU words and never
 * become events; IMU words are grouped into 7-word samples across chunks. Coordinates are the raw
 * stored values (no jAER x-flip). 32-bit time is unwrapped into 64-bit time.
 */
export class Aedat2Decoder extends HeaderedDecoder {
  layout: Aedat2Layout | undefined
  polarityInvert: boolean | undefined
  /** Records classified so far. */
  readonly records = { dvs: 0, external: 0, aps: 0, imuWords: 0 }
  private readonly keepImu: boolean
  private imu: ImuSample[] = []
  private imuRaw = new Int16Array(7)
  private imuNext = 0
  private imuT = 0
  private prevRaw = -1
  private epoch = 0

  constructor(options: Aedat2DecoderOptions = {}) {
    super('aedat2', undefined, 'AEDAT 2.0', 8, 'an 8-byte record', new EventSink(undefined, undefined, options.reuseOutput), new HeaderGate(AEDAT2_HEADER))
    this.layout = options.layout
    this.polarityInvert = options.polarityInvert
    this.keepImu = options.keepImu ?? false
  }

  /** IMU samples completed since the last call. */
  takeImu(): ImuSample[] {
    const out = this.imu
    this.imu = []
    return out
  }

  protected saveState(): Record<string, DecoderStateValue> {
    return {
      imuRaw: [...this.imuRaw],
      layout: this.layout!,
      polarityInvert: this.polarityInvert!,
      prevRaw: this.prevRaw,
      epoch: this.epoch,
      imuNext: this.imuNext,
      imuT: this.imuT,
    }
  }

  protected restoreState(s: Readonly<Record<string, DecoderStateValue>>): void {
    this.imuRaw = Int16Array.from(s.imuRaw as readonly number[])
    this.layout = s.layout as Aedat2Layout
    this.polarityInvert = s.polarityInvert as boolean
    this.prevRaw = s.prevRaw as number
    this.epoch = s.epoch as number
    this.imuNext = s.imuNext as number
    this.imuT = s.imuT as number
  }

  protected override onHeader(): void {
    const lines = this.info.headerLines
    const chip = lines.find((l) => /^#\s*AEChip:/.test(l))?.replace(/^#\s*AEChip:\s*/, '') ?? ''
    const hw = lines.find((l) => /^#\s*HardwareInterface:/.test(l)) ?? ''
    const isDvs128 = /DVS128/i.test(chip) || /edvs/i.test(hw)
    this.layout ??= isDvs128 ? 'dvs128' : 'davis'
    this.polarityInvert ??= this.layout === 'dvs128' && /edvs/i.test(hw)
    this.info.geometry = geometryOfChip(chip, this.layout)
  }

  protected decode(b: Uint8Array): void {
    const words = new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2)
    const sink = this.sink
    let { t, x, y, p } = sink
    let n = sink.n
    const limit = sink.limit
    let prev = this.prevRaw
    let epoch = this.epoch
    const davis = this.layout === 'davis'
    const invert = this.polarityInvert ? 1 : 0
    let dvs = 0
    for (let i = 0, len = words.length; i < len; i += 2) {
      const wa = words[i]
      const wt = words[i + 1]
      // records are big-endian; the host (x86/ARM) is little-endian
      const a = ((wa << 24) | ((wa & 0xff00) << 8) | ((wa >>> 8) & 0xff00) | (wa >>> 24)) >>> 0
      const ts = ((wt << 24) | ((wt & 0xff00) << 8) | ((wt >>> 8) & 0xff00) | (wt >>> 24)) >>> 0
      if (ts < prev) {
        if (prev - ts > 2 ** 31) {
          epoch += 2 ** 32
          this.counters.wraps++
        } else this.counters.nonMonotonic++
      }
      prev = ts
      if (davis) {
        if ((a & 0x80000400) !== 0) {
          this.special(a, epoch + ts)
          continue
        }
        if (n >= limit) {
          sink.n = n
          sink.rotate()
          ;({ t, x, y, p } = sink)
          n = 0
        }
        t[n] = epoch + ts
        x[n] = (a >>> 12) & 1023
        y[n] = (a >>> 22) & 511
        p[n] = (a >>> 11) & 1
        n++
        dvs++
      } else {
        if ((a & 0x8000) !== 0) {
          this.records.external++
          this.counters.skippedWords++
          continue
        }
        if (n >= limit) {
          sink.n = n
          sink.rotate()
          ;({ t, x, y, p } = sink)
          n = 0
        }
        t[n] = epoch + ts
        x[n] = (a >>> 1) & 127
        y[n] = (a >>> 8) & 127
        p[n] = (a & 1) ^ invert
        n++
        dvs++
      }
    }
    sink.n = n
    this.records.dvs += dvs
    this.prevRaw = prev
    this.epoch = epoch
  }

  /** A DAVIS word that is not a DVS event: external input, APS sample or IMU word. */
  private special(a: number, t: number): void {
    this.counters.skippedWords++
    if ((a & 0x80000000) === 0) {
      this.records.external++
      return
    }
    if ((a & 0xc00) !== 0xc00) {
      this.records.aps++
      return
    }
    this.records.imuWords++
    const code = (a >>> 28) & 7
    // jAER starts a sample only at code 0 and drops a partial sample when the sequence breaks.
    if (code !== this.imuNext) {
      this.imuNext = 0
      if (code !== 0) return
    }
    if (code === 0) this.imuT = t
    this.imuRaw[code] = (a >>> 12) & 0xffff
    this.imuNext = code + 1
    if (this.imuNext === 7) {
      if (this.keepImu) this.imu.push({ t: this.imuT, raw: this.imuRaw.slice() })
      this.imuNext = 0
    }
  }
}

function geometryOfChip(chip: string, layout: Aedat2Layout): SensorGeometry {
  if (layout === 'dvs128') return { width: 128, height: 128 }
  if (/346/.test(chip)) return { width: 346, height: 260 }
  if (/640/.test(chip)) return { width: 640, height: 480 }
  return { width: 240, height: 180 }
}
