import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs'
import { EventBatchBuilder, type EventBatch, type SensorGeometry } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'
import { Aedat4Encoder } from './aedat4-encoder.js'
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
 * `repairAedat4` adds the FileDataTable to a file whose recorder never closed.
 */
export class Aedat4Recorder {
  private readonly fd: number
  private readonly encoder: Aedat4Encoder
  private readonly pending = new EventBatchBuilder(1 << 12)
  private readonly timer: NodeJS.Timeout
  private readonly maxPacketEvents: number
  private closed = false
  /** Events written to the file so far. */
  eventsWritten = 0

  private constructor(
    readonly path: string,
    options: RecorderOptions,
  ) {
    this.maxPacketEvents = options.maxPacketEvents ?? 1 << 16
    this.encoder = new Aedat4Encoder({ geometry: options.geometry, compression: options.compression, maxPacketEvents: this.maxPacketEvents })
    this.fd = openSync(path, 'w')
    this.writeAll(this.encoder.write({ t: new Float64Array(0), x: new Uint16Array(0), y: new Uint16Array(0), p: new Uint8Array(0) }))
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs ?? 50)
    this.timer.unref()
  }

  static async open(path: string, options: RecorderOptions): Promise<Aedat4Recorder> {
    if (options.compression === 'zstd') await loadZstd()
    return new Aedat4Recorder(path, options)
  }

  append(batch: EventBatch): void {
    if (this.closed) throw new SpikelabError('RECORDER_CLOSED', 'the recording is closed', { file: this.path })
    const { t, x, y, p } = batch
    for (let i = 0; i < t.length; i++) {
      this.pending.push(t[i], x[i], y[i], p[i])
      if (this.pending.length >= this.maxPacketEvents) this.flush()
    }
  }

  /** Writes buffered events as one packet. */
  flush(): void {
    if (this.closed || this.pending.length === 0) return
    const batch = this.pending.take()
    this.writeAll(this.encoder.write(batch))
    this.eventsWritten += batch.t.length
  }

  /** Writes the last packet and the FileDataTable, records its position and syncs. */
  close(): void {
    if (this.closed) return
    this.flush()
    this.closed = true
    clearInterval(this.timer)
    this.writeAll(this.encoder.end())
    for (const patch of this.encoder.finalPatches()) writeSync(this.fd, patch.bytes, 0, patch.bytes.length, patch.offset)
    fsyncSync(this.fd)
    closeSync(this.fd)
  }

  private writeAll(bytes: Uint8Array): void {
    let done = 0
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done)
  }
}
