import type { EventBatch } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'
import type { EdvsLayout } from './formats.js'
import { MAX_DELTA_BYTES } from './formats.js'
import type { EdvsOrientation } from './orientation.js'
import { rawFromImage, rawFromPolarity, resolveOrientation } from './orientation.js'

/** Largest delta the `!E1` layout can carry (4 × 7 bits). */
export const MAX_DELTA_US = 2 ** (7 * MAX_DELTA_BYTES) - 1

/**
 * Encodes events into eDVS bytes (§4.1), the inverse of EdvsEventParser: used by the simulated
 * sensor and by tests. Keeps the previous timestamp across calls for the `!E1` deltas; time must be
 * non-decreasing integer µs counted from the device's `!ET0`.
 */
export class EdvsEncoder {
  private readonly o: EdvsOrientation
  private readonly tsBytes: number
  private readonly stride: number
  private lastT = 0

  constructor(
    private readonly layout: EdvsLayout,
    orientation: Partial<EdvsOrientation> = {},
  ) {
    this.o = resolveOrientation(orientation)
    this.tsBytes = layout.kind === 'absolute' ? layout.timestampBytes : 0
    this.stride = 2 + this.tsBytes
  }

  /** Time restarts at zero (`!ET0`). */
  resetTime(): void {
    this.lastT = 0
  }

  encode(batch: EventBatch): Uint8Array {
    const n = batch.t.length
    const out = new Uint8Array(this.layout.kind === 'delta' ? n * (2 + MAX_DELTA_BYTES) : n * this.stride)
    let at = 0
    const o = this.o
    for (let i = 0; i < n; i++) {
      const x = batch.x[i]
      const y = batch.y[i]
      const t = batch.t[i]
      const imageW = o.swapXY ? o.height : o.width
      const imageH = o.swapXY ? o.width : o.height
      if (x >= imageW || y >= imageH) {
        throw new SpikelabError('EDVS_ENCODE', `event ${i} at (${x}, ${y}) is outside the ${imageW}×${imageH} sensor`, { row: i + 1, field: 'x/y' })
      }
      if (!Number.isInteger(t) || t < this.lastT) {
        throw new SpikelabError('EDVS_ENCODE', `event ${i} timestamp ${t} µs is not an integer ≥ the previous ${this.lastT} µs`, { row: i + 1, field: 't' })
      }
      const raw = rawFromImage(x, y, o)
      out[at++] = 0x80 | (raw >>> 16)
      out[at++] = (rawFromPolarity(batch.p[i], o) << 7) | (raw & 0xffff)
      if (this.layout.kind === 'absolute') {
        let ts = t % 2 ** (8 * this.tsBytes)
        for (let b = this.tsBytes - 1; b >= 0; b--) {
          out[at + b] = ts & 0xff
          ts = Math.floor(ts / 256)
        }
        at += this.tsBytes
      } else if (this.layout.kind === 'delta') {
        at = writeDelta(out, at, t - this.lastT, i)
      }
      this.lastT = t
    }
    return at === out.length ? out : out.slice(0, at)
  }
}

/** 7 bits per byte, most significant first; only the final byte has bit 7 set (§4.1). */
function writeDelta(out: Uint8Array, at: number, dt: number, row: number): number {
  if (dt > MAX_DELTA_US) {
    throw new SpikelabError('EDVS_ENCODE', `event ${row} follows the previous one by ${dt} µs, more than !E1 can carry (${MAX_DELTA_US} µs)`, { row: row + 1, field: 't' })
  }
  let bytes = 1
  while (bytes < MAX_DELTA_BYTES && dt >= 2 ** (7 * bytes)) bytes++
  for (let b = bytes - 1; b >= 0; b--) {
    const group = Math.floor(dt / 2 ** (7 * b)) & 0x7f
    out[at++] = b === 0 ? group | 0x80 : group
  }
  return at
}
