import { SpikelabError } from '../../common/errors.js'
import type { Clock } from '../board-link/clock.js'
import { Timer, systemClock } from '../board-link/clock.js'
import { ControlChannel, isUnsequenced } from '../board-link/control-channel.js'
import type { ByteDuplex } from '../board-link/duplex.js'
import { FrameDecoder } from '../board-link/frame-codec.js'
import type { Frame } from '../board-link/header.js'
import { Chan, Flag, PRE_HANDSHAKE_MAX_FRAME, seqPrecedes } from '../board-link/header.js'
import type { ErrorCodeName } from '../board-link/message-types.js'
import { CapsBit, ErrorCode, HeartbeatFlag, MsgType, RunFlag, RunState, SlotMode, SpikesFlag } from '../board-link/message-types.js'
import * as P from '../board-link/payloads.js'
import { T } from '../board-link/timing.js'
import { Transmitter } from '../board-link/transmitter.js'
import { decodeModelBlob } from '../engine/blob-decoder.js'
import type { DeviceLimits } from '../engine/capacity.js'
import { RP1_LIMITS } from '../engine/capacity.js'
import { sha256 } from '../engine/sha256.js'
import { DeployUnit } from './deploy-unit.js'
import { SimFlash } from './flash.js'
import { ModelRunner } from './model-runner.js'
import type { OverrunPolicy } from './model-runner.js'
import type { PowerCutPlan } from './power-cut.js'
import { PowerCut } from './power-cut.js'

export interface SimBoardOptions {
  clock?: Clock
  /** Persistent storage; pass the same instance to a new board to model a reset with flash intact. */
  flash?: SimFlash
  limits?: DeviceLimits
  /** Nominal baud for pacing (§17 item 4); 0 = unpaced virtual link. Default 2 Mbaud. */
  linkBaud?: number
  /** Compute budget per ms of tick (§17 item 2), default 250 000. */
  budgetPerMs?: number
  /** Over-budget realtime ticks: STRETCH (default) or DROP the tick's latest events first. */
  overrunPolicy?: OverrunPolicy
  /** Multiplier on flash erase/program times (1 = 30 ms per 4 KiB sector); 0 = instant. */
  flashTimeScale?: number
  inQueue?: number
  outQueue?: number
  boardId?: string
  serial?: string
  fwVer?: string
  faults?: BoardFaults
}

/** Forced device-side faults (§17 item 7). */
export interface BoardFaults {
  /** Fail the read-after-write of the n-th (1-based) programmed chunk with FLASH_WRITE. */
  flashWriteFailAtChunk?: number
  /** Report SELFTEST_FAIL on the next self-test. */
  selfTestFail?: boolean
}

const PROTO = 1
const RP1_CAPS =
  CapsBit.HOT_DEPLOY | CapsBit.SPARSE_CSR | CapsBit.SELFTEST | CapsBit.READBACK_SLOT | CapsBit.READBACK_STATE |
  CapsBit.STEPPED | CapsBit.MONITOR_ALL | CapsBit.SIMULATED

export type BoardCounters = P.DeviceCounters

/**
 * The device side of board link v1 (§5–§10, §16–17), transport-agnostic: feed received bytes to
 * `receive`, and it writes to the attached sink. RAM state lives in this object; `SimFlash`
 * survives `powerCut()`/`reset()`, which reboot the board as hardware would.
 */
export class SimBoard {
  readonly flash: SimFlash
  readonly limits: DeviceLimits
  private readonly clock: Clock
  private readonly opts: SimBoardOptions
  private sink: (bytes: Uint8Array) => void = () => {}
  private link: ByteDuplex | null = null
  private bootMs = 0
  private tx!: Transmitter
  private ctrl!: ControlChannel
  private decoder!: FrameDecoder
  private deploy!: DeployUnit
  private session = false
  private maxFrame = PRE_HANDSHAKE_MAX_FRAME
  private runner: ModelRunner | null = null
  private runState: number = RunState.NO_MODEL
  private rxIndex = 0
  private lastCreditReport = 0
  private streamSeqOut = 0
  private logSeq = 0
  private bulkSeq = 0
  private expectedInSeq = 0
  private spikesTickReported = 0
  private finalPending = false
  private lastAsync = new Map<number, number>()
  private timers: Timer[] = []
  private rxQueue: Uint8Array[] = []
  private rxTokens = 64
  private rxLastRefill = 0
  private rxBytesPerSecond = 0
  private rxTimer!: Timer
  private heartbeatTimer!: Timer
  private sessionTimer!: Timer
  private flushTimer!: Timer
  private idleTimer!: Timer
  counters!: BoardCounters
  /** Every booted image that failed its SHA-256 check (for tests of the boot path). */
  bootLog: string[] = []
  private bootLogSent = 0

  constructor(opts: SimBoardOptions = {}) {
    this.opts = opts
    this.clock = opts.clock ?? systemClock
    this.limits = opts.limits ?? RP1_LIMITS
    this.flash = opts.flash ?? new SimFlash(this.limits.slotSize)
    this.boot()
  }

  /** Connects a byte stream (serial port, pty, in-memory end). */
  attach(link: ByteDuplex): void {
    this.link = link
    this.sink = (b) => link.write(b)
    link.onData((b) => this.receive(b))
    link.onClose(() => {
      if (this.link === link) this.link = null
    })
  }

  /** Sets the byte sink directly (alternative to `attach`). */
  onTransmit(sink: (bytes: Uint8Array) => void): void {
    this.sink = sink
  }

  receive(bytes: Uint8Array): void {
    if (this.rxBytesPerSecond === 0) {
      this.guard(() => this.decoder.push(bytes))
      return
    }
    this.rxQueue.push(bytes.slice())
    this.pumpRx()
  }

  /** Receive side of the link pacing (§17 item 4): bytes are taken at baud/10 like a real UART. */
  private pumpRx(): void {
    const now = this.clock.now()
    this.rxTokens = Math.min(64, this.rxTokens + ((now - this.rxLastRefill) * this.rxBytesPerSecond) / 1000)
    this.rxLastRefill = now
    while (this.rxQueue.length > 0 && this.rxTokens >= 0) {
      const b = this.rxQueue.shift()!
      this.rxTokens -= b.length
      this.guard(() => this.decoder.push(b))
    }
    if (this.rxQueue.length > 0) this.rxTimer.ensure(Math.max(1, (-this.rxTokens * 1000) / this.rxBytesPerSecond))
  }

  armPowerCut(plan: PowerCutPlan | null): void {
    this.flash.armPowerCut(plan)
  }

  /** Cuts power now: RAM is lost, flash is kept, the board boots again. */
  powerCut(): void {
    this.shutdown()
    this.boot()
  }

  /** Stops all timers; the board stays silent until garbage-collected. */
  close(): void {
    this.shutdown()
    this.link = null
    this.sink = () => {}
  }

  get state(): { runState: number; session: boolean; tick: number; activeSha256: Uint8Array | null; activeMode: number; bootCount: number } {
    const rec = this.flash.readRecord()
    return {
      runState: this.runState,
      session: this.session,
      tick: this.runner?.tick ?? 0,
      activeSha256: rec && rec.slot !== 0xff ? rec.sha256 : null,
      activeMode: rec && rec.slot !== 0xff ? rec.mode : SlotMode.NONE,
      bootCount: this.flash.bootCount,
    }
  }

  /** The running engine's state bytes (§16.6), or null without a model. */
  stateBytes(): Uint8Array | null {
    return this.runner?.engine.stateBytes() ?? null
  }

  private timer(fn: () => void): Timer {
    const t = new Timer(this.clock, () => this.guard(fn))
    this.timers.push(t)
    return t
  }

  /** Runs device code; a power cut inside any flash operation reboots the board. */
  private guard(fn: () => void): void {
    try {
      fn()
    } catch (e) {
      if (e instanceof PowerCut) {
        this.bootLog.push(`power cut at ${e.point}`)
        this.powerCut()
        return
      }
      throw e
    }
  }

  private shutdown(): void {
    for (const t of this.timers) t.stop()
    this.timers = []
    this.ctrl?.close()
    this.tx?.clear()
    this.runner?.shutdown()
    this.deploy?.shutdown()
  }

  private boot(): void {
    this.flash.bootCount++
    this.bootMs = this.clock.now()
    this.counters = {
      rxFrames: 0, rxBadFrames: 0, rxSeqGaps: 0, inLost: 0, inDropped: 0, inUnmapped: 0, inLate: 0, outDropped: 0,
      tickOverruns: 0, txFrames: 0, retransmits: 0, bootCount: this.flash.bootCount,
    }
    const baud = this.opts.linkBaud ?? 2_000_000
    this.tx = new Transmitter((b) => this.sink(b), this.clock, baud / 10)
    this.rxBytesPerSecond = baud / 10
    this.rxQueue = []
    this.rxTokens = 64
    this.rxLastRefill = this.clock.now()
    this.ctrl = new ControlChannel(this.tx, this.clock, (f) => this.onControl(f), () => this.endSession(), 4)
    this.decoder = new FrameDecoder((f) => this.onFrame(f), PRE_HANDSHAKE_MAX_FRAME, () => this.counters.rxBadFrames++)
    this.session = false
    this.maxFrame = PRE_HANDSHAKE_MAX_FRAME
    this.runner = null
    this.rxTimer = this.timer(() => this.pumpRx())
    this.heartbeatTimer = this.timer(() => this.heartbeat())
    this.sessionTimer = this.timer(() => this.endSession())
    this.flushTimer = this.timer(() => this.flushSpikes(false))
    this.idleTimer = this.timer(() => this.flushSpikes(true))
    this.deploy = new DeployUnit(this.flash, this.limits, this.clock, this.opts.flashTimeScale ?? 1, this.opts.faults ?? {}, {
      sendChunkAck: (ack, urgent) => this.sendBulk(MsgType.CHUNK_ACK, urgent ? Flag.URGENT : 0, P.encodeChunkAck(ack)),
      guard: (fn) => this.guard(fn),
      onReverted: () => {
        this.activated()
        this.asyncError('CONFIRM_TIMEOUT', 'TEST image not confirmed; reverted', true)
        this.log(1, 'confirm timeout: reverted to the previous image')
      },
    })
    this.loadActiveAtBoot()
    this.heartbeatTimer.start(T.HB)
  }

  /** Boot (§8.5): authoritative record; revert an unconfirmed TEST; verify the image; STOPPED. */
  private loadActiveAtBoot(): void {
    let rec = this.flash.readRecord()
    if (rec && rec.mode === SlotMode.TEST) {
      this.bootLog.push('unconfirmed TEST reverted at boot')
      this.deploy.writeRevert(rec)
      rec = this.flash.readRecord()
    }
    if (!rec || rec.slot === 0xff) {
      this.runState = RunState.NO_MODEL
      return
    }
    const image = this.flash.read(rec.slot, 0, rec.size)
    if (equal(sha256(image), rec.sha256)) {
      this.loadModel(image)
      return
    }
    this.bootLog.push(`active slot ${rec.slot} failed its SHA-256 check`)
    // Fall back to the previous image when it still verifies, else FAULT (§8.5 boot).
    if (rec.prevSlot !== 0xff && rec.prevSlot !== rec.slot) {
      const prev = this.flash.read(rec.prevSlot, 0, rec.prevSize)
      if (equal(sha256(prev), rec.prevSha256)) {
        this.deploy.writeRevert(rec)
        this.bootLog.push(`fell back to slot ${rec.prevSlot}`)
        this.loadModel(prev)
        return
      }
    }
    this.bootLog.push('METADATA_CORRUPT: no verifiable image')
    this.runState = RunState.FAULT
  }

  /** LOG on chan 4 (§7.2); boot messages are kept in `bootLog` and sent when a session starts. */
  private log(level: number, text: string): void {
    if (!this.session) return
    const payload = P.encodeLog({ level, uptimeMs: Math.floor(this.clock.now() - this.bootMs), text })
    this.tx.send({ type: MsgType.LOG, flags: 0, chan: Chan.LOG, seq: this.logSeq++ & 0xffff, ack: 0, corr: 0 }, payload)
  }

  private loadModel(image: Uint8Array): void {
    this.runner?.shutdown()
    const { model } = decodeModelBlob(image)
    this.runner = new ModelRunner(model, this.opts.inQueue ?? 8192, this.opts.outQueue ?? 4096, this.clock, this.opts.budgetPerMs ?? 250_000, {
      onStopped: () => this.onRunStopped(),
      onOverrun: () => this.asyncError('TICK_OVERRUN', 'tick over compute budget'),
      onOutput: () => this.flushTimer.ensure(T.SPIKE_FLUSH),
    }, this.opts.overrunPolicy)
    this.runState = RunState.STOPPED
    this.spikesTickReported = 0
  }

  // ---------------------------------------------------------------- frames in

  private onFrame(f: Frame): void {
    this.counters.rxFrames++
    const { chan, type } = f.header
    if (chan === Chan.CONTROL && type === MsgType.HELLO) {
      this.onHello(f)
      return
    }
    if (!this.session) {
      if (chan === Chan.CONTROL && !isUnsequenced(f)) this.replyOutOfSession(f, 'NO_SESSION')
      return
    }
    this.sessionTimer.start(T.SESSION)
    try {
      if (chan === Chan.CONTROL) this.ctrl.receive(f)
      else if (chan === Chan.BULK && type === MsgType.CHUNK) this.onChunk(f)
      else if (chan === Chan.STREAM_IN && type === MsgType.EVENTS_IN) this.onEventsIn(f)
      else this.counters.rxBadFrames++
    } catch (e) {
      // A payload shorter than its message needs is a bad frame (§0); control requests were answered already.
      if (e instanceof SpikelabError && e.code === 'BAD_FRAME') this.counters.rxBadFrames++
      else throw e
    }
  }

  private onHello(f: Frame): void {
    let hello: P.Hello
    try {
      hello = P.decodeHello(f.payload)
    } catch {
      this.counters.rxBadFrames++
      return
    }
    if (hello.protoMin > PROTO || hello.protoMax < PROTO) {
      this.replyOutOfSession(f, 'UNSUPPORTED_VERSION')
      return
    }
    // New session (§6): reset sequencing, queues, indices, credits; stop a run at the tick boundary.
    this.tx.clear()
    this.ctrl.reset(Math.max(1, hello.hostCtrlWindow))
    this.runner?.stop()
    this.runner?.clearQueues()
    this.rxIndex = 0
    this.lastCreditReport = 0
    this.streamSeqOut = 0
    this.logSeq = 0
    this.bulkSeq = 0
    this.expectedInSeq = 0
    this.session = true
    this.ctrl.sendOutOfSession(MsgType.CAPS, Flag.RESPONSE, f.header.corr, P.encodeCaps(this.caps(hello.hostNonce)))
    this.maxFrame = Math.max(PRE_HANDSHAKE_MAX_FRAME, Math.min(hello.hostMaxFrame, 1024))
    this.decoder.setMaxFrame(this.maxFrame)
    this.sessionTimer.start(T.SESSION)
    for (const line of this.bootLog.slice(this.bootLogSent)) this.log(2, `boot ${this.flash.bootCount}: ${line}`)
    this.bootLogSent = this.bootLog.length
  }

  private endSession(): void {
    if (!this.session) return
    this.session = false
    this.ctrl.close()
    this.maxFrame = PRE_HANDSHAKE_MAX_FRAME
    this.decoder.setMaxFrame(PRE_HANDSHAKE_MAX_FRAME)
  }

  private replyOutOfSession(f: Frame, code: ErrorCodeName): void {
    const err = P.encodeError({ code: ErrorCode[code], refType: f.header.type, refChan: f.header.chan, refSeq: f.header.seq, detail: 0, msg: code.toLowerCase() })
    this.ctrl.sendOutOfSession(MsgType.ERROR, Flag.RESPONSE, f.header.corr, err)
  }

  /** One sequenced request, executed in order; exactly one sequenced response (§5.1). */
  private onControl(f: Frame): void {
    const { type, corr } = f.header
    if (type === MsgType.NOP) return
    if (type === MsgType.HEARTBEAT) {
      if (f.header.flags & Flag.ACK_REQ) this.heartbeat()
      return
    }
    if (isUnsequenced(f)) return
    const respond = (t: number, payload: Uint8Array) => this.ctrl.sendSequenced(t, Flag.RESPONSE, corr, payload)
    const fail = (code: ErrorCodeName, msg: string, detail = 0) =>
      this.ctrl.sendSequenced(MsgType.ERROR, Flag.RESPONSE, corr, P.encodeError({ code: ErrorCode[code], refType: type, refChan: 0, refSeq: f.header.seq, detail, msg }))
    try {
      this.execute(f, respond, fail)
    } catch (e) {
      if (e instanceof SpikelabError && e.code === 'BAD_FRAME') fail('BAD_FRAME', e.message)
      else throw e
    }
  }

  private execute(
    f: Frame,
    respond: (type: number, payload: Uint8Array) => void,
    fail: (code: ErrorCodeName, msg: string, detail?: number) => void,
  ): void {
    const ok = () => respond(MsgType.OK, P.encodeOk(this.okStatus()))
    switch (f.header.type) {
      case MsgType.GET_CAPS:
        return respond(MsgType.CAPS, P.encodeCaps(this.caps(0)))
      case MsgType.DEPLOY_BEGIN: {
        const r = this.deploy.begin(P.decodeDeployBegin(f.payload), this.maxFrame, this.activeSlot())
        return 'error' in r ? fail(r.error, r.msg, r.detail) : respond(MsgType.DEPLOY_READY, P.encodeDeployReady(r))
      }
      case MsgType.DEPLOY_COMMIT: {
        const c = P.decodeDeployCommit(f.payload)
        const r = this.deploy.commit(c)
        if ('error' in r) return fail(r.error, r.msg, r.detail)
        if (r.result.status === ErrorCode.OK && r.activate) this.activated()
        return respond(MsgType.COMMIT_RESULT, P.encodeCommitResult(r.result))
      }
      case MsgType.DEPLOY_ABORT:
        this.deploy.abort(P.decodeDeployAbort(f.payload))
        return ok()
      case MsgType.CONFIRM: {
        const r = this.deploy.confirm(P.decodeConfirm(f.payload))
        return r ? fail(r.error, r.msg) : ok()
      }
      case MsgType.ACTIVATE: {
        const r = this.deploy.activateSlot(P.decodeActivate(f.payload))
        if (r) return fail(r.error, r.msg, r.detail)
        this.activated()
        return ok()
      }
      case MsgType.RUN: {
        const run = P.decodeRun(f.payload)
        if (!this.runner || this.runState !== RunState.STOPPED) return fail('BAD_STATE', `RUN in run_state ${this.runState}`)
        if (run.tickUs !== 0 && (run.tickUs < 100 || run.tickUs > 1_000_000)) return fail('BAD_PARAM', `tick_us ${run.tickUs}`)
        if (run.flags & RunFlag.RESET_FIRST) {
          this.runner.resetState()
          this.spikesTickReported = 0
        }
        this.runState = RunState.RUNNING
        this.finalPending = false
        this.runner.start({
          tickUs: run.tickUs || this.runner.model.tickUs,
          stepped: (run.flags & RunFlag.STEPPED) !== 0,
          monitorAll: (run.flags & RunFlag.MONITOR_ALL) !== 0,
          stopAfter: run.stopAfter,
        })
        this.idleTimer.start(T.SPIKE_IDLE)
        return ok()
      }
      case MsgType.STOP:
        if (this.runState === RunState.RUNNING) this.runner?.stop()
        return ok()
      case MsgType.RESET_STATE:
        if (this.runState !== RunState.STOPPED || !this.runner) return fail('BAD_STATE', `RESET_STATE in run_state ${this.runState}`)
        this.runner.resetState()
        this.spikesTickReported = 0
        return ok()
      case MsgType.READBACK: {
        const rb = P.decodeReadback(f.payload)
        if (rb.space === 1) {
          if (!this.runner || this.runState !== RunState.STOPPED) return fail('BAD_STATE', 'state readback needs STOPPED')
          const all = this.runner.engine.stateBytes()
          const data = all.subarray(Math.min(rb.offset, all.length), Math.min(all.length, rb.offset + Math.min(rb.len, this.maxFrame - 32)))
          return respond(MsgType.READBACK_DATA, P.encodeReadbackData({ space: 1, slot: this.activeSlot(), offset: rb.offset, tick: this.runner.tick, data }))
        }
        if (rb.space === 0) {
          if (rb.slot >= this.flash.slots.length) return fail('BAD_PARAM', `slot ${rb.slot}`)
          if (rb.offset >= this.flash.slotSize) return fail('BAD_PARAM', `offset ${rb.offset}`)
          const len = Math.min(rb.len, this.maxFrame - 32, this.flash.slotSize - rb.offset)
          return respond(MsgType.READBACK_DATA, P.encodeReadbackData({ space: 0, slot: rb.slot, offset: rb.offset, tick: this.runner?.tick ?? 0, data: this.flash.read(rb.slot, rb.offset, len).slice() }))
        }
        return fail('BAD_PARAM', `readback space ${rb.space}`)
      }
      default:
        return fail('UNKNOWN_TYPE', `type 0x${f.header.type.toString(16)}`)
    }
  }

  /** After an activation record: load the image in reset state, STOPPED (§8.4 step 5). */
  private activated(): void {
    this.runner?.stop()
    const rec = this.flash.readRecord()
    if (!rec || rec.slot === 0xff) {
      this.runner = null
      this.runState = RunState.NO_MODEL
      return
    }
    this.loadModel(this.flash.read(rec.slot, 0, rec.size))
  }

  private activeSlot(): number {
    const rec = this.flash.readRecord()
    return rec ? rec.slot : 0xff
  }

  // ---------------------------------------------------------------- bulk

  private onChunk(f: Frame): void {
    this.deploy.onChunk(P.decodeChunk(f.payload), (f.header.flags & Flag.ACK_REQ) !== 0)
  }

  private sendBulk(type: number, flags: number, payload: Uint8Array): void {
    if (!this.session) return
    this.tx.send({ type, flags, chan: Chan.BULK, seq: this.bulkSeq++ & 0xffff, ack: 0, corr: 0 }, payload)
  }

  // ---------------------------------------------------------------- streams

  private onEventsIn(f: Frame): void {
    const seq = f.header.seq
    if (seq !== this.expectedInSeq && !seqPrecedes(seq, this.expectedInSeq, 16)) this.counters.rxSeqGaps++
    if (!seqPrecedes(seq, this.expectedInSeq, 16)) this.expectedInSeq = (seq + 1) & 0xffff
    const ev = P.decodeEventsIn(f.payload)
    const runner = this.runner
    const d = (ev.evIndex - this.rxIndex) >>> 0
    if (d !== 0) {
      if (d < 0x80000000) {
        this.counters.inLost += d
        this.rxIndex = ev.evIndex
      } else {
        return // precedes rx_index: stale duplicate
      }
    }
    this.rxIndex = (this.rxIndex + ev.tUs.length) >>> 0
    if (!runner) {
      this.counters.inDropped += ev.tUs.length
      return
    }
    let dropped = 0
    for (let i = 0; i < ev.tUs.length; i++) {
      const before = runner.counters.inDropped
      runner.pushEvent(ev.tUs[i], ev.addr[i])
      dropped += runner.counters.inDropped - before
    }
    if (dropped > 0) this.asyncError('QUEUE_OVERFLOW', `${dropped} events dropped`)
    runner.advanceHorizon(Number(ev.horizonUs))
    if (this.creditLimit() - this.lastCreditReport >= (this.opts.inQueue ?? 8192) / 2) this.heartbeat()
  }

  private creditLimit(): number {
    const q = this.runner?.inQueue
    return (this.rxIndex + (q ? q.free : this.opts.inQueue ?? 8192)) >>> 0
  }

  private onRunStopped(): void {
    this.runState = RunState.STOPPED
    this.finalPending = true
    this.flushSpikes(true)
  }

  /**
   * Moves queued spikes to the link when the stream-out queue is empty, so a slow link backs
   * spikes up into the bounded out_queue (realtime drops, stepped waits).
   */
  private flushSpikes(idle: boolean): void {
    const runner = this.runner
    if (!runner || !this.session) return
    const maxRecords = Math.floor((this.maxFrame - 16 - 20) / 4)
    const done = runner.tick
    const q = runner.outQueue
    while (this.tx.queuedFrames(Chan.STREAM_OUT) === 0) {
      const base = this.spikesTickReported
      if (base >= done && !(idle || this.finalPending)) break
      let n = 0
      while (n < q.fill && n < maxRecords && q.at(n)[0] < done) n++
      let span = Math.max(1, done - base)
      let more = false
      if (n === maxRecords && n < q.fill && q.at(n)[0] < done) {
        const lastTick = q.at(n - 1)[0]
        span = lastTick - base + 1
        more = q.at(n)[0] === lastTick
      }
      span = Math.min(span, 0xffff)
      while (n > 0 && q.at(n - 1)[0] >= base + span) n--
      if (base >= done && n === 0 && !idle && !this.finalPending) break
      const tick = new Uint32Array(n)
      const id = new Uint16Array(n)
      for (let i = 0; i < n; i++) [tick[i], id[i]] = q.at(i)
      q.drop(n)
      // An idle frame while no new tick is done must not count the next tick as reported before it runs.
      this.spikesTickReported = more ? base + span - 1 : base >= done ? base : base + span
      const final = this.finalPending && !more && this.spikesTickReported >= done && q.fill === 0
      const flags = (runner.params?.monitorAll ? SpikesFlag.GLOBAL_IDS : 0) | (final ? SpikesFlag.FINAL : 0)
      const payload = P.encodeSpikesOut({
        tickBase: base, tickSpan: Math.max(1, span), flags, outDropped: runner.counters.outDropped, creditLimit: this.creditLimit(), tick, id,
      })
      this.tx.send({ type: MsgType.SPIKES_OUT, flags: more ? Flag.MORE : 0, chan: Chan.STREAM_OUT, seq: this.streamSeqOut++ & 0xffff, ack: 0, corr: 0 }, payload)
      if (final) this.finalPending = false
      idle = false
      if (this.spikesTickReported >= done && q.fill === 0) break
    }
    if (q.fill > 0 || this.finalPending) this.flushTimer.start(T.SPIKE_FLUSH)
    if (this.runState === RunState.RUNNING) this.idleTimer.start(T.SPIKE_IDLE)
  }

  // ---------------------------------------------------------------- status

  private heartbeat(): void {
    this.heartbeatTimer.start(T.HB)
    const rec = this.flash.readRecord()
    const runner = this.runner
    const rc = runner?.counters
    this.counters.inDropped = rc?.inDropped ?? this.counters.inDropped
    this.counters.inUnmapped = rc?.inUnmapped ?? 0
    this.counters.inLate = rc?.inLate ?? 0
    this.counters.outDropped = rc?.outDropped ?? 0
    this.counters.tickOverruns = rc?.tickOverruns ?? 0
    this.counters.txFrames = this.tx.txFrames
    this.counters.retransmits = this.ctrl.retransmits
    const flags = (this.session ? HeartbeatFlag.SESSION : 0) | (rec?.mode === SlotMode.TEST ? HeartbeatFlag.TEST_PENDING : 0) |
      (runner?.overrunFlag ? HeartbeatFlag.OVERRUN : 0)
    this.lastCreditReport = this.creditLimit()
    const payload = P.encodeDeviceHeartbeat({
      uptimeMs: Math.floor(this.clock.now() - this.bootMs), deviceUs: BigInt(Math.floor((this.clock.now() - this.bootMs) * 1000)),
      tick: runner?.tick ?? 0, runState: this.runState, deployState: this.deploy.state, flags,
      activeSlot: rec ? rec.slot : 0xff, activeModelSeq: rec && rec.slot !== 0xff ? rec.modelSeq : 0,
      creditLimit: this.lastCreditReport, outFill: runner?.outQueue.fill ?? 0, counters: { ...this.counters },
    })
    this.ctrl.sendUnsequenced(MsgType.HEARTBEAT, 0, 0, payload)
  }

  /** Asynchronous ERROR (corr 0), rate-limited to 1/s per code unless forced. */
  private asyncError(code: ErrorCodeName, msg: string, force = false): void {
    if (!this.session) return
    const now = this.clock.now()
    const last = this.lastAsync.get(ErrorCode[code])
    if (!force && last !== undefined && now - last < 1000) return
    this.lastAsync.set(ErrorCode[code], now)
    this.ctrl.sendSequenced(MsgType.ERROR, 0, 0, P.encodeError({ code: ErrorCode[code], refType: 0, refChan: 0, refSeq: 0, detail: 0, msg }))
  }

  private okStatus(): P.OkStatus {
    const rec = this.flash.readRecord()
    const has = rec !== null && rec.slot !== 0xff
    return { runState: this.runState, activeSlot: has ? rec.slot : 0xff, activeMode: has ? rec.mode : 0xff, deployState: this.deploy.state, activeModelSeq: has ? rec.modelSeq : 0, tick: this.runner?.tick ?? 0 }
  }

  private caps(nonce: number): P.Caps {
    const rec = this.flash.readRecord()
    const has = rec !== null && rec.slot !== 0xff
    const lim = this.limits
    const partial = this.deploy.partial()
    return {
      protoVer: PROTO, maxFrame: 1024, hostNonce: nonce, bootCount: this.flash.bootCount, tickUsDefault: 1000,
      caps: BigInt(RP1_CAPS), maxNeurons: lim.maxNeurons, maxSynapseBytes: lim.maxSynapseBytes, slotSize: lim.slotSize,
      inQueue: this.opts.inQueue ?? 8192, outQueue: this.opts.outQueue ?? 4096, maxFanin: Math.min(lim.maxFanin, 0xffff),
      maxFanout: Math.min(lim.maxFanout, 0xffff), maxLayers: lim.maxLayers, maxInputs: lim.maxInputs, maxOutputs: lim.maxOutputs,
      chunkMax: 512, pageSize: 256, bulkWindow: 8, ctrlWindow: 4, nSlots: this.flash.slots.length,
      activeSlot: has ? rec.slot : 0xff, activeMode: has ? rec.mode : 0xff, runState: this.runState,
      activeModelSeq: has ? rec.modelSeq : 0, activeSha256: has ? rec.sha256 : new Uint8Array(32),
      partialValid: partial ? 1 : 0, profiles: 1, partialDeployId: partial?.deployId ?? 0n,
      partialVerifiedOffset: partial?.verified ?? 0, partialTotalSize: partial?.totalSize ?? 0,
      linkBaud: this.opts.linkBaud ?? 2_000_000, fwVer: this.opts.fwVer ?? 'spikelab-sim 1.0',
      boardId: this.opts.boardId ?? 'spikelab-sim-rp1', serial: this.opts.serial ?? 'SIM0001',
    }
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
