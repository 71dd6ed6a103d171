import type { EventBatch } from '../../../common/event-batch.js'
import { concatEventBatches, createEventBatch } from '../../../common/event-batch.js'
import type { EdvsParserOptions } from '../../../native-bridge/edvs/event-parser.js'
import { EdvsEventParser } from '../../../native-bridge/edvs/event-parser.js'

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Random events inside 128×128 with non-decreasing integer timestamps, steps in [0, maxStep). */
export function randomEvents(n: number, seed: number, maxStep = 300): EventBatch {
  const r = rng(seed)
  const b = createEventBatch(n)
  let t = 0
  for (let i = 0; i < n; i++) {
    t += Math.floor(r() * maxStep)
    b.t[i] = t
    b.x[i] = Math.floor(r() * 128)
    b.y[i] = Math.floor(r() * 128)
    b.p[i] = r() < 0.5 ? 1 : 0
  }
  return b
}

/** Feeds `bytes` in chunks of the given sizes (cycled) and returns everything parsed plus the flush. */
export function parseChunked(parser: EdvsEventParser, bytes: Uint8Array, sizes: readonly number[]): EventBatch {
  const out: EventBatch[] = []
  let at = 0
  let i = 0
  while (at < bytes.length) {
    const size = sizes[i++ % sizes.length]
    out.push(parser.push(bytes.subarray(at, at + size)))
    at += size
  }
  out.push(parser.flush())
  return concatEventBatches(out)
}

export function parseAll(options: EdvsParserOptions, bytes: Uint8Array, sizes: readonly number[] = [bytes.length]): { events: EventBatch; parser: EdvsEventParser } {
  const parser = new EdvsEventParser(options)
  return { events: parseChunked(parser, bytes, sizes), parser }
}

export function toRows(b: EventBatch): [number, number, number, number][] {
  const rows: [number, number, number, number][] = []
  for (let i = 0; i < b.t.length; i++) rows.push([b.t[i], b.x[i], b.y[i], b.p[i]])
  return rows
}

export function sliceRows(b: EventBatch, from: number, to = b.t.length): [number, number, number, number][] {
  return toRows(b).slice(from, to)
}
