/**
 * A growable little-endian output buffer for encoders, with word views over one 8-aligned
 * ArrayBuffer so hot loops store whole words. `take()` returns the bytes written and resets.
 */
export class ByteWriter {
  bytes: Uint8Array
  u16: Uint16Array
  u32: Uint32Array
  /** Bytes written. */
  length = 0

  constructor(initial = 1 << 16) {
    this.bytes = new Uint8Array(initial)
    this.u16 = new Uint16Array(this.bytes.buffer)
    this.u32 = new Uint32Array(this.bytes.buffer)
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    const need = this.length + extra
    if (need <= this.bytes.length) return
    let cap = this.bytes.length * 2
    while (cap < need) cap *= 2
    cap = (cap + 7) & ~7
    const next = new Uint8Array(cap)
    next.set(this.bytes.subarray(0, this.length))
    this.bytes = next
    this.u16 = new Uint16Array(next.buffer)
    this.u32 = new Uint32Array(next.buffer)
  }

  writeBytes(b: Uint8Array): void {
    this.ensure(b.length)
    this.bytes.set(b, this.length)
    this.length += b.length
  }

  writeText(s: string): void {
    this.writeBytes(Buffer.from(s, 'latin1'))
  }

  take(): Uint8Array {
    const out = this.bytes.slice(0, this.length)
    this.length = 0
    return out
  }
}
