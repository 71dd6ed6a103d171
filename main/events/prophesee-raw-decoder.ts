/**
 * What the three Prophesee RAW decoders (EVT 2.0, 2.1, 3.0) share: the `% ` text header, the carry
 * of a partial word across chunk boundaries, and the push/end cycle with its truncation error.
 * Subclasses only decode whole words (their hot loops stay monomorphic).
 */
import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { truncatedError } from './decode-errors.js'
import type { EventSink } from './event-sink.js'
import { HeaderGate } from './header-gate.js'
import { parseRawHeader, rawHeaderRules, type RawHeaderFacts } from './prophesee-header.js'
import { newCounters, type EventDecoder, type EventFormat, type EventStreamInfo } from './types.js'
import { WordCarry } from './word-carry.js'

export interface RawDecoderOptions {
  /** Reuse output memory: returned batches stay valid only until the next push/end call. */
  reuseOutput?: boolean
  /** Expect a `% ` text header (default true); false for a bare word stream. */
  header?: boolean
  /** Sensor size when the header does not give one. */
  geometry?: SensorGeometry
}

export abstract class PropheseeRawDecoder implements EventDecoder {
  readonly info: EventStreamInfo
  readonly counters = newCounters()
  private readonly gate: HeaderGate
  private readonly carry: WordCarry

  constructor(
    format: EventFormat,
    private readonly formatLabel: string,
    private readonly wordBytes: 2 | 4 | 8,
    protected readonly sink: EventSink,
    options: RawDecoderOptions,
  ) {
    this.carry = new WordCarry(wordBytes)
    this.gate = new HeaderGate(rawHeaderRules, options.header ?? true)
    this.info = { format, headerLines: this.gate.lines, geometry: options.geometry, dataOffset: this.gate.dataOffset }
  }

  get headerDone(): boolean {
    return this.gate.done
  }

  push(chunk: Uint8Array): EventBatch[] {
    const data = this.gate.pass(chunk)
    if (data === null) return []
    if (this.info.dataOffset === undefined) this.headerRead()
    this.decode(this.carry.join(data))
    return this.sink.take()
  }

  end(): EventBatch[] {
    const rest = this.gate.finish()
    if (this.info.dataOffset === undefined) this.headerRead()
    if (rest.length) this.decode(this.carry.join(rest))
    if (this.carry.pending) throw truncatedError(this.formatLabel, (this.info.dataOffset ?? 0) + this.carry.consumed, `a ${this.wordBytes * 8}-bit word`)
    return this.sink.take()
  }

  /** Header facts beyond the geometry (EVT 2.1's half-word order); called once the header is read. */
  protected onHeader(_facts: RawHeaderFacts): void {}

  /** Decodes whole words (the carry has already joined any partial word from the last chunk). */
  protected abstract decode(bytes: Uint8Array): void

  private headerRead(): void {
    this.info.dataOffset = this.gate.dataOffset
    const facts = parseRawHeader(this.gate.lines)
    this.info.geometry ??= facts.geometry
    this.onHeader(facts)
  }
}
