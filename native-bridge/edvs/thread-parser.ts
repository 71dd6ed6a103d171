// The eDVS parser as it runs inside a serial port's reader thread (serial/reader-thread.ts loads
// this module): each read becomes one packed, transferred event batch plus the parser's counters
// and any text lines, so the owner thread never sees the bytes (edvs-serial.md §10.2).
import type { EventBatch } from '../../common/event-batch.js'
import type { ThreadParser, ThreadParserOutput } from '../serial/reader-thread.js'
import type { EdvsParserOptions, EdvsParserStats } from './event-parser.js'
import { EdvsEventParser } from './event-parser.js'

/** The parser options that cross to the thread (no callbacks: text lines come back in the output). */
export type ThreadEdvsParserOptions = Omit<EdvsParserOptions, 'onText' | 'clockUs' | 'packedOutput'>

/** What the thread posts per read: `count` events packed in `packed` (packed-events.ts layout, capacity = count). */
export interface ThreadParsedEvents {
  readonly packed: ArrayBuffer | null
  readonly count: number
  /** The parser's counters so far (cumulative). */
  readonly stats: EdvsParserStats
  /** Text lines found in the stream since the last output. */
  readonly texts: string[]
}

/** `clockUs` is for tests (one clock for two parsers); in the thread the parser keeps its own. */
export function createThreadParser(options: ThreadEdvsParserOptions, clockUs?: () => number): ThreadParser {
  let texts: string[] = []
  const parser = new EdvsEventParser({ ...options, clockUs, packedOutput: true, onText: (line) => texts.push(line) })
  const output = (batch: EventBatch): ThreadParserOutput => {
    const count = batch.t.length
    const packed = count > 0 ? (batch.t.buffer as ArrayBuffer) : null
    const value: ThreadParsedEvents = { packed, count, stats: { ...parser.stats }, texts }
    if (texts.length > 0) texts = []
    return { value, transfer: packed ? [packed] : [] }
  }
  return {
    push: (chunk) => output(parser.push(chunk)),
    flushHeld: () => output(parser.flushHeld()),
    flush: () => output(parser.flush()),
  }
}
