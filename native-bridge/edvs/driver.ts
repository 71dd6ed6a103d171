import type { EventBatch } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'
import type { ByteLink } from '../serial/byte-link.js'
import type { ThreadParsedSink, ThreadParseRequest } from '../serial/reader-thread.js'
import type { ThreadParsing, TransportState } from '../serial/transport.js'
import type { EdvsCommand } from './commands.js'
import { buildCommand } from './commands.js'
import type { EdvsParserStats } from './event-parser.js'
import { EdvsEventParser } from './event-parser.js'
import type { EdvsFirmware } from './firmware.js'
import { classifyBanner, defaultNumbering } from './firmware.js'
import type { EdvsFormat } from './formats.js'
import { fixedStride, formatsOf } from './formats.js'
import { parseFormatTable } from './format-table.js'
import type { EdvsOrientation } from './orientation.js'
import { viewPackedEvents } from './packed-events.js'
import type { ThreadEdvsParserOptions, ThreadParsedEvents } from './thread-parser.js'

/** A link that can also report and declare losses (SerialTransport); a plain ByteLink works too. */
export interface ManagedLink extends ByteLink {
  onState?(listener: (state: TransportState, reason?: string, previous?: TransportState) => void): () => void
  setExpectData?(expect: boolean): void
  markLost?(reason: string): void
  /** Runs the parser in the thread reading the port (SerialTransport on Unix); undefined: parse here. */
  parseInThread?(request: ThreadParseRequest, sink: ThreadParsedSink): Promise<ThreadParsing | undefined>
}

export interface EdvsDriverOptions {
  readonly link: ManagedLink
  readonly onEvents: (batch: EventBatch) => void
  /** `!E<n>` to use; default: the widest absolute timestamp the firmware lists (§3). */
  readonly format?: number
  readonly orientation?: Partial<EdvsOrientation>
  readonly maxStepUs?: number
  /** Text lines the device printed (echoes, replies, lines found in the binary stream). */
  readonly onText?: (line: string) => void
  /** The link was lost (the stream has a gap) and, later, the stream resumed after a reconnect. */
  readonly onLoss?: (reason: string) => void
  readonly onResume?: (info: EdvsDeviceInfo) => void
  /**
   * The link went quiet for longer than its heartbeat but the port is kept and read (edvs-serial.md
   * §10.4 SUSPECT): not a loss — no gap, no handshake, no loss count. `onAlive` follows when data
   * flows again; a real loss afterwards is reported through onLoss as usual.
   */
  readonly onSuspect?: (reason: string) => void
  readonly onAlive?: () => void
  /**
   * A hole in the event stream: the link was lost and came back (reported just before the first
   * event after it), or the parser skipped bytes (coalesced, at most one report per 100 ms).
   */
  readonly onGap?: (gap: EdvsGap) => void
  /** Pause between commands (§2: one command per write, ~10 ms apart). */
  readonly commandGapMs?: number
  /** Wait after `R` before reading the banner (libcaer waits 400 ms). */
  readonly resetWaitMs?: number
  /** How long to wait for a banner or reply to begin. */
  readonly replyTimeoutMs?: number
  /** A reply is complete after this much silence. */
  readonly replyQuietMs?: number
}

export interface EdvsDeviceInfo {
  readonly firmware: EdvsFirmware
  readonly banner: string
  readonly formats: readonly EdvsFormat[]
  readonly format: EdvsFormat
}

export interface EdvsDriverStats extends EdvsParserStats {
  losses: number
  resumes: number
  /** Silent spells that ended without a loss or are still going on. */
  suspects: number
  /** Gaps reported through onGap. */
  gaps: number
}

/** What is known about a hole in the event stream (recorded as a gap marker). */
export interface EdvsGap {
  readonly kind: 'link-lost' | 'dropped-bytes'
  /** Time of the last event delivered before the gap (µs, the driver's output time base). */
  readonly afterUs: number
  /** How long no events could arrive: host-measured for a lost link, 0 for skipped bytes. */
  readonly durationUs: number
  /** Bytes the parser skipped (for a lost link: those skipped while it lasted, if any). */
  readonly droppedBytes: number
  /** Events probably lost: the recent event rate × the duration, plus discarded and skipped events. */
  readonly lostEventsEstimate: number
  readonly reason: string
}

/** Drop reports closer together than this are merged into one. */
const DROP_GAP_INTERVAL_MS = 100

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** The parser module a reader thread loads (thread-parser.ts; its built `.js` outside tsx). */
const THREAD_PARSER_MODULE = new URL(import.meta.url.endsWith('.ts') ? './thread-parser.ts' : './thread-parser.js', import.meta.url).href

/** A pause this long delivers the events the parser holds back for later checks. */
const IDLE_FLUSH_MS = 50

const NO_EVENTS: EventBatch = { t: new Float64Array(0), x: new Uint16Array(0), y: new Uint16Array(0), p: new Uint8Array(0) }

/**
 * Talks to one eDVS over a byte link: the start-up handshake (reset, banner, echo off, `??E`,
 * format), streaming start/stop, whitelisted bias and LED commands, and recovery after the link is
 * lost: when the transport reconnects it re-runs the handshake and resumes streaming with a fresh
 * parser. A silent but open link (SUSPECT) is only reported: the same parser reads on when data
 * comes back, so nothing is lost. Bytes go to a text-line collector while commands are exchanged and to the event parser
 * while streaming (§5), so replies never reach the binary decoder. Where the link reads its port on
 * a thread (SerialTransport on Unix) the parser runs on that thread while streaming and only packed
 * event batches come here (§10.2); elsewhere, or with SPIKELAB_EDVS_PARSE=owner, it runs here.
 */
export class EdvsDriver {
  private mode: 'text' | 'binary' = 'text'
  private parser: EdvsEventParser | undefined
  /** The parser running in the link's reader thread, with its latest counters. */
  private remote: { handle: ThreadParsing; stats: EdvsParserStats; layout: EdvsFormat['layout'] } | undefined
  private info: EdvsDeviceInfo | undefined
  private streaming = false
  private closed = false
  private recovering = false
  private lineBuf = ''
  private lines: string[] = []
  private lastByteAt = 0
  private readonly counters = { losses: 0, resumes: 0, gaps: 0, suspects: 0 }
  /**
   * Output time = parser time + timeOffset. After a reconnect (or a stop and start) the device
   * clock restarts at 0; the offset continues time from the last event plus the host-measured pause,
   * so the driver's timestamps never go back.
   */
  private timeOffset = 0
  private lastT = -1
  private lastHostMs = 0
  private delivered = 0
  private rateSamples: { at: number; events: number }[] = []
  private pendingLoss: { reason: string; atMs: number } | undefined
  private seenDrops = { bytes: 0, events: 0 }
  private pendingDrops = { bytes: 0, events: 0 }
  private lastDropGapMs = -Infinity
  /** Failed reopen attempts while the device is away report 'lost' again: one loss is counted. */
  private linkUp = true
  private readonly finishedParserStats: EdvsParserStats = { events: 0, droppedBytes: 0, discardedEvents: 0, resyncs: 0, textLines: 0, wraps: 0 }
  private readonly unsubscribe: (() => void)[] = []
  private idleTimer: NodeJS.Timeout | undefined

  constructor(private readonly options: EdvsDriverOptions) {
    this.unsubscribe.push(options.link.onData((chunk) => this.receive(chunk)))
    if (options.link.onState) {
      this.unsubscribe.push(options.link.onState((state, reason, previous) => this.linkState(state, reason, previous)))
    }
  }

  get device(): EdvsDeviceInfo | undefined {
    return this.info
  }

  get isStreaming(): boolean {
    return this.streaming
  }

  /** Where the event parser runs while streaming: the port's reader thread, here, or none (not streaming). */
  get parsingIn(): 'thread' | 'owner' | undefined {
    if (this.mode !== 'binary') return undefined
    return this.remote ? 'thread' : 'owner'
  }

  get stats(): EdvsDriverStats {
    const p = this.parser?.stats ?? this.remote?.stats
    const sum = (k: keyof EdvsParserStats) => this.finishedParserStats[k] + (p ? p[k] : 0)
    return {
      events: sum('events'),
      droppedBytes: sum('droppedBytes'),
      discardedEvents: sum('discardedEvents'),
      resyncs: sum('resyncs'),
      textLines: sum('textLines'),
      wraps: sum('wraps'),
      ...this.counters,
    }
  }

  /** Runs the start-up handshake (§3) and returns what the device is and which format is set. */
  async connect(): Promise<EdvsDeviceInfo> {
    this.enterTextMode()
    await this.options.link.write(Uint8Array.of(0x0a)) // end any half-typed line
    await this.collectReply(100)
    this.lines = []
    await this.writeLine('R\n')
    await sleep(this.options.resetWaitMs ?? 400)
    const banner = (await this.collectReply(this.options.replyTimeoutMs ?? 1000)).join('\n')
    const firmware = classifyBanner(banner)
    if (firmware === 'unknown' && banner.trim() === '') {
      throw new SpikelabError('EDVS_NO_BANNER', 'the device did not answer the reset with a banner (wrong port, baud rate or flow control?)', { field: 'banner' })
    }
    const ctx = { firmware }
    await this.send({ kind: 'echoOff' }, ctx)
    await this.collectReply(this.options.replyQuietMs ?? 50)
    await this.send({ kind: 'listFormats' }, ctx)
    const table = (await this.collectReply(this.options.replyTimeoutMs ?? 1000)).join('\n')
    let formats: EdvsFormat[]
    try {
      formats = parseFormatTable(table)
    } catch {
      formats = formatsOf(defaultNumbering(firmware)) // no usable ??E: fall back to the generation's table
    }
    const format = this.chooseFormat(formats)
    await this.send({ kind: 'setFormat', format: format.command }, { firmware, formats: formats.map((f) => f.command) })
    await this.collectReply(this.options.replyQuietMs ?? 50)
    this.info = { firmware, banner, formats, format }
    return this.info
  }

  /** `!ET0` (with the parser's clock reset in the same step, §6) then `E+`. */
  async start(): Promise<void> {
    const info = this.requireInfo()
    await this.send({ kind: 'resetTimestamp' }, { firmware: info.firmware })
    this.retireParser()
    const parserOptions: ThreadEdvsParserOptions = { layout: info.format.layout, orientation: this.options.orientation, maxStepUs: this.options.maxStepUs }
    const handle = await this.parseInThread(parserOptions)
    if (handle) this.remote = { handle, stats: { events: 0, droppedBytes: 0, discardedEvents: 0, resyncs: 0, textLines: 0, wraps: 0 }, layout: info.format.layout }
    else this.parser = new EdvsEventParser({ ...parserOptions, onText: this.options.onText })
    this.seenDrops = { bytes: 0, events: 0 }
    if (this.lastT >= 0) {
      // The device clock restarts now (`!ET0`): continue from the last event plus the pause.
      const pauseUs = Math.max(1, Math.round((performance.now() - this.lastHostMs) * 1000))
      this.timeOffset = this.lastT + pauseUs
      const loss = this.pendingLoss
      this.pendingLoss = undefined
      if (loss) {
        this.reportGap({
          kind: 'link-lost',
          afterUs: this.lastT,
          durationUs: pauseUs,
          droppedBytes: this.pendingDrops.bytes,
          lostEventsEstimate: Math.round((this.recentRate() * pauseUs) / 1e6) + this.pendingDrops.events,
          reason: loss.reason,
        })
      }
    }
    this.mode = 'binary'
    this.streaming = true
    await this.send({ kind: 'startEvents' }, { firmware: info.firmware })
    this.options.link.setExpectData?.(true)
    if (this.parser) this.startIdleFlush() // a thread parser flushes at pauses itself
  }

  /** `E-`, then delivers what is still in flight and returns to text mode. */
  async stop(): Promise<void> {
    const info = this.requireInfo()
    this.streaming = false
    this.options.link.setExpectData?.(false)
    clearInterval(this.idleTimer)
    await this.send({ kind: 'stopEvents' }, { firmware: info.firmware })
    await this.waitQuiet(this.options.replyQuietMs ?? 50, 1000)
    await this.stopThreadParsing()
    this.flushParser()
    this.enterTextMode()
  }

  async setBias(index: number, value: number): Promise<void> {
    await this.send({ kind: 'setBias', index, value }, { firmware: this.requireInfo().firmware })
  }

  async flushBiases(): Promise<void> {
    await this.send({ kind: 'flushBiases' }, { firmware: this.requireInfo().firmware })
  }

  async setLed(mode: 'off' | 'on' | 'blink'): Promise<void> {
    await this.send({ kind: 'led', mode }, { firmware: this.requireInfo().firmware })
  }

  /** Stops listening; the link itself belongs to the caller. */
  close(): void {
    this.closed = true
    clearInterval(this.idleTimer)
    // A thread parser is let go without waiting (nothing is delivered after close; stop() first
    // to receive what it still holds); the owner-thread parser hands out its rest now.
    const remote = this.remote
    if (remote) {
      this.retireParser()
      remote.handle.stop().catch(() => undefined)
    }
    this.flushParser()
    for (const off of this.unsubscribe) off()
  }

  private chooseFormat(formats: readonly EdvsFormat[]): EdvsFormat {
    if (this.options.format !== undefined) {
      const wanted = formats.find((f) => f.command === this.options.format)
      if (!wanted) {
        throw new SpikelabError('EDVS_FORMAT_UNSUPPORTED', `the firmware does not offer !E${this.options.format} (offers ${formats.map((f) => `!E${f.command}`).join(', ')})`, { field: 'format' })
      }
      return wanted
    }
    const rank = (f: EdvsFormat) => (f.layout.kind === 'absolute' ? f.layout.timestampBytes * 10 : f.layout.kind === 'delta' ? 5 : 0)
    return [...formats].sort((a, b) => rank(b) - rank(a))[0]
  }

  private async send(cmd: EdvsCommand, ctx: { firmware: EdvsFirmware; formats?: readonly number[] }): Promise<void> {
    const line = buildCommand(cmd, ctx)
    if (line !== undefined) await this.writeLine(line)
  }

  private async writeLine(line: string): Promise<void> {
    await this.options.link.write(new TextEncoder().encode(line))
    await sleep(this.options.commandGapMs ?? 10)
  }

  /** The link's reader thread parses, or undefined (no such thread, it failed to load, or SPIKELAB_EDVS_PARSE=owner). */
  private async parseInThread(options: ThreadEdvsParserOptions): Promise<ThreadParsing | undefined> {
    const link = this.options.link
    if (!link.parseInThread || process.env.SPIKELAB_EDVS_PARSE === 'owner') return undefined
    try {
      return await link.parseInThread({ module: THREAD_PARSER_MODULE, options, idleFlushMs: IDLE_FLUSH_MS }, (value, bytes) => this.receiveParsed(value as ThreadParsedEvents, bytes))
    } catch {
      return undefined // the thread could not load the parser: parse here instead
    }
  }

  /** One output of the thread parser: its counters, text lines found in the stream, and events. */
  private receiveParsed(out: ThreadParsedEvents, bytes: number): void {
    const remote = this.remote
    if (!remote) return
    if (bytes > 0) this.lastByteAt = Date.now()
    remote.stats = out.stats
    for (const line of out.texts) this.options.onText?.(line)
    this.deliver(out.packed ? viewPackedEvents(out.packed, out.count, out.count) : NO_EVENTS)
  }

  /** The thread parser delivers what it holds and hands bytes back (for command replies). */
  private async stopThreadParsing(): Promise<void> {
    const remote = this.remote
    if (!remote) return
    try {
      await remote.handle.stop()
    } catch {
      // the port went away meanwhile: what the thread held went with it
    }
    if (this.remote === remote) this.retireParser()
  }

  private receive(chunk: Uint8Array): void {
    this.lastByteAt = Date.now()
    if (this.mode === 'binary' && this.parser) {
      this.deliver(this.parser.push(chunk))
      return
    }
    for (const byte of chunk) {
      if (byte === 0x0a) {
        const line = this.lineBuf.replace(/\r$/, '')
        this.lineBuf = ''
        if (line.length > 0) {
          this.lines.push(line)
          this.options.onText?.(line)
        }
      } else if (this.lineBuf.length < 1024) {
        this.lineBuf += String.fromCharCode(byte)
      }
    }
  }

  /** Waits for a reply to start (up to `timeoutMs`) and end (quiet), and returns its lines. */
  private async collectReply(timeoutMs: number): Promise<string[]> {
    const quiet = this.options.replyQuietMs ?? 50
    const startedAt = Date.now()
    const before = this.lastByteAt
    while (Date.now() - startedAt < timeoutMs && this.lastByteAt === before) await sleep(5)
    await this.waitQuiet(quiet, timeoutMs)
    const lines = this.lines
    this.lines = []
    return lines
  }

  private async waitQuiet(quietMs: number, maxMs: number): Promise<void> {
    const startedAt = Date.now()
    while (Date.now() - startedAt < maxMs && Date.now() - this.lastByteAt < quietMs) await sleep(5)
  }

  private enterTextMode(): void {
    this.mode = 'text'
    this.lineBuf = ''
    this.lines = []
  }

  /** Held-back events are delivered when the stream pauses, so a quiet scene is not delayed. */
  private startIdleFlush(): void {
    clearInterval(this.idleTimer)
    this.idleTimer = setInterval(() => {
      if (this.mode !== 'binary' || !this.parser || Date.now() - this.lastByteAt <= 50) return
      this.deliver(this.parser.flushHeld())
    }, 50)
    this.idleTimer.unref()
  }

  private flushParser(): void {
    if (!this.parser) return
    this.deliver(this.parser.flush())
  }

  /** Every batch leaves through here: drop reports first, then the events in the output time base. */
  private deliver(batch: EventBatch): void {
    const s = this.parser?.stats ?? this.remote?.stats
    const layout = this.parser?.layout ?? this.remote?.layout
    if (s && layout) {
      const bytes = s.droppedBytes - this.seenDrops.bytes
      const events = s.discardedEvents - this.seenDrops.events
      if (bytes > 0 || events > 0) {
        this.seenDrops = { bytes: s.droppedBytes, events: s.discardedEvents }
        this.pendingDrops.bytes += bytes
        this.pendingDrops.events += events
      }
      const now = performance.now()
      if ((this.pendingDrops.bytes > 0 || this.pendingDrops.events > 0) && !this.pendingLoss && this.lastT >= 0 && now - this.lastDropGapMs >= DROP_GAP_INTERVAL_MS) {
        const stride = fixedStride(layout) ?? 3
        this.lastDropGapMs = now
        this.reportGap({
          kind: 'dropped-bytes',
          afterUs: this.lastT,
          durationUs: 0,
          droppedBytes: this.pendingDrops.bytes,
          lostEventsEstimate: this.pendingDrops.events + Math.round(this.pendingDrops.bytes / stride),
          reason: `the parser skipped ${this.pendingDrops.bytes} bytes to stay in sync`,
        })
      }
    }
    const n = batch.t.length
    if (n === 0) return
    if (this.timeOffset !== 0) {
      const t = batch.t
      for (let i = 0; i < n; i++) t[i] += this.timeOffset
    }
    this.lastT = batch.t[n - 1]
    this.lastHostMs = performance.now()
    this.delivered += n
    const last = this.rateSamples.at(-1)
    if (!last || this.lastHostMs - last.at >= 200) {
      this.rateSamples.push({ at: this.lastHostMs, events: this.delivered })
      if (this.rateSamples.length > 10) this.rateSamples.shift()
    }
    this.options.onEvents(batch)
  }

  private reportGap(gap: EdvsGap): void {
    this.pendingDrops = { bytes: 0, events: 0 }
    this.counters.gaps++
    this.options.onGap?.(gap)
  }

  /** Events per second over the last ~2 s of deliveries. */
  private recentRate(): number {
    const first = this.rateSamples[0]
    if (!first || this.lastHostMs <= first.at) return 0
    return ((this.delivered - first.events) * 1000) / (this.lastHostMs - first.at)
  }

  private retireParser(): void {
    const s = this.parser?.stats ?? this.remote?.stats
    if (!s) return
    for (const k of Object.keys(s) as (keyof EdvsParserStats)[]) this.finishedParserStats[k] += s[k]
    this.parser = undefined
    this.remote = undefined
  }

  private requireInfo(): EdvsDeviceInfo {
    if (!this.info) throw new SpikelabError('EDVS_NOT_CONNECTED', 'run connect() before using the device')
    return this.info
  }

  private linkState(state: TransportState, reason?: string, previous?: TransportState): void {
    if (this.closed) return
    if (state === 'suspect') {
      // The port and the parser stay as they are: the bytes that come next continue the stream.
      this.counters.suspects++
      this.options.onSuspect?.(reason ?? 'no data')
      return
    }
    if (state === 'connected' && previous === 'suspect') {
      this.options.onAlive?.()
      return
    }
    const wasUp = this.linkUp
    if (state === 'connected') this.linkUp = true
    if (state === 'lost') this.linkUp = false
    if (state === 'lost' && wasUp) {
      clearInterval(this.idleTimer)
      this.flushParser()
      this.retireParser()
      this.mode = 'text'
      this.counters.losses++
      this.pendingLoss ??= { reason: reason ?? 'link lost', atMs: performance.now() }
      this.options.onLoss?.(reason ?? 'link lost')
    } else if (state === 'connected' && !wasUp && this.info && !this.recovering) {
      void this.recover()
    }
  }

  /** After a reconnect: handshake again and resume streaming if it was on (§10.4). */
  private async recover(): Promise<void> {
    this.recovering = true
    // The handshake has pauses (reset, replies); silence during it is not a lost link.
    this.options.link.setExpectData?.(false)
    try {
      const info = await this.connect()
      if (this.streaming) await this.start()
      this.counters.resumes++
      this.options.onResume?.(info)
    } catch (err) {
      this.options.link.markLost?.(`handshake after reconnect failed: ${err instanceof Error ? err.message : String(err)}`)
    } finally {
      this.recovering = false
    }
  }
}
