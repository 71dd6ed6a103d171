import type { Clock } from './clock.js'
import { Timer } from './clock.js'
import type { Frame } from './header.js'
import { Chan, Flag, seqPrecedes } from './header.js'
import { MsgType } from './message-types.js'
import type { Transmitter } from './transmitter.js'
import { N_RETX, T } from './timing.js'

interface Pending {
  seq: number
  type: number
  flags: number
  corr: number
  payload: Uint8Array
  sentAt: number
  retransmitted: boolean
}

/** Is this chan-0 frame outside sequencing (§5.1)? */
export function isUnsequenced(frame: Frame): boolean {
  const { type, seq, ack } = frame.header
  if (type === MsgType.NOP || type === MsgType.HEARTBEAT || type === MsgType.HELLO) return true
  return (type === MsgType.CAPS || type === MsgType.ERROR) && seq === 0 && ack === 0
}

/**
 * The reliable, in-order control channel (§5.1), identical on both sides: sequence numbers,
 * cumulative acks (piggy-backed or NOP within T_ACK), a send window, and Go-Back-N retransmission
 * with an RTO from SRTT (Karn's rule, doubling per expiry); N_RETX expiries without progress = lost.
 */
export class ControlChannel {
  private sendNext = 1
  private recvNext = 1
  private window: number
  private readonly unacked: Pending[] = []
  private readonly backlog: Omit<Pending, 'seq' | 'sentAt' | 'retransmitted'>[] = []
  private srtt: number | null = null
  private rto: number = T.RTO_INIT
  private expiriesWithoutProgress = 0
  private readonly retxTimer: Timer
  private readonly ackTimer: Timer
  retransmits = 0
  duplicates = 0

  constructor(
    private readonly tx: Transmitter,
    private readonly clock: Clock,
    private readonly onDeliver: (frame: Frame) => void,
    private readonly onLost: () => void,
    window = 4,
  ) {
    this.window = window
    this.retxTimer = new Timer(clock, () => this.expire())
    this.ackTimer = new Timer(clock, () => this.sendNop(false))
  }

  /** New session: both directions restart at seq 1 (§5.1); queued frames are dropped. */
  reset(window: number): void {
    this.window = Math.max(1, window)
    this.sendNext = 1
    this.recvNext = 1
    this.unacked.length = 0
    this.backlog.length = 0
    this.srtt = null
    this.rto = T.RTO_INIT
    this.expiriesWithoutProgress = 0
    this.retxTimer.stop()
    this.ackTimer.stop()
  }

  /** Stops timers; nothing is sent afterwards until `reset`. */
  close(): void {
    this.unacked.length = 0
    this.backlog.length = 0
    this.retxTimer.stop()
    this.ackTimer.stop()
  }

  get inFlight(): number {
    return this.unacked.length + this.backlog.length
  }

  sendSequenced(type: number, flags: number, corr: number, payload: Uint8Array): void {
    this.backlog.push({ type, flags, corr, payload })
    this.fill()
  }

  /** NOP / HEARTBEAT: carry our next seq and current ack without consuming a seq. */
  sendUnsequenced(type: number, flags: number, corr: number, payload: Uint8Array): void {
    this.ackTimer.stop()
    this.tx.send({ type, flags, chan: Chan.CONTROL, seq: this.sendNext, ack: this.recvNext, corr }, payload, (h) => {
      h.ack = this.recvNext
    })
  }

  /** HELLO, its CAPS, and session-less ERRORs: seq = ack = 0. */
  sendOutOfSession(type: number, flags: number, corr: number, payload: Uint8Array): void {
    this.tx.send({ type, flags, chan: Chan.CONTROL, seq: 0, ack: 0, corr }, payload)
  }

  /**
   * Handles an incoming chan-0 frame: takes its ack, then hands in-order sequenced frames and
   * unsequenced ones to the owner; out-of-order or duplicate frames are acknowledged and dropped.
   */
  receive(frame: Frame): void {
    const h = frame.header
    const unseq = isUnsequenced(frame)
    if (!(unseq && h.seq === 0 && h.ack === 0)) this.processAck(h.ack)
    if (unseq) {
      this.onDeliver(frame)
      return
    }
    if (h.seq !== this.recvNext) {
      this.duplicates++
      this.sendNop(false)
      return
    }
    this.recvNext = (this.recvNext + 1) & 0xffff
    if (h.flags & Flag.ACK_REQ) this.sendNop(false)
    else this.ackTimer.ensure(T.ACK)
    this.onDeliver(frame)
  }

  private sendNop(ackReq: boolean): void {
    this.sendUnsequenced(MsgType.NOP, ackReq ? Flag.ACK_REQ : 0, 0, new Uint8Array(0))
  }

  private processAck(ack: number): void {
    let progressed = false
    while (this.unacked.length > 0 && seqPrecedes(this.unacked[0].seq, ack, 16)) {
      const p = this.unacked.shift()!
      progressed = true
      if (!p.retransmitted) {
        const sample = this.clock.now() - p.sentAt
        this.srtt = this.srtt === null ? sample : this.srtt + (sample - this.srtt) / 8
        this.rto = Math.min(T.RTO_MAX, Math.max(T.RTO_MIN, 4 * this.srtt))
      }
    }
    if (!progressed) return
    this.expiriesWithoutProgress = 0
    if (this.srtt !== null) this.rto = Math.min(T.RTO_MAX, Math.max(T.RTO_MIN, 4 * this.srtt))
    if (this.unacked.length > 0) this.retxTimer.start(this.rto)
    else this.retxTimer.stop()
    this.fill()
  }

  private fill(): void {
    while (this.backlog.length > 0 && this.unacked.length < this.window) {
      const b = this.backlog.shift()!
      const p: Pending = { ...b, seq: this.sendNext, sentAt: this.clock.now(), retransmitted: false }
      this.sendNext = (this.sendNext + 1) & 0xffff
      this.unacked.push(p)
      this.transmit(p)
      this.retxTimer.ensure(this.rto)
    }
  }

  private transmit(p: Pending): void {
    this.ackTimer.stop()
    const flags = p.flags | (p.retransmitted ? Flag.ACK_REQ : 0)
    this.tx.send({ type: p.type, flags, chan: Chan.CONTROL, seq: p.seq, ack: this.recvNext, corr: p.corr }, p.payload, (h) => {
      h.ack = this.recvNext
    })
  }

  private expire(): void {
    if (this.unacked.length === 0) return
    this.expiriesWithoutProgress++
    if (this.expiriesWithoutProgress > N_RETX) {
      this.close()
      this.onLost()
      return
    }
    for (const p of this.unacked) {
      p.retransmitted = true
      this.retransmits++
      this.transmit(p)
    }
    this.rto = Math.min(T.RTO_MAX, this.rto * 2)
    this.retxTimer.start(this.rto)
  }
}
