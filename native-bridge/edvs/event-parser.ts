import type { EventBatch } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'
import type { EdvsLayout } from './formats.js'
import { MAX_DELTA_BYTES } from './formats.js'
import type { EdvsOrientation } from './orientation.js'
import { resolveOrientation } from './orientation.js'
import { packedEventBatch } from './packed-events.js'
import { TextLineCollector, isPrintable } from './text-lines.js'

export interface EdvsParserOptions {
  readonly layout: EdvsLayout
  readonly orientation?: Partial<EdvsOrientation>
  /** Consecutive events that must pass every check before the parser locks (§5 step 2). */
  readonly lockEvents?: number
  /** Events held back until this many later events have passed their checks (§5 step 4). */
  readonly holdEvents?: number
  /** Largest plausible step between consecutive timestamps, µs; a larger step needs confirmation. */
  readonly maxStepUs?: number
  /** Host clock in µs: stamps `!E0` events and re-anchors `!E1` time after a resync. */
  readonly clockUs?: () => number
  /** Receives ASCII lines found between or instead of events (echoes, banners, sensor lines). */
  readonly onText?: (line: string) => void
  /**
   * Hand out each batch with its columns in one ArrayBuffer (packed-events.ts, `t.buffer`), so a
   * thread can transfer it whole. Default false: one array per column.
   */
  readonly packedOutput?: boolean
}

/** Link-health counters (§8 rule 5). */
export interface EdvsParserStats {
  /** Events handed out. */
  events: number
  /** Bytes skipped while unlocked (including bytes of text lines found while unlocked). */
  droppedBytes: number
  /** Held-back events thrown away because the lock broke behind them. */
  discardedEvents: number
  /** Times the lock was lost. */
  resyncs: number
  /** ASCII lines recognised in the binary stream. */
  textLines: number
  /** Timestamp wraps added by unwrapping. */
  wraps: number
}

const PASS = 0
const FAIL = 1
const NEED_MORE = 2
type WindowResult = typeof PASS | typeof FAIL | typeof NEED_MORE

const PAUSE_UNDECIDED = -2
/** A chunk of at least this many events after a pause is a backlog the host read late (afterPause). */
const BACKLOG_EVENTS = 16
/** Longest ASCII line accepted inside a locked stream before it is treated as garbage. */
const MAX_INLINE_TEXT = 256
const TEXT_INCOMPLETE = -2

// Verdicts on a large timestamp step (judgeStep).
const STEP_ACCEPT = 0
const STEP_SKIP = 1
const STEP_RETRY = 2
const STEP_LOSE = 3
const STEP_WAIT = 4
/** The window may grow to this multiple of lockEvents to tell two candidate phases apart. */
const MAX_WINDOW_GROWTH = 8
/** A timestamp jump is believed only if this many lock windows of events agree with it. */
const CONFIRM_GROWTH = 4
/** Steps beyond SUSPECT_FACTOR × the running mean step (+ a floor) are questioned (judgeStep). */
const SUSPECT_FACTOR = 16
const SUSPECT_FLOOR_US = 1000

/**
 * Streaming eDVS event parser (edvs-serial.md §5–§7): feed it chunks of any size, get EventBatches.
 * Unlocked, it searches for an offset where `lockEvents` consecutive events pass every check and
 * no other phase of the first event does too (so it never locks onto x or timestamp bytes); locked,
 * it checks each event (sync bit, address range, timestamp step) and holds the last `holdEvents`
 * back so that events decoded after an undetected byte loss are discarded rather than delivered.
 */
export class EdvsEventParser {
  readonly stats: EdvsParserStats = { events: 0, droppedBytes: 0, discardedEvents: 0, resyncs: 0, textLines: 0, wraps: 0 }
  readonly layout: EdvsLayout

  private readonly o: EdvsOrientation
  private readonly kind: EdvsLayout['kind']
  private readonly stride: number
  private readonly tsBytes: number
  private readonly wrap: number
  private readonly lockEvents: number
  private readonly holdEvents: number
  private readonly maxStepUs: number
  private readonly clockUs: () => number
  private readonly text: TextLineCollector
  private readonly packedOutput: boolean

  // Carry buffer: bytes [start, end) are unconsumed; `base` is the stream offset of buf[0].
  private buf = new Uint8Array(1 << 12)
  private start = 0
  private end = 0
  private base = 0

  private locked = false
  /** Complete events the last window() call found valid before it stopped. */
  private checked = 0
  /** Set during flush(): no more data will come, so lookahead uses what is there. */
  private final = false
  /** Event start offsets (stream offsets) of recent events, to rewind past held events. */
  private readonly starts = new Float64Array(64)
  private decoded = 0

  // Time state of the last decoded (possibly held) event, and of the last delivered one.
  private epoch = 0
  private lastRaw = 0
  private lastT = 0
  private haveRef = false
  /** Whether lastT holds a real event time (false until the first event after a time reset). */
  private timeKnown = false
  /** Running mean of recent timestamp steps and the step above which an event is questioned. */
  private avgStep = 0
  private suspectStep = Infinity
  private committedT = 0
  private committedHostUs = 0
  private nowUs = 0
  /** Host arrival time of each chunk still in the buffer: chunk i ends at stream offset arrivalEnds[i]. */
  private arrivalEnds: number[] = []
  private arrivalUs: number[] = []
  /** Host arrival time of the last decoded event's bytes. */
  private lastArrivalUs = 0
  /** A host-measured pause longer than this may hide timestamp wraps (§6): 0.9 × the wrap period. */
  private readonly hostGapUs: number

  // Output: events [0, n) decoded in this push; the last `held` of them are not yet delivered.
  private ot = new Float64Array(1 << 12)
  private ox = new Uint16Array(1 << 12)
  private oy = new Uint16Array(1 << 12)
  private op = new Uint8Array(1 << 12)
  private n = 0
  private held = 0

  constructor(options: EdvsParserOptions) {
    this.o = resolveOrientation(options.orientation)
    this.layout = options.layout
    this.kind = options.layout.kind
    this.tsBytes = options.layout.kind === 'absolute' ? options.layout.timestampBytes : 0
    this.stride = 2 + this.tsBytes
    this.wrap = 2 ** (8 * this.tsBytes)
    this.lockEvents = positiveInt(options.lockEvents ?? (this.kind === 'absolute' ? 8 : 16), 'lockEvents', 2, 1024)
    this.holdEvents = positiveInt(options.holdEvents ?? 4, 'holdEvents', 0, 63)
    this.maxStepUs = options.maxStepUs ?? 1_000_000
    this.hostGapUs = 0.9 * this.wrap
    if (!(this.maxStepUs > 0)) throw new SpikelabError('EDVS_PARSER_OPTION', `maxStepUs must be positive, got ${this.maxStepUs}`, { field: 'maxStepUs' })
    const origin = performance.now()
    this.clockUs = options.clockUs ?? (() => Math.round((performance.now() - origin) * 1000))
    this.packedOutput = options.packedOutput ?? false
    const onText = options.onText
    this.text = new TextLineCollector((line) => {
      this.stats.textLines++
      onText?.(line)
    })
  }

  get isLocked(): boolean {
    return this.locked
  }

  /** Parses a chunk (copied; the caller may reuse it) and returns the events now deliverable. */
  push(chunk: Uint8Array): EventBatch {
    this.nowUs = this.clockUs()
    this.append(chunk)
    this.arrivalEnds.push(this.base + this.end)
    this.arrivalUs.push(this.nowUs)
    this.n = this.held
    let pos = this.start
    for (;;) {
      if (!this.locked) {
        pos = this.searchLock(pos, false)
        if (!this.locked) break
      }
      pos = this.decodeLocked(pos)
      if (this.locked) break
    }
    this.start = pos
    this.pruneArrivals()
    return this.deliver(this.n - this.held)
  }

  /** Host time at which the byte at buffer index `pos` arrived. */
  private arrivalAt(pos: number): number {
    const at = this.base + pos
    const ends = this.arrivalEnds
    for (let i = 0; i < ends.length; i++) if (at < ends[i]) return this.arrivalUs[i]
    return this.nowUs
  }

  /** Size of the chunk that brought the byte at buffer index `pos`. */
  private chunkBytesAt(pos: number): number {
    const at = this.base + pos
    const ends = this.arrivalEnds
    for (let i = 0; i < ends.length; i++) if (at < ends[i]) return ends[i] - (i > 0 ? ends[i - 1] : at)
    return 0
  }

  /** Forgets arrival times of chunks wholly before every byte still needed. */
  private pruneArrivals(): void {
    const keepFrom = this.base + Math.min(this.start, this.oldestHeldStart())
    let drop = 0
    while (drop < this.arrivalEnds.length - 1 && this.arrivalEnds[drop] <= keepFrom) drop++
    if (drop > 0) {
      this.arrivalEnds.splice(0, drop)
      this.arrivalUs.splice(0, drop)
    }
  }

  /** A pause in the stream: delivers the held-back events (each passed its own checks). */
  flushHeld(): EventBatch {
    this.n = this.held
    return this.deliver(this.held)
  }

  /**
   * End of stream: delivers held-back events, and, if still unlocked, decodes the buffered tail
   * with the lock window shortened to the events that are there.
   */
  flush(): EventBatch {
    this.n = this.held
    this.final = true
    const pos = this.locked ? this.start : this.searchLock(this.start, true)
    this.start = this.locked ? this.decodeLocked(pos) : pos
    this.final = false
    return this.deliver(this.n)
  }

  /** Starts time over at zero, together with the device's `!ET0` (§6). */
  resetTime(): void {
    this.epoch = 0
    this.lastRaw = 0
    this.lastT = 0
    this.committedT = 0
    this.haveRef = false
    this.timeKnown = false
    this.avgStep = 0
    this.suspectStep = Infinity
  }

  /** Forgets lock, held events, buffered bytes and time: for a fresh stream after a reconnect. */
  reset(): void {
    this.locked = false
    this.held = 0
    this.n = 0
    this.start = this.end = 0
    this.arrivalEnds = []
    this.arrivalUs = []
    this.text.reset()
    this.resetTime()
  }

  private append(chunk: Uint8Array): void {
    const keepFrom = Math.min(this.start, this.oldestHeldStart())
    const live = this.end - keepFrom
    if (this.end + chunk.length > this.buf.length) {
      if (live + chunk.length > this.buf.length) {
        const grown = new Uint8Array(Math.max(this.buf.length * 2, live + chunk.length))
        grown.set(this.buf.subarray(keepFrom, this.end))
        this.buf = grown
      } else {
        this.buf.copyWithin(0, keepFrom, this.end)
      }
      this.base += keepFrom
      this.start -= keepFrom
      this.end = live
    }
    this.buf.set(chunk, this.end)
    this.end += chunk.length
  }

  /** Buffer index of the oldest held event (or `start` when none is held). */
  private oldestHeldStart(): number {
    if (this.held === 0) return this.start
    return this.starts[(this.decoded - this.held) & 63] - this.base
  }

  /** Decodes events from `pos` while locked; returns where it stopped (lock lost or data exhausted). */
  private decodeLocked(pos: number): number {
    const buf = this.buf
    const end = this.end
    const o = this.o
    const stride = this.stride
    const kind = this.kind
    while (pos < end) {
      const b0 = buf[pos]
      if ((b0 & 0x80) === 0) {
        const textEnd = this.inlineText(pos)
        if (textEnd === TEXT_INCOMPLETE) return pos
        if (textEnd >= 0) {
          pos = textEnd
          continue
        }
        return this.loseLock(pos)
      }
      let len = stride
      let dt = 0
      if (kind === 'delta') {
        len = this.deltaLength(pos)
        if (len === 0) return pos
        if (len < 0) return this.loseLock(pos)
      } else if (pos + stride > end) {
        return pos
      }
      const ry = b0 & 0x7f
      const b1 = buf[pos + 1]
      const rx = b1 & 0x7f
      if (rx >= o.width || ry >= o.height) return this.loseLock(pos)
      let t: number
      let arrived = 0
      if (kind === 'absolute') {
        let raw = 0
        for (let i = 2; i < stride; i++) raw = raw * 256 + buf[pos + i]
        arrived = this.arrivalAt(pos)
        if (this.haveRef && arrived - this.lastArrivalUs > this.hostGapUs) {
          // A pause longer than the wrap period (sparse scene, §6): whole wraps may have passed
          // unseen. Take the epoch that puts this event nearest to where host time says it is.
          const paused = this.afterPause(raw, arrived, pos)
          if (paused === PAUSE_UNDECIDED) return pos
          if (paused >= 0) {
            this.lastT = paused
            this.lastArrivalUs = arrived
            this.emit(paused, rx, ry, b1 >> 7, pos)
            pos += stride
            continue
          }
        }
        let epoch = this.epoch
        if (raw < this.lastRaw) epoch += this.wrap
        t = epoch + raw
        const step = t - this.lastT
        if (this.haveRef && (raw < this.lastRaw || step >= this.maxStepUs || step > this.suspectStep)) {
          const verdict = this.judgeStep(pos)
          if (verdict === STEP_WAIT) return pos
          if (verdict === STEP_LOSE) return this.loseLock(pos)
          if (verdict === STEP_SKIP) {
            pos += stride
            continue
          }
          if (verdict === STEP_RETRY) continue
        }
        if (epoch !== this.epoch) this.stats.wraps++
        this.epoch = epoch
        this.lastRaw = raw
        // Clamped, so that one questioned-but-accepted step cannot loosen the threshold much.
        if (this.haveRef) this.learnStep(Math.min(t - this.lastT, this.suspectStep))
      } else if (kind === 'delta') {
        for (let i = pos + 2; i < pos + len; i++) dt = dt * 128 + (buf[i] & 0x7f)
        if (this.haveRef && dt >= this.maxStepUs) {
          const confirm = this.window(pos, this.lockEvents * CONFIRM_GROWTH, this.lockEvents)
          if (confirm === NEED_MORE && !(this.final && this.checked > 0)) return pos
          if (confirm === FAIL) return this.loseLock(pos)
        }
        t = this.lastT + dt
      } else {
        t = this.nowUs
      }
      this.lastT = t
      this.haveRef = true
      this.timeKnown = true
      if (kind === 'absolute') this.lastArrivalUs = arrived
      this.emit(t, rx, ry, b1 >> 7, pos)
      pos += len
    }
    return pos
  }

  /**
   * Unwraps `raw` after a host-measured pause: spec §6's `epoch = round((hostElapsed − ts) / wrap)·wrap`,
   * anchored at the last event rather than at `!ET0`, so host/device clock drift does not add up.
   * Returns -1 when the host was busy rather than the device quiet: the plain unwrap gives an
   * ordinary step and the event came in a large chunk (a backlog read late) or the next event's
   * bytes came right after it (a dense stream); PAUSE_UNDECIDED to wait for the next event.
   */
  private afterPause(raw: number, arrived: number, pos: number): number {
    const plain = (raw < this.lastRaw ? this.epoch + this.wrap : this.epoch) + raw
    if (plain - this.lastT <= this.suspectStep) {
      if (this.chunkBytesAt(pos) >= BACKLOG_EVENTS * this.stride) return -1
      const next = pos + this.stride
      if (next < this.end) {
        if (this.arrivalAt(next) - arrived <= this.hostGapUs) return -1
      } else if (!this.final) {
        return PAUSE_UNDECIDED
      }
    }
    const expected = this.lastT + (arrived - this.lastArrivalUs)
    let epoch = Math.round((expected - raw) / this.wrap) * this.wrap
    if (epoch + raw < this.lastT) epoch += this.wrap
    if (epoch > this.epoch) this.stats.wraps += Math.round((epoch - this.epoch) / this.wrap)
    this.epoch = epoch
    this.lastRaw = raw
    return epoch + raw
  }

  /**
   * An absolute timestamp wrapped or jumped by maxStepUs or more. Either one event is corrupt (a
   * flipped timestamp bit: its neighbours agree with each other without a wrap), or time really
   * wrapped / the scene was quiet, or the lock is wrong. Never accepts a wrap one bad byte invented.
   */
  private judgeStep(pos: number): number {
    const next = pos + this.stride
    const haveNext = next + this.stride <= this.end
    if (!haveNext && !this.final) return STEP_WAIT
    if (haveNext && (this.buf[next] & 0x80) !== 0 && this.agrees(this.lastT, this.rawAt(next))) {
      this.stats.discardedEvents++ // this event is the odd one out
      this.stats.droppedBytes += this.stride
      return STEP_SKIP
    }
    const raw = this.rawAt(pos)
    if (this.follows(this.lastT, raw)) return STEP_ACCEPT // an ordinary wrap
    if (this.held > 0) {
      const before = this.n >= 2 ? this.ot[this.n - 2] : this.committedT
      if (this.follows(before, raw)) {
        // The previous (still held) event was the odd one out: withdraw it and retry this one.
        this.n--
        this.held--
        this.decoded--
        this.stats.discardedEvents++
        this.lastT = before
        this.lastRaw = before % this.wrap
        this.epoch = before - this.lastRaw
        return STEP_RETRY
      }
    }
    // A real wrap or gap is followed by events as smooth as before it; a phase slip is not.
    const confirm = this.window(pos, this.lockEvents * CONFIRM_GROWTH, this.lockEvents, Math.min(this.maxStepUs, this.suspectStep))
    if (confirm === NEED_MORE) return this.final && this.checked > 0 ? STEP_ACCEPT : STEP_WAIT
    return confirm === PASS ? STEP_ACCEPT : STEP_LOSE
  }

  /**
   * Tracks the typical step so that a byte slip, which reads timestamps shifted by a byte (about 256
   * times the real steps), is questioned even while its steps stay below maxStepUs.
   */
  private learnStep(step: number): void {
    this.avgStep += (step - this.avgStep) / 16
    this.suspectStep = Math.min(this.maxStepUs, SUSPECT_FACTOR * this.avgStep + SUSPECT_FLOOR_US)
  }

  private rawAt(pos: number): number {
    let raw = 0
    for (let i = 2; i < this.stride; i++) raw = raw * 256 + this.buf[pos + i]
    return raw
  }

  /** Whether raw timestamp `raw` follows time `t` closely without a wrap. */
  private agrees(t: number, raw: number): boolean {
    const lastRaw = t % this.wrap
    return raw >= lastRaw && raw - lastRaw < Math.min(this.maxStepUs, this.suspectStep)
  }

  /** Whether raw timestamp `raw` follows time `t` closely, across a wrap if need be. */
  private follows(t: number, raw: number): boolean {
    return (raw - (t % this.wrap) + this.wrap) % this.wrap < Math.min(this.maxStepUs, this.suspectStep)
  }

  /**
   * An ASCII line at an event boundary inside a locked stream (§5: logged, not decoded). Returns the
   * index after its `\n`, -1 if the bytes are not a text line, or TEXT_INCOMPLETE to wait for the rest.
   */
  private inlineText(pos: number): number {
    const limit = Math.min(this.end, pos + MAX_INLINE_TEXT)
    for (let i = pos; i < limit; i++) {
      const b = this.buf[i]
      if (b === 0x0a) {
        if (i === pos) return -1
        for (let j = pos; j <= i; j++) this.text.push(this.buf[j])
        return i + 1
      }
      if (!isPrintable(b) && b !== 0x0d) return -1
    }
    return limit === this.end && limit < pos + MAX_INLINE_TEXT ? TEXT_INCOMPLETE : -1
  }

  /** Length of the delta event at `pos`: > 0 complete, 0 incomplete, -1 more than 4 timestamp bytes. */
  private deltaLength(pos: number): number {
    for (let i = 0; i < MAX_DELTA_BYTES; i++) {
      const at = pos + 2 + i
      if (at >= this.end) return 0
      if (this.buf[at] & 0x80) return 3 + i
    }
    return -1
  }

  private emit(t: number, rx: number, ry: number, rawBit: number, pos: number): void {
    const o = this.o
    const sx = o.flipX ? o.width - 1 - rx : rx
    const sy = o.flipY ? o.height - 1 - ry : ry
    if (this.n === this.ot.length) this.growOutput()
    const i = this.n++
    this.ot[i] = t
    this.ox[i] = o.swapXY ? sy : sx
    this.oy[i] = o.swapXY ? sx : sy
    this.op[i] = o.invertPolarity ? rawBit : rawBit ^ 1
    this.starts[this.decoded++ & 63] = this.base + pos
    if (this.held < this.holdEvents) this.held++
  }

  /** Lock broke at `pos`: discard held events, rewind just past the oldest of them, roll time back. */
  private loseLock(pos: number): number {
    this.stats.resyncs++
    const from = this.held > 0 ? this.oldestHeldStart() : pos
    this.stats.discardedEvents += this.held
    this.n -= this.held
    this.decoded -= this.held
    this.held = 0
    this.locked = false
    const lastT = this.n > 0 ? this.ot[this.n - 1] : this.committedT
    if (this.kind === 'delta') {
      // Lost delta bytes shift all later times; continue from the last good time plus host time.
      this.lastT = lastT + Math.max(0, this.nowUs - this.committedHostUs)
    } else if (this.kind === 'absolute') {
      this.lastRaw = lastT % this.wrap
      this.epoch = lastT - this.lastRaw
      this.lastT = lastT
    }
    this.haveRef = false
    this.skip(from)
    return from + 1
  }

  /** Unlocked: scan for a lock position; sets `locked` and returns it, or returns where to resume. */
  private searchLock(pos: number, final: boolean): number {
    const k = this.lockEvents
    while (pos < this.end) {
      if ((this.buf[pos] & 0x80) === 0) {
        this.skip(pos++)
        continue
      }
      let r = this.window(pos, k, k)
      if (r === NEED_MORE && final && this.checked > 0) r = PASS
      if (r === NEED_MORE) return pos
      if (r !== PASS) {
        this.skip(pos++)
        continue
      }
      const choice = this.disambiguate(pos, final)
      if (choice === NEED_MORE) return pos
      if (choice === FAIL) {
        this.skip(pos++)
        continue
      }
      this.locked = true
      this.text.reset()
      return this.skipToContinuation(pos)
    }
    return pos
  }

  /**
   * After a resync the first events of a passing window can still be stitched from bytes around the
   * damage. Start at the window event that continues the last good time most closely (smallest
   * modular step): real events follow each other closely, so a stitched event ahead of them can
   * neither appear nor add a false wrap.
   */
  private skipToContinuation(pos: number): number {
    if (this.kind !== 'absolute' || !this.timeKnown) return pos
    const lastRaw = this.lastT % this.wrap
    let best = pos
    let bestStep = Infinity
    for (let e = 0, at = pos; e < this.lockEvents && at + this.stride <= this.end; e++, at += this.stride) {
      const step = (this.rawAt(at) - lastRaw + this.wrap) % this.wrap
      if (step < bestStep) {
        bestStep = step
        best = at
      }
    }
    for (let i = pos; i < best; i++) this.skip(i)
    return best
  }

  /**
   * Another phase inside the first event may pass the same checks (e.g. `!E0` when every polarity
   * bit is 1, or a slowly changing timestamp byte). Grow the window until only `pos` passes; if the
   * alternatives survive the largest window, the earliest phase wins.
   */
  private disambiguate(pos: number, final: boolean): WindowResult {
    const firstLen = this.kind === 'delta' ? this.deltaLength(pos) : this.stride
    let rivals: number[] = []
    for (let alt = pos + 1; alt < pos + firstLen; alt++) {
      if ((this.buf[alt] & 0x80) === 0) continue
      const r = this.window(alt, this.lockEvents, this.lockEvents)
      if (r === NEED_MORE && !final) return NEED_MORE
      if (r !== FAIL) rivals.push(alt)
    }
    let k = this.lockEvents
    while (rivals.length > 0 && k < this.lockEvents * MAX_WINDOW_GROWTH) {
      k *= 2
      const mine = this.window(pos, k, this.lockEvents)
      if (mine === NEED_MORE && !final && this.end - pos < 1 << 16) return NEED_MORE
      if (mine === FAIL) return FAIL
      if (mine === NEED_MORE) break
      rivals = rivals.filter((alt) => this.window(alt, k, this.lockEvents) !== FAIL)
    }
    if (rivals.length === 0 || this.kind !== 'absolute') return PASS
    // Still ambiguous: the true phase has the smoothest clock (jAER's calibration idea).
    const mine = this.spread(pos, k)
    return rivals.some((alt) => this.spread(alt, k) < mine) ? FAIL : PASS
  }

  /** Sum of modular timestamp steps over up to `k` complete events from `pos`. */
  private spread(pos: number, k: number): number {
    let sum = 0
    let prev = -1
    for (let e = 0; e < k && pos + this.stride <= this.end; e++, pos += this.stride) {
      const raw = this.rawAt(pos)
      if (prev >= 0) sum += (raw - prev + this.wrap) % this.wrap
      prev = raw
    }
    return sum
  }

  /**
   * Checks `k` consecutive events from `pos` using only their own consistency: sync bit, address
   * range, ≤ 4 delta bytes, timestamp steps below maxStepUs and at most one descent (wrap) per
   * `perWrap` events; NEED_MORE when the buffer ends first.
   */
  private window(pos: number, k: number, perWrap: number, stepLimit = this.maxStepUs): WindowResult {
    const buf = this.buf
    const o = this.o
    let descents = 0
    const allowedDescents = Math.max(1, Math.floor(k / perWrap))
    let prevRaw = -1
    this.checked = 0
    for (let e = 0; e < k; e++, this.checked++) {
      if (pos + 2 > this.end) return NEED_MORE
      const b0 = buf[pos]
      if ((b0 & 0x80) === 0) return FAIL
      if ((b0 & 0x7f) >= o.height || (buf[pos + 1] & 0x7f) >= o.width) return FAIL
      if (this.kind === 'delta') {
        const len = this.deltaLength(pos)
        if (len < 0) return FAIL
        if (len === 0) return NEED_MORE
        let dt = 0
        for (let i = pos + 2; i < pos + len; i++) dt = dt * 128 + (buf[i] & 0x7f)
        if (e > 0 && dt >= stepLimit) return FAIL
        pos += len
      } else {
        if (pos + this.stride > this.end) return NEED_MORE
        if (this.kind === 'absolute') {
          let raw = 0
          for (let i = 2; i < this.stride; i++) raw = raw * 256 + buf[pos + i]
          if (prevRaw >= 0) {
            if (raw < prevRaw && ++descents > allowedDescents) return FAIL
            const step = (raw - prevRaw + this.wrap) % this.wrap
            if (step >= stepLimit) return FAIL
          }
          prevRaw = raw
        }
        pos += this.stride
      }
    }
    return PASS
  }

  private skip(pos: number): void {
    this.stats.droppedBytes++
    this.text.push(this.buf[pos])
  }

  /** Hands out the first `count` of the decoded events and keeps the held rest at the front. */
  private deliver(count: number): EventBatch {
    let out: EventBatch
    if (this.packedOutput) {
      out = packedEventBatch(count)
      out.t.set(this.ot.subarray(0, count))
      out.x.set(this.ox.subarray(0, count))
      out.y.set(this.oy.subarray(0, count))
      out.p.set(this.op.subarray(0, count))
    } else {
      out = { t: this.ot.slice(0, count), x: this.ox.slice(0, count), y: this.oy.slice(0, count), p: this.op.slice(0, count) }
    }
    if (count > 0) {
      this.committedT = this.ot[count - 1]
      this.committedHostUs = this.nowUs
    }
    const rest = this.n - count
    this.ot.copyWithin(0, count, this.n)
    this.ox.copyWithin(0, count, this.n)
    this.oy.copyWithin(0, count, this.n)
    this.op.copyWithin(0, count, this.n)
    this.n = rest
    this.held = rest
    this.stats.events += count
    return out
  }

  private growOutput(): void {
    const cap = this.ot.length * 2
    const t = new Float64Array(cap)
    t.set(this.ot)
    const x = new Uint16Array(cap)
    x.set(this.ox)
    const y = new Uint16Array(cap)
    y.set(this.oy)
    const p = new Uint8Array(cap)
    p.set(this.op)
    this.ot = t
    this.ox = x
    this.oy = y
    this.op = p
  }
}

function positiveInt(v: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new SpikelabError('EDVS_PARSER_OPTION', `${field} must be an integer in ${min}..${max}, got ${v}`, { field })
  }
  return v
}
