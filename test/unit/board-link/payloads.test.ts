import { describe, expect, it } from 'vitest'
import * as P from '../../../native-bridge/board-link/payloads.js'
import { SpikelabError } from '../../../common/errors.js'

describe('payload codecs (§7–§9)', () => {
  it('fixed sizes from the spec', () => {
    expect(P.encodeOk({ runState: 1, activeSlot: 0, activeMode: 1, deployState: 0, activeModelSeq: 3, tick: 9 }).length).toBe(12)
    expect(P.encodeHostHeartbeat({ uptimeMs: 1, hostUs: 2n, rxFrames: 3, rxBadFrames: 4, rxSeqGaps: 5 }).length).toBe(24)
    const z = new Uint8Array(32)
    expect(P.encodeCommitResult({ status: 0, slot: 1, mode: 0, modelSeq: 2, sha256: z, stSpikeHash: z, stStateHash: z, stSpikeCount: 0, stMs: 0, detail: 0 }).length).toBe(116)
    expect(P.encodeDeployBegin({ deployId: 1n, totalSize: 2, chunkSize: 256, flags: 0, sha256: z, modelHeader: new Uint8Array(64) }).length).toBe(112)
    expect(P.encodeDeployCommit({ deployId: 1n, sha256: z, flags: 3, confirmTimeoutS: 5 }).length).toBe(44)
    expect(P.encodeChunkAck({ deployId: 1n, nextOffset: 512, sack: 5, status: 0 }).length).toBe(20)
    expect(P.encodeDeployReady({ deployId: 1n, resumeOffset: 0, eraseMsEstimate: 30 }).length).toBe(16)
    expect(P.encodeActivate({ slot: 1, flags: 1, confirmTimeoutS: 0, sha256: z }).length).toBe(36)
    expect(P.encodeRun({ tickUs: 1000, flags: 5, stopAfter: 0 }).length).toBe(12)
  })

  it('ERROR round-trips and caps the message at 96 bytes', () => {
    const e = P.decodeError(P.encodeError({ code: 0x0207, refType: 0x14, refChan: 0, refSeq: 9, detail: 77, msg: 'x'.repeat(200) }))
    expect(e).toMatchObject({ code: 0x0207, refType: 0x14, refSeq: 9, detail: 77 })
    expect(e.msg.length).toBe(96)
  })

  it('EVENTS_IN: delta times, floored to whole µs, both formats', () => {
    const tUs = Float64Array.from([1000.7, 1000.9, 1500, 66_000])
    const addr = Uint32Array.from([1, 2, 3, 70_000])
    const wire = P.encodeEventsIn({ evIndex: 42, horizonUs: 70_000n, fmt: 1, tUs, addr })
    expect(wire.length).toBe(24 + 4 * 8)
    const back = P.decodeEventsIn(wire)
    expect(back.evIndex).toBe(42)
    expect(Array.from(back.tUs)).toEqual([1000, 1000, 1500, 66_000])
    expect(Array.from(back.addr)).toEqual([1, 2, 3, 70_000])
    const f0 = P.decodeEventsIn(P.encodeEventsIn({ evIndex: 0, horizonUs: 2000n, fmt: 0, tUs: Float64Array.from([5, 9]), addr: Uint32Array.from([7, 8]) }))
    expect(Array.from(f0.tUs)).toEqual([5, 9])
  })

  it('SPIKES_OUT records are relative to tick_base', () => {
    const s = P.decodeSpikesOut(P.encodeSpikesOut({ tickBase: 100, tickSpan: 3, flags: 2, outDropped: 4, creditLimit: 9, tick: Uint32Array.from([100, 102]), id: Uint16Array.from([3, 1]) }))
    expect(Array.from(s.tick)).toEqual([100, 102])
    expect(Array.from(s.id)).toEqual([3, 1])
    expect(s).toMatchObject({ tickSpan: 3, flags: 2, outDropped: 4, creditLimit: 9 })
  })

  it('a short payload is a BAD_FRAME naming the missing field', () => {
    try {
      P.decodeDeployReady(new Uint8Array(10))
      throw new Error('no error')
    } catch (e) {
      expect(e).toBeInstanceOf(SpikelabError)
      expect(e).toMatchObject({ code: 'BAD_FRAME', location: { field: 'resume_offset', byteOffset: 8 } })
    }
  })
})
