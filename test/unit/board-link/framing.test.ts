import { describe, expect, it } from 'vitest'
import {
  FrameDecoder, MsgType, cobsDecode, cobsEncode, crc32, crc32Table, decodeHello, encodeHello, encodeWire,
} from '../../../native-bridge/board-link/index.js'
import type { Frame } from '../../../native-bridge/board-link/index.js'

const hex = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((b) => parseInt(b, 16)))

// §3.3 test vector: HELLO with corr 1, nonce 0x12345678, host_max_frame 1024, window 4, name ndl-host.
const HELLO_DECODED = hex(`01 01 00 00 00 00 00 00 15 00 01 00 01 00 01 00 78 56 34 12 00 04 04 00 08
  6e 64 6c 2d 68 6f 73 74 ac 7f ce aa`)
const HELLO_WIRE = hex(`03 01 01 01 01 01 01 01 02 15 02 01 02 01 02 01 05 78 56 34 12 03 04 04 0e 08
  6e 64 6c 2d 68 6f 73 74 ac 7f ce aa 00`)
const helloFields = { protoMin: 1, protoMax: 1, hostNonce: 0x12345678, hostMaxFrame: 1024, hostCtrlWindow: 4, flags: 0, hostName: 'ndl-host' }

/** Deterministic generator for fuzz-style cases (a test must be reproducible). */
function lcg(seed: number) {
  let x = seed >>> 0
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 0x100000000)
}

describe('CRC-32/ISO-HDLC (§3.2)', () => {
  it('matches the check value 0xCBF43926 on both implementations', () => {
    const ascii = new TextEncoder().encode('123456789')
    expect(crc32(ascii)).toBe(0xcbf43926)
    expect(crc32Table(ascii)).toBe(0xcbf43926)
  })

  it('table fallback agrees with the native path on random data and when continued', () => {
    const rnd = lcg(7)
    const data = Uint8Array.from({ length: 5000 }, () => Math.floor(rnd() * 256))
    expect(crc32Table(data)).toBe(crc32(data))
    expect(crc32Table(data.subarray(1000), crc32Table(data.subarray(0, 1000)))).toBe(crc32(data))
  })
})

describe('COBS (§3.1)', () => {
  it('round-trips and never emits 0x00, with overhead ≤ ceil(n/254)', () => {
    const rnd = lcg(3)
    for (const n of [0, 1, 253, 254, 255, 508, 1000]) {
      for (const zeroRate of [0, 0.01, 0.5, 1]) {
        const src = Uint8Array.from({ length: n }, () => (rnd() < zeroRate ? 0 : 1 + Math.floor(rnd() * 255)))
        const enc = cobsEncode(src)
        expect(enc.includes(0)).toBe(false)
        expect(enc.length).toBeLessThanOrEqual(n + Math.max(1, Math.ceil(n / 254)))
        expect(Array.from(cobsDecode(enc)!)).toEqual(Array.from(src))
      }
    }
  })

  it('rejects a code pointing past the end and an embedded zero', () => {
    expect(cobsDecode(Uint8Array.from([5, 1, 2]))).toBeNull()
    expect(cobsDecode(Uint8Array.from([3, 1, 0]))).toBeNull()
  })
})

describe('frames and the HELLO test vector (§3.3)', () => {
  it('encodes HELLO exactly as the spec shows, decoded and on the wire', () => {
    expect(Array.from(encodeHello(helloFields))).toEqual(Array.from(HELLO_DECODED.subarray(12, 33)))
    const wire = encodeWire({ type: MsgType.HELLO, flags: 0, chan: 0, seq: 0, ack: 0, corr: 1 }, encodeHello(helloFields))
    expect(Array.from(wire)).toEqual(Array.from(HELLO_WIRE))
    expect(Array.from(cobsDecode(HELLO_WIRE.subarray(0, HELLO_WIRE.length - 1))!)).toEqual(Array.from(HELLO_DECODED))
  })

  it('decodes the vector byte by byte, after garbage, and inside a larger chunk', () => {
    const frames: Frame[] = []
    const dec = new FrameDecoder((f) => frames.push(f))
    for (const b of HELLO_WIRE) dec.push(Uint8Array.of(b))
    dec.push(Uint8Array.from([0x55, 0x13, 0x00, 0x00, ...HELLO_WIRE, ...HELLO_WIRE.subarray(0, 10)]))
    dec.push(HELLO_WIRE.subarray(10))
    expect(frames).toHaveLength(3)
    for (const f of frames) {
      expect(f.header).toMatchObject({ ver: 1, type: 1, chan: 0, seq: 0, ack: 0, len: 21, corr: 1 })
      expect(decodeHello(f.payload)).toEqual(helloFields)
    }
    expect(dec.badFrames).toBe(1) // the two garbage bytes before the first delimiter
  })

  it('survives every split point of a two-frame stream', () => {
    const a = encodeWire({ type: MsgType.NOP, flags: 0, chan: 0, seq: 3, ack: 9, corr: 0 }, new Uint8Array(0))
    const stream = Uint8Array.from([...HELLO_WIRE, ...a])
    for (let cut = 0; cut <= stream.length; cut++) {
      const frames: Frame[] = []
      const dec = new FrameDecoder((f) => frames.push(f))
      dec.push(stream.subarray(0, cut))
      dec.push(stream.subarray(cut))
      expect(frames.map((f) => f.header.type)).toEqual([MsgType.HELLO, MsgType.NOP])
      expect(frames[1].header).toMatchObject({ seq: 3, ack: 9 })
    }
  })

  it('counts a flipped bit, a wrong version and a wrong length as bad frames and keeps going', () => {
    const frames: Frame[] = []
    const dec = new FrameDecoder((f) => frames.push(f))
    const flipped = HELLO_WIRE.slice()
    flipped[20] ^= 0x04
    const raw = HELLO_DECODED.slice()
    raw[0] = 2 // ver 2 with a correct CRC
    const v = new DataView(raw.buffer)
    v.setUint32(raw.length - 4, crc32(raw.subarray(0, raw.length - 4)), true)
    const badVer = Uint8Array.from([...cobsEncode(raw), 0])
    const short = Uint8Array.from([...cobsEncode(HELLO_DECODED.subarray(0, 20)), 0])
    dec.push(Uint8Array.from([...flipped, ...badVer, ...short, ...HELLO_WIRE]))
    expect(frames).toHaveLength(1)
    expect(dec.badFrames).toBe(3)
  })

  it('discards an over-long run up to the next delimiter (§3.3 rule 2)', () => {
    const frames: Frame[] = []
    const dec = new FrameDecoder((f) => frames.push(f), 256)
    dec.push(new Uint8Array(256 + 2 + 10).fill(0x41))
    dec.push(Uint8Array.from([0x41, 0x00, ...HELLO_WIRE]))
    expect(frames).toHaveLength(1)
    expect(dec.badFrames).toBe(1)
  })

  it('random garbage interleaved with frames: every intact frame is delivered, nothing else', () => {
    const rnd = lcg(11)
    const frames: Frame[] = []
    const dec = new FrameDecoder((f) => frames.push(f), 1024)
    let sent = 0
    for (let i = 0; i < 300; i++) {
      const junk = Uint8Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256))
      const payload = Uint8Array.from({ length: Math.floor(rnd() * 600) }, () => Math.floor(rnd() * 256))
      const wire = encodeWire({ type: MsgType.LOG, flags: 0, chan: 4, seq: i, ack: 0, corr: 0 }, payload)
      // Garbage ends with a delimiter so it cannot merge with the frame that follows.
      const all = Uint8Array.from([...junk, 0, ...wire])
      sent++
      let at = 0
      while (at < all.length) {
        const n = 1 + Math.floor(rnd() * 64)
        dec.push(all.subarray(at, at + n))
        at += n
      }
    }
    expect(frames.map((f) => f.header.seq)).toEqual(Array.from({ length: sent }, (_, i) => i))
  })
})
