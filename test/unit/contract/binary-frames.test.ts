import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeEventFrame, encodeSpikeFrame } from '../../../common/contract/binary-frames.js'

describe('binary frames', () => {
  it('carries an event batch exactly, including microsecond times beyond 2^32', () => {
    const batch = {
      t: Float64Array.from([0, 1, 2 ** 40 + 7, 2 ** 53 - 1]),
      x: Uint16Array.from([0, 127, 639, 65535]),
      y: Uint16Array.from([5, 0, 479, 1]),
      p: Uint8Array.from([1, 0, 1, 0]),
    }
    const frame = decodeFrame(encodeEventFrame(42, batch))
    expect(frame.streamId).toBe(42)
    expect(frame.kind).toBe('events')
    if (frame.kind !== 'events') return
    expect([...frame.batch.t]).toEqual([...batch.t])
    expect([...frame.batch.x]).toEqual([...batch.x])
    expect([...frame.batch.y]).toEqual([...batch.y])
    expect([...frame.batch.p]).toEqual([...batch.p])
  })

  it('carries spike batches with and without trials', () => {
    const withTrials = { t: Float64Array.from([0.5, 1.25]), neuron: Uint32Array.from([3, 4_000_000_000]), trial: Int32Array.from([-1, 7]) }
    const a = decodeFrame(encodeSpikeFrame(1, withTrials))
    expect(a.kind).toBe('spikes')
    if (a.kind !== 'spikes') return
    expect([...a.batch.neuron]).toEqual([3, 4_000_000_000])
    expect([...(a.batch.trial ?? [])]).toEqual([-1, 7])
    const b = decodeFrame(encodeSpikeFrame(2, { t: Float64Array.from([1]), neuron: Uint32Array.from([9]) }))
    expect(b.kind === 'spikes' && b.batch.trial).toBe(undefined)
  })

  it('an empty batch is a valid 16-byte frame', () => {
    const buf = encodeEventFrame(3, { t: new Float64Array(0), x: new Uint16Array(0), y: new Uint16Array(0), p: new Uint8Array(0) })
    expect(buf.byteLength).toBe(16)
    expect(decodeFrame(buf).kind).toBe('events')
  })

  it('rejects truncated, foreign and inconsistent frames with a reason', () => {
    const good = encodeEventFrame(1, { t: Float64Array.from([1]), x: Uint16Array.from([1]), y: Uint16Array.from([1]), p: Uint8Array.from([1]) })
    expect(() => decodeFrame(good.slice(0, 8))).toThrow(/too short/)
    expect(() => decodeFrame(good.slice(0, good.byteLength - 1))).toThrow(/header says/)
    const foreign = good.slice(0)
    new DataView(foreign).setUint32(0, 0xdeadbeef, true)
    expect(() => decodeFrame(foreign)).toThrow(/magic/)
    const unknownKind = good.slice(0)
    new DataView(unknownKind).setUint32(8, 9, true)
    expect(() => decodeFrame(unknownKind)).toThrow(/unknown kind 9/)
  })
})
