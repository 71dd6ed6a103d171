import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { fixturePath } from '../../support/fixtures.js'
import { Aedat2Decoder } from '../../../main/events/aedat2-decoder.js'
import { DatDecoder } from '../../../main/events/dat-decoder.js'
import { Evt2Decoder } from '../../../main/events/evt2-decoder.js'
import { NmnistDecoder } from '../../../main/events/nmnist-decoder.js'
import { decodeChunked, randomSizes, stats, streamDigest, tuple } from './helpers.js'

// Every expected number below is from /work/shared/fixtures/events/MANIFEST.md.
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(fixturePath('events', name)))

describe('evt2_sample.raw (MANIFEST §1)', () => {
  const bytes = read('evt2_sample.raw')
  const decoder = new Evt2Decoder()
  const b = decodeChunked(decoder, bytes)

  it('decodes the expected events, ranges and digest', () => {
    const s = stats(b)
    expect(s.n).toBe(539481)
    expect(s.on).toBe(367855)
    expect(s.n - s.on).toBe(171626)
    expect([tuple(b, 0), tuple(b, 1), tuple(b, 2), tuple(b, 3), tuple(b, 4)]).toEqual([
      [1317888, 237, 121, 1],
      [1317888, 246, 121, 1],
      [1317888, 248, 132, 1],
      [1317888, 239, 133, 1],
      [1317888, 256, 134, 1],
    ])
    expect(tuple(b, s.n - 1)).toEqual([1367888, 210, 142, 1])
    expect([s.tMin, s.tMax, s.xMin, s.xMax, s.yMin, s.yMax, s.monotonic]).toEqual([1317888, 1367888, 60, 599, 18, 475, true])
    expect(streamDigest(b)).toBe('6dd2e500995d2e06b024c95bd89f0643a2c04f4baaad742964ad5c8df4fb87ba')
  })

  it('reads the header: data at byte 164, 640×480 from system_ID 21, no wraps', () => {
    expect(decoder.info.dataOffset).toBe(164)
    expect(decoder.info.geometry).toEqual({ width: 640, height: 480 })
    expect(decoder.info.headerLines).toHaveLength(7)
    expect(decoder.counters.wraps).toBe(0)
    expect(decoder.counters.skippedWords).toBe(0)
  })

  it('gives the same stream for random chunkings and for 1-byte chunks of the header region', () => {
    expect(streamDigest(decodeChunked(new Evt2Decoder(), bytes, randomSizes(7, 4099)))).toBe('6dd2e500995d2e06b024c95bd89f0643a2c04f4baaad742964ad5c8df4fb87ba')
    const head = bytes.subarray(0, 164 + 4 * 5000)
    const oneShot = decodeChunked(new Evt2Decoder(), head)
    const oneByte = decodeChunked(new Evt2Decoder(), head, () => 1)
    expect(oneByte.t.length).toBe(oneShot.t.length)
    expect(streamDigest(oneByte)).toBe(streamDigest(oneShot))
  })
})

describe('reused output memory (streaming consumers)', () => {
  it('gives the MANIFEST stream when each batch is consumed before the next push', () => {
    const bytes = read('evt2_sample.raw')
    const d = new Evt2Decoder({ reuseOutput: true })
    const h = createHash('sha256')
    let n = 0
    const seen: { view: Float64Array; first: number }[] = []
    const consume = (batches: ReturnType<Evt2Decoder['push']>): void => {
      for (const b of batches) {
        seen.push({ view: b.t, first: b.t[0] })
        n += b.t.length
        const lines: string[] = []
        for (let i = 0; i < b.t.length; i++) lines.push(`${b.t[i]},${b.x[i]},${b.y[i]},${b.p[i]}\n`)
        h.update(lines.join(''))
      }
    }
    for (let at = 0; at < bytes.length; at += 1 << 16) consume(d.push(bytes.subarray(at, at + (1 << 16))))
    consume(d.end())
    expect(n).toBe(539481)
    expect(h.digest('hex')).toBe('6dd2e500995d2e06b024c95bd89f0643a2c04f4baaad742964ad5c8df4fb87ba')
    // the memory really is reused: earlier batches' views now hold later events
    expect(seen.filter((s) => s.view[0] !== s.first).length).toBeGreaterThan(0)
  })
})

describe('sample_nmnist.bin (MANIFEST §2)', () => {
  const bytes = read('sample_nmnist.bin')
  it('decodes 4 325 events with the expected values, also in 1-byte chunks', () => {
    for (const sizes of [undefined, () => 1]) {
      const b = decodeChunked(new NmnistDecoder(), bytes, sizes)
      const s = stats(b)
      expect(s.n).toBe(4325)
      expect(s.on).toBe(2145)
      expect([tuple(b, 0), tuple(b, 1), tuple(b, 2)]).toEqual([
        [654, 7, 15, 1],
        [2999, 19, 18, 0],
        [3017, 21, 17, 0],
      ])
      expect(tuple(b, 4324)).toEqual([311175, 21, 14, 1])
      expect([s.tMin, s.tMax, s.xMin, s.xMax, s.yMin, s.yMax, s.monotonic]).toEqual([654, 311175, 0, 33, 0, 33, true])
      expect(streamDigest(b)).toBe('100f24bcb9d97b1b3f9bb9797ced00381a0b3fa604de6ad8bb921b5adef693c2')
    }
  })
})

describe('sample_ncars.dat (MANIFEST §3)', () => {
  const bytes = read('sample_ncars.dat')
  it('decodes 2 009 events with the expected values, also in 1-byte chunks', () => {
    for (const sizes of [undefined, () => 1]) {
      const d = new DatDecoder()
      const b = decodeChunked(d, bytes, sizes)
      const s = stats(b)
      expect(d.info.dataOffset).toBe(93)
      expect(d.info.headerLines).toHaveLength(3)
      expect(s.n).toBe(2009)
      expect(s.on).toBe(1350)
      expect([tuple(b, 0), tuple(b, 1), tuple(b, 2)]).toEqual([
        [0, 25, 8, 0],
        [35, 67, 35, 0],
        [152, 56, 27, 1],
      ])
      expect(tuple(b, 2008)).toEqual([99952, 75, 28, 1])
      expect([s.tMin, s.tMax, s.xMin, s.xMax, s.yMin, s.yMax, s.monotonic]).toEqual([0, 99952, 0, 77, 0, 41, true])
      expect(streamDigest(b)).toBe('fe00a76dbcc1f45cf01f1bc562b6b03d14c0b50f6c6a089e143c970ce96cbb2a')
    }
  })
})

describe('IMU_rotDisk.aedat (MANIFEST §4)', () => {
  const bytes = read('IMU_rotDisk.aedat')

  function check(d: Aedat2Decoder, sizes?: (i: number) => number): void {
    const b = decodeChunked(d, bytes, sizes)
    const s = stats(b)
    expect(d.info.dataOffset).toBe(175039)
    expect(d.info.geometry).toEqual({ width: 240, height: 180 })
    expect(d.records).toEqual({ dvs: 374296, external: 0, aps: 0, imuWords: 51688 })
    expect(s.n).toBe(374296)
    expect(s.on).toBe(163098)
    expect([tuple(b, 0), tuple(b, 1), tuple(b, 2)]).toEqual([
      [341678, 11, 15, 1],
      [341678, 54, 169, 0],
      [341685, 235, 164, 1],
    ])
    expect(tuple(b, s.n - 1)).toEqual([3508437, 44, 47, 0])
    expect([s.tMin, s.tMax, s.xMin, s.xMax, s.yMin, s.yMax]).toEqual([341678, 3508437, 0, 239, 0, 179])
    expect(streamDigest(b)).toBe('799467b941761b9d67f12b5efa213d0f3d7f9724254cc8c7fe9d6ea20b8b9da9')
    const imu = d.takeImu()
    expect(imu).toHaveLength(7384)
    expect(imu[0].t).toBe(342081)
    expect([...imu[0].raw]).toEqual([948, -4042, 426, -1184, -115, 20, 1040])
    expect(imu[7383].t).toBe(3508347)
    expect([...imu[7383].raw]).toEqual([-4029, -716, 489, -1216, -112, 35, 1144])
    const h = createHash('sha256')
    for (const sample of imu) h.update(`${sample.t},${[...sample.raw].join(',')}\n`)
    expect(h.digest('hex')).toBe('f0129c2054af95af4edb59910b3debb99a6a4017eb37c380ea8d92da7837ff4d')
  }

  it('classifies DVS and IMU words and groups IMU samples (one shot)', () => {
    check(new Aedat2Decoder({ keepImu: true }))
  })

  it('gives the same result in random chunks (IMU samples split across chunks)', () => {
    check(new Aedat2Decoder({ keepImu: true }), randomSizes(3, 301))
  })

  it('survives 1-byte chunks through the CRLF header', () => {
    const head = bytes.subarray(0, 175039 + 8 * 2000)
    const a = decodeChunked(new Aedat2Decoder(), head)
    const d = new Aedat2Decoder()
    const b = decodeChunked(d, head, () => 1)
    expect(d.info.dataOffset).toBe(175039)
    expect(b.t.length).toBe(a.t.length)
    expect(streamDigest(b)).toBe(streamDigest(a))
  })
})
