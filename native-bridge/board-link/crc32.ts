import * as zlib from 'node:zlib'

/**
 * CRC-32/ISO-HDLC (board-link §3.2). Node's zlib.crc32 exists from Node 20.15 / 22.2; older runtimes
 * use the table fallback, which computes the same function.
 */
type Crc32Fn = (data: Uint8Array, initial?: number) => number

const TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

/** Table-driven CRC-32; `initial` continues a previous result (same convention as zlib.crc32). */
export function crc32Table(data: Uint8Array, initial = 0): number {
  let c = (initial ^ 0xffffffff) >>> 0
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

const native = (zlib as unknown as { crc32?: Crc32Fn }).crc32

export const crc32: Crc32Fn = native ? (data, initial = 0) => native(data, initial) >>> 0 : crc32Table
