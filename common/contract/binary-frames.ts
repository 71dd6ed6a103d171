/**
 * Packed binary frames for bulk data (event and spike batches). One ArrayBuffer per frame:
 *
 *   offset 0  u32 magic 'SLB1'
 *   offset 4  u32 streamId
 *   offset 8  u32 kind (1 = event batch, 2 = spike batch)
 *   offset 12 u32 count n
 *   offset 16 f64[n] t, then the kind's columns (events: u16 x[n], u16 y[n], u8 p[n];
 *             spikes: u32 neuron[n], i32 trial[n] or nothing when the batch has no trials)
 *
 * Decoding makes typed-array views into the received buffer (no per-event copying); `t` starts at
 * byte 16 so the Float64Array view is aligned, and every later column stays aligned to its size.
 *
 * Live event batches go out packed, 4 bytes an event instead of 13 (kind 3, `encodeLiveEventFrame`):
 *
 *   offset 16 f64 t0 (µs), offset 24 u32 word count m, offset 28 u32 0, offset 32 u32 word[m]
 *   word = x (bits 0–10) | y (11–21) | p (22) | dt (23–31): dt µs after the previous event (the
 *   first after t0); dt = 511 is a time-only word (511 µs pass, no event).
 *
 * A batch the packing cannot carry exactly (x or y ≥ 2048, non-integer or decreasing times, long
 * gaps) goes out as a plain kind-1 frame, so packing never changes an event.
 *
 * A live viewer that asks for it gets pre-binned updates instead (kind 4, `live-bins.ts`): per-pixel
 * activity and raster counts folded on the host, so its cost follows the active pixels, not the rate.
 */
import type { EventBatch } from '../event-batch.js'
import type { SpikeBatch } from '../spike-batch.js'

export const FRAME_MAGIC = 0x31424c53 // 'SLB1' little-endian
const HEADER_BYTES = 16
export const FRAME_KIND_EVENTS = 1
export const FRAME_KIND_SPIKES = 2
export const FRAME_KIND_PACKED_EVENTS = 3
export const FRAME_KIND_LIVE_BINS = 4
const PACKED_HEADER_BYTES = 32
const PACKED_COORD_LIMIT = 1 << 11
const PACKED_TIME_ONLY = 511
const SPIKES_HAVE_TRIALS = 0x100

export type DecodedFrame =
  | { readonly streamId: number; readonly kind: 'events'; readonly batch: EventBatch }
  | { readonly streamId: number; readonly kind: 'spikes'; readonly batch: SpikeBatch }
  /** A pre-binned live update (kind 4), left packed: `decodeLiveBins` (live-bins.ts) reads it where it is drawn. */
  | { readonly streamId: number; readonly kind: 'live-bins'; readonly buffer: ArrayBuffer }

export function encodeEventFrame(streamId: number, batch: EventBatch): ArrayBuffer {
  const n = batch.t.length
  const buf = new ArrayBuffer(HEADER_BYTES + n * 8 + n * 2 + n * 2 + n)
  writeHeader(buf, streamId, FRAME_KIND_EVENTS, n)
  let at = HEADER_BYTES
  new Float64Array(buf, at, n).set(batch.t)
  at += n * 8
  new Uint16Array(buf, at, n).set(batch.x)
  at += n * 2
  new Uint16Array(buf, at, n).set(batch.y)
  at += n * 2
  new Uint8Array(buf, at, n).set(batch.p)
  return buf
}

export function encodeSpikeFrame(streamId: number, batch: SpikeBatch): ArrayBuffer {
  const n = batch.t.length
  const hasTrials = batch.trial !== undefined
  const buf = new ArrayBuffer(HEADER_BYTES + n * 8 + n * 4 + (hasTrials ? n * 4 : 0))
  writeHeader(buf, streamId, FRAME_KIND_SPIKES | (hasTrials ? SPIKES_HAVE_TRIALS : 0), n)
  let at = HEADER_BYTES
  new Float64Array(buf, at, n).set(batch.t)
  at += n * 8
  new Uint32Array(buf, at, n).set(batch.neuron)
  at += n * 4
  if (batch.trial) new Int32Array(buf, at, n).set(batch.trial)
  return buf
}

/** A live event batch, packed to 4 bytes an event when its events allow it (see the top of this file). */
export function encodeLiveEventFrame(streamId: number, batch: EventBatch): ArrayBuffer {
  const n = batch.t.length
  const words = countPackedWords(batch)
  if (words < 0) return encodeEventFrame(streamId, batch)
  const buf = new ArrayBuffer(PACKED_HEADER_BYTES + words * 4)
  writeHeader(buf, streamId, FRAME_KIND_PACKED_EVENTS, n)
  const head = new DataView(buf)
  const t0 = n > 0 ? batch.t[0] : 0
  head.setFloat64(16, t0, true)
  head.setUint32(24, words, true)
  const out = new Uint32Array(buf, PACKED_HEADER_BYTES, words)
  const { t, x, y, p } = batch
  let at = 0
  let prev = t0
  for (let i = 0; i < n; i++) {
    let dt = t[i] - prev
    prev = t[i]
    for (; dt >= PACKED_TIME_ONLY; dt -= PACKED_TIME_ONLY) out[at++] = PACKED_TIME_ONLY << 23
    out[at++] = (x[i] | (y[i] << 11) | ((p[i] ? 1 : 0) << 22) | (dt << 23)) >>> 0
  }
  return buf
}

/** Words the packed form of `batch` needs, or -1 when it cannot carry the batch exactly. */
function countPackedWords(batch: EventBatch): number {
  const { t, x, y } = batch
  const n = t.length
  let words = n
  let prev = n > 0 ? t[0] : 0
  for (let i = 0; i < n; i++) {
    const dt = t[i] - prev
    if (x[i] >= PACKED_COORD_LIMIT || y[i] >= PACKED_COORD_LIMIT || !(dt >= 0) || !Number.isInteger(t[i])) return -1
    if (dt >= PACKED_TIME_ONLY) words += Math.floor(dt / PACKED_TIME_ONLY)
    prev = t[i]
  }
  // Long pauses would take many time-only words: then the plain frame is the smaller one.
  return words * 4 > n * 13 + 16 ? -1 : words
}

/** The packed frame's start time and words (views into `buf`, which must be a kind-3 frame). */
export function packedEventWords(buf: ArrayBuffer): { readonly t0: number; readonly words: Uint32Array; readonly events: number } {
  const head = new DataView(buf)
  const events = head.getUint32(12, true)
  if (buf.byteLength < PACKED_HEADER_BYTES) throw new Error(`packed event frame too short: ${buf.byteLength} bytes`)
  const m = head.getUint32(24, true)
  expectLength(buf, PACKED_HEADER_BYTES + m * 4)
  return { t0: head.getFloat64(16, true), words: new Uint32Array(buf, PACKED_HEADER_BYTES, m), events }
}

/**
 * Unpacks packed words into `into` (which must hold at least the frame's event count) and returns the
 * number of events written; no allocation, so a drawing loop can reuse its arrays.
 */
export function unpackEventWords(t0: number, words: Uint32Array, into: EventBatch): number {
  const { t, x, y, p } = into
  let time = t0
  let n = 0
  for (let i = 0; i < words.length; i++) {
    const w = words[i]
    const dt = w >>> 23
    time += dt
    if (dt === PACKED_TIME_ONLY) continue
    t[n] = time
    x[n] = w & 0x7ff
    y[n] = (w >>> 11) & 0x7ff
    p[n] = (w >>> 22) & 1
    n++
  }
  return n
}

/** Decodes a frame; throws a plain Error naming the fault when the frame is malformed. */
export function decodeFrame(buf: ArrayBuffer): DecodedFrame {
  if (buf.byteLength < HEADER_BYTES) throw new Error(`binary frame too short: ${buf.byteLength} bytes`)
  const head = new DataView(buf)
  if (head.getUint32(0, true) !== FRAME_MAGIC) throw new Error('binary frame has a wrong magic number')
  const streamId = head.getUint32(4, true)
  const kindWord = head.getUint32(8, true)
  const n = head.getUint32(12, true)
  const kind = kindWord & 0xff
  let at = HEADER_BYTES
  if (kind === FRAME_KIND_EVENTS) {
    expectLength(buf, HEADER_BYTES + n * 13)
    const t = new Float64Array(buf, at, n)
    at += n * 8
    const x = new Uint16Array(buf, at, n)
    at += n * 2
    const y = new Uint16Array(buf, at, n)
    at += n * 2
    const p = new Uint8Array(buf, at, n)
    return { streamId, kind: 'events', batch: { t, x, y, p } }
  }
  if (kind === FRAME_KIND_PACKED_EVENTS) {
    const { t0, words } = packedEventWords(buf)
    const batch: EventBatch = { t: new Float64Array(n), x: new Uint16Array(n), y: new Uint16Array(n), p: new Uint8Array(n) }
    if (unpackEventWords(t0, words, batch) !== n) throw new Error(`packed event frame holds a different number of events than its header's ${n}`)
    return { streamId, kind: 'events', batch }
  }
  if (kind === FRAME_KIND_LIVE_BINS) return { streamId, kind: 'live-bins', buffer: buf }
  if (kind === FRAME_KIND_SPIKES) {
    const hasTrials = (kindWord & SPIKES_HAVE_TRIALS) !== 0
    expectLength(buf, HEADER_BYTES + n * (hasTrials ? 16 : 12))
    const t = new Float64Array(buf, at, n)
    at += n * 8
    const neuron = new Uint32Array(buf, at, n)
    at += n * 4
    const batch: SpikeBatch = hasTrials ? { t, neuron, trial: new Int32Array(buf, at, n) } : { t, neuron }
    return { streamId, kind: 'spikes', batch }
  }
  throw new Error(`binary frame of unknown kind ${kind}`)
}

function writeHeader(buf: ArrayBuffer, streamId: number, kind: number, n: number): void {
  const head = new DataView(buf)
  head.setUint32(0, FRAME_MAGIC, true)
  head.setUint32(4, streamId, true)
  head.setUint32(8, kind, true)
  head.setUint32(12, n, true)
}

function expectLength(buf: ArrayBuffer, want: number): void {
  if (buf.byteLength !== want) throw new Error(`binary frame is ${buf.byteLength} bytes, header says ${want}`)
}
