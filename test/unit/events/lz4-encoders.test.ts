/**
 * AEDAT 4 LZ4 payloads are written by lz4-napi when it loads (the recorder's hot path) and by lz4js
 * otherwise. Whatever wrote them, our bounded frame decoder must give back the exact bytes, and the
 * two encoders must be interchangeable for readers (a recording may mix packets from both only in
 * theory, but files from either machine must open on the other).
 */
import { compress as lz4jsCompress } from 'lz4js'
import { describe, expect, it } from 'vitest'
import { isLz4Frame, lz4DecompressFrame } from '../../../main/events/lz4-frame.js'
import { compressPayload, lz4Encoder } from '../../../main/events/payload-codec.js'

/** Event-packet-like bytes: 16-byte records with slowly rising timestamps and small coordinates. */
function packetLike(events: number, seed: number): Uint8Array {
  const out = new Uint8Array(events * 16)
  const view = new DataView(out.buffer)
  let s = seed
  let t = 1_700_000_000_000_000
  for (let i = 0; i < events; i++) {
    s = (s * 1103515245 + 12345) >>> 0
    t += s % 50
    view.setBigInt64(i * 16, BigInt(t), true)
    view.setInt16(i * 16 + 8, s % 640, true)
    view.setInt16(i * 16 + 10, (s >>> 10) % 480, true)
    out[i * 16 + 12] = (s >>> 20) & 1
  }
  return out
}

describe('LZ4 payload encoders', () => {
  it('uses the native encoder where the optional dependency is installed (it is, on this machine)', () => {
    // package.json lists lz4-napi as optional; npm installs its linux-x64 prebuild here.
    expect(lz4Encoder).toBe('lz4-napi')
  })

  for (const [name, events] of [['one packet', 65_536], ['a tiny packet', 3], ['an empty packet', 0]] as const) {
    it(`round-trips ${name} through the bounded decoder, as lz4js output does`, () => {
      const data = packetLike(events, 7)
      const native = compressPayload('lz4', data)
      expect(isLz4Frame(native)).toBe(true)
      expect(Buffer.from(lz4DecompressFrame(native, data.length + 64)).equals(Buffer.from(data))).toBe(true)
      const js = lz4jsCompress(data)
      expect(Buffer.from(lz4DecompressFrame(js, data.length + 64)).equals(Buffer.from(data))).toBe(true)
      if (events > 1000) expect(native.length).toBeLessThan(data.length / 2)
    })
  }

  it('compresses a subarray view, not the whole underlying buffer', () => {
    const whole = packetLike(1000, 3)
    const view = whole.subarray(160, 800)
    const back = lz4DecompressFrame(compressPayload('lz4', view), 1 << 20)
    expect(Buffer.from(back).equals(Buffer.from(view))).toBe(true)
  })
})
