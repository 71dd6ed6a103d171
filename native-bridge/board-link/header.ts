/** Frame header (board-link §4) and channel / flag constants. */

export const PROTOCOL_VERSION = 1
export const HEADER_SIZE = 12
export const CRC_SIZE = 4
/** Decoded frame limit before the handshake (§3.1). */
export const PRE_HANDSHAKE_MAX_FRAME = 256

export const Chan = { CONTROL: 0, BULK: 1, STREAM_IN: 2, STREAM_OUT: 3, LOG: 4 } as const
export type Chan = (typeof Chan)[keyof typeof Chan]

export const Flag = { ACK_REQ: 1, RESPONSE: 2, MORE: 4, URGENT: 8 } as const

export interface FrameHeader {
  ver: number
  type: number
  flags: number
  chan: number
  seq: number
  ack: number
  /** Payload length; set by the encoder from the payload. */
  len: number
  corr: number
}

export interface Frame {
  header: FrameHeader
  payload: Uint8Array
}

export function writeHeader(h: FrameHeader, dst: Uint8Array): void {
  const v = new DataView(dst.buffer, dst.byteOffset, HEADER_SIZE)
  v.setUint8(0, h.ver)
  v.setUint8(1, h.type)
  v.setUint8(2, h.flags)
  v.setUint8(3, h.chan)
  v.setUint16(4, h.seq & 0xffff, true)
  v.setUint16(6, h.ack & 0xffff, true)
  v.setUint16(8, h.len, true)
  v.setUint16(10, h.corr & 0xffff, true)
}

export function readHeader(src: Uint8Array): FrameHeader {
  const v = new DataView(src.buffer, src.byteOffset, HEADER_SIZE)
  return {
    ver: v.getUint8(0),
    type: v.getUint8(1),
    flags: v.getUint8(2),
    chan: v.getUint8(3),
    seq: v.getUint16(4, true),
    ack: v.getUint16(6, true),
    len: v.getUint16(8, true),
    corr: v.getUint16(10, true),
  }
}

/** RFC 1982: does `a` precede `b` modulo 2^bits? */
export function seqPrecedes(a: number, b: number, bits: 16 | 32): boolean {
  const mod = bits === 16 ? 0x10000 : 0x100000000
  const d = (((b - a) % mod) + mod) % mod
  return d >= 1 && d <= mod / 2 - 1
}
