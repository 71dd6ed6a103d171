import { SpikelabError } from '../../common/errors.js'

/** Little-endian packed writer (board-link §0); grows as needed. */
export class ByteWriter {
  private buf: Uint8Array
  private view: DataView
  length = 0

  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity)
    this.view = new DataView(this.buf.buffer)
  }

  private ensure(n: number): number {
    const at = this.length
    if (at + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, at + n))
      next.set(this.buf.subarray(0, at))
      this.buf = next
      this.view = new DataView(next.buffer)
    }
    this.length += n
    return at
  }

  // ensure() may replace the buffer, so it runs before `this.buf` is read.
  u8(v: number): this {
    const at = this.ensure(1)
    this.buf[at] = v
    return this
  }
  i8(v: number): this {
    const at = this.ensure(1)
    this.view.setInt8(at, v)
    return this
  }
  u16(v: number): this {
    const at = this.ensure(2)
    this.view.setUint16(at, v, true)
    return this
  }
  i16(v: number): this {
    const at = this.ensure(2)
    this.view.setInt16(at, v, true)
    return this
  }
  u32(v: number): this {
    const at = this.ensure(4)
    this.view.setUint32(at, v >>> 0, true)
    return this
  }
  i32(v: number): this {
    const at = this.ensure(4)
    this.view.setInt32(at, v, true)
    return this
  }
  u64(v: bigint): this {
    const at = this.ensure(8)
    this.view.setBigUint64(at, BigInt.asUintN(64, v), true)
    return this
  }
  bytes(b: Uint8Array): this {
    const at = this.ensure(b.length)
    this.buf.set(b, at)
    return this
  }
  zeros(n: number): this {
    const at = this.ensure(n)
    this.buf.fill(0, at, this.length)
    return this
  }

  /** `str8`: u8 length + UTF-8, truncated to `maxBytes` on a character boundary. */
  str8(s: string, maxBytes = 255): this {
    let enc = new TextEncoder().encode(s)
    if (enc.length > maxBytes) {
      let cut = maxBytes
      while (cut > 0 && (enc[cut] & 0xc0) === 0x80) cut--
      enc = enc.subarray(0, cut)
    }
    return this.u8(enc.length).bytes(enc)
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}

/**
 * Little-endian packed reader over a payload; reading past the end throws a SpikelabError naming
 * the field and offset (the link layer maps it to BAD_FRAME, the blob validator to SECTION_INVALID).
 */
export class ByteReader {
  readonly view: DataView
  pos: number

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    private readonly what = 'payload',
    private readonly code = 'BAD_FRAME',
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.pos = start
  }

  get remaining(): number {
    return this.bytes.length - this.pos
  }

  need(n: number, field: string): number {
    if (this.pos + n > this.bytes.length) {
      throw new SpikelabError(this.code, `${this.what} too short: ${field} needs ${n} bytes, ${this.remaining} left`, {
        byteOffset: this.pos,
        field,
      })
    }
    const at = this.pos
    this.pos += n
    return at
  }

  u8(field: string): number { return this.bytes[this.need(1, field)] }
  i8(field: string): number { return this.view.getInt8(this.need(1, field)) }
  u16(field: string): number { return this.view.getUint16(this.need(2, field), true) }
  i16(field: string): number { return this.view.getInt16(this.need(2, field), true) }
  u32(field: string): number { return this.view.getUint32(this.need(4, field), true) }
  i32(field: string): number { return this.view.getInt32(this.need(4, field), true) }
  u64(field: string): bigint { return this.view.getBigUint64(this.need(8, field), true) }
  bytesOf(n: number, field: string): Uint8Array {
    const at = this.need(n, field)
    return this.bytes.slice(at, at + n)
  }
  skip(n: number, field: string): void { this.need(n, field) }
  str8(field: string): string {
    const n = this.u8(field)
    return new TextDecoder().decode(this.bytesOf(n, field))
  }
}
