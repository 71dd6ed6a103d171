import { describe, expect, it } from 'vitest'
import { EdvsEventParser } from '../../../native-bridge/edvs/event-parser.js'
import { EdvsEncoder } from '../../../native-bridge/edvs/encoder.js'
import { ABS16, ABS24, ABS32, DELTA, PLAIN, formatFor } from '../../../native-bridge/edvs/formats.js'
import type { EdvsLayout } from '../../../native-bridge/edvs/formats.js'
import { SpikelabError } from '../../../common/errors.js'
import { concatEventBatches, createEventBatch } from '../../../common/event-batch.js'
import { parseAll, randomEvents, rng, sliceRows, toRows } from './helpers.js'

describe('EdvsEventParser – hand-built byte layouts (spec §4.1)', () => {
  it('decodes !E2: 1yyyyyyy pxxxxxxx + 16-bit big-endian timestamp, raw polarity 0 = ON', () => {
    const raw: number[] = []
    for (let i = 0; i < 10; i++) raw.push(0x80 | i, ((i % 2) << 7) | (2 * i + 1), 0x12, 0x30 + i)
    const { events } = parseAll({ layout: ABS16 }, Uint8Array.from(raw))
    expect(toRows(events)).toEqual(Array.from({ length: 10 }, (_, i) => [0x1230 + i, 2 * i + 1, i, 1 - (i % 2)]))
  })

  it('decodes !E3 and !E4 timestamps MSB first', () => {
    const e3: number[] = []
    const e4: number[] = []
    for (let i = 0; i < 10; i++) {
      e3.push(0x80 | 3, 4, 0x01, 0x02, 0x03 + i)
      e4.push(0x80 | 3, 4, 0x01, 0x02, 0x03, 0x04 + i)
    }
    expect(toRows(parseAll({ layout: ABS24 }, Uint8Array.from(e3)).events)[9]).toEqual([0x010203 + 9, 4, 3, 1])
    expect(toRows(parseAll({ layout: ABS32 }, Uint8Array.from(e4)).events)[9]).toEqual([0x01020304 + 9, 4, 3, 1])
  })

  it('decodes !E1 delta timestamps of 1–4 bytes (final byte has bit 7 set)', () => {
    // dt 5 → 85; 200 = 1·128+72 → 01 C8; 20000 = 1·16384+28·128+32 → 01 1C A0;
    // 3 000 000 = 1·2^21+55·2^14+13·128+64 → 01 37 0D C0
    const deltas = [[0x85], [0x01, 0xc8], [0x01, 0x1c, 0xa0], [0x01, 0x37, 0x0d, 0xc0]]
    const dts = [5, 200, 20000, 3_000_000]
    const raw: number[] = []
    const expected: number[][] = []
    let t = 0
    for (let i = 0; i < 20; i++) {
      raw.push(0x80 | 7, 0x80 | 9, ...deltas[i % 4])
      t += dts[i % 4]
      expected.push([t, 9, 7, 0])
    }
    const { events } = parseAll({ layout: DELTA, maxStepUs: 10_000_000 }, Uint8Array.from(raw), [1])
    expect(toRows(events)).toEqual(expected)
  })

  it('stamps !E0 events with the host clock of the chunk', () => {
    let now = 1000
    const parser = new EdvsEventParser({ layout: PLAIN, clockUs: () => now })
    const raw: number[] = []
    for (let i = 0; i < 20; i++) raw.push(0x80 | i, (i % 3 === 0 ? 0x80 : 0) | (127 - i))
    const a = parser.push(Uint8Array.from(raw.slice(0, 24)))
    now = 2000
    const b = parser.push(Uint8Array.from(raw.slice(24)))
    const c = parser.flush()
    expect([...a.t, ...b.t, ...c.t].length).toBe(20)
    expect(a.t.length).toBe(0) // 12 events < 16 needed to lock
    expect([...b.t, ...c.t].every((t) => t === 2000)).toBe(true)
    expect(Array.from(c.x)).toEqual([16, 17, 18, 19].map((i) => 127 - i))
  })
})

const layouts: [string, EdvsLayout][] = [['!E0', PLAIN], ['!E1', DELTA], ['!E2', ABS16], ['!E3', ABS24], ['!E4', ABS32]]

describe('EdvsEventParser – streaming', () => {
  for (const [name, layout] of layouts) {
    it(`${name}: 1-byte and random chunking give exactly the encoded events`, () => {
      const events = randomEvents(3000, 11)
      const wire = new EdvsEncoder(layout).encode(events)
      const timed = layout.kind !== 'plain'
      const strip = (rows: number[][]) => rows.map((r) => (timed ? r : r.slice(1)))
      for (const sizes of [[1], [3, 7, 1, 64, 2], [4096]]) {
        const { events: got, parser } = parseAll({ layout }, wire, sizes)
        expect(strip(toRows(got))).toEqual(strip(toRows(events)))
        expect(parser.stats.resyncs).toBe(0)
        expect(parser.stats.droppedBytes).toBe(0)
      }
    })
  }

  it('holds the last holdEvents back until flush', () => {
    const events = randomEvents(100, 3)
    const parser = new EdvsEventParser({ layout: ABS32, holdEvents: 4 })
    expect(parser.push(new EdvsEncoder(ABS32).encode(events)).t.length).toBe(96)
    expect(parser.flush().t.length).toBe(4)
  })

  it('flushHeld() delivers held events at a pause and keeps decoding afterwards', () => {
    const events = randomEvents(200, 6)
    const wire = new EdvsEncoder(ABS24).encode(events)
    const parser = new EdvsEventParser({ layout: ABS24 })
    const a = parser.push(wire.subarray(0, 500)) // 100 events
    const b = parser.flushHeld()
    expect(a.t.length + b.t.length).toBe(100)
    expect(b.t.length).toBe(4)
    const c = parser.push(wire.subarray(500))
    const d = parser.flush()
    expect(toRows(concatEventBatches([a, b, c, d]))).toEqual(toRows(events))
  })

  it('unwraps 16-bit timestamps across several wraps', () => {
    const b = createEventBatch(400)
    for (let i = 0; i < 400; i++) {
      b.t[i] = i * 1000 // 400 ms: wraps at 65.536 ms → floor(399000 / 65536) = 6 wraps
      b.x[i] = i % 128
      b.y[i] = (i * 7) % 128
      b.p[i] = i % 2
    }
    const { events, parser } = parseAll({ layout: ABS16 }, new EdvsEncoder(ABS16).encode(b), [5])
    expect(Array.from(events.t)).toEqual(Array.from(b.t))
    expect(parser.stats.wraps).toBe(6)
  })

  it('accepts a real 5 s silence in !E4 once the following events confirm it', () => {
    const b = randomEvents(200, 5)
    for (let i = 100; i < 200; i++) b.t[i] += 5_000_000
    const { events, parser } = parseAll({ layout: ABS32 }, new EdvsEncoder(ABS32).encode(b), [1])
    expect(toRows(events)).toEqual(toRows(b))
    expect(parser.stats.resyncs).toBe(0)
  })

  it('resetTime() restarts unwrapping with the device clock (!ET0)', () => {
    const parser = new EdvsEventParser({ layout: ABS16, holdEvents: 0 })
    const enc = new EdvsEncoder(ABS16)
    const first = randomEvents(50, 1)
    expect(parser.push(enc.encode(first)).t.at(-1)).toBe(first.t.at(-1))
    parser.resetTime()
    enc.resetTime()
    const second = randomEvents(50, 2, 30)
    expect(Array.from(parser.push(enc.encode(second)).t)).toEqual(Array.from(second.t))
  })
})

describe('EdvsEventParser – resync', () => {
  for (const [name, layout] of layouts.filter(([, l]) => l.kind !== 'plain')) {
    it(`${name}: garbage prefix and a banner line are skipped, the text is reported`, () => {
      const events = randomEvents(500, 21)
      const r = rng(9)
      const garbage = Uint8Array.from({ length: 333 }, () => Math.floor(r() * 256))
      const banner = new TextEncoder().encode('EDVS-4337 banner line\n')
      const wire = new EdvsEncoder(layout).encode(events)
      const lines: string[] = []
      const all = new Uint8Array([...garbage, ...banner, ...wire])
      const { events: got, parser } = parseAll({ layout, onText: (l) => lines.push(l) }, all, [1])
      expect(lines).toContain('EDVS-4337 banner line')
      // Everything after the banner is delivered; random garbage may hide at most a few events.
      expect(sliceRows(got, got.t.length - 490)).toEqual(sliceRows(events, 10))
      expect(toRows(events).slice(500 - got.t.length)).toEqual(toRows(got))
      expect(parser.stats.droppedBytes).toBeGreaterThanOrEqual(333 + banner.length)
    })

    it(`${name}: dropped and corrupted bytes never produce events that were not sent (12 seeds)`, () => {
      for (let seed = 1; seed <= 12; seed++) {
        const events = randomEvents(4000, seed)
        const wire = new EdvsEncoder(layout).encode(events)
        const r = rng(seed * 7)
        const damaged: number[] = []
        let faults = 0
        for (let i = 0; i < wire.length; i++) {
          const hit = i > 200 && r() < 0.002
          if (hit) faults++
          if (hit && r() < 0.5) continue // dropped
          damaged.push(hit ? wire[i] ^ (1 << Math.floor(r() * 8)) : wire[i])
        }
        const { events: got, parser } = parseAll({ layout }, Uint8Array.from(damaged), [1, 13, 200])
        // !E1 carries deltas: after a lost byte all later times shift (spec §6), so compare addresses.
        const key = (row: number[]) => (layout.kind === 'delta' ? row.slice(1) : row).join(',')
        const sent = new Set(toRows(events).map(key))
        const bad = toRows(got).filter((row) => !sent.has(key(row)))
        // A flipped timestamp or polarity bit inside an otherwise intact event is undetectable;
        // everything else must be a sent event. Allow at most one undetectable event per fault.
        expect(bad.length).toBeLessThanOrEqual(faults)
        expect(parser.stats.resyncs).toBeGreaterThan(0)
        expect(got.t.length).toBeGreaterThan(4000 - faults * 8)
        for (let i = 1; i < got.t.length; i++) expect(got.t[i]).toBeGreaterThanOrEqual(got.t[i - 1])
      }
    })
  }

  it('!E2: never locks onto the timestamp phase even when the high timestamp byte has bit 7 set', () => {
    const b = createEventBatch(300)
    for (let i = 0; i < 300; i++) {
      b.t[i] = 0x8000 + i * 3 // high byte 0x80–0x83: MSB = 1 in every event
      b.x[i] = (i * 37) % 128
      b.y[i] = (i * 53 + 9) % 128
      b.p[i] = (i * 7) % 3 === 0 ? 1 : 0
    }
    const wire = new EdvsEncoder(ABS16).encode(b)
    const { events: got } = parseAll({ layout: ABS16 }, wire.subarray(2), [1]) // start at the timestamp byte
    expect(toRows(got)).toEqual(toRows(b).slice(1))
  })

  it('!E0: starting at an x byte with ON polarity, the window grows until the phases separate', () => {
    const b = createEventBatch(300)
    for (let i = 0; i < 300; i++) {
      b.x[i] = (i * 5) % 128
      b.y[i] = (i * 11) % 128
      b.p[i] = i < 20 ? 0 : i % 2 // first 20 events: raw bit 1 (OFF) in the x byte, like a y byte
    }
    const wire = new EdvsEncoder(PLAIN).encode(b)
    const { events: got } = parseAll({ layout: PLAIN, clockUs: () => 0 }, wire.subarray(1), [1])
    expect(toRows(got)).toEqual(toRows(b).slice(1))
  })

  it('keeps lock across an ASCII line interleaved at an event boundary', () => {
    const events = randomEvents(200, 41)
    const enc = new EdvsEncoder(ABS24)
    const a = enc.encode({ t: events.t.subarray(0, 100), x: events.x.subarray(0, 100), y: events.y.subarray(0, 100), p: events.p.subarray(0, 100) })
    const b = enc.encode({ t: events.t.subarray(100), x: events.x.subarray(100), y: events.y.subarray(100), p: events.p.subarray(100) })
    const lines: string[] = []
    const { events: got, parser } = parseAll({ layout: ABS24, onText: (l) => lines.push(l) }, new Uint8Array([...a, ...new TextEncoder().encode('-S1 1000\n'), ...b]), [1])
    expect(toRows(got)).toEqual(toRows(events))
    expect(lines).toEqual(['-S1 1000'])
    expect(parser.stats.resyncs).toBe(0)
  })

  it('applies swap/flip/polarity settings (and the encoder inverts them)', () => {
    const raw: number[] = []
    for (let i = 0; i < 10; i++) raw.push(0x80 | 10, 0x80 | 20, 0, i) // raw y=10, x=20, bit 1, t=i
    const orientation = { flipX: true, flipY: true, swapXY: true, invertPolarity: true }
    const { events } = parseAll({ layout: ABS16, orientation }, Uint8Array.from(raw))
    // flip: x 20 → 107, y 10 → 117; swap: (x, y) = (117, 107); inverted polarity: bit 1 = ON.
    expect(toRows(events)[0]).toEqual([0, 117, 107, 1])
    expect(Array.from(new EdvsEncoder(ABS16, orientation).encode(events).subarray(0, 4))).toEqual([0x8a, 0x94, 0, 0])
  })

  it('rejects addresses beyond a smaller configured sensor and resyncs', () => {
    const b = randomEvents(100, 2)
    const wire = new EdvsEncoder(ABS32).encode(b)
    const { events } = parseAll({ layout: ABS32, orientation: { width: 64, height: 64 } }, wire)
    for (let i = 0; i < events.t.length; i++) expect(events.x[i] < 64 && events.y[i] < 64).toBe(true)
  })

  it('reports bad options as SpikelabError naming the field', () => {
    expect(() => new EdvsEventParser({ layout: ABS16, lockEvents: 1 })).toThrow(SpikelabError)
    expect(() => new EdvsEventParser({ layout: ABS16, holdEvents: 100 })).toThrow(/holdEvents/)
    expect(() => formatFor('intermediate', 4)).toThrow(/!E4/)
  })
})
