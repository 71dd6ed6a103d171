import { cobsDecode, cobsEncodeInto, cobsMaxEncodedLength } from './cobs.js'
import { crc32 } from './crc32.js'
import type { Frame, FrameHeader } from './header.js'
import { CRC_SIZE, HEADER_SIZE, PROTOCOL_VERSION, readHeader, writeHeader } from './header.js'

/** Builds the decoded frame `header ‖ payload ‖ crc32` (§3.1). */
export function buildFrame(header: Omit<FrameHeader, 'len' | 'ver'>, payload: Uint8Array): Uint8Array {
  const raw = new Uint8Array(HEADER_SIZE + payload.length + CRC_SIZE)
  writeHeader({ ...header, ver: PROTOCOL_VERSION, len: payload.length }, raw)
  raw.set(payload, HEADER_SIZE)
  const crc = crc32(raw.subarray(0, HEADER_SIZE + payload.length))
  new DataView(raw.buffer).setUint32(HEADER_SIZE + payload.length, crc, true)
  return raw
}

/** Wire bytes of one frame: COBS(frame) followed by the 0x00 delimiter. */
export function encodeWire(header: Omit<FrameHeader, 'len' | 'ver'>, payload: Uint8Array): Uint8Array {
  const raw = buildFrame(header, payload)
  const out = new Uint8Array(cobsMaxEncodedLength(raw.length) + 1)
  const end = cobsEncodeInto(raw, out, 0)
  out[end] = 0
  return out.subarray(0, end + 1)
}

export type FrameRejection = 'cobs' | 'length' | 'crc' | 'version' | 'oversize'

/** Checks one decoded frame (§3.3 rule 3); returns the frame or why it was rejected. */
export function parseFrame(raw: Uint8Array): Frame | FrameRejection {
  if (raw.length < HEADER_SIZE + CRC_SIZE) return 'length'
  const header = readHeader(raw)
  if (raw.length !== HEADER_SIZE + header.len + CRC_SIZE) return 'length'
  const body = raw.subarray(0, HEADER_SIZE + header.len)
  const want = new DataView(raw.buffer, raw.byteOffset).getUint32(HEADER_SIZE + header.len, true)
  if (crc32(body) !== want) return 'crc'
  if (header.ver !== PROTOCOL_VERSION) return 'version'
  return { header, payload: raw.slice(HEADER_SIZE, HEADER_SIZE + header.len) }
}

/**
 * Streaming receiver (§3.3): accumulates bytes up to each 0x00, ignores empty frames, discards
 * oversize runs until the next delimiter, and reports good frames and rejections. Survives any
 * chunk boundary because all state lives in the accumulator.
 */
export class FrameDecoder {
  private acc: Uint8Array
  private fill = 0
  private overflowing = false
  /** Frames discarded: malformed COBS, wrong length, CRC, version or oversize. */
  badFrames = 0
  goodFrames = 0

  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private maxFrame = 256,
    private readonly onReject?: (why: FrameRejection) => void,
  ) {
    this.acc = new Uint8Array(this.limit())
  }

  /** Raises or lowers the decoded-size limit (after the handshake, §3.1). */
  setMaxFrame(maxFrame: number): void {
    this.maxFrame = maxFrame
    if (this.acc.length < this.limit()) {
      const next = new Uint8Array(this.limit())
      next.set(this.acc.subarray(0, this.fill))
      this.acc = next
    }
  }

  private limit(): number {
    return this.maxFrame + Math.ceil(this.maxFrame / 254) + 1
  }

  push(chunk: Uint8Array): void {
    let start = 0
    for (;;) {
      const z = chunk.indexOf(0, start)
      const end = z < 0 ? chunk.length : z
      this.append(chunk, start, end)
      if (z < 0) return
      this.complete()
      start = z + 1
    }
  }

  /** Drops any partial frame (e.g. when the port is reopened). */
  reset(): void {
    this.fill = 0
    this.overflowing = false
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    if (this.overflowing || from === to) return
    const n = to - from
    if (this.fill + n > this.limit()) {
      this.overflowing = true
      return
    }
    this.acc.set(chunk.subarray(from, to), this.fill)
    this.fill += n
  }

  private complete(): void {
    if (this.overflowing) {
      this.overflowing = false
      this.fill = 0
      this.reject('oversize')
      return
    }
    if (this.fill === 0) return
    const decoded = cobsDecode(this.acc.subarray(0, this.fill))
    this.fill = 0
    if (!decoded) return this.reject('cobs')
    if (decoded.length > this.maxFrame) return this.reject('oversize')
    const frame = parseFrame(decoded)
    if (typeof frame === 'string') return this.reject(frame)
    this.goodFrames++
    this.onFrame(frame)
  }

  private reject(why: FrameRejection): void {
    this.badFrames++
    this.onReject?.(why)
  }
}
