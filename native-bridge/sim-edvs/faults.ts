import { SpikelabError } from '../../common/errors.js'
import { seededRandom } from './scenes.js'

/** Damage the simulated sensor can do to its own byte stream (edvs-serial.md §9). */
export interface SimFaults {
  /** Probability that each streamed byte is dropped. */
  readonly dropRate?: number
  /** Probability that each streamed byte gets one random bit flipped. */
  readonly corruptRate?: number
  /** Random bytes sent right after `E+`, before the first event. */
  readonly garbagePrefixBytes?: number
  /** After every `stallEveryBytes` streamed bytes, send nothing for `stallMs`. */
  readonly stallEveryBytes?: number
  readonly stallMs?: number
  readonly seed?: number
}

/** Applies drop/corrupt faults to outgoing bytes with a seeded generator (reproducible). */
export class FaultInjector {
  readonly random: () => number
  dropped = 0
  corrupted = 0

  constructor(readonly faults: SimFaults = {}) {
    for (const key of ['dropRate', 'corruptRate'] as const) {
      const v = faults[key]
      if (v !== undefined && !(v >= 0 && v <= 1)) throw new SpikelabError('SIM_FAULTS', `${key} must be within 0..1, got ${v}`, { field: key })
    }
    this.random = seededRandom(faults.seed ?? 7)
  }

  get active(): boolean {
    return (this.faults.dropRate ?? 0) > 0 || (this.faults.corruptRate ?? 0) > 0
  }

  apply(bytes: Uint8Array): Uint8Array {
    if (!this.active) return bytes
    const drop = this.faults.dropRate ?? 0
    const corrupt = this.faults.corruptRate ?? 0
    const out = new Uint8Array(bytes.length)
    let n = 0
    for (const b of bytes) {
      if (drop > 0 && this.random() < drop) {
        this.dropped++
        continue
      }
      if (corrupt > 0 && this.random() < corrupt) {
        this.corrupted++
        out[n++] = b ^ (1 << Math.floor(this.random() * 8))
      } else {
        out[n++] = b
      }
    }
    return out.subarray(0, n)
  }

  garbage(): Uint8Array {
    return Uint8Array.from({ length: this.faults.garbagePrefixBytes ?? 0 }, () => Math.floor(this.random() * 256))
  }
}
