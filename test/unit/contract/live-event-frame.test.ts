import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeEventFrame, encodeLiveEventFrame, packedEventWords, unpackEventWords } from '../../../common/contract/binary-frames.js'
import type { EventBatch } from '../../../common/event-batch.js'

const batchOf = (rows: Array<[t: number, x: number, y: number, p: number]>): EventBatch => ({
  t: Float64Array.from(rows.map((r) => r[0])),
  x: Uint16Array.from(rows.map((r) => r[1])),
  y: Uint16Array.from(rows.map((r) => r[2])),
  p: Uint8Array.from(rows.map((r) => r[3])),
})

function expectSameEvents(a: EventBatch, b: EventBatch): void {
  expect([...a.t]).toEqual([...b.t])
  expect([...a.x]).toEqual([...b.x])
  expect([...a.y]).toEqual([...b.y])
  expect([...a.p]).toEqual([...b.p])
}

describe('packed live event frames', () => {
  it('carry events exactly in 4 bytes each, including equal times, gaps past 511 µs and the 2047 coordinate edge', () => {
    const batch = batchOf([
      [2 ** 40 + 3, 0, 0, 1],
      [2 ** 40 + 3, 2047, 2047, 0],
      [2 ** 40 + 513, 5, 6, 1], // 510 µs: the largest delta in one word
      [2 ** 40 + 1024, 7, 8, 0], // 511 µs: needs a time-only word
      [2 ** 40 + 3024, 127, 127, 1], // 2000 µs: three time-only words
    ])
    const buf = encodeLiveEventFrame(9, batch)
    expect(buf.byteLength).toBe(32 + (5 + 1 + 3) * 4)
    const frame = decodeFrame(buf)
    expect(frame.streamId).toBe(9)
    if (frame.kind !== 'events') throw new Error('not an event frame')
    expectSameEvents(frame.batch, batch)
  })

  it('unpack into reused arrays without allocating, returning the event count', () => {
    const batch = batchOf([
      [10, 1, 2, 1],
      [11, 3, 4, 0],
    ])
    const into = { t: new Float64Array(8), x: new Uint16Array(8), y: new Uint16Array(8), p: new Uint8Array(8) }
    const { t0, words, events } = packedEventWords(encodeLiveEventFrame(1, batch))
    expect(events).toBe(2)
    expect(unpackEventWords(t0, words, into)).toBe(2)
    expectSameEvents({ t: into.t.subarray(0, 2), x: into.x.subarray(0, 2), y: into.y.subarray(0, 2), p: into.p.subarray(0, 2) }, batch)
  })

  it('fall back to the plain frame for what packing cannot carry exactly', () => {
    for (const batch of [
      batchOf([[1, 2048, 0, 1]]), // x beyond 11 bits
      batchOf([[1.5, 1, 1, 1]]), // not whole microseconds
      batchOf([
        [5, 1, 1, 1],
        [4, 1, 1, 1], // time goes back
      ]),
      batchOf([
        [0, 1, 1, 1],
        [10_000_000, 1, 1, 1], // a 10 s gap would take ~20 k time-only words
      ]),
    ]) {
      const buf = encodeLiveEventFrame(2, batch)
      expect(buf.byteLength).toBe(encodeEventFrame(2, batch).byteLength)
      const frame = decodeFrame(buf)
      if (frame.kind !== 'events') throw new Error('not an event frame')
      expectSameEvents(frame.batch, batch)
    }
  })

  it('reject a truncated packed frame', () => {
    const buf = encodeLiveEventFrame(1, batchOf([[1, 1, 1, 1]]))
    expect(() => decodeFrame(buf.slice(0, buf.byteLength - 4))).toThrow(/header says/)
  })
})
