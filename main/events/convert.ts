/**
 * Converts an event file to another format, streaming in constant memory: the output is written
 * under a temporary name and renamed only when complete, so a failed or cancelled conversion
 * leaves nothing half-written. An optional time window is relative to the first event.
 */
import { open, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { CancelledError, SpikelabError } from '../../common/errors.js'
import { EventBatchBuilder, type EventBatch, type SensorGeometry } from '../../common/event-batch.js'
import { CsvExporter } from './csv-export.js'
import { createEncoder, WRITABLE_FORMATS } from './encoders.js'
import { npyHeader, npyRecords } from './npy-export.js'
import { openEventFile } from './open-event-file.js'
import { loadZstd, type CompressionName } from './payload-codec.js'
import type { EventFormat } from './types.js'

export type ConvertTarget = EventFormat | 'csv' | 'npy'
export const CONVERT_TARGETS: readonly ConvertTarget[] = [...WRITABLE_FORMATS, 'csv', 'npy']

const BY_EXTENSION: Readonly<Record<string, ConvertTarget>> = {
  '.aedat4': 'aedat4',
  '.aedat': 'aedat2',
  '.raw': 'evt3',
  '.dat': 'dat',
  '.bin': 'nmnist',
  '.csv': 'csv',
  '.npy': 'npy',
}

/** The target a file name implies (`.raw` → EVT 3.0, `.aedat` → AEDAT 2.0); undefined when it implies none. */
export function targetFromFileName(file: string): ConvertTarget | undefined {
  return BY_EXTENSION[path.extname(file).toLowerCase()]
}

export interface ConvertOptions {
  readonly target: ConvertTarget
  /** Window start and end in µs after the first event (inclusive start, exclusive end). */
  readonly fromUs?: number
  readonly toUs?: number
  readonly shiftToZero?: boolean
  readonly compression?: CompressionName
  readonly signal?: AbortSignal
  /** Fraction of the input read (by bytes) and events written so far. */
  readonly onProgress?: (fraction: number, eventsWritten: number) => void
}

export interface ConvertResult {
  readonly events: number
  readonly target: ConvertTarget
  readonly geometry: SensorGeometry
}

export async function convertEventFile(input: string, output: string, options: ConvertOptions): Promise<ConvertResult> {
  if (path.resolve(input) === path.resolve(output)) throw new SpikelabError('convert-same-file', 'the output must be a different file from the input', { file: output })
  const size = (await stat(input)).size
  const geometry = (await openEventFile(input)).geometry ?? (await measureGeometry(input, options.signal))
  if (options.target === 'aedat4' && options.compression === 'zstd') await loadZstd()
  const partial = `${output}.partial`
  const handle = await open(partial, 'w')
  let events = 0
  let done = false
  try {
    const sink = createSink(options.target, geometry, options.compression)
    const file = await openEventFile(input, { onBytesRead: (n) => options.onProgress?.(size ? n / size : 1, events) })
    let first: number | null = null
    for await (const batch of file.batches()) {
      if (options.signal?.aborted) throw new CancelledError()
      first ??= batch.t.length ? batch.t[0] : null
      const windowed = first === null ? batch : window(batch, first, options)
      if (windowed.t.length === 0) continue
      const out = options.shiftToZero ? shift(windowed, first ?? 0) : windowed
      const bytes = sink.write(out)
      if (bytes.length) await handle.write(bytes)
      events += out.t.length
    }
    const tail = sink.end(events)
    if (tail.bytes.length) await handle.write(tail.bytes)
    for (const patch of tail.patches) await handle.write(patch.bytes, 0, patch.bytes.length, patch.offset)
    await handle.sync()
    done = true
  } finally {
    await handle.close()
    if (!done) await rm(partial, { force: true })
  }
  await rename(partial, output)
  options.onProgress?.(1, events)
  return { events, target: options.target, geometry }
}

interface Sink {
  write(batch: EventBatch): Uint8Array
  end(events: number): { bytes: Uint8Array; patches: { offset: number; bytes: Uint8Array }[] }
}

function createSink(target: ConvertTarget, geometry: SensorGeometry, compression?: CompressionName): Sink {
  if (target === 'csv') {
    const csv = new CsvExporter()
    const encoder = new TextEncoder()
    return { write: (b) => encoder.encode(csv.write(b)), end: () => ({ bytes: new Uint8Array(0), patches: [] }) }
  }
  if (target === 'npy') {
    let headerWritten = false
    return {
      // The header's fixed size lets the final count be patched in place.
      write: (b) => {
        const records = npyRecords(b)
        if (headerWritten) return records
        headerWritten = true
        const header = npyHeader(0)
        const out = new Uint8Array(header.length + records.length)
        out.set(header)
        out.set(records, header.length)
        return out
      },
      end: (events) => ({ bytes: headerWritten ? new Uint8Array(0) : npyHeader(0), patches: [{ offset: 0, bytes: npyHeader(events) }] }),
    }
  }
  const encoder = createEncoder(target, { geometry, compression })
  return { write: (b) => encoder.write(b), end: () => ({ bytes: encoder.end(), patches: encoder.finalPatches() }) }
}

function window(batch: EventBatch, first: number, options: ConvertOptions): EventBatch {
  const from = options.fromUs === undefined ? -Infinity : first + options.fromUs
  const to = options.toUs === undefined ? Infinity : first + options.toUs
  if (batch.t[0] >= from && batch.t[batch.t.length - 1] < to) return batch
  const keep = new EventBatchBuilder(batch.t.length)
  for (let i = 0; i < batch.t.length; i++) if (batch.t[i] >= from && batch.t[i] < to) keep.push(batch.t[i], batch.x[i], batch.y[i], batch.p[i])
  return keep.take()
}

function shift(batch: EventBatch, by: number): EventBatch {
  return { t: batch.t.map((v) => v - by), x: batch.x, y: batch.y, p: batch.p }
}

/** Sensor size from the largest coordinates, for files whose header does not state it. */
async function measureGeometry(input: string, signal?: AbortSignal): Promise<SensorGeometry> {
  let maxX = 0
  let maxY = 0
  for await (const batch of (await openEventFile(input)).batches()) {
    if (signal?.aborted) throw new CancelledError()
    for (let i = 0; i < batch.t.length; i++) {
      if (batch.x[i] > maxX) maxX = batch.x[i]
      if (batch.y[i] > maxY) maxY = batch.y[i]
    }
  }
  return { width: maxX + 1, height: maxY + 1 }
}
