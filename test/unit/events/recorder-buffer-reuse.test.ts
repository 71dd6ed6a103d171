// The recorder path builds packets in a reused buffer and writes encoder parts without copying
// (aedat4-tables.ts EventPacketBuilder, Aedat4Encoder.writeParts): reuse must never leak bytes of
// an earlier, larger packet, and a batch with an unrepresentable event must emit nothing.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Builder } from 'flatbuffers'
import { concatEventBatches, createEventBatch, sliceEventBatch, type EventBatch } from '../../../common/event-batch.js'
import { SpikelabError } from '../../../common/errors.js'
import { EventPacketBuilder } from '../../../main/events/aedat4-tables.js'
import { Aedat4Encoder } from '../../../main/events/aedat4-encoder.js'
import { Aedat4Recorder } from '../../../main/events/recorder.js'
import { openEventFile } from '../../../main/events/open-event-file.js'
import { readAedat4DataTable } from '../../../main/events/aedat4-file.js'
import { expectSameEvents } from './helpers.js'

const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-recorder-reuse-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const geometry = { width: 640, height: 480 }

function events(n: number, seed: number): EventBatch {
  const b = createEventBatch(n)
  let s = seed >>> 0
  let t = 1_700_000_000_000_000 + seed
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    t += s & 7
    b.t[i] = t
    b.x[i] = s % 640
    b.y[i] = (s >>> 10) % 480
    b.p[i] = (s >>> 20) & 1
  }
  return b
}

/**
 * The EventPacket as the flatbuffers library lays it out (dv-processing's schema: a table whose
 * field 0 is a vector of 16-byte Event structs {int64 t; int16 x; int16 y; bool p; 3 pad}).
 */
function referencePacket(b: EventBatch): Uint8Array {
  const fb = new Builder(64 + b.t.length * 16)
  fb.startVector(16, b.t.length, 8)
  for (let i = b.t.length - 1; i >= 0; i--) {
    fb.prep(8, 16)
    fb.pad(3)
    fb.writeInt8(b.p[i] ? 1 : 0)
    fb.writeInt16(b.y[i])
    fb.writeInt16(b.x[i])
    fb.writeInt64(BigInt(b.t[i]))
  }
  const vec = fb.endVector()
  fb.startObject(1)
  fb.addFieldOffset(0, vec, 0)
  fb.finishSizePrefixed(fb.endObject(), 'EVTS')
  return fb.asUint8Array()
}

async function readAll(file: string): Promise<EventBatch> {
  const f = await openEventFile(file)
  const parts: EventBatch[] = []
  for await (const b of f.batches()) parts.push(b)
  return concatEventBatches(parts)
}

describe('EventPacketBuilder (reused packet buffer)', () => {
  it('writes every byte: a small packet after a large one decodes like a fresh build', () => {
    const builder = new EventPacketBuilder()
    const large = events(5000, 1)
    // poison the buffer the next build reuses: any byte it leaves unwritten would show as 0xaa
    builder.build(large, 0, large.t.length).fill(0xaa)
    const small = events(37, 2)
    const reused = builder.build(small, 3, 30)
    const sub = sliceEventBatch(small, 3, 30)
    // the same events as the library's layout would hold them (the root may sit elsewhere)
    const ref = referencePacket(sub)
    expect(reused.length).toBe(32 + 27 * 16)
    expect(Buffer.from(reused.subarray(reused.length - 27 * 16))).toEqual(Buffer.from(ref.subarray(ref.length - 27 * 16)))
    expect(new TextDecoder().decode(reused.subarray(8, 12))).toBe('EVTS')
    expect(Buffer.from(reused)).toEqual(Buffer.from(new EventPacketBuilder().build(small, 3, 30)))
    expect(builder.representable).toBe(true)
  })

  it('flags an unrepresentable event anywhere in the range', () => {
    const builder = new EventPacketBuilder()
    for (const spoil of [(b: EventBatch) => (b.x[17] = 0x8000), (b: EventBatch) => (b.y[40] = 0xffff), (b: EventBatch) => (b.t[5] = 1.5), (b: EventBatch) => (b.t[63] = NaN), (b: EventBatch) => (b.t[0] = 2 ** 53)]) {
      const b = events(64, 3)
      spoil(b)
      builder.build(b, 0, 64)
      expect(builder.representable).toBe(false)
    }
  })
})

describe('Aedat4Encoder.writeParts', () => {
  it('produces the same bytes as write, for none and lz4, across packet splits', () => {
    for (const compression of ['none', 'lz4'] as const) {
      const joined = new Aedat4Encoder({ geometry, compression, maxPacketEvents: 1000 })
      const parts = new Aedat4Encoder({ geometry, compression, maxPacketEvents: 1000 })
      const chunks: Uint8Array[] = []
      const expected: Uint8Array[] = []
      for (const [n, seed] of [[2500, 4], [10, 5], [1000, 6]]) {
        const b = events(n, seed)
        expected.push(joined.write(b))
        // copy each call's parts before the next call may reuse their buffers
        chunks.push(Buffer.concat(parts.writeParts(b)))
      }
      expected.push(joined.end())
      chunks.push(Buffer.concat(parts.endParts()))
      expect(Buffer.concat(chunks)).toEqual(Buffer.concat(expected))
      expect(parts.entries).toEqual(joined.entries)
    }
  })

  it('refuses a batch with a bad event in its second packet, naming the event, and emits none of it', () => {
    const enc = new Aedat4Encoder({ geometry, maxPacketEvents: 100 })
    const first = enc.write(events(50, 7))
    const bad = events(250, 8)
    bad.x[130] = 40_000
    let error: unknown
    try {
      enc.write(bad)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(SpikelabError)
    expect((error as Error).message).toContain('event 180') // 50 events written before it + index 130
    expect(enc.entries.length).toBe(1)
    expect(enc.position).toBe(first.length)
    const next = enc.write(events(20, 9))
    expect(enc.entries[1].byteOffset).toBe(first.length + 8)
    expect(next.length).toBe(8 + 32 + 20 * 16)
  })
})

describe('Aedat4Recorder with reused buffers', () => {
  for (const compression of ['none', 'lz4'] as const) {
    it(`records batches of varying size losslessly with a complete seek index (${compression})`, async () => {
      const file = path.join(dir, `reuse-${compression}.aedat4`)
      const rec = await Aedat4Recorder.open(file, { geometry, compression, maxPacketEvents: 4096 })
      const sent: EventBatch[] = []
      let t = 0
      for (const [i, n] of [9000, 1, 4096, 4095, 3000, 12_345, 7].entries()) {
        const b = events(n, 10 + i)
        for (let k = 0; k < n; k++) b.t[k] = t += 1 + (k & 3)
        sent.push(b)
        rec.append(b)
        if (i === 3) rec.appendGap({ kind: 'link-lost', afterUs: t, durationUs: 1000, droppedBytes: 0, lostEventsEstimate: 0, reason: 'test' })
      }
      rec.close()
      const all = concatEventBatches(sent)
      expectSameEvents(await readAll(file), all)
      const entries = (await readAedat4DataTable(file)) ?? []
      const evts = entries.filter((e) => e.streamId === 0)
      expect(evts.reduce((s, e) => s + e.numElements, 0)).toBe(all.t.length)
      expect(entries.filter((e) => e.streamId === 1).length).toBe(1)
      expect(rec.eventsWritten).toBe(all.t.length)
    })
  }
})
