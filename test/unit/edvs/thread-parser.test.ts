/**
 * The eDVS parser as the serial reader thread runs it (thread-parser.ts, edvs-serial.md §10.2) must
 * hand out exactly what the owner-thread parser does on the same bytes: same events, counters and
 * text lines, whatever the chunk boundaries — only packed into one transferable buffer per output.
 */
import { describe, expect, it } from 'vitest'
import { concatEventBatches, type EventBatch } from '../../../common/event-batch.js'
import { EdvsEncoder } from '../../../native-bridge/edvs/encoder.js'
import { EdvsEventParser } from '../../../native-bridge/edvs/event-parser.js'
import { ABS24, ABS32, DELTA } from '../../../native-bridge/edvs/formats.js'
import type { EdvsLayout } from '../../../native-bridge/edvs/formats.js'
import { viewPackedEvents } from '../../../native-bridge/edvs/packed-events.js'
import { createThreadParser, type ThreadParsedEvents } from '../../../native-bridge/edvs/thread-parser.js'
import { randomEvents, rng } from './helpers.js'

/** Events in `layout` with damage between them: random garbage, a text line, a truncated event. */
function damagedStream(layout: EdvsLayout, seed: number): Uint8Array {
  const r = rng(seed)
  const encoder = new EdvsEncoder(layout)
  const all = randomEvents(12_000, seed)
  const parts: Uint8Array[] = []
  for (let from = 0; from < all.t.length; from += 3000) {
    const to = from + 3000
    parts.push(encoder.encode({ t: all.t.subarray(from, to), x: all.x.subarray(from, to), y: all.y.subarray(from, to), p: all.p.subarray(from, to) }))
    const damage = (from / 3000) % 3
    if (damage === 0) parts.push(Uint8Array.from({ length: 7 + Math.floor(r() * 20) }, () => Math.floor(r() * 256)))
    if (damage === 1) parts.push(new TextEncoder().encode('-S sensor line in the stream\n'))
    if (damage === 2) parts.push(Uint8Array.of(0x80 | 5)) // half an event
  }
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let at = 0
  for (const p of parts) {
    bytes.set(p, at)
    at += p.length
  }
  return bytes
}

function randomChunks(bytes: Uint8Array, seed: number): Uint8Array[] {
  const r = rng(seed)
  const chunks: Uint8Array[] = []
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(r() ** 3 * 9000) // mostly small, sometimes large
    chunks.push(bytes.subarray(at, at + size))
    at += size
  }
  return chunks
}

describe('thread parser (reader-thread side of the eDVS parser)', () => {
  for (const [name, layout] of [['!E1 delta', DELTA], ['!E3 24-bit', ABS24], ['!E4 32-bit', ABS32]] as const) {
    it(`${name}: packed outputs equal the owner parser's batches on the same bytes at random chunk boundaries`, () => {
      for (const seed of [1, 2, 3]) {
        const chunks = randomChunks(damagedStream(layout, seed), 100 + seed)
        // One host clock for both (after a !E1 resync, time continues by host time): 1 ms per chunk.
        let nowUs = 0
        const clockUs = () => nowUs
        const ownerTexts: string[] = []
        const owner = new EdvsEventParser({ layout, clockUs, onText: (line) => ownerTexts.push(line) })
        const thread = createThreadParser({ layout }, clockUs)
        const fromOwner: EventBatch[] = []
        const fromThread: EventBatch[] = []
        const threadTexts: string[] = []
        let last: ThreadParsedEvents | undefined
        const take = (out: ReturnType<typeof thread.push>) => {
          const v = out.value as ThreadParsedEvents
          if (v.packed) {
            const batch = viewPackedEvents(v.packed, v.count, v.count)
            // one buffer per output, and it is what is transferred
            expect(batch.x.buffer).toBe(v.packed)
            expect(out.transfer).toEqual([v.packed])
            fromThread.push(batch)
          } else {
            expect(v.count).toBe(0)
          }
          threadTexts.push(...v.texts)
          last = v
        }
        chunks.forEach((chunk, i) => {
          nowUs += 1000
          fromOwner.push(owner.push(chunk))
          take(thread.push(chunk))
          if (i % 17 === 16) {
            // a pause: both deliver what they held back
            fromOwner.push(owner.flushHeld())
            take(thread.flushHeld())
          }
        })
        fromOwner.push(owner.flush())
        take(thread.flush())
        const a = concatEventBatches(fromOwner)
        const b = concatEventBatches(fromThread)
        expect(b.t.length).toBe(a.t.length)
        expect(b.t.length).toBeGreaterThan(11_000)
        expect(Array.from(b.t)).toEqual(Array.from(a.t))
        expect(Array.from(b.x)).toEqual(Array.from(a.x))
        expect(Array.from(b.y)).toEqual(Array.from(a.y))
        expect(Array.from(b.p)).toEqual(Array.from(a.p))
        expect(last?.stats).toEqual(owner.stats)
        expect(owner.stats.resyncs).toBeGreaterThan(0) // the damage was seen
        expect(threadTexts).toEqual(ownerTexts)
        expect(threadTexts).toContain('-S sensor line in the stream')
      }
    })
  }
})
