import { corruptError } from './decode-errors.js'

/**
 * Bounds-checked reading of a FlatBuffer by the wire rules (event-formats.md §3.2), so corrupt
 * input raises a SpikelabError instead of reading garbage. `base` is the absolute stream offset
 * of byte 0 of `b`, used in error messages.
 */
export class FlatBufferReader {
  private readonly dv: DataView

  constructor(
    readonly b: Uint8Array,
    private readonly base: number,
    private readonly what: string,
    /** False when `b` is decompressed data: positions inside it are not file offsets, so errors name `base`. */
    private readonly offsetsAreFileOffsets = true,
  ) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.length)
  }

  private check(at: number, n: number, field: string): void {
    if (at < 0 || at + n > this.b.length || !Number.isInteger(at)) {
      throw corruptError('AEDAT 4.0', this.where(at), field, `${this.what}: ${field} points outside the buffer`)
    }
  }

  private where(at: number): number {
    return this.offsetsAreFileOffsets ? this.base + Math.max(0, Math.min(at, this.b.length)) : this.base
  }

  u32(at: number, field = 'offset'): number {
    this.check(at, 4, field)
    return this.dv.getUint32(at, true)
  }

  identifier(): string {
    this.check(4, 4, 'identifier')
    return String.fromCharCode(this.b[4], this.b[5], this.b[6], this.b[7])
  }

  root(): number {
    return this.u32(0, 'root')
  }

  /** Absolute position of field `slot` inside the table at `table`, or 0 when absent. */
  field(table: number, slot: number): number {
    this.check(table, 4, 'table')
    const vt = table - this.dv.getInt32(table, true)
    this.check(vt, 4, 'vtable')
    const vtSize = this.dv.getUint16(vt, true)
    const tableSize = this.dv.getUint16(vt + 2, true)
    const slotAt = 4 + 2 * slot
    if (slotAt + 2 > vtSize) return 0
    this.check(vt, slotAt + 2, 'vtable')
    const off = this.dv.getUint16(vt + slotAt, true)
    if (off === 0) return 0
    if (off >= tableSize && tableSize !== 0) {
      throw corruptError('AEDAT 4.0', this.where(vt + slotAt), 'vtable', `${this.what}: field offset beyond table size`)
    }
    return table + off
  }

  int32(table: number, slot: number, dflt: number): number {
    const at = this.field(table, slot)
    if (!at) return dflt
    this.check(at, 4, 'int32')
    return this.dv.getInt32(at, true)
  }

  int8(table: number, slot: number, dflt: number): number {
    const at = this.field(table, slot)
    if (!at) return dflt
    this.check(at, 1, 'int8')
    return this.dv.getInt8(at)
  }

  /** int64 as a JS number (exact to 2^53). */
  int64(table: number, slot: number, dflt: number): number {
    const at = this.field(table, slot)
    if (!at) return dflt
    this.check(at, 8, 'int64')
    return this.dv.getInt32(at + 4, true) * 2 ** 32 + this.dv.getUint32(at, true)
  }

  /** Target of an offset field (vector, string or table), or 0 when absent. */
  ref(table: number, slot: number): number {
    const at = this.field(table, slot)
    if (!at) return 0
    return at + this.u32(at, 'reference')
  }

  /** Element start and length of a vector with `elemSize`-byte elements. */
  vector(at: number, elemSize: number): { start: number; length: number } {
    const length = this.u32(at, 'vector length')
    this.check(at + 4, length * elemSize, 'vector')
    return { start: at + 4, length }
  }

  string(at: number): string {
    const { start, length } = this.vector(at, 1)
    return Buffer.from(this.b.buffer, this.b.byteOffset + start, length).toString('utf8')
  }
}
