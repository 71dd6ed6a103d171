/**
 * LZ4 frame decoding with every length checked against its buffer and an output cap, so corrupt
 * data fails with an Error instead of reading garbage or allocating without bound. Keeps the
 * history across blocks: DV writes frames with linked blocks (event-formats.md §3.3), which
 * common JS frame readers reject. Compression uses the lz4js library.
 */
const MAGIC = 0x184d2204

export class Lz4FormatError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message)
  }
}

export function isLz4Frame(b: Uint8Array): boolean {
  return b.length >= 4 && (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0 === MAGIC
}

/** A larger output buffer holding the first `used` bytes; a module function so `d` stays a register. */
function grow(out: Uint8Array, used: number, need: number, maxOutput: number, at: number): Uint8Array {
  if (need > maxOutput) throw new Lz4FormatError(`LZ4 output exceeds the ${maxOutput}-byte limit`, at)
  let size = out.length * 2
  while (size < need) size *= 2
  const next = new Uint8Array(Math.min(size, maxOutput))
  next.set(out.subarray(0, used))
  return next
}

export function lz4DecompressFrame(src: Uint8Array, maxOutput: number): Uint8Array {
  const need = (at: number, n: number): void => {
    if (at + n > src.length) throw new Lz4FormatError('LZ4 frame truncated', at)
  }
  need(0, 7)
  if (!isLz4Frame(src)) throw new Lz4FormatError('not an LZ4 frame', 0)
  const flg = src[4]
  if (flg >> 6 !== 1) throw new Lz4FormatError(`unsupported LZ4 frame version ${flg >> 6}`, 4)
  const blockChecksum = (flg & 0x10) !== 0
  const hasContentSize = (flg & 0x08) !== 0
  const contentChecksum = (flg & 0x04) !== 0
  const hasDictId = (flg & 0x01) !== 0
  let s = 6
  let cap = 1 << 16
  if (hasContentSize) {
    need(s, 8)
    const size = src[s] + src[s + 1] * 2 ** 8 + src[s + 2] * 2 ** 16 + src[s + 3] * 2 ** 24 + (src[s + 4] + src[s + 5] * 2 ** 8 + src[s + 6] * 2 ** 16 + src[s + 7] * 2 ** 24) * 2 ** 32
    if (size > maxOutput) throw new Lz4FormatError(`LZ4 content size ${size} exceeds the ${maxOutput}-byte limit`, s)
    // never trust a declared size beyond what LZ4 can expand this input to (< 256:1)
    cap = Math.max(16, Math.min(size, src.length * 256))
    s += 8
  }
  if (hasDictId) s += 4
  s += 1 // header checksum
  let out: Uint8Array = new Uint8Array(Math.min(cap, maxOutput))
  let d = 0
  for (;;) {
    need(s, 4)
    const word = (src[s] | (src[s + 1] << 8) | (src[s + 2] << 16) | (src[s + 3] << 24)) >>> 0
    s += 4
    if (word === 0) break
    const size = word & 0x7fffffff
    need(s, size)
    if (word & 0x80000000) {
      if (d + size > out.length) out = grow(out, d, d + size, maxOutput, s)
      out.set(src.subarray(s, s + size), d)
      d += size
      s += size
    } else {
      const end = s + size
      let i = s
      while (i < end) {
        const token = src[i++]
        let lit = token >>> 4
        if (lit === 15) {
          let b: number
          do {
            if (i >= end) throw new Lz4FormatError('LZ4 literal length runs past the block', i)
            b = src[i++]
            lit += b
          } while (b === 255)
        }
        if (i + lit > end) throw new Lz4FormatError('LZ4 literals run past the block', i)
        if (d + lit > out.length) out = grow(out, d, d + lit, maxOutput, i)
        if (lit < 32) {
          for (let k = 0; k < lit; k++) out[d++] = src[i++]
        } else {
          out.set(src.subarray(i, i + lit), d)
          d += lit
          i += lit
        }
        if (i >= end) break
        if (i + 2 > end) throw new Lz4FormatError('LZ4 match offset runs past the block', i)
        const offset = src[i] | (src[i + 1] << 8)
        i += 2
        if (offset === 0 || offset > d) throw new Lz4FormatError(`LZ4 match offset ${offset} outside the output`, i - 2)
        let len = (token & 15) + 4
        if ((token & 15) === 15) {
          let b: number
          do {
            if (i >= end) throw new Lz4FormatError('LZ4 match length runs past the block', i)
            b = src[i++]
            len += b
          } while (b === 255)
        }
        if (d + len > out.length) out = grow(out, d, d + len, maxOutput, i)
        let from = d - offset
        if (offset >= len && len >= 32) {
          out.copyWithin(d, from, from + len)
          d += len
        } else {
          for (let k = 0; k < len; k++) out[d++] = out[from++]
        }
      }
      s = end
    }
    if (blockChecksum) s += 4
  }
  if (contentChecksum) need(s, 4)
  return out.subarray(0, d)
}
