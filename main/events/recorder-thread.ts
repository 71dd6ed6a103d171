import type { Worker } from 'node:worker_threads'
import type { EventBatch } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'
import { spawnModuleWorker } from '../threads/module-worker.js'
import type { RecordingGap } from './aedat4-gaps.js'
import { packedBatch, RecorderShared, viewPacked, type FromRecorderThread, type RecorderWorkerData, type ToRecorderThread } from './recorder-protocol.js'
import type { RecorderOptions } from './recorder.js'

/** What a live session needs of a recorder (Aedat4Recorder and RecorderThread both fit). */
export interface EventRecorder {
  readonly path: string
  readonly eventsWritten: number
  readonly gapsWritten: number
  append(batch: EventBatch): void
  appendGap(gap: Omit<RecordingGap, 'eventIndex'>): void
  flush(): void
  close(): void
}

/** Events per message to the thread at most, and how long a partial batch may wait. */
const STAGE_EVENTS = 32_768
const STAGE_MS = 10

/** Staging buffers kept for reuse (each STAGE_EVENTS × 13 bytes): fresh ones cost page faults and GC. */
const SPARE_STAGES = 4

/** How long close() waits for the thread to write what is queued; far more than any backlog needs. */
const CLOSE_TIMEOUT_MS = 120_000

/**
 * The crash-safe AEDAT 4 recorder (recorder.ts) on a thread of its own. Building packets,
 * compressing and writing cost more than reading and parsing the stream; on the thread that reads
 * the serial port they stall the reads, the device's buffer fills and throughput halves (bench/
 * bridge.bench.ts). Here `append` copies events into a staging batch that is posted, packed into
 * one transferred buffer (the staging batch itself), every 32 Ki events or 10 ms; the thread writes packets in order
 * and hands each buffer back for reuse.
 * `close()` blocks until everything queued is on disk (Atomics.wait), so callers keep the
 * synchronous contract of Aedat4Recorder. A write error (disk full, file removed) fails the thread;
 * the next call here throws it.
 *
 * Crash safety: a killed process loses the staging batch (≤ 10 ms), what was queued for the thread
 * (nothing unless the disk falls behind the sensor) and the recorder's flush interval (50 ms).
 */
export class RecorderThread implements EventRecorder {
  private readonly shared: RecorderShared
  private closed = false
  /** Events gathered for the next message, already in the packed layout it is transferred in. */
  private stage: EventBatch = packedBatch(STAGE_EVENTS)
  private staged = 0
  /** Staging buffers the thread handed back. */
  private readonly spare: ArrayBuffer[] = []
  private stageTimer: NodeJS.Timeout | undefined

  private constructor(
    readonly path: string,
    private readonly worker: Worker,
    shared: SharedArrayBuffer,
  ) {
    this.shared = new RecorderShared(shared)
    worker.on('message', (msg: FromRecorderThread) => {
      if (msg.kind === 'recycle' && this.spare.length < SPARE_STAGES) this.spare.push(msg.packed)
    })
  }

  static async open(path: string, options: RecorderOptions): Promise<RecorderThread> {
    const shared = new SharedArrayBuffer(RecorderShared.BYTES)
    const data: RecorderWorkerData = { path, options, shared }
    const worker = spawnModuleWorker(import.meta.url, 'recorder-worker', data)
    const recorder = new RecorderThread(path, worker, shared)
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        const state = recorder.shared.state
        if (state === 'opening') return
        clearInterval(poll)
        if (state === 'open') resolve()
        else reject(recorder.failure())
      }, 2)
      worker.once('error', (err) => {
        clearInterval(poll)
        reject(new SpikelabError('RECORDER_THREAD', `the recorder thread failed to start: ${err.message}`, { file: path }, { cause: err }))
      })
    })
    worker.on('error', (err) => recorder.shared.fail(`the recorder thread crashed: ${err.message}`))
    return recorder
  }

  /** Events on disk so far (the thread's count; events still staged or queued are not included). */
  get eventsWritten(): number {
    return this.shared.eventsWritten
  }

  get gapsWritten(): number {
    return this.shared.gapsWritten
  }

  append(batch: EventBatch): void {
    this.check()
    const n = batch.t.length
    for (let from = 0; from < n; ) {
      const take = Math.min(n - from, STAGE_EVENTS - this.staged)
      const at = this.staged
      this.stage.t.set(batch.t.subarray(from, from + take), at)
      this.stage.x.set(batch.x.subarray(from, from + take), at)
      this.stage.y.set(batch.y.subarray(from, from + take), at)
      this.stage.p.set(batch.p.subarray(from, from + take), at)
      this.staged += take
      from += take
      if (this.staged === STAGE_EVENTS) this.postStage()
    }
    if (this.staged > 0 && !this.stageTimer) this.stageTimer = setTimeout(() => this.postStage(), STAGE_MS)
  }

  appendGap(gap: Omit<RecordingGap, 'eventIndex'>): void {
    this.check()
    this.postStage()
    this.post({ kind: 'gap', gap })
  }

  flush(): void {
    this.check()
    this.postStage()
    this.post({ kind: 'flush' })
  }

  /** Writes what is queued, the last packet and the FileDataTable; returns when the file is complete. */
  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.shared.state === 'open') {
      this.postStage()
      this.post({ kind: 'close' })
      if (this.shared.waitWhile('open', CLOSE_TIMEOUT_MS) === 'open') {
        void this.worker.terminate()
        throw new SpikelabError('RECORDER_THREAD', `the recorder did not finish writing within ${CLOSE_TIMEOUT_MS / 1000} s`, { file: this.path })
      }
    }
    clearTimeout(this.stageTimer)
    if (this.shared.state === 'failed') throw this.failure()
  }

  /** Sends the staged events as one packed buffer (one transfer, one message per STAGE_EVENTS). */
  private postStage(): void {
    clearTimeout(this.stageTimer)
    this.stageTimer = undefined
    if (this.staged === 0 || this.shared.state !== 'open') return
    const packed = this.stage.t.buffer as ArrayBuffer
    const count = this.staged
    const reuse = this.spare.pop()
    this.stage = reuse ? viewPacked(reuse, STAGE_EVENTS, STAGE_EVENTS) : packedBatch(STAGE_EVENTS)
    this.staged = 0
    this.post({ kind: 'events', packed, capacity: STAGE_EVENTS, count }, [packed])
  }

  private post(msg: ToRecorderThread, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer)
  }

  private check(): void {
    if (this.closed) throw new SpikelabError('RECORDER_CLOSED', 'the recording is closed', { file: this.path })
    if (this.shared.state === 'failed') throw this.failure()
  }

  private failure(): SpikelabError {
    return new SpikelabError('RECORDER_WRITE', `recording to ${this.path} failed: ${this.shared.error}`, { file: this.path })
  }
}
