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
 */
import type { EventBatch } from '../event-batch.js'
import type { SpikeBatch } from '../spike-batch.js'

const MAGIC = 0x31424c53 // 'SLB1' little-endian
const HEADER_BYTES = 16
export const FRAME_KIND_EVENTS = 1
export const FRAME_KIND_SPIKES = 2
const SPIKES_HAVE_TRIALS = 0x100

export type DecodedFrame =
  | { readonly streamId: number; readonly kind: 'events'; readonly batch: EventBatch }
  | { readonly streamId: number; readonly kind: 'spikes'; readonly batch: SpikeBatch }

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

/** Decodes a frame; throws a plain Error naming the fault when the frame is malformed. */
export function decodeFrame(buf: ArrayBuffer): DecodedFrame {
  if (buf.byteLength < HEADER_BYTES) throw new Error(`binary frame too short: ${buf.byteLength} bytes`)
  const head = new DataView(buf)
  if (head.getUint32(0, true) !== MAGIC) throw new Error('binary frame has a wrong magic number')
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
  head.setUint32(0, MAGIC, true)
  head.setUint32(4, streamId, true)
  head.setUint32(8, kind, true)
  head.setUint32(12, n, true)
}

function expectLength(buf: ArrayBuffer, want: number): void {
  if (buf.byteLength !== want) throw new Error(`binary frame is ${buf.byteLength} bytes, header says ${want}`)
}
