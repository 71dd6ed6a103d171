import { createHash } from 'node:crypto'
import { concatEventBatches, type EventBatch } from '../../../common/event-batch.js'
import type { EventDecoder } from '../../../main/events/types.js'

/** Feeds `bytes` to a decoder in slices produced by `sizes` (cycled) and concatenates the output. */
export function decodeChunked(decoder: EventDecoder, bytes: Uint8Array, sizes: (i: number) => number = () => bytes.length): EventBatch {
  const out: EventBatch[] = []
  let at = 0
  for (let i = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes(i))
    // copy so a decoder can never depend on the caller's buffer staying intact
    out.push(...decoder.push(bytes.slice(at, at + n)))
    at += n
  }
  out.push(...decoder.end())
  return concatEventBatches(out)
}

/** Deterministic pseudo-random chunk sizes in [1, max]. */
export function randomSizes(seed: number, max: number): (i: number) => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return 1 + (s % max)
  }
}

/** MANIFEST's stream digest: SHA-256 of `t,x,y,p\n` lines. */
export function streamDigest(b: EventBatch): string {
  const h = createHash('sha256')
  const lines: string[] = []
  for (let i = 0; i < b.t.length; i++) {
    lines.push(`${b.t[i]},${b.x[i]},${b.y[i]},${b.p[i]}\n`)
    if (lines.length === 65536) {
      h.update(lines.join(''))
      lines.length = 0
    }
  }
  h.update(lines.join(''))
  return h.digest('hex')
}

export function tuple(b: EventBatch, i: number): [number, number, number, number] {
  return [b.t[i], b.x[i], b.y[i], b.p[i]]
}

export interface Stats {
  n: number
  on: number
  tMin: number
  tMax: number
  xMin: number
  xMax: number
  yMin: number
  yMax: number
  monotonic: boolean
}

export function stats(b: EventBatch): Stats {
  const s: Stats = { n: b.t.length, on: 0, tMin: Infinity, tMax: -Infinity, xMin: Infinity, xMax: -Infinity, yMin: Infinity, yMax: -Infinity, monotonic: true }
  for (let i = 0; i < b.t.length; i++) {
    s.on += b.p[i]
    s.tMin = Math.min(s.tMin, b.t[i])
    s.tMax = Math.max(s.tMax, b.t[i])
    s.xMin = Math.min(s.xMin, b.x[i])
    s.xMax = Math.max(s.xMax, b.x[i])
    s.yMin = Math.min(s.yMin, b.y[i])
    s.yMax = Math.max(s.yMax, b.y[i])
    if (i > 0 && b.t[i] < b.t[i - 1]) s.monotonic = false
  }
  return s
}

export function batchOf(events: [number, number, number, number][]): EventBatch {
  return {
    t: Float64Array.from(events, (e) => e[0]),
    x: Uint16Array.from(events, (e) => e[1]),
    y: Uint16Array.from(events, (e) => e[2]),
    p: Uint8Array.from(events, (e) => e[3]),
  }
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export function expectSameEvents(a: EventBatch, b: EventBatch): void {
  if (a.t.length !== b.t.length) throw new Error(`event counts differ: ${a.t.length} vs ${b.t.length}`)
  for (let i = 0; i < a.t.length; i++) {
    if (a.t[i] !== b.t[i] || a.x[i] !== b.x[i] || a.y[i] !== b.y[i] || a.p[i] !== b.p[i]) {
      throw new Error(`event ${i} differs: ${tuple(a, i).join(',')} vs ${tuple(b, i).join(',')}`)
    }
  }
}
