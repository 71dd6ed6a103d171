import { SpikelabError } from '../../common/errors.js'

/**
 * How raw eDVS addresses map to image coordinates and polarity (edvs-serial.md §7). Drivers disagree
 * and the physical truth is unverified, so every part is a per-device setting. Defaults follow
 * libcaer: coordinates as sent (origin top-left), raw polarity bit 0 = ON.
 */
export interface EdvsOrientation {
  /** Sensor width/height in pixels; addresses at or beyond them are rejected by the parser. */
  readonly width: number
  readonly height: number
  readonly swapXY: boolean
  readonly flipX: boolean
  readonly flipY: boolean
  /** false: raw bit 0 = ON (libcaer, jAER); true: raw bit 1 = ON. */
  readonly invertPolarity: boolean
}

export const DEFAULT_ORIENTATION: EdvsOrientation = {
  width: 128,
  height: 128,
  swapXY: false,
  flipX: false,
  flipY: false,
  invertPolarity: false,
}

export function resolveOrientation(partial: Partial<EdvsOrientation> = {}): EdvsOrientation {
  const o = { ...DEFAULT_ORIENTATION, ...partial }
  for (const field of ['width', 'height'] as const) {
    if (!Number.isInteger(o[field]) || o[field] < 1 || o[field] > 128) {
      throw new SpikelabError('EDVS_ORIENTATION', `${field} must be an integer in 1..128, got ${o[field]}`, { field })
    }
  }
  return o
}

/** Raw bit 7 of the x byte for an event polarity (1 = ON), as the encoder writes it. */
export function rawFromPolarity(p: number, o: EdvsOrientation): number {
  return o.invertPolarity ? p & 1 : (p & 1) ^ 1
}

/**
 * Raw sensor coordinates from image coordinates (the inverse of the parser's flip-then-swap),
 * packed as `x | y << 16` to avoid allocating per event.
 */
export function rawFromImage(x: number, y: number, o: EdvsOrientation): number {
  const sx = o.swapXY ? y : x
  const sy = o.swapXY ? x : y
  const rx = o.flipX ? o.width - 1 - sx : sx
  const ry = o.flipY ? o.height - 1 - sy : sy
  return rx | (ry << 16)
}
