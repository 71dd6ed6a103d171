/**
 * Joins the bytes carried from the previous chunk with a new chunk and returns the whole units
 * (words or records) as an 8-byte-aligned view, so decoders can read them through Uint16Array /
 * Uint32Array views. The incomplete tail is copied aside for the next call; the source chunk is
 * never retained.
 */
export class WordCarry {
  private carry: Uint8Array
  private carryLen = 0
  private scratch = new Uint8Array(0)
  /** Absolute stream offset of the first byte returned by the last `join`. */
  offset = 0
  /** Bytes handed out as whole units so far (the carried tail starts here). */
  consumed = 0

  constructor(private readonly unit: number) {
    this.carry = new Uint8Array(unit)
  }

  get pending(): number {
    return this.carryLen
  }

  join(chunk: Uint8Array): Uint8Array {
    const unit = this.unit
    const total = this.carryLen + chunk.length
    const whole = total - (total % unit)
    this.offset = this.consumed
    this.consumed += whole
    let out: Uint8Array
    if (this.carryLen === 0 && chunk.byteOffset % 8 === 0) {
      out = chunk.subarray(0, whole)
    } else {
      if (this.scratch.length < whole) this.scratch = new Uint8Array(Math.max(whole, this.scratch.length * 2))
      out = this.scratch.subarray(0, whole)
      if (whole > 0) {
        out.set(this.carry.subarray(0, this.carryLen), 0)
        out.set(chunk.subarray(0, whole - this.carryLen), this.carryLen)
      }
    }
    if (whole === 0) {
      this.carry.set(chunk, this.carryLen)
      this.carryLen = total
    } else {
      const tail = chunk.subarray(whole - this.carryLen)
      this.carry.set(tail, 0)
      this.carryLen = tail.length
    }
    return out
  }
}
