import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { concatEventBatches, sliceEventBatch, type EventBatch } from '../../../common/event-batch.js'
import { SpikelabError } from '../../../common/errors.js'
import { fixturePath } from '../../support/fixtures.js'
import { createDecoder } from '../../../main/events/detect.js'
import { createEncoder, type EncoderOptions } from '../../../main/events/encoders.js'
import { loadZstd } from '../../../main/events/payload-codec.js'
import type { EventFormat } from '../../../main/events/types.js'
import { Evt3Encoder } from '../../../main/events/evt3-encoder.js'
import { Evt21Encoder } from '../../../main/events/evt21-encoder.js'
import { concatBytes, decodeChunked, expectSameEvents, randomSizes, stats } from './helpers.js'

beforeAll(async () => {
  await loadZstd()
})

/** Encodes in several batches (including empty ones) and returns the file bytes. */
function encode(format: EventFormat, events: EventBatch, options: EncoderOptions, batches = 5): Uint8Array {
  const enc = createEncoder(format, options)
  const parts: Uint8Array[] = [enc.write(sliceEventBatch(events, 0, 0))]
  const n = events.t.length
  for (let k = 0; k < batches; k++) {
    parts.push(enc.write(sliceEventBatch(events, Math.floor((k * n) / batches), Math.floor(((k + 1) * n) / batches))))
    parts.push(enc.write(sliceEventBatch(events, 0, 0)))
  }
  parts.push(enc.end())
  const bytes = concatBytes(parts)
  for (const patch of enc.finalPatches()) bytes.set(patch.bytes, patch.offset)
  return bytes
}

function decode(format: EventFormat, bytes: Uint8Array, sizes?: (i: number) => number): EventBatch {
  return decodeChunked(createDecoder(format), bytes, sizes)
}

interface Gen {
  n: number
  seed: number
  t0: number
  /** Largest gap between distinct timestamps, µs. */
  maxGap: number
  width: number
  height: number
  /** Occasional jumps of this size (to cross wraps). */
  jump?: number
}

/** A monotonic stream with runs of same-time same-row events (vector material) and occasional jumps. */
function generate(g: Gen): EventBatch {
  let s = g.seed >>> 0
  const rnd = (m: number): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s % m
  }
  const t = new Float64Array(g.n)
  const x = new Uint16Array(g.n)
  const y = new Uint16Array(g.n)
  const p = new Uint8Array(g.n)
  let now = g.t0
  let i = 0
  while (i < g.n) {
    now += rnd(g.maxGap + 1) + (g.jump && rnd(50) === 0 ? g.jump : 0)
    const row = rnd(g.height)
    const pol = rnd(2)
    const run = Math.min(g.n - i, 1 + (rnd(3) === 0 ? rnd(40) : 0))
    let col = rnd(g.width)
    for (let k = 0; k < run && col < g.width; k++, i++) {
      t[i] = now
      x[i] = col
      y[i] = row
      p[i] = pol
      col += 1 + rnd(k % 2 ? 3 : 14)
    }
  }
  return { t, x, y, p }
}

const G = { width: 640, height: 480 }
const cases: { name: string; format: EventFormat; options: EncoderOptions; gen: Gen }[] = [
  { name: 'EVT 2.0 across a 2^34 µs wrap', format: 'evt2', options: { geometry: G }, gen: { n: 20000, seed: 1, t0: 2 ** 34 - 300_000, maxGap: 70, ...G, jump: 40_000 } },
  { name: 'EVT 2.1 legacy across a 2^34 µs wrap', format: 'evt21', options: { geometry: G, evt21Order: 'legacy' }, gen: { n: 20000, seed: 2, t0: 2 ** 34 - 300_000, maxGap: 70, ...G, jump: 40_000 } },
  { name: 'EVT 2.1 little', format: 'evt21', options: { geometry: G, evt21Order: 'little' }, gen: { n: 20000, seed: 3, t0: 5, maxGap: 200, ...G } },
  { name: 'EVT 3.0 across several 2^24 µs wraps', format: 'evt3', options: { geometry: G }, gen: { n: 20000, seed: 4, t0: 2 ** 24 - 50_000, maxGap: 5000, ...G, jump: 9_000_000 } },
  { name: 'DAT across a 2^32 µs wrap', format: 'dat', options: { geometry: G }, gen: { n: 20000, seed: 5, t0: 2 ** 32 - 1_000_000, maxGap: 500, ...G, jump: 100_000 } },
  { name: 'N-MNIST', format: 'nmnist', options: { geometry: { width: 34, height: 34 } }, gen: { n: 20000, seed: 6, t0: 0, maxGap: 300, width: 34, height: 34 } },
  { name: 'AEDAT 2.0 DAVIS across a 2^32 µs wrap', format: 'aedat2', options: { geometry: G, aedat2Layout: 'davis' }, gen: { n: 20000, seed: 7, t0: 2 ** 32 - 1_000_000, maxGap: 500, ...G, jump: 100_000 } },
  { name: 'AEDAT 2.0 DVS128', format: 'aedat2', options: { geometry: { width: 128, height: 128 }, aedat2Layout: 'dvs128' }, gen: { n: 20000, seed: 8, t0: 100, maxGap: 500, width: 128, height: 128 } },
  { name: 'AEDAT 3.1 across the 2^31 µs overflow', format: 'aedat3', options: { geometry: G }, gen: { n: 20000, seed: 9, t0: 2 ** 31 - 1_000_000, maxGap: 500, ...G, jump: 100_000 } },
  { name: 'AEDAT 4.0 uncompressed', format: 'aedat4', options: { geometry: G }, gen: { n: 20000, seed: 10, t0: 1_700_000_000_000_000, maxGap: 500, ...G } },
  { name: 'AEDAT 4.0 LZ4', format: 'aedat4', options: { geometry: G, compression: 'lz4' }, gen: { n: 20000, seed: 11, t0: 1_700_000_000_000_000, maxGap: 500, ...G } },
  { name: 'AEDAT 4.0 ZSTD', format: 'aedat4', options: { geometry: G, compression: 'zstd' }, gen: { n: 20000, seed: 12, t0: 1_700_000_000_000_000, maxGap: 500, ...G } },
]

describe('generated streams: encode → decode is identical (one shot, random chunks, 1-byte chunks)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const events = generate(c.gen)
      const bytes = encode(c.format, events, c.options)
      expectSameEvents(decode(c.format, bytes), events)
      expectSameEvents(decode(c.format, bytes, randomSizes(c.gen.seed, 777)), events)
      // 1-byte chunking on a prefix-sized stream keeps the test fast
      const small = sliceEventBatch(events, 0, 1500)
      expectSameEvents(decode(c.format, encode(c.format, small, c.options, 3), () => 1), small)
    })
  }

  it('the generated EVT streams really contain wraps and vector words', () => {
    const evt3 = encode('evt3', generate(cases[3].gen), cases[3].options)
    const d = createDecoder('evt3')
    decodeChunked(d, evt3)
    expect(d.counters.wraps).toBeGreaterThanOrEqual(2)
    const words = new Uint16Array(evt3.slice(d.info.dataOffset).buffer)
    const types = new Set(Array.from(words, (w) => w >> 12))
    for (const type of [0x0, 0x2, 0x3, 0x4, 0x5, 0x6, 0x8]) expect(types.has(type)).toBe(true)
    const evt2 = createDecoder('evt2')
    decodeChunked(evt2, encode('evt2', generate(cases[0].gen), cases[0].options))
    expect(evt2.counters.wraps).toBe(1)
  })

  it('an empty stream round-trips in every format', () => {
    for (const c of cases) {
      const empty = sliceEventBatch(generate(c.gen), 0, 0)
      expect(decode(c.format, encode(c.format, empty, c.options)).t.length).toBe(0)
    }
  })
})

const FIXTURES: { file: string; format: EventFormat; geometry: { width: number; height: number } }[] = [
  { file: 'evt2_sample.raw', format: 'evt2', geometry: { width: 640, height: 480 } },
  { file: 'sample_nmnist.bin', format: 'nmnist', geometry: { width: 34, height: 34 } },
  { file: 'sample_ncars.dat', format: 'dat', geometry: { width: 120, height: 100 } },
  { file: 'IMU_rotDisk.aedat', format: 'aedat2', geometry: { width: 240, height: 180 } },
]
const TARGETS: EventFormat[] = ['evt2', 'evt21', 'evt3', 'dat', 'nmnist', 'aedat2', 'aedat3', 'aedat4']

describe('fixtures: decode → encode → decode is identical in every format that can represent them', () => {
  for (const f of FIXTURES) {
    it(f.file, () => {
      const source = decode(f.format, new Uint8Array(readFileSync(fixturePath('events', f.file))))
      for (const target of TARGETS) {
        const options: EncoderOptions = { geometry: f.geometry, compression: 'lz4' }
        // N-MNIST holds x, y < 256 and t < 2^23 µs; a fixture beyond that must be refused
        const s = stats(source)
        const representable = target !== 'nmnist' || (s.xMax < 256 && s.yMax < 256 && s.tMax < 2 ** 23)
        if (!representable) {
          expect(() => encode(target, source, options)).toThrow(SpikelabError)
          continue
        }
        expectSameEvents(decode(target, encode(target, source, options)), source)
      }
    })
  }
})

describe('encoders refuse what a format cannot hold', () => {
  const one = (t: number, x: number, y: number): EventBatch => ({ t: Float64Array.of(t), x: Uint16Array.of(x), y: Uint16Array.of(y), p: Uint8Array.of(1) })
  it('names the field and event', () => {
    expect(() => createEncoder('evt2', { geometry: G }).write(one(0, 2048, 0))).toThrow(/x = 2048/)
    expect(() => createEncoder('nmnist', { geometry: G }).write(one(2 ** 23, 0, 0))).toThrow(SpikelabError)
    expect(() => createEncoder('dat', { geometry: G }).write(one(1.5, 0, 0))).toThrow(/not a non-negative whole number/)
    expect(() => createEncoder('aedat3', { geometry: G }).write(one(NaN, 0, 0))).toThrow(SpikelabError)
    // a jump past a whole 2^32 µs period cannot be unwrapped from 32-bit timestamps
    expect(() => createEncoder('dat', { geometry: G }).write({ ...one(0, 0, 0), t: Float64Array.of(0, 2 ** 32 + 5), x: Uint16Array.of(0, 0), y: Uint16Array.of(0, 0), p: Uint8Array.of(0, 0) })).toThrow(
      /32-bit/,
    )
  })
  it('EVT 3.0 writes long gaps as TIME_HIGH steps and rejects going back across a wrap', () => {
    const gap = concatEventBatches([one(5, 1, 1), one(100_000_005, 2, 2)])
    expectSameEvents(decode('evt3', encode('evt3', gap, { geometry: G })), gap)
    expect(() => new Evt3Encoder({ geometry: G }).write(concatEventBatches([one(2 ** 24 + 5, 1, 1), one(2 ** 24 - 5, 1, 1)]))).toThrow(/wrap/)
    expect(() => new Evt21Encoder({ geometry: G }).write(concatEventBatches([one(2 ** 34 + 5, 1, 1), one(2 ** 34 - 64, 1, 1)]))).toThrow(/wrap/)
  })
})
