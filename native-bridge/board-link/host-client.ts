import { EventEmitter } from 'node:events'
import type { Clock } from './clock.js'
import { Timer, systemClock } from './clock.js'
import { ControlChannel } from './control-channel.js'
import { crc32 } from './crc32.js'
import type { ByteDuplex } from './duplex.js'
import { FrameDecoder } from './frame-codec.js'
import type { Frame } from './header.js'
import { Chan, Flag, PRE_HANDSHAKE_MAX_FRAME, seqPrecedes } from './header.js'
import { BoardLinkError } from './link-error.js'
import { CommitFlag, ErrorCode, HeartbeatFlag, MsgType, RunFlag, SlotMode, SpikesFlag, errorCodeName } from './message-types.js'
import * as P from './payloads.js'
import { N_RETX, T } from './timing.js'
import { Transmitter } from './transmitter.js'
import { decodeModelBlob } from '../engine/blob-decoder.js'
import type { DeviceLimits } from '../engine/capacity.js'
import { checkModelCapacity } from '../engine/capacity.js'
import { runSelfTest } from '../engine/self-test.js'
import { bytesEqual, deployIdOf, sha256, toHex } from '../engine/sha256.js'

export type ConnectionState = 'CLOSED' | 'HANDSHAKE' | 'CONNECTED' | 'SUSPECT' | 'LOST' | 'FAILED'

export interface HostClientOptions {
  clock?: Clock
  hostName?: string
  maxFrame?: number
  ctrlWindow?: number
  /** Random per HELLO attempt by default. */
  nonce?: () => number
}

export interface SpikesEvent {
  tick: Uint32Array
  id: Uint16Array
  globalIds: boolean
  final: boolean
  outDropped: number
  tickBase: number
  tickSpan: number
}

export interface DeployOptions {
  /** Activate after commit (default true); false leaves the image STAGED. */
  activate?: boolean
  /** CONFIRMED at once instead of TEST-then-CONFIRM (default false). */
  permanent?: boolean
  /** Seconds the device waits for CONFIRM (0 = device default). */
  confirmTimeoutS?: number
  /** Send CONFIRM after the acceptance checks pass (default true). */
  confirm?: boolean
  /** Bytes per chunk (default: largest the device allows). */
  chunkSize?: number
  /** Per-attempt give-up (default 60 s); the deploy as a whole retries up to `maxAttempts`. */
  maxAttempts?: number
  onProgress?: (sentOffset: number, total: number) => void
}

export interface DeployReport {
  sha256: string
  deployId: bigint
  slot: number
  mode: number
  modelSeq: number
  confirmed: boolean
  /** Resume offsets the device returned for each DEPLOY_BEGIN. */
  resumeOffsets: number[]
  /** Chunk data bytes put on the wire, retransmissions included. */
  bytesSent: number
  /** Chunk data bytes per DEPLOY_BEGIN (index matches `resumeOffsets`), retransmissions included. */
  bytesSentPerBegin: number[]
  /** Distinct chunk data bytes per DEPLOY_BEGIN: what a resume had to move, whatever was lost on the way. */
  uniqueBytesPerBegin: number[]
  /** Lowest offset sent after each DEPLOY_BEGIN (Infinity if nothing was sent). */
  lowestOffsetPerBegin: number[]
  chunksSent: number
  attempts: number
  commit: P.CommitResult
  /** The host emulator's self-test (rung 0) that the device matched bit for bit. */
  hostSelfTest: { spikeCount: number; spikeHash: string; stateHash: string } | null
}

interface PendingRequest {
  resolve: (f: Frame) => void
  reject: (e: Error) => void
  timer: Timer
}

/**
 * Host side of board link v1 (§6, §12): handshake, liveness and reboot detection, requests on
 * the reliable control channel, the deploy state machine with resume, run control and streams.
 * Transport-agnostic: give it any `ByteDuplex`.
 */
export class BoardLinkClient extends EventEmitter {
  state: ConnectionState = 'CLOSED'
  caps: P.Caps | null = null
  lastHeartbeat: P.DeviceHeartbeat | null = null
  counters = { rxFrames: 0, rxBadFrames: 0, rxSeqGaps: 0, chunkBytesSent: 0, chunksSent: 0 }
  private readonly clock: Clock
  private readonly opts: Required<Omit<HostClientOptions, 'clock'>>
  private readonly tx: Transmitter
  private readonly ctrl: ControlChannel
  private readonly decoder: FrameDecoder
  private readonly pending = new Map<number, PendingRequest>()
  private nextCorr = 1
  private helloCorr = 0
  private helloNonce = 0
  private readonly helloTimer: Timer
  private readonly handshakeTimer: Timer
  private readonly suspectTimer: Timer
  private readonly lostTimer: Timer
  private readonly hbTimer: Timer
  private readonly startMs: number
  private bulkSeq = 0
  private streamInSeq = 0
  private expectedSpikeSeq = 0
  private evNext = 0
  private creditLimit = 0
  private creditWaiters: (() => void)[] = []
  private connectWaiters: { resolve: () => void; reject: (e: Error) => void }[] = []
  private chunkAckListener: ((a: P.ChunkAck) => void) | null = null
  /** CHUNK_ACKs that arrive between DEPLOY_READY and the start of SENDING (same read chunk). */
  private chunkAckInbox: P.ChunkAck[] = []
  private maxFrame = PRE_HANDSHAKE_MAX_FRAME

  constructor(
    private readonly link: ByteDuplex,
    opts: HostClientOptions = {},
  ) {
    super()
    this.clock = opts.clock ?? systemClock
    this.opts = {
      hostName: opts.hostName ?? 'spikelab',
      maxFrame: opts.maxFrame ?? 1024,
      ctrlWindow: opts.ctrlWindow ?? 4,
      nonce: opts.nonce ?? (() => (Math.random() * 0x100000000) >>> 0),
    }
    this.startMs = this.clock.now()
    this.tx = new Transmitter((b) => link.write(b), this.clock, 0)
    this.ctrl = new ControlChannel(this.tx, this.clock, (f) => this.onControl(f), () => this.linkLost('no acknowledgement after retransmissions'), this.opts.ctrlWindow)
    this.decoder = new FrameDecoder((f) => this.onFrame(f), PRE_HANDSHAKE_MAX_FRAME, () => this.counters.rxBadFrames++)
    this.helloTimer = new Timer(this.clock, () => this.sendHello(false))
    this.handshakeTimer = new Timer(this.clock, () => this.handshakeFailed())
    this.suspectTimer = new Timer(this.clock, () => this.suspect())
    this.lostTimer = new Timer(this.clock, () => this.linkLost('no frame from the device'))
    this.hbTimer = new Timer(this.clock, () => this.sendHeartbeat(false))
    link.onData((b) => this.decoder.push(b))
    link.onClose((err) => this.linkLost(err ? `port closed: ${err.message}` : 'port closed', true))
  }

  /** Handshake (§6): 0x00 + HELLO every T_HELLO until a matching CAPS, at most T_HANDSHAKE. */
  connect(): Promise<P.Caps> {
    if (this.state === 'CONNECTED' || this.state === 'SUSPECT') return Promise.resolve(this.caps!)
    const p = new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve, reject }))
    if (this.state !== 'HANDSHAKE') this.startHandshake()
    return p.then(() => this.caps!)
  }

  /** Stops all timers and fails outstanding work; the duplex is closed too. */
  close(): void {
    this.emit('closed')
    this.stopTimers()
    this.ctrl.close()
    this.tx.clear()
    this.setState('CLOSED')
    this.failAll(new BoardLinkError('CLOSED', 'board link closed'))
    this.link.close()
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return
    this.state = s
    this.emit('state', s)
  }

  private stopTimers(): void {
    for (const t of [this.helloTimer, this.handshakeTimer, this.suspectTimer, this.lostTimer, this.hbTimer]) t.stop()
  }

  private startHandshake(): void {
    this.setState('HANDSHAKE')
    this.maxFrame = PRE_HANDSHAKE_MAX_FRAME
    this.decoder.setMaxFrame(PRE_HANDSHAKE_MAX_FRAME)
    this.helloCorr = this.allocCorr()
    this.sendHello(true)
    this.handshakeTimer.start(T.HANDSHAKE)
  }

  private sendHello(fresh: boolean): void {
    if (this.state !== 'HANDSHAKE') return
    if (fresh) this.helloNonce = this.opts.nonce() >>> 0
    this.tx.sendRaw(new Uint8Array([0]))
    const hello = P.encodeHello({ protoMin: 1, protoMax: 1, hostNonce: this.helloNonce, hostMaxFrame: this.opts.maxFrame, hostCtrlWindow: this.opts.ctrlWindow, flags: 0, hostName: this.opts.hostName })
    this.ctrl.sendOutOfSession(MsgType.HELLO, 0, this.helloCorr, hello)
    this.helloTimer.start(T.HELLO)
  }

  private handshakeFailed(): void {
    this.helloTimer.stop()
    this.setState('LOST')
    const err = new BoardLinkError('TIMEOUT', `no CAPS within ${T.HANDSHAKE} ms`)
    for (const w of this.connectWaiters.splice(0)) w.reject(err)
  }

  private onFrame(f: Frame): void {
    this.counters.rxFrames++
    if (this.state === 'CLOSED' || this.state === 'FAILED') return
    if (this.state === 'HANDSHAKE') {
      if (f.header.chan === Chan.CONTROL && f.header.type === MsgType.CAPS && f.header.seq === 0 && f.header.corr === this.helloCorr) this.onCaps(f)
      else if (f.header.chan === Chan.CONTROL && f.header.type === MsgType.ERROR && f.header.corr === this.helloCorr) {
        const e = P.decodeError(f.payload)
        if (e.code === ErrorCode.UNSUPPORTED_VERSION) {
          this.stopTimers()
          this.setState('FAILED')
          for (const w of this.connectWaiters.splice(0)) w.reject(BoardLinkError.fromWire(e.code, e.msg, e.detail))
        }
      }
      return
    }
    this.alive()
    const { chan, type } = f.header
    try {
      if (chan === Chan.CONTROL) {
        if (type === MsgType.ERROR && f.header.seq === 0 && f.header.ack === 0) {
          const e = P.decodeError(f.payload)
          if (e.code === ErrorCode.NO_SESSION) return this.deviceRebooted('device answered NO_SESSION')
        }
        this.ctrl.receive(f)
      } else if (chan === Chan.BULK && type === MsgType.CHUNK_ACK) {
        const ack = P.decodeChunkAck(f.payload)
        if (this.chunkAckListener) this.chunkAckListener(ack)
        else this.chunkAckInbox.push(ack)
      }
      else if (chan === Chan.STREAM_OUT && type === MsgType.SPIKES_OUT) this.onSpikes(f)
      else if (chan === Chan.LOG && type === MsgType.LOG) this.emit('log', P.decodeLog(f.payload))
      else this.counters.rxBadFrames++
    } catch (e) {
      if (e instanceof Error && (e as { code?: string }).code === 'BAD_FRAME') this.counters.rxBadFrames++
      else throw e
    }
  }

  private onCaps(f: Frame): void {
    const caps = P.decodeCaps(f.payload)
    if (caps.hostNonce !== this.helloNonce) return
    this.helloTimer.stop()
    this.handshakeTimer.stop()
    this.caps = caps
    this.ctrl.reset(caps.ctrlWindow)
    this.maxFrame = Math.max(PRE_HANDSHAKE_MAX_FRAME, Math.min(this.opts.maxFrame, caps.maxFrame))
    this.decoder.setMaxFrame(this.maxFrame)
    this.bulkSeq = 0
    this.streamInSeq = 0
    this.expectedSpikeSeq = 0
    this.evNext = 0
    this.creditLimit = caps.inQueue
    this.setState('CONNECTED')
    this.alive()
    this.hbTimer.start(T.HB)
    this.emit('caps', caps)
    for (const w of this.connectWaiters.splice(0)) w.resolve()
  }

  private alive(): void {
    if (this.state === 'SUSPECT') this.setState('CONNECTED')
    this.lostTimer.stop()
    this.suspectTimer.start(T.SUSPECT)
  }

  private suspect(): void {
    if (this.state !== 'CONNECTED') return
    this.setState('SUSPECT')
    this.sendHeartbeat(true)
    this.lostTimer.start(T.LOST - T.SUSPECT)
  }

  /** Link lost (§12.1): fail requests; the owner reconnects (or calls `connect` again). */
  private linkLost(why: string, closed = false): void {
    if (this.state === 'CLOSED' || this.state === 'LOST' || this.state === 'FAILED') return
    this.stopTimers()
    this.ctrl.close()
    this.tx.clear()
    this.setState(closed ? 'CLOSED' : 'LOST')
    this.failAll(new BoardLinkError('LINK_LOST', `board link lost: ${why}`))
    this.emit('lost', why)
  }

  /** Device reboot (§10): fail outstanding requests and re-handshake on the same port. */
  private deviceRebooted(why: string): void {
    this.stopTimers()
    this.ctrl.close()
    this.tx.clear()
    this.failAll(new BoardLinkError('DEVICE_RESET', `device rebooted: ${why}`))
    this.emit('rebooted', why)
    this.startHandshake()
  }

  private failAll(err: Error): void {
    for (const [corr, p] of this.pending) {
      p.timer.stop()
      p.reject(err)
      this.pending.delete(corr)
    }
    for (const w of this.creditWaiters.splice(0)) w()
    if (this.state !== 'HANDSHAKE') for (const w of this.connectWaiters.splice(0)) w.reject(err)
  }

  private allocCorr(): number {
    const c = this.nextCorr
    this.nextCorr = this.nextCorr >= 0xffff ? 1 : this.nextCorr + 1
    return c
  }

  private onControl(f: Frame): void {
    const { type, flags, corr } = f.header
    if (type === MsgType.NOP) return
    if (type === MsgType.HEARTBEAT) {
      const hb = P.decodeDeviceHeartbeat(f.payload)
      const prev = this.lastHeartbeat
      this.lastHeartbeat = hb
      this.updateCredit(hb.creditLimit)
      this.emit('heartbeat', hb)
      if (!(hb.flags & HeartbeatFlag.SESSION) || (prev && (hb.counters.bootCount > prev.counters.bootCount || hb.uptimeMs < prev.uptimeMs))) {
        this.deviceRebooted('heartbeat shows a new boot or no session')
      }
      return
    }
    if (flags & Flag.RESPONSE && corr !== 0) {
      const p = this.pending.get(corr)
      if (!p) return
      this.pending.delete(corr)
      p.timer.stop()
      if (type === MsgType.ERROR) {
        const e = P.decodeError(f.payload)
        p.reject(BoardLinkError.fromWire(e.code, e.msg, e.detail))
      } else p.resolve(f)
      return
    }
    if (type === MsgType.ERROR) {
      const e = P.decodeError(f.payload)
      this.emit('deviceError', { ...e, name: errorCodeName(e.code) })
    }
  }

  private sendHeartbeat(ackReq: boolean): void {
    if (this.state !== 'CONNECTED' && this.state !== 'SUSPECT') return
    const payload = P.encodeHostHeartbeat({
      uptimeMs: Math.floor(this.clock.now() - this.startMs), hostUs: BigInt(Math.floor(this.clock.now() * 1000)),
      rxFrames: this.counters.rxFrames, rxBadFrames: this.counters.rxBadFrames, rxSeqGaps: this.counters.rxSeqGaps,
    })
    this.ctrl.sendUnsequenced(MsgType.HEARTBEAT, ackReq ? Flag.ACK_REQ : 0, 0, payload)
    this.hbTimer.start(T.HB)
  }

  /** One request on the control channel; resolves with the response frame, rejects with its ERROR. */
  request(type: number, payload: Uint8Array, timeoutMs: number = T.RESP * (N_RETX + 2)): Promise<Frame> {
    if (this.state !== 'CONNECTED' && this.state !== 'SUSPECT') {
      return Promise.reject(new BoardLinkError('NO_SESSION', `board link is ${this.state}`))
    }
    const corr = this.allocCorr()
    return new Promise<Frame>((resolve, reject) => {
      const timer = new Timer(this.clock, () => {
        this.pending.delete(corr)
        reject(new BoardLinkError('TIMEOUT', `no response to type 0x${type.toString(16)} in ${timeoutMs} ms`))
      })
      timer.start(timeoutMs)
      this.pending.set(corr, { resolve, reject, timer })
      this.ctrl.sendSequenced(type, 0, corr, payload)
    })
  }

  async getCaps(): Promise<P.Caps> {
    const f = await this.request(MsgType.GET_CAPS, new Uint8Array(0))
    this.caps = P.decodeCaps(f.payload)
    return this.caps
  }

  async run(opts: { tickUs?: number; stepped?: boolean; monitorAll?: boolean; resetFirst?: boolean; stopAfter?: number } = {}): Promise<P.OkStatus> {
    const flags = (opts.stepped ? RunFlag.STEPPED : 0) | (opts.monitorAll ? RunFlag.MONITOR_ALL : 0) | (opts.resetFirst ? RunFlag.RESET_FIRST : 0)
    const f = await this.request(MsgType.RUN, P.encodeRun({ tickUs: opts.tickUs ?? 0, flags, stopAfter: opts.stopAfter ?? 0 }))
    return P.decodeOk(f.payload)
  }

  async stop(): Promise<P.OkStatus> {
    return P.decodeOk((await this.request(MsgType.STOP, new Uint8Array(0))).payload)
  }

  async resetState(): Promise<P.OkStatus> {
    return P.decodeOk((await this.request(MsgType.RESET_STATE, new Uint8Array(0))).payload)
  }

  async confirm(modelSeq: number): Promise<P.OkStatus> {
    return P.decodeOk((await this.request(MsgType.CONFIRM, P.encodeConfirm(modelSeq))).payload)
  }

  async activate(slot: number, sha: Uint8Array, permanent = true, confirmTimeoutS = 0): Promise<P.OkStatus> {
    const f = await this.request(MsgType.ACTIVATE, P.encodeActivate({ slot, flags: permanent ? 1 : 0, confirmTimeoutS, sha256: sha }), T.COMMIT)
    return P.decodeOk(f.payload)
  }

  async abortDeploy(deployId: bigint): Promise<P.OkStatus> {
    return P.decodeOk((await this.request(MsgType.DEPLOY_ABORT, P.encodeDeployAbort(deployId))).payload)
  }

  /** The network state bytes (§16.6, READBACK space 1), read page by page; needs STOPPED. */
  async readState(nNeurons: number): Promise<{ tick: number; bytes: Uint8Array }> {
    const total = 3 * nNeurons
    const out = new Uint8Array(total)
    let tick = 0
    for (let off = 0; off < total; ) {
      const len = Math.min(total - off, this.maxFrame - 48)
      const rb = P.decodeReadbackData((await this.request(MsgType.READBACK, P.encodeReadback({ space: 1, slot: 0, offset: off, len }))).payload)
      if (rb.data.length === 0) throw new BoardLinkError('BAD_FRAME', `state readback returned nothing at ${off}`)
      out.set(rb.data, off)
      tick = rb.tick
      off += rb.data.length
    }
    return { tick, bytes: out }
  }

  // ------------------------------------------------------------------ streams

  private onSpikes(f: Frame): void {
    // Stream frames are never retransmitted, so an older seq is a duplicated frame: drop it.
    if (seqPrecedes(f.header.seq, this.expectedSpikeSeq, 16)) return
    if (f.header.seq !== this.expectedSpikeSeq) this.counters.rxSeqGaps++
    this.expectedSpikeSeq = (f.header.seq + 1) & 0xffff
    const s = P.decodeSpikesOut(f.payload)
    this.updateCredit(s.creditLimit)
    const ev: SpikesEvent = {
      tick: s.tick, id: s.id, globalIds: (s.flags & SpikesFlag.GLOBAL_IDS) !== 0, final: (s.flags & SpikesFlag.FINAL) !== 0,
      outDropped: s.outDropped, tickBase: s.tickBase, tickSpan: s.tickSpan,
    }
    this.emit('spikes', ev)
  }

  private updateCredit(limit: number): void {
    // Cumulative credits: only move forward (serial arithmetic, §9.3).
    const d = (limit - this.creditLimit) >>> 0
    if (d !== 0 && d < 0x80000000) this.creditLimit = limit
    for (const w of this.creditWaiters.splice(0)) w()
  }

  /** Events the device can accept now (credit_limit − ev_next). */
  get credits(): number {
    const d = (this.creditLimit - this.evNext) >>> 0
    return d < 0x80000000 ? d : 0
  }

  /**
   * Streams events (times in µs, non-decreasing; sensor addresses) as EVENTS_IN frames, never
   * beyond the device's credit limit; waits for credit as needed. `horizonUs` (≥ last event)
   * promises no earlier event follows.
   */
  async sendEvents(tUs: ArrayLike<number>, addr: ArrayLike<number>, horizonUs: number): Promise<void> {
    const perFrame = Math.floor((this.maxFrame - 16 - 24) / 4)
    let i = 0
    const n = tUs.length
    while (i < n || i === 0) {
      let credit = this.credits
      while (n > 0 && credit === 0) {
        if (this.state !== 'CONNECTED' && this.state !== 'SUSPECT') throw new BoardLinkError('LINK_LOST', 'link lost while waiting for credit')
        await new Promise<void>((r) => this.creditWaiters.push(r))
        credit = this.credits
      }
      let j = i
      const limit = Math.min(n, i + perFrame, i + credit)
      while (j < limit && (j === i || Math.floor(tUs[j]) - Math.floor(tUs[j - 1]) <= 0xffff)) j++
      const last = j === n
      const frameHorizon = last ? horizonUs : tUs[j]
      this.sendEventsFrame(tUs, addr, i, j, frameHorizon)
      i = j
      if (n === 0) break
    }
  }

  private sendEventsFrame(tUs: ArrayLike<number>, addr: ArrayLike<number>, from: number, to: number, horizonUs: number): void {
    const t = Float64Array.from({ length: to - from }, (_, k) => tUs[from + k])
    const a = Uint32Array.from({ length: to - from }, (_, k) => addr[from + k])
    const payload = P.encodeEventsIn({ evIndex: this.evNext, horizonUs: BigInt(Math.floor(horizonUs)), fmt: 0, tUs: t, addr: a })
    this.evNext = (this.evNext + t.length) >>> 0
    this.tx.send({ type: MsgType.EVENTS_IN, flags: 0, chan: Chan.STREAM_IN, seq: this.streamInSeq++ & 0xffff, ack: 0, corr: 0 }, payload)
  }

  // ------------------------------------------------------------------ deploy

  /** Limits of the connected device for rung 0 (§15). */
  deviceLimits(): DeviceLimits {
    const c = this.caps
    if (!c) throw new BoardLinkError('NO_SESSION', 'not connected')
    return {
      maxNeurons: c.maxNeurons, maxSynapseBytes: c.maxSynapseBytes, slotSize: c.slotSize, maxFanin: c.maxFanin,
      maxFanout: c.maxFanout, maxLayers: c.maxLayers, maxSources: 4, maxInputs: c.maxInputs, maxOutputs: c.maxOutputs,
      maxTableAddrs: 65536, maxSelfTestTicks: 10000, maxSelfTestEvents: 65536,
    }
  }

  /**
   * Deploys a blob (§12.2): rung-0 checks with the host emulator, BEGIN (resuming from the
   * device's verified offset), windowed chunks with go-back on timeout, COMMIT with self-test,
   * the acceptance checks, then CONFIRM. Survives link loss and device resets by re-handshaking
   * and resuming; only missing bytes travel again.
   */
  async deploy(blob: Uint8Array, opts: DeployOptions = {}): Promise<DeployReport> {
    await this.connect()
    const { header, model } = decodeModelBlob(blob)
    checkModelCapacity(header, model, this.deviceLimits())
    const sha = sha256(blob)
    const deployId = deployIdOf(sha)
    const st = model.selfTest ? runSelfTest(model, model.selfTest.nTicks, model.selfTest.tUs, model.selfTest.addr) : null
    const activate = opts.activate ?? true
    const report: DeployReport = {
      sha256: toHex(sha), deployId, slot: 0xff, mode: SlotMode.NONE, modelSeq: 0, confirmed: false, resumeOffsets: [],
      bytesSent: 0, bytesSentPerBegin: [], uniqueBytesPerBegin: [], lowestOffsetPerBegin: [], chunksSent: 0, attempts: 0, commit: null as unknown as P.CommitResult,
      hostSelfTest: st ? { spikeCount: st.spikeCount, spikeHash: toHex(st.spikeHash), stateHash: toHex(st.stateHash) } : null,
    }
    let chunkSize = opts.chunkSize ?? 0
    let hashMismatchSeen = false
    const maxAttempts = opts.maxAttempts ?? 8
    const previous = this.caps && this.caps.activeSlot !== 0xff ? { slot: this.caps.activeSlot, sha: this.caps.activeSha256 } : null
    for (;;) {
      report.attempts++
      if (report.attempts > maxAttempts) throw new BoardLinkError('TIMEOUT', `deploy gave up after ${maxAttempts} attempts`)
      try {
        const caps = await this.connect()
        // SUSPENDED → CAPS: already active after a lost COMMIT_RESULT?
        if (activate && bytesEqual(caps.activeSha256, sha) && caps.activeMode !== SlotMode.STAGED && report.attempts > 1) {
          report.slot = caps.activeSlot
          report.mode = caps.activeMode
          report.modelSeq = caps.activeModelSeq
          return await this.probation(report, sha, opts, previous)
        }
        if (chunkSize === 0) chunkSize = defaultChunkSize(caps, this.maxFrame)
        this.chunkAckInbox = []
        const ready = P.decodeDeployReady((await this.request(MsgType.DEPLOY_BEGIN, P.encodeDeployBegin({
          deployId, totalSize: blob.length, chunkSize, flags: 0, sha256: sha, modelHeader: blob.subarray(0, 64),
        }))).payload)
        report.resumeOffsets.push(ready.resumeOffset)
        report.bytesSentPerBegin.push(0)
        report.uniqueBytesPerBegin.push(0)
        report.lowestOffsetPerBegin.push(Number.POSITIVE_INFINITY)
        const outcome = await this.sendChunks(blob, deployId, chunkSize, ready, caps.bulkWindow, report, opts)
        if (outcome === 'halve') {
          chunkSize = Math.max(caps.pageSize, chunkSize / 2)
          continue
        }
        if (outcome === 'restart') continue
        const flags = (st ? CommitFlag.SELFTEST : 0) | (activate ? CommitFlag.ACTIVATE : 0) | (opts.permanent ? CommitFlag.PERMANENT : 0)
        const res = P.decodeCommitResult((await this.request(MsgType.DEPLOY_COMMIT, P.encodeDeployCommit({
          deployId, sha256: sha, flags, confirmTimeoutS: opts.confirmTimeoutS ?? 0,
        }), T.COMMIT)).payload)
        report.commit = res
        if (res.status === ErrorCode.HASH_MISMATCH && !hashMismatchSeen) {
          hashMismatchSeen = true
          continue // the device discarded the partial: BEGIN from 0
        }
        if (res.status !== ErrorCode.OK) throw BoardLinkError.fromWire(res.status, 'commit failed', res.detail)
        if (!bytesEqual(res.sha256, sha)) throw new BoardLinkError('VERIFY_FAILED', 'COMMIT_RESULT names another image')
        if (st && (res.stSpikeCount !== st.spikeCount || !bytesEqual(res.stSpikeHash, st.spikeHash) || !bytesEqual(res.stStateHash, st.stateHash))) {
          throw new BoardLinkError('VERIFY_FAILED', 'device self-test differs from the host emulator')
        }
        report.slot = res.slot
        report.mode = res.mode
        report.modelSeq = res.modelSeq
        if (!activate) return report
        return await this.probation(report, sha, opts, previous)
      } catch (e) {
        if (e instanceof BoardLinkError && (e.code === 'LINK_LOST' || e.code === 'DEVICE_RESET' || e.code === 'TIMEOUT' || e.code === 'UNKNOWN_DEPLOY' || e.code === 'NO_SESSION')) {
          await this.reconnectForDeploy()
          continue
        }
        throw e
      }
    }
  }

  private async reconnectForDeploy(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      try {
        if (this.state === 'LOST') this.startHandshake()
        await this.connect()
        return
      } catch {
        await new Promise<void>((r) => this.clock.setTimeout(r, 250 * 2 ** i))
      }
    }
  }

  /** Rung 5 (§15): the activation echo, then CONFIRM; on failure roll back to the previous image. */
  private async probation(report: DeployReport, sha: Uint8Array, opts: DeployOptions, previous: { slot: number; sha: Uint8Array } | null): Promise<DeployReport> {
    const caps = await this.getCaps()
    const echoed = bytesEqual(caps.activeSha256, sha) && caps.activeModelSeq === report.modelSeq
    if (!echoed) {
      if (previous && caps.activeMode === SlotMode.TEST) await this.activate(previous.slot, previous.sha, true)
      throw new BoardLinkError('VERIFY_FAILED', 'device does not report the deployed image as active')
    }
    if (caps.activeMode === SlotMode.CONFIRMED) {
      report.confirmed = true
      report.mode = SlotMode.CONFIRMED
      return report
    }
    if (opts.confirm === false) return report
    await this.confirm(report.modelSeq)
    report.confirmed = true
    report.mode = SlotMode.CONFIRMED
    return report
  }

  /** SENDING (§8.3 host rules): window of bulk_window chunks, sack-aware go-back on the bulk timer. */
  private sendChunks(
    blob: Uint8Array, deployId: bigint, chunkSize: number, ready: P.DeployReady, window: number, report: DeployReport, opts: DeployOptions,
  ): Promise<'done' | 'halve' | 'restart'> {
    const total = blob.length
    let next = ready.resumeOffset
    let sack = 0
    let sent = next // highest offset sent in this pass
    // After a fresh BEGIN the device erases first and announces the end with a CHUNK_ACK (WAIT_ERASE).
    let started = false
    let rto: number = T.RTO_INIT
    let srtt: number | null = null
    let expiries = 0
    const crcFails = new Map<number, number>()
    let fastRetx = -1
    const sentAt = new Map<number, { at: number; retx: boolean }>()
    return new Promise((resolve, reject) => {
      const bulkTimer = new Timer(this.clock, () => onTimeout())
      const eraseTimer = new Timer(this.clock, () => startSending())
      const done = (fn: () => void) => {
        bulkTimer.stop()
        eraseTimer.stop()
        this.chunkAckListener = null
        this.off('lost', onLost)
        this.off('rebooted', onLost)
        this.off('closed', onClosed)
        fn()
      }
      const onLost = () => done(() => reject(new BoardLinkError('LINK_LOST', 'link lost during transfer')))
      const onClosed = () => done(() => reject(new BoardLinkError('CLOSED', 'board link closed during transfer')))
      this.on('lost', onLost)
      this.on('rebooted', onLost)
      this.on('closed', onClosed)
      const sendChunk = (off: number, retx: boolean, last: boolean) => {
        const data = blob.subarray(off, Math.min(total, off + chunkSize))
        this.tx.send({ type: MsgType.CHUNK, flags: retx || last ? Flag.ACK_REQ : 0, chan: Chan.BULK, seq: this.bulkSeq++ & 0xffff, ack: 0, corr: 0 },
          P.encodeChunk({ deployId, offset: off, dataCrc32: crc32(data), data }))
        const firstTime = !sentAt.has(off)
        sentAt.set(off, { at: this.clock.now(), retx })
        report.bytesSent += data.length
        const b = report.bytesSentPerBegin.length - 1
        report.bytesSentPerBegin[b] += data.length
        if (firstTime) report.uniqueBytesPerBegin[b] += data.length
        report.lowestOffsetPerBegin[b] = Math.min(report.lowestOffsetPerBegin[b], off)
        report.chunksSent++
        this.counters.chunkBytesSent += data.length
        this.counters.chunksSent++
      }
      const isSacked = (off: number) => {
        const i = (off - next) / chunkSize - 1
        return i >= 0 && i < 32 && (sack & (1 << i)) !== 0
      }
      const fill = (retx: boolean) => {
        const limit = Math.min(total, next + window * chunkSize)
        let from = retx ? next : Math.max(sent, next)
        const burst: number[] = []
        for (let off = from; off < limit; off += chunkSize) if (!isSacked(off) && (retx || off >= sent)) burst.push(off)
        burst.forEach((off, k) => sendChunk(off, retx, k === burst.length - 1))
        if (burst.length > 0) {
          from = burst[burst.length - 1] + chunkSize
          sent = Math.max(sent, from)
        }
        if (next < total) bulkTimer.start(rto)
      }
      const startSending = () => {
        if (started) return
        started = true
        eraseTimer.stop()
        if (next >= total) return done(() => resolve('done'))
        fill(false)
      }
      const onTimeout = () => {
        expiries++
        if (expiries > N_RETX * 2) return done(() => reject(new BoardLinkError('LINK_LOST', 'no CHUNK_ACK progress')))
        rto = Math.min(T.RTO_MAX, rto * 2)
        fill(true)
      }
      this.chunkAckListener = (a) => {
        if (a.deployId !== deployId) return
        if (a.status === ErrorCode.UNKNOWN_DEPLOY) return done(() => resolve('restart'))
        if (a.status === ErrorCode.FLASH_WRITE || a.status === ErrorCode.FLASH_ERASE || a.status === ErrorCode.OFFSET_OUT_OF_RANGE || a.status === ErrorCode.CHUNK_SIZE) {
          return done(() => reject(BoardLinkError.fromWire(a.status, `CHUNK_ACK at offset ${a.nextOffset}`, a.nextOffset)))
        }
        if (a.status === ErrorCode.CHUNK_CRC) {
          const n = (crcFails.get(a.nextOffset) ?? 0) + 1
          crcFails.set(a.nextOffset, n)
          if (n >= 3) return done(() => resolve('halve'))
        }
        if (a.nextOffset > next || (a.nextOffset === next && a.sack !== sack)) {
          const s = sentAt.get(a.nextOffset - chunkSize)
          if (s && !s.retx) {
            const sample = this.clock.now() - s.at
            srtt = srtt === null ? sample : srtt + (sample - srtt) / 8
            rto = Math.min(T.RTO_MAX, Math.max(T.RTO_MIN, 4 * srtt))
          }
          if (a.nextOffset > next) expiries = 0
          next = a.nextOffset
          sack = a.sack
          opts.onProgress?.(next, total)
        }
        if (next >= total) return done(() => resolve('done'))
        if (!started) return startSending()
        if (a.sack !== 0 && fastRetx !== next) {
          // A hole below stored chunks: resend it once now instead of waiting for the bulk timer.
          fastRetx = next
          sendChunk(next, true, true)
        }
        fill(a.status === ErrorCode.CHUNK_CRC)
      }
      if (ready.resumeOffset === 0) eraseTimer.start(ready.eraseMsEstimate + 2 * T.RTO_INIT)
      else startSending()
      const early = this.chunkAckInbox.splice(0)
      for (const a of early) this.chunkAckListener?.(a)
    })
  }
}

function defaultChunkSize(caps: P.Caps, maxFrame: number): number {
  let size = caps.chunkMax - (caps.chunkMax % caps.pageSize)
  while (size > caps.pageSize && size + 32 > maxFrame) size -= caps.pageSize
  return Math.max(caps.pageSize, size)
}
