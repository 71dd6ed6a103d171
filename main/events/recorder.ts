import { closeSync, fsyncSync, openSync, writeSync, writevSync } from 'node:fs'
import { createEventBatch, sliceEventBatch, type EventBatch, type SensorGeometry } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'
import { Aedat4Encoder } from './aedat4-encoder.js'
import type { RecordingGap } from './aedat4-gaps.js'
import { loadZstd, type CompressionName } from './payload-codec.js'

export interface RecorderOptions {
  geometry: SensorGeometry
  compression?: CompressionName
  /** Buffered events are written as a packet at least this often (default 50 ms, so ≤ 100 ms is lost on a crash). */
  flushIntervalMs?: number
  /** A packet is written as soon as this many events are buffered (default 65 536). */
  maxPacketEvents?: number
}

/**
 * Crash-safe AEDAT 4.0 recorder. Events are written packet by packet straight to the file
 * (write(2), so a killed process loses only what was still buffered: at most one flush
 * interval). The file is readable at any moment (dataTablePosition stays −1 until `close()`);
 * `repairAedat4` adds the FileDataTable to a file whose recorder never closed. Gaps in the stream
 * (a lost sensor, skipped bytes) are written in place as markers on a TRIG stream (aedat4-gaps.ts).
 */
export class Aedat4Recorder {
  private readonly fd: number
  private readonly encoder: Aedat4Encoder
  /** Events waiting for the next packet: [0, pendingCount) of a maxPacketEvents-sized batch. */
  private readonly pending: EventBatch
  private pendingCount = 0
  private readonly timer: NodeJS.Timeout
  private readonly maxPacketEvents: number
  private closed = false
  /** Events written to the file so far. */
  eventsWritten = 0
  /** Gap markers written so far. */
  gapsWritten = 0

  private constructor(
    readonly path: string,
    options: RecorderOptions,
  ) {
    this.maxPacketEvents = options.maxPacketEvents ?? 1 << 16
    this.pending = createEventBatch(this.maxPacketEvents)
    this.encoder = new Aedat4Encoder({ geometry: options.geometry, compression: options.compression, maxPacketEvents: this.maxPacketEvents, gapStream: true })
    this.fd = openSync(path, 'w')
    this.writeAll(this.encoder.writeParts({ t: new Float64Array(0), x: new Uint16Array(0), y: new Uint16Array(0), p: new Uint8Array(0) }))
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs ?? 50)
    this.timer.unref()
  }

  static async open(path: string, options: RecorderOptions): Promise<Aedat4Recorder> {
    if (options.compression === 'zstd') await loadZstd()
    return new Aedat4Recorder(path, options)
  }

  append(batch: EventBatch): void {
    if (this.closed) throw new SpikelabError('RECORDER_CLOSED', 'the recording is closed', { file: this.path })
    const n = batch.t.length
    for (let from = 0; from < n; ) {
      const take = Math.min(n - from, this.maxPacketEvents - this.pendingCount)
      const to = from + take
      const at = this.pendingCount
      this.pending.t.set(batch.t.subarray(from, to), at)
      this.pending.x.set(batch.x.subarray(from, to), at)
      this.pending.y.set(batch.y.subarray(from, to), at)
      this.pending.p.set(batch.p.subarray(from, to), at)
      this.pendingCount += take
      from = to
      if (this.pendingCount === this.maxPacketEvents) this.flush()
    }
  }

  /**
   * Marks a gap: the events so far are written first, then the marker (its eventIndex is the
   * number of events before it), so the file shows exactly where the stream broke.
   */
  appendGap(gap: Omit<RecordingGap, 'eventIndex'>): void {
    if (this.closed) throw new SpikelabError('RECORDER_CLOSED', 'the recording is closed', { file: this.path })
    this.flush()
    this.writeAll(this.encoder.writeGapsParts([{ ...gap, eventIndex: this.eventsWritten }]))
    this.gapsWritten++
  }

  /** Writes buffered events as one packet. */
  flush(): void {
    if (this.closed || this.pendingCount === 0) return
    const n = this.pendingCount
    this.pendingCount = 0
    this.writeAll(this.encoder.writeParts(sliceEventBatch(this.pending, 0, n)))
    this.eventsWritten += n
  }

  /** Writes the last packet and the FileDataTable, records its position and syncs. */
  close(): void {
    if (this.closed) return
    this.flush()
    this.closed = true
    clearInterval(this.timer)
    this.writeAll(this.encoder.endParts())
    for (const patch of this.encoder.finalPatches()) writeSync(this.fd, patch.bytes, 0, patch.bytes.length, patch.offset)
    fsyncSync(this.fd)
    closeSync(this.fd)
  }

  /**
   * Writes the encoder's parts (header and payload of a packet) with one writev, straight from
   * the encoder's buffers; a short write continues where it stopped.
   */
  private writeAll(parts: Uint8Array[]): void {
    let total = 0
    for (const part of parts) total += part.length
    let done = parts.length === 0 ? 0 : writevSync(this.fd, parts)
    while (done < total) {
      // rare: resume inside the part where the kernel stopped
      let skip = done
      let i = 0
      while (skip >= parts[i].length) skip -= parts[i++].length
      const rest = [parts[i].subarray(skip), ...parts.slice(i + 1)]
      done += writevSync(this.fd, rest)
    }
  }
}
