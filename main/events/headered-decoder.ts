/**
 * What every decoder of a "text header, then fixed-size units" file shares (AEDAT 2.0 and the
 * Prophesee RAW formats): the header gate, the carry of a partial unit across chunk boundaries, and
 * the push/end cycle with its truncation error. Subclasses decode whole units (their hot loops stay
 * monomorphic) and read what they need from the header once it is complete.
 */
import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { truncatedError } from './decode-errors.js'
import type { EventSink } from './event-sink.js'
import { HeaderGate } from './header-gate.js'
import { parseRawHeader, rawHeaderRules, type RawHeaderFacts } from './prophesee-header.js'
import { newCounters, type DecoderStateValue, type EventFormat, type EventStreamInfo, type ResumableDecoder, type ResumePoint } from './types.js'
import { WordCarry } from './word-carry.js'

export abstract class HeaderedDecoder implements ResumableDecoder {
  readonly info: EventStreamInfo
  readonly counters = newCounters()
  private readonly carry: WordCarry

  constructor(
    format: EventFormat,
    geometry: SensorGeometry | undefined,
    private readonly formatLabel: string,
    unitBytes: number,
    /** How the truncation error names one unit, e.g. "a 32-bit word". */
    private readonly unitName: string,
    protected readonly sink: EventSink,
    private readonly gate: HeaderGate,
  ) {
    this.carry = new WordCarry(unitBytes)
    this.info = { format, headerLines: gate.lines, geometry, dataOffset: gate.dataOffset }
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
    if (this.carry.pending) throw truncatedError(this.formatLabel, (this.info.dataOffset ?? 0) + this.carry.consumed, this.unitName)
    return this.sink.take()
  }

  resumePoint(): ResumePoint | null {
    if (!this.gate.done || this.info.dataOffset === undefined) return null
    return { offset: this.info.dataOffset + this.carry.consumed, state: this.saveState() }
  }

  resumeAt(point: ResumePoint): void {
    this.gate.skip()
    // dataOffset is where this decoder's bytes start, so error offsets stay absolute
    this.info.dataOffset = point.offset
    this.restoreState(point.state)
  }

  /** The fields the hot loop carries from unit to unit (time base, wraps, layout). */
  protected abstract saveState(): Record<string, DecoderStateValue>
  protected abstract restoreState(state: Readonly<Record<string, DecoderStateValue>>): void

  /** Called once, when the header is complete and before the first unit is decoded. */
  protected onHeader(): void {}

  /** Decodes whole units (the carry has already joined any partial unit from the last chunk). */
  protected abstract decode(bytes: Uint8Array): void

  private headerRead(): void {
    this.info.dataOffset = this.gate.dataOffset
    this.onHeader()
  }
}

export interface RawDecoderOptions {
  /** Reuse output memory: returned batches stay valid only until the next push/end call. */
  reuseOutput?: boolean
  /** Expect a `% ` text header (default true); false for a bare word stream. */
  header?: boolean
  /** Sensor size when the header does not give one. */
  geometry?: SensorGeometry
}

/** The Prophesee RAW formats (EVT 2.0, 2.1, 3.0): `% ` header, geometry from its facts. */
export abstract class PropheseeRawDecoder extends HeaderedDecoder {
  constructor(format: EventFormat, formatLabel: string, wordBytes: 2 | 4 | 8, sink: EventSink, options: RawDecoderOptions) {
    super(format, options.geometry, formatLabel, wordBytes, `a ${wordBytes * 8}-bit word`, sink, new HeaderGate(rawHeaderRules, options.header ?? true))
  }

  protected override onHeader(): void {
    const facts = parseRawHeader(this.info.headerLines)
    this.info.geometry ??= facts.geometry
    this.onRawHeader(facts)
  }

  /** Header facts beyond the geometry (EVT 2.1's half-word order). */
  protected onRawHeader(_facts: RawHeaderFacts): void {}
}
