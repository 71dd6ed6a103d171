/**
 * Reads an event file once, streaming, and returns what the library records about it: counts,
 * first/last timestamps (raw sensor time), geometry, a sensor name where the header gives one, an
 * event-frame thumbnail, and (for formats without an index of their own) the sparse seek index that
 * playback uses. Memory stays constant whatever the file size.
 */
import { stat } from 'node:fs/promises'
import { CancelledError } from '../../../common/errors.js'
import type { EventBatch } from '../../../common/event-batch.js'
import { openEventFile, SeekIndexBuilder, type EventFile, type SeekIndex } from '../../events/index.js'
import type { RecordingSummary } from './catalog.js'
import { EventFrameAccumulator } from './thumbnail.js'

export interface SummarizeOptions {
  readonly signal?: AbortSignal
  /** Called now and then with the number of events read so far. */
  readonly onEvents?: (events: number) => void
}

export interface FileSummary {
  readonly summary: RecordingSummary
  readonly thumbnail: Buffer | null
  /** Null for AEDAT 4, which seeks through its own FileDataTable. */
  readonly seekIndex: SeekIndex | null
}

/** Events used for the thumbnail when the header does not give the sensor size (a second, partial pass). */
const THUMBNAIL_EVENTS_WITHOUT_GEOMETRY = 2_000_000

export async function summarizeEventFile(path: string, options: SummarizeOptions = {}): Promise<FileSummary> {
  const info = await stat(path)
  let index: SeekIndexBuilder | undefined
  const file = await openEventFile(path, { onBytesRead: () => index?.chunkDone() })
  if (file.format !== 'aedat4') index = new SeekIndexBuilder(file.decoder)
  const known = file.geometry
  const frame = known ? new EventFrameAccumulator(known.width, known.height) : null
  let eventCount = 0
  let onCount = 0
  let first: number | null = null
  let last: number | null = null
  let maxX = -1
  let maxY = -1
  for await (const batch of file.batches()) {
    throwIfAborted(options.signal)
    const n = batch.t.length
    if (n === 0) continue
    if (first === null) first = batch.t[0]
    last = batch.t[n - 1]
    eventCount += n
    for (let i = 0; i < n; i++) {
      onCount += batch.p[i]
      if (batch.x[i] > maxX) maxX = batch.x[i]
      if (batch.y[i] > maxY) maxY = batch.y[i]
    }
    frame?.add(batch)
    index?.batch(batch)
    options.onEvents?.(eventCount)
  }
  const geometry = known ?? (eventCount > 0 ? { width: maxX + 1, height: maxY + 1 } : null)
  let thumbnail: Buffer | null = frame && eventCount > 0 ? frame.png() : null
  if (!thumbnail && geometry) thumbnail = await thumbnailFromStart(path, geometry.width, geometry.height, options.signal)
  return {
    summary: {
      format: file.format,
      sensor: sensorName(file),
      width: geometry?.width ?? null,
      height: geometry?.height ?? null,
      eventCount,
      onCount,
      offCount: eventCount - onCount,
      firstTimestampUs: first,
      lastTimestampUs: last,
    },
    thumbnail,
    seekIndex: index?.finish(file.format, file.geometry, info.size, info.mtimeMs) ?? null,
  }
}

async function thumbnailFromStart(path: string, width: number, height: number, signal?: AbortSignal): Promise<Buffer> {
  const frame = new EventFrameAccumulator(width, height)
  let seen = 0
  const file = await openEventFile(path)
  for await (const batch of file.batches()) {
    throwIfAborted(signal)
    frame.add(batch as EventBatch)
    seen += batch.t.length
    if (seen >= THUMBNAIL_EVENTS_WITHOUT_GEOMETRY) break
  }
  return frame.png()
}

/** The sensor's name as the file's header states it (jAER chip class, Prophesee plugin/integrator). */
export function sensorName(file: Pick<EventFile, 'info'>): string | null {
  for (const line of file.info.headerLines) {
    const chip = /AEChip:\s*(\S+)/.exec(line)
    if (chip) return chip[1].split('.').pop() ?? chip[1]
    const plugin = /^%\s*plugin_name\s+(\S+)/.exec(line)
    if (plugin) return plugin[1].replace(/^hal_plugin_/, '')
    const generation = /^%\s*sensor_generation\s+(\S+)/.exec(line)
    if (generation) return `Prophesee Gen${generation[1]}`
    const source = /<attr key="source"[^>]*>([^<]+)</.exec(line)
    if (source) return source[1]
  }
  return null
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError()
}
