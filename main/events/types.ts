import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'

/** Every event file format Spikelab reads. */
export type EventFormat =
  | 'evt2'
  | 'evt21'
  | 'evt3'
  | 'dat'
  | 'nmnist'
  | 'aedat2'
  | 'aedat3'
  | 'aedat4'

/** What a decoder learnt from the file's header (filled in as soon as the header is read). */
export interface EventStreamInfo {
  readonly format: EventFormat
  /** Sensor size when the header states or implies it. */
  geometry?: SensorGeometry
  /** Header lines (text formats) or the AEDAT 4 infoNode XML, as found. */
  headerLines: string[]
  /** Byte offset of the first data byte; undefined until the header has been read. */
  dataOffset?: number
}

/** Counters a decoder keeps about input it skipped on purpose (not errors). */
export interface DecoderCounters {
  /** Events seen before the stream had a time base or row/base address (dropped, as OpenEB does). */
  droppedNoTimeBase: number
  /** Words or records of types that carry no CD/DVS event (triggers, IMU, APS, unknown). */
  skippedWords: number
  /** Timestamp wrap-arounds unwrapped into 64-bit time. */
  wraps: number
  /** Steps where time went backwards without being a wrap. */
  nonMonotonic: number
}

/**
 * A streaming decoder: a state machine fed byte chunks of any size (1 byte upwards) that returns
 * the events completed by each chunk. Output is identical for every chunking of the same bytes.
 */
export interface EventDecoder {
  readonly info: EventStreamInfo
  readonly counters: DecoderCounters
  /** True once the header has been fully read (always true for header-less formats). */
  readonly headerDone: boolean
  push(chunk: Uint8Array): EventBatch[]
  /** Flushes state at end of input; throws SpikelabError when the input ended mid-unit. */
  end(): EventBatch[]
}

/** A streaming encoder: `write` returns the bytes for the given events (the header comes first). */
export interface EventEncoder {
  readonly format: EventFormat
  write(batch: EventBatch): Uint8Array
  /** Bytes that close the stream (index tables); may be empty. */
  end(): Uint8Array
  /**
   * Bytes to overwrite at an absolute offset once the stream is complete (AEDAT 4's
   * dataTablePosition); only valid after `end()`. Writers to seekable files apply them.
   */
  finalPatches(): { offset: number; bytes: Uint8Array }[]
}

/** A value of a decoder's resumable state: plain data, so an index can keep or store it. */
export type DecoderStateValue = number | boolean | string | readonly number[]

/**
 * Where a decoder can restart mid-file and the state it needs there (time base, wrap count, layout).
 * Taken between pushes, it names the first byte whose events have not been returned yet.
 */
export interface ResumePoint {
  /** Absolute file offset; always at a unit boundary (word, record or packet). */
  readonly offset: number
  readonly state: Readonly<Record<string, DecoderStateValue>>
}

/** A decoder that can report resume points and start from one (the sparse seek index needs it). */
export interface ResumableDecoder extends EventDecoder {
  /** The resume point after the last push, or null while still inside the header. */
  resumePoint(): ResumePoint | null
  /** Starts at a resume point instead of at the header; call before the first push, feed bytes from `point.offset`. */
  resumeAt(point: ResumePoint): void
}

export function isResumable(decoder: EventDecoder): decoder is ResumableDecoder {
  return typeof (decoder as Partial<ResumableDecoder>).resumePoint === 'function'
}

export function newCounters(): DecoderCounters {
  return { droppedNoTimeBase: 0, skippedWords: 0, wraps: 0, nonMonotonic: 0 }
}
