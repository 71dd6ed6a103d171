import { packedEventBatch, viewPackedEvents } from '../../native-bridge/edvs/packed-events.js'
import type { RecordingGap } from './aedat4-gaps.js'
import type { RecorderOptions } from './recorder.js'

export interface RecorderWorkerData {
  readonly path: string
  readonly options: RecorderOptions
  readonly shared: SharedArrayBuffer
}

export type ToRecorderThread =
  | { readonly kind: 'events'; readonly packed: ArrayBuffer; readonly capacity: number; readonly count: number }
  | { readonly kind: 'gap'; readonly gap: Omit<RecordingGap, 'eventIndex'> }
  | { readonly kind: 'flush' }
  | { readonly kind: 'close' }

/** The thread hands each events buffer back once its events are copied, so the owner reuses it. */
export type FromRecorderThread = { readonly kind: 'recycle'; readonly packed: ArrayBuffer }

/**
 * An event batch of `capacity` events whose columns share one ArrayBuffer (t f64 | x u16 | y u16 |
 * p u8), so it crosses to the recorder thread as a single transfer (the layout of
 * native-bridge/edvs/packed-events.ts, which the serial reader thread posts too).
 */
export const packedBatch = packedEventBatch

/** The first `count` events of a packed batch of `capacity` in `buffer`. */
export const viewPacked = viewPackedEvents

const STATES = ['opening', 'open', 'closed', 'failed'] as const
export type RecorderThreadState = (typeof STATES)[number]
const ERROR_BYTES = 2048

/**
 * State both threads read without waiting for a message: the recorder thread's state (the owner
 * blocks on it in close()), how much it has written, and its error text. Layout: Int32 state at 0,
 * Float64 events and gaps written at 8 and 16, UTF-8 error (length-prefixed) from 24.
 */
export class RecorderShared {
  static readonly BYTES = 24 + 4 + ERROR_BYTES
  private readonly stateCell: Int32Array
  private readonly counts: Float64Array
  private readonly errorLength: Int32Array
  private readonly errorBytes: Uint8Array

  constructor(readonly buffer: SharedArrayBuffer) {
    this.stateCell = new Int32Array(buffer, 0, 1)
    this.counts = new Float64Array(buffer, 8, 2)
    this.errorLength = new Int32Array(buffer, 24, 1)
    this.errorBytes = new Uint8Array(buffer, 28, ERROR_BYTES)
  }

  get state(): RecorderThreadState {
    return STATES[Atomics.load(this.stateCell, 0)]
  }

  setState(state: RecorderThreadState): void {
    Atomics.store(this.stateCell, 0, STATES.indexOf(state))
    Atomics.notify(this.stateCell, 0)
  }

  /** Blocks the calling thread until the state leaves `from` or `timeoutMs` passes. */
  waitWhile(from: RecorderThreadState, timeoutMs: number): RecorderThreadState {
    Atomics.wait(this.stateCell, 0, STATES.indexOf(from), timeoutMs)
    return this.state
  }

  setCounts(events: number, gaps: number): void {
    this.counts[0] = events
    this.counts[1] = gaps
  }

  get eventsWritten(): number {
    return this.counts[0]
  }

  get gapsWritten(): number {
    return this.counts[1]
  }

  fail(message: string): void {
    const bytes = new TextEncoder().encode(message).subarray(0, ERROR_BYTES)
    this.errorBytes.set(bytes)
    this.errorLength[0] = bytes.length
    this.setState('failed')
  }

  get error(): string {
    return new TextDecoder().decode(this.errorBytes.slice(0, this.errorLength[0]))
  }
}
