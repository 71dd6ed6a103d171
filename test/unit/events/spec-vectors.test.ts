import { describe, expect, it } from 'vitest'
import { Builder } from 'flatbuffers'
import { Aedat3Decoder } from '../../../main/events/aedat3-decoder.js'
import { Aedat4Decoder } from '../../../main/events/aedat4-decoder.js'
import { DatDecoder } from '../../../main/events/dat-decoder.js'
import { Evt21Decoder } from '../../../main/events/evt21-decoder.js'
import { Evt2Decoder } from '../../../main/events/evt2-decoder.js'
import { Evt3Decoder } from '../../../main/events/evt3-decoder.js'
import { lz4DecompressFrame } from '../../../main/events/lz4-frame.js'
import { Aedat2Decoder } from '../../../main/events/aedat2-decoder.js'
import { concatBytes, decodeChunked, tuple } from './helpers.js'

// Inputs here are built by hand from event-formats.md; expected events are computed by hand in
// the comments, independently of the encoders.
const u32le = (...w: number[]): Uint8Array => {
  const b = new Uint8Array(w.length * 4)
  const dv = new DataView(b.buffer)
  w.forEach((v, i) => dv.setUint32(i * 4, v >>> 0, true))
  return b
}
const u16le = (...w: number[]): Uint8Array => {
  const b = new Uint8Array(w.length * 2)
  const dv = new DataView(b.buffer)
  w.forEach((v, i) => dv.setUint16(i * 2, v, true))
  return b
}
const text = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'))
const all = (b: ReturnType<typeof decodeChunked>): number[][] => Array.from({ length: b.t.length }, (_, i) => tuple(b, i))

describe('EVT 2.0 words (§5)', () => {
  it('drops events before the first TIME_HIGH, unwraps the 34-bit clock, reads x from bits 21–11', () => {
    const words = u32le(
      0x10000000, // CD_ON before any TIME_HIGH: dropped
      0x8fffffff, // TIME_HIGH 2^28−1 → base (2^28−1)·64 = 17179869120
      0x1fc02807, // CD_ON lsb 63, x 5, y 7 → t 17179869183
      0xa0000001, // EXT_TRIGGER: skipped
      0x80000000, // TIME_HIGH 0: a drop of 2^28−1 → wrap, base 2^34 = 17179869184
      0x007fffff, // CD_OFF lsb 1, x 2047, y 2047 → t 17179869185
    )
    for (const sizes of [undefined, () => 1]) {
      const d = new Evt2Decoder({ header: false })
      expect(all(decodeChunked(d, words, sizes))).toEqual([
        [17179869183, 5, 7, 1],
        [17179869185, 2047, 2047, 0],
      ])
      expect(d.counters).toMatchObject({ droppedNoTimeBase: 1, skippedWords: 1, wraps: 1 })
    }
  })
})

describe('EVT 2.1 vector words in both half-word orders (§6)', () => {
  // TIME_HIGH th 5: high half 0x80000005. EVT_POS lsb 3, x 100, y 200:
  // high = 1<<28 | 3<<22 | 100<<11 | 200 = 0x10C320C8, mask 0b1011 → x 100, 101, 103 at t 5·64+3 = 323.
  const expected = [
    [323, 100, 200, 1],
    [323, 101, 200, 1],
    [323, 103, 200, 1],
  ]
  it('legacy: high half first, each half LE', () => {
    const bytes = concatBytes([text('% format EVT21;height=720;width=1280;endianness=legacy\n% end\n'), u32le(0x80000005, 0, 0x10c320c8, 0b1011)])
    const d = new Evt21Decoder()
    expect(all(decodeChunked(d, bytes, () => 1))).toEqual(expected)
    expect(d.order).toBe('legacy')
    expect(d.info.geometry).toEqual({ width: 1280, height: 720 })
  })
  it('little: one LE u64 (mask in the low half)', () => {
    const bytes = concatBytes([text('% format EVT21;height=720;width=1280;endianness=little\n% end\n'), u32le(0, 0x80000005, 0b1011, 0x10c320c8)])
    const d = new Evt21Decoder()
    expect(all(decodeChunked(d, bytes, () => 3))).toEqual(expected)
    expect(d.order).toBe('little')
  })
  it('the spec example 0x0102030405060708 is stored as 04 03 02 01 08 07 06 05 in legacy order', () => {
    // high half 0x01020304 → type 0 (CD_OFF), t lsb 4, x 0x40, y 0x304 (after a TIME_HIGH 0)
    const bytes = concatBytes([u32le(0x80000000, 0), Uint8Array.of(0x04, 0x03, 0x02, 0x01, 0x08, 0x07, 0x06, 0x05)])
    const b = decodeChunked(new Evt21Decoder({ header: false, order: 'legacy' }), bytes)
    // mask 0x05060708 has bits 3, 8, 9, 10, 17, 18, 24, 26 set → x = 0x40 + those
    expect(all(b).map((e) => e[1])).toEqual([3, 8, 9, 10, 17, 18, 24, 26].map((i) => 0x40 + i))
    expect(b.t[0]).toBe(4)
    expect(b.y[0]).toBe(0x304)
  })
})

describe('EVT 3.0 words (§7)', () => {
  const words = u16le(
    0x000a, // ADDR_Y before TIME_HIGH: ignored
    0x2005, // ADDR_X before TIME_HIGH: dropped
    0x8001, // TIME_HIGH 1 → 4096
    0x6005, // TIME_LOW 5 → 4101
    0x000a, // ADDR_Y 10
    0x2803, // ADDR_X pol 1 x 3 → (4101,3,10,1)
    0x3014, // VECT_BASE_X pol 0 x 20
    0x4805, // VECT_12 mask 0x805 → x 20, 22, 31; base 32
    0x5003, // VECT_8 mask 0x03 → x 32, 33; base 40
    0x9999, // Lucid padding
    0xe014, // OTHERS + CONTINUED_12, CONTINUED_12, CONTINUED_4: no CD event
    0xf123,
    0xf456,
    0x7003,
    0x8fff, // TIME_HIGH 4095 (changed → TIME_LOW 0) → 16773120
    0x2001, // (16773120,1,10,0)
    0x8002, // TIME_HIGH 2: drop 4093 ≥ 2048 → wrap → 2^24 + 8192 = 16785408
    0x6010, // TIME_LOW 16 → 16785424
    0x1005, // EM row: following X words emit nothing
    0x2002,
    0x0007, // ADDR_Y 7
    0x2002, // (16785424,2,7,0)
  )
  it('decodes every word type, vectors and the time wrap identically for any chunking', () => {
    for (const sizes of [undefined, () => 1, () => 3]) {
      const d = new Evt3Decoder({ header: false })
      expect(all(decodeChunked(d, words, sizes))).toEqual([
        [4101, 3, 10, 1],
        [4101, 20, 10, 0],
        [4101, 22, 10, 0],
        [4101, 31, 10, 0],
        [4101, 32, 10, 0],
        [4101, 33, 10, 0],
        [16773120, 1, 10, 0],
        [16785424, 2, 7, 0],
      ])
      expect(d.counters.wraps).toBe(1)
      expect(d.counters.droppedNoTimeBase).toBe(1)
    }
  })
})

describe('DAT (§8)', () => {
  it('reads Width/Height, type/size bytes and unwraps 32-bit time', () => {
    const bytes = concatBytes([
      text('% Data file containing Event2D events.\n% Version 2\n% Width 304\n% Height 240\n'),
      Uint8Array.of(0, 8),
      u32le(0xfffffff0, (1 << 28) | (5 << 14) | 9, 0x10, (3 << 14) | 4),
    ])
    const d = new DatDecoder()
    // 0x10 after 0xFFFFFFF0 is a wrap: 2^32 + 16
    expect(all(decodeChunked(d, bytes, () => 1))).toEqual([
      [4294967280, 9, 5, 1],
      [4294967312, 4, 3, 0],
    ])
    expect(d.info.geometry).toEqual({ width: 304, height: 240 })
  })
  it('reads a header-less file as Event2D records', () => {
    expect(all(decodeChunked(new DatDecoder(), u32le(7, (2 << 14) | 1)))).toEqual([[7, 1, 2, 0]])
  })
})

describe('AEDAT 2.0 (§1)', () => {
  it('DVS128: x bits 7–1, y bits 14–8, bit 15 external; eDVS flips polarity', () => {
    const rec = (a: number, t: number): Uint8Array => {
      const b = new Uint8Array(8)
      new DataView(b.buffer).setUint32(0, a, false)
      new DataView(b.buffer).setUint32(4, t, false)
      return b
    }
    const body = concatBytes([rec((9 << 8) | (100 << 1) | 1, 10), rec(0x8000, 11), rec((127 << 8) | (0 << 1), 12)])
    const plain = decodeChunked(new Aedat2Decoder(), concatBytes([text('#!AER-DAT2.0\r\n# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128\r\n'), body]), () => 1)
    expect(all(plain)).toEqual([
      [10, 100, 9, 1],
      [12, 0, 127, 0],
    ])
    const edvs = decodeChunked(new Aedat2Decoder(), concatBytes([text('#!AER-DAT2.0\n# HardwareInterface: eDVS4337\n# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128\n'), body]))
    expect(all(edvs).map((e) => e[3])).toEqual([0, 1])
  })
  it('DAVIS: APS words (bit 31, readout ≠ 11) are never events; time wraps at 2^32', () => {
    const rec = (a: number, t: number): Uint8Array => {
      const b = new Uint8Array(8)
      new DataView(b.buffer).setUint32(0, a >>> 0, false)
      new DataView(b.buffer).setUint32(4, t >>> 0, false)
      return b
    }
    const d = new Aedat2Decoder()
    const b = decodeChunked(
      d,
      concatBytes([
        text('#!AER-DAT2.0\r\n# AEChip: eu.seebetter.ini.chips.davis.Davis346B\r\n#End Of ASCII Header\r\n'),
        rec((100 << 22) | (300 << 12) | (1 << 11), 0xfffffff0),
        rec(0x80000000 | (5 << 22) | (6 << 12) | 0x155, 0xfffffff1), // APS reset read
        rec((2 << 22) | (3 << 12), 5), // wrap → 2^32 + 5
      ]),
    )
    expect(all(b)).toEqual([
      [4294967280, 300, 100, 1],
      [4294967301, 3, 2, 0],
    ])
    expect(d.records.aps).toBe(1)
    expect(d.info.geometry).toEqual({ width: 346, height: 260 })
  })
})

describe('AEDAT 3.1 packets (§2)', () => {
  it('decodes valid polarity events with the overflow and skips other packet types by length', () => {
    const header = text('#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DAVIS346B\r\n#Start-Time: 2017-01-01 00:00:00 (TZ+0000)\r\n#!END-HEADER\r\n')
    const packet = (type: number, size: number, overflow: number, events: number[][]): Uint8Array => {
      const b = new Uint8Array(28 + events.length * size)
      const dv = new DataView(b.buffer)
      dv.setInt16(0, type, true)
      dv.setInt16(2, 1, true)
      dv.setInt32(4, size, true)
      dv.setInt32(8, 4, true)
      dv.setInt32(12, overflow, true)
      dv.setInt32(16, events.length, true)
      dv.setInt32(20, events.length, true)
      dv.setInt32(24, events.length, true)
      events.forEach((e, i) => {
        dv.setUint32(28 + i * size, e[0] >>> 0, true)
        dv.setInt32(32 + i * size, e[1], true)
      })
      return b
    }
    // data = valid | p<<1 | y<<2 | x<<17: x 300, y 200, p 1 → 1 + 2 + 800 + 39321600 = 39322403
    const bytes = concatBytes([header, packet(2, 40, 0, [[1, 5]]), packet(1, 8, 1, [[39322403, 1000], [39322402, 1001]])])
    const d = new Aedat3Decoder()
    expect(all(decodeChunked(d, bytes, () => 1))).toEqual([[2 ** 31 + 1000, 300, 200, 1]])
    expect(d.info.geometry).toEqual({ width: 346, height: 260 })
    // the same event word in a 3.0 file read with jAER's 14-bit layout: X = bits 31–18, Y = 17–4
    const v30 = concatBytes([text('#!AER-DAT3.0\r\n#!END-HEADER\r\n'), packet(1, 8, 0, [[(300 << 18) | (200 << 4) | 3, 7]])])
    expect(all(decodeChunked(new Aedat3Decoder({ aedat30Layout: 'jaer' }), v30))).toEqual([[7, 300, 200, 1]])
  })
})

describe('AEDAT 4.0 (§3)', () => {
  function ioHeader(compression: number, xml: string): Uint8Array {
    const b = new Builder(256)
    const info = b.createString(xml)
    b.startObject(3)
    if (compression) b.addFieldInt32(0, compression, 0)
    b.addFieldOffset(2, info, 0)
    b.finishSizePrefixed(b.endObject(), 'IOHE')
    return b.asUint8Array()
  }
  function eventPacket(events: number[][]): Uint8Array {
    const b = new Builder(256)
    b.startVector(16, events.length, 8)
    for (let i = events.length - 1; i >= 0; i--) {
      const [t, x, y, p] = events[i]
      b.prep(8, 16)
      b.pad(3)
      b.writeInt8(p)
      b.writeInt16(y)
      b.writeInt16(x)
      b.writeInt64(BigInt(t))
    }
    const vec = b.endVector()
    b.startObject(1)
    b.addFieldOffset(0, vec, 0)
    b.finishSizePrefixed(b.endObject(), 'EVTS')
    return b.asUint8Array()
  }
  function triggerPacket(): Uint8Array {
    const b = new Builder(64)
    b.startObject(2)
    b.addFieldInt64(0, 123n, 0n)
    b.addFieldInt8(1, 1, 0)
    const trig = b.endObject()
    b.startVector(4, 1, 4)
    b.addOffset(trig)
    const vec = b.endVector()
    b.startObject(1)
    b.addFieldOffset(0, vec, 0)
    b.finishSizePrefixed(b.endObject(), 'TRIG')
    return b.asUint8Array()
  }
  const pkt = (stream: number, payload: Uint8Array): Uint8Array => concatBytes([u32le(stream, payload.length), payload])
  const xml =
    '<dv version="2.0"><node name="outInfo" path="/"><node name="0" path="/0/"><attr key="typeIdentifier" type="string">EVTS</attr>' +
    '<node name="info" path="/0/info/"><attr key="sizeX" type="int">346</attr><attr key="sizeY" type="int">260</attr></node></node></node></dv>'

  it('reads a DV-style file without a data table: EVTS decoded, TRIG skipped, t as int64 µs', () => {
    const bytes = concatBytes([
      text('#!AER-DAT4.0\r\n'),
      ioHeader(0, xml),
      pkt(0, eventPacket([[1_600_000_000_000_001, 1, 2, 1], [1_600_000_000_000_002, 345, 259, 0]])),
      pkt(1, triggerPacket()),
      pkt(0, eventPacket([])),
      pkt(0, eventPacket([[1_600_000_000_000_010, 7, 8, 1]])),
    ])
    for (const sizes of [undefined, () => 1]) {
      const d = new Aedat4Decoder()
      expect(all(decodeChunked(d, bytes, sizes))).toEqual([
        [1_600_000_000_000_001, 1, 2, 1],
        [1_600_000_000_000_002, 345, 259, 0],
        [1_600_000_000_000_010, 7, 8, 1],
      ])
      expect(d.info.geometry).toEqual({ width: 346, height: 260 })
      expect(d.header?.dataTablePosition).toBe(-1)
      expect(d.header?.compression).toBe('none')
    }
  })

  it('decodes LZ4 frames with linked blocks (DV writes FLG 0x40)', () => {
    // block 1 stored: "abcdefgh"; block 2 compressed: match of 8 at offset 8 (into block 1), then literal "z"
    const frame = concatBytes([
      Uint8Array.of(0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0x00),
      u32le(0x80000008),
      text('abcdefgh'),
      u32le(5),
      Uint8Array.of(0x04, 0x08, 0x00, 0x10, 0x7a),
      u32le(0),
    ])
    expect(Buffer.from(lz4DecompressFrame(frame, 1 << 20)).toString('latin1')).toBe('abcdefghabcdefghz')
    expect(() => lz4DecompressFrame(frame, 10)).toThrow(/limit/)
  })
})
