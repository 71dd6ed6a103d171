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
    const delta = this.layout.kind === 'delta'
    const out = new Uint8Array(delta ? n * (2 + MAX_DELTA_BYTES) : n * this.stride)
    const o = this.o
    // Loop invariants hoisted: the simulator encodes millions of events a second (the live and
    // bridge benchmarks were limited by this loop).
    const imageW = o.swapXY ? o.height : o.width
    const imageH = o.swapXY ? o.width : o.height
    const tsBytes = this.layout.kind === 'absolute' ? this.tsBytes : 0
    const wrap = 2 ** (8 * tsBytes)
    const { t: times, x: xs, y: ys, p: ps } = batch
    let last = this.lastT
    let at = 0
    for (let i = 0; i < n; i++) {
      const x = xs[i]
      const y = ys[i]
      const t = times[i]
      if (x >= imageW || y >= imageH) {
        throw new SpikelabError('EDVS_ENCODE', `event ${i} at (${x}, ${y}) is outside the ${imageW}×${imageH} sensor`, { row: i + 1, field: 'x/y' })
      }
      if (!Number.isInteger(t) || t < last) {
        throw new SpikelabError('EDVS_ENCODE', `event ${i} timestamp ${t} µs is not an integer ≥ the previous ${last} µs`, { row: i + 1, field: 't' })
      }
      const raw = rawFromImage(x, y, o)
      out[at++] = 0x80 | (raw >>> 16)
      out[at++] = (rawFromPolarity(ps[i], o) << 7) | (raw & 0xffff)
      if (tsBytes > 0) {
        // t mod 2^(8·tsBytes) < 2^32 fits an unsigned 32-bit int: bytes by shifts, big-endian
        const ts = (t % wrap) >>> 0
        for (let b = tsBytes - 1; b >= 0; b--) out[at++] = (ts >>> (8 * b)) & 0xff
      } else if (delta) {
        at = writeDelta(out, at, t - last, i)
      }
      last = t
    }
    this.lastT = last
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
