/** Consistent Overhead Byte Stuffing (Cheshire & Baker), board-link §3.1. */

/** Worst-case encoded size of `n` bytes, delimiter excluded. */
export function cobsMaxEncodedLength(n: number): number {
  return n + Math.ceil(n / 254) + (n === 0 ? 1 : 0)
}

/** Encodes `src` into `dst` at `at`; returns the end offset. The output contains no 0x00. */
export function cobsEncodeInto(src: Uint8Array, dst: Uint8Array, at: number): number {
  let codeAt = at
  let out = at + 1
  let code = 1
  for (let i = 0; i < src.length; i++) {
    const b = src[i]
    if (b === 0) {
      dst[codeAt] = code
      codeAt = out++
      code = 1
    } else {
      dst[out++] = b
      code++
      // A full 254-byte block at the very end needs no trailing code byte (canonical COBS).
      if (code === 0xff && i + 1 < src.length) {
        dst[codeAt] = code
        codeAt = out++
        code = 1
      }
    }
  }
  dst[codeAt] = code
  return out
}

export function cobsEncode(src: Uint8Array): Uint8Array {
  const dst = new Uint8Array(cobsMaxEncodedLength(src.length) + 1)
  return dst.subarray(0, cobsEncodeInto(src, dst, 0))
}

/**
 * Decodes one COBS body (no delimiter). Returns null when the body is malformed (a 0x00 inside,
 * or a code pointing past the end), which the receiver counts as a bad frame.
 */
export function cobsDecode(src: Uint8Array): Uint8Array | null {
  const dst = new Uint8Array(src.length)
  let out = 0
  let i = 0
  while (i < src.length) {
    const code = src[i]
    if (code === 0 || i + code > src.length) return null
    i++
    for (let k = 1; k < code; k++) {
      const b = src[i++]
      if (b === 0) return null
      dst[out++] = b
    }
    if (code !== 0xff && i < src.length) dst[out++] = 0
  }
  return dst.subarray(0, out)
}
