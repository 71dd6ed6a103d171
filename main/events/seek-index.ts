/**
 * A sparse seek index for the formats that have none of their own (EVT 2/2.1/3, DAT, AEDAT 2/3,
 * N-MNIST): every ~262 k events, the decoder's resume point (byte offset + the small state its time
 * base needs) and the time span of the events that follow it. A time window is then decoded from
 * the segments that overlap it only, whatever the file's size. Built in the same streaming pass that
 * summarizes a file at import; small enough (a few KB per GB) to keep as JSON beside the catalog.
 * AEDAT 4 uses its own FileDataTable instead (aedat4-window.ts).
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { CancelledError, SpikelabError } from '../../common/errors.js'
import { createDecoder, type DecoderOptions } from './detect.js'
import { openEventFile } from './open-event-file.js'
import { isResumable, type DecoderStateValue, type EventDecoder, type EventFormat } from './types.js'

export const SEEK_INDEX_VERSION = 1
/** Events per segment: a window read decodes at most about two segments more than it returns. */
export const DEFAULT_SEGMENT_EVENTS = 1 << 18

export interface SeekSegment {
  /** Byte offset decoding restarts at; 0 with a null state means "from the start, header included". */
  readonly offset: number
  readonly state: Readonly<Record<string, DecoderStateValue>> | null
  /** Index of the segment's first event in the file, and how many it holds. */
  readonly firstEvent: number
  events: number
  /** Smallest and largest timestamp in the segment (µs, raw sensor time); NaN when empty. */
  minT: number
  maxT: number
}

export interface SeekIndex {
  readonly version: number
  readonly format: EventFormat
  /** Size and modification time of the file indexed: a changed file invalidates the index. */
  readonly sizeBytes: number
  readonly modifiedMs: number
  readonly geometry: SensorGeometry | null
  readonly events: number
  readonly segments: readonly SeekSegment[]
}

/**
 * Collects the index while something else streams the file: call `batch` for every decoded batch
 * and `chunkDone` after each chunk's batches (openEventFile's onBytesRead), then `finish`.
 */
export class SeekIndexBuilder {
  private readonly segments: SeekSegment[] = [{ offset: 0, state: null, firstEvent: 0, events: 0, minT: NaN, maxT: NaN }]
  private events = 0

  constructor(
    private readonly decoder: EventDecoder,
    private readonly segmentEvents = DEFAULT_SEGMENT_EVENTS,
  ) {}

  batch(b: EventBatch): void {
    const n = b.t.length
    if (n === 0) return
    const seg = this.segments[this.segments.length - 1]
    let lo = Number.isNaN(seg.minT) ? Infinity : seg.minT
    let hi = Number.isNaN(seg.maxT) ? -Infinity : seg.maxT
    const t = b.t
    for (let i = 0; i < n; i++) {
      const v = t[i]
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
    seg.minT = lo
    seg.maxT = hi
    seg.events += n
    this.events += n
  }

  chunkDone(): void {
    const seg = this.segments[this.segments.length - 1]
    if (seg.events < this.segmentEvents || !isResumable(this.decoder)) return
    const point = this.decoder.resumePoint()
    if (!point || point.offset <= seg.offset) return
    this.segments.push({ offset: point.offset, state: point.state, firstEvent: this.events, events: 0, minT: NaN, maxT: NaN })
  }

  finish(format: EventFormat, geometry: SensorGeometry | undefined, sizeBytes: number, modifiedMs: number): SeekIndex {
    const segments = this.segments.filter((s, i) => i === 0 || s.events > 0)
    return { version: SEEK_INDEX_VERSION, format, sizeBytes, modifiedMs, geometry: geometry ?? null, events: this.events, segments }
  }
}

export interface IndexOptions {
  readonly segmentEvents?: number
  readonly decoder?: DecoderOptions
  readonly signal?: AbortSignal
  readonly onBytesRead?: (bytes: number) => void
  /** Read size; resume points fall on chunk boundaries, so segments are at least this long. */
  readonly chunkBytes?: number
}

/** Streams the whole file once to build its index. */
export async function buildSeekIndex(path: string, options: IndexOptions = {}): Promise<SeekIndex> {
  const info = await stat(path)
  // the builder needs the decoder, which exists only once the file is open
  const late: { builder?: SeekIndexBuilder } = {}
  const file = await openEventFile(path, {
    ...options.decoder,
    chunkBytes: options.chunkBytes,
    onBytesRead: (bytes) => {
      late.builder?.chunkDone()
      options.onBytesRead?.(bytes)
    },
  })
  const builder = (late.builder = new SeekIndexBuilder(file.decoder, options.segmentEvents))
  for await (const b of file.batches()) {
    if (options.signal?.aborted) throw new CancelledError()
    builder.batch(b)
  }
  return builder.finish(file.format, file.geometry, info.size, info.mtimeMs)
}

/** True when the index was built from this very file (same size and modification time). */
export async function seekIndexMatches(path: string, index: SeekIndex): Promise<boolean> {
  const info = await stat(path).catch(() => null)
  return index.version === SEEK_INDEX_VERSION && info !== null && info.size === index.sizeBytes && Math.abs(info.mtimeMs - index.modifiedMs) < 1
}

/** Checks a stored index's shape before trusting it (it is read back from disk). */
export function parseSeekIndex(json: unknown): SeekIndex | null {
  const i = json as Partial<SeekIndex> | null
  if (!i || i.version !== SEEK_INDEX_VERSION || typeof i.format !== 'string' || !Array.isArray(i.segments) || i.segments.length === 0) return null
  const ok = i.segments.every(
    (s, k) => typeof s.offset === 'number' && (s.state === null ? k === 0 : typeof s.state === 'object') && typeof s.firstEvent === 'number' && typeof s.events === 'number',
  )
  if (!ok) return null
  // JSON has no NaN: empty segments come back with null bounds
  for (const s of i.segments as SeekSegment[]) {
    s.minT = typeof s.minT === 'number' ? s.minT : NaN
    s.maxT = typeof s.maxT === 'number' ? s.maxT : NaN
  }
  return i as SeekIndex
}

/** The segments whose events can fall in [fromUs, toUs): a contiguous run [first, last]. */
export function segmentsFor(index: SeekIndex, fromUs: number, toUs: number): { first: number; last: number } | null {
  let first = -1
  let last = -1
  index.segments.forEach((s, k) => {
    if (s.events === 0 || s.maxT < fromUs || s.minT >= toUs) return
    if (first < 0) first = k
    last = k
  })
  return first < 0 ? null : { first, last }
}

export interface WindowReadOptions {
  readonly decoder?: DecoderOptions
  /** Refuse windows that would return more events than this (default 20 M). */
  readonly maxEvents?: number
}

/** Decodes segment `k` alone (from its resume point to the next segment's start), in file order. */
export async function readSegment(path: string, index: SeekIndex, k: number, options: WindowReadOptions = {}): Promise<EventBatch[]> {
  const seg = index.segments[k]
  const end = k + 1 < index.segments.length ? index.segments[k + 1].offset : index.sizeBytes
  const out: EventBatch[] = []
  if (seg.state === null) {
    // the first segment starts with the header: let openEventFile read it, stop at the segment's end
    let read = 0
    const file = await openEventFile(path, { ...options.decoder, format: index.format, onBytesRead: (b) => (read = b) })
    for await (const b of file.batches()) {
      out.push(b)
      if (read >= end && k + 1 < index.segments.length) break
    }
    return trimToCount(out, seg.events)
  }
  const decoder = createDecoder(index.format, { ...options.decoder, geometry: index.geometry ?? options.decoder?.geometry })
  if (!isResumable(decoder)) throw new SpikelabError('seek-index', `the ${index.format} decoder cannot resume mid-file`, { file: path })
  decoder.resumeAt({ offset: seg.offset, state: seg.state })
  if (end > seg.offset) {
    for await (const chunk of createReadStream(path, { start: seg.offset, end: end - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      out.push(...decoder.push(chunk))
    }
  }
  // the segment ends on a unit boundary; only the file's last segment has an end to flush
  if (end >= index.sizeBytes) out.push(...decoder.end())
  return out
}

/** Events with fromUs ≤ t < toUs, in file order, decoded from the overlapping segments only. */
export async function readIndexedWindow(path: string, index: SeekIndex, fromUs: number, toUs: number, options: WindowReadOptions = {}): Promise<EventBatch[]> {
  const range = segmentsFor(index, fromUs, toUs)
  if (!range) return []
  const maxEvents = options.maxEvents ?? 20_000_000
  const out: EventBatch[] = []
  let total = 0
  for (let k = range.first; k <= range.last; k++) {
    for (const b of await readSegment(path, index, k, options)) {
      const part = filterByTime(b, fromUs, toUs)
      if (!part) continue
      total += part.t.length
      if (total > maxEvents) {
        throw new SpikelabError('playback-window-too-large', `the window holds more than ${maxEvents.toLocaleString('en-US')} events; choose a shorter one`, { file: path })
      }
      out.push(part)
    }
  }
  return out
}

function filterByTime(b: EventBatch, fromUs: number, toUs: number): EventBatch | null {
  const n = b.t.length
  let keep = 0
  for (let i = 0; i < n; i++) if (b.t[i] >= fromUs && b.t[i] < toUs) keep++
  if (keep === 0) return null
  if (keep === n) return b
  const t = new Float64Array(keep)
  const x = new Uint16Array(keep)
  const y = new Uint16Array(keep)
  const p = new Uint8Array(keep)
  for (let i = 0, j = 0; i < n; i++) {
    const v = b.t[i]
    if (v < fromUs || v >= toUs) continue
    t[j] = v
    x[j] = b.x[i]
    y[j] = b.y[i]
    p[j] = b.p[i]
    j++
  }
  return { t, x, y, p }
}

/** Keeps the first `count` events (a read that stopped at a chunk boundary may overshoot its segment). */
function trimToCount(batches: EventBatch[], count: number): EventBatch[] {
  const out: EventBatch[] = []
  let left = count
  for (const b of batches) {
    if (left <= 0) break
    if (b.t.length <= left) {
      out.push(b)
      left -= b.t.length
    } else {
      out.push({ t: b.t.subarray(0, left), x: b.x.subarray(0, left), y: b.y.subarray(0, left), p: b.p.subarray(0, left) })
      left = 0
    }
  }
  return out
}
