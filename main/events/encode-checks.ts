import { unrepresentableError } from './decode-errors.js'

/** Throws unless `t` is a whole number of µs in [0, 2^53). */
export function checkTime(format: string, t: number, index: number): void {
  if (!(t >= 0 && t <= Number.MAX_SAFE_INTEGER && Number.isInteger(t))) {
    throw unrepresentableError(format, 't', `event ${index}: timestamp ${t} is not a non-negative whole number of µs`)
  }
}

export function checkRange(format: string, field: string, v: number, max: number, index: number): void {
  if (v > max) throw unrepresentableError(format, field, `event ${index}: ${field} = ${v} exceeds the format's maximum ${max}`)
}

/**
 * Mirrors the decoders' unwrapping of a 32-bit timestamp (a drop of more than 2^31 is a wrap,
 * a smaller drop is kept as non-monotonic) so an encoder can refuse times that would not
 * decode back to themselves.
 */
export class Wrap32Check {
  private prev = -1
  private epoch = 0

  constructor(private readonly format: string) {}

  /** Returns the stored 32-bit value for `t`, or throws when it would not decode back to `t`. */
  raw(t: number, index: number): number {
    const raw = t % 4294967296
    let epoch = this.epoch
    if (raw < this.prev && this.prev - raw > 2 ** 31) epoch += 4294967296
    if (epoch + raw !== t) {
      throw unrepresentableError(this.format, 't', `event ${index}: a jump to t = ${t} µs cannot be expressed with 32-bit timestamps`)
    }
    this.epoch = epoch
    this.prev = raw
    return raw
  }
}
