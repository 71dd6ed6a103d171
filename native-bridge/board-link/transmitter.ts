import type { Clock } from './clock.js'
import { Timer } from './clock.js'
import { encodeWire } from './frame-codec.js'
import type { FrameHeader } from './header.js'

/** Transmit priority per channel (§5.2): control > bulk > streams > log. */
const PRIORITY = [0, 1, 2, 2, 3]

export type OutgoingHeader = Omit<FrameHeader, 'len' | 'ver'>

interface Queued {
  header: OutgoingHeader
  payload: Uint8Array
  /** Called just before encoding, so ack fields are fresh when a frame waited in a queue. */
  prepare?: (h: OutgoingHeader) => void
}

/**
 * Per-channel priority queues feeding one byte sink, optionally paced by a token bucket of
 * `bytesPerSecond` (depth 64 B) as a simulator does to honour the nominal baud (§17 item 4).
 */
export class Transmitter {
  private readonly queues: Queued[][] = [[], [], [], []]
  private tokens = 64
  private lastRefill: number
  private readonly wake: Timer
  txFrames = 0
  txBytes = 0

  constructor(
    private readonly sink: (bytes: Uint8Array) => void,
    private readonly clock: Clock,
    private bytesPerSecond = 0,
  ) {
    this.lastRefill = clock.now()
    this.wake = new Timer(clock, () => this.pump())
  }

  setRate(bytesPerSecond: number): void {
    this.bytesPerSecond = bytesPerSecond
  }

  send(header: OutgoingHeader, payload: Uint8Array, prepare?: (h: OutgoingHeader) => void): void {
    this.queues[PRIORITY[header.chan] ?? 3].push({ header, payload, prepare })
    this.pump()
  }

  /** Writes raw bytes ahead of everything queued (the 0x00 flush before HELLO). */
  sendRaw(bytes: Uint8Array): void {
    this.sink(bytes)
  }

  /** Bytes still waiting in the queues of channel `chan`. */
  queuedFrames(chan: number): number {
    return this.queues[PRIORITY[chan] ?? 3].filter((q) => q.header.chan === chan).length
  }

  clear(): void {
    for (const q of this.queues) q.length = 0
    this.wake.stop()
  }

  private pump(): void {
    for (;;) {
      const q = this.queues.find((x) => x.length > 0)
      if (!q) return
      if (this.bytesPerSecond > 0) {
        const now = this.clock.now()
        this.tokens = Math.min(64, this.tokens + ((now - this.lastRefill) * this.bytesPerSecond) / 1000)
        this.lastRefill = now
        if (this.tokens < 0) {
          this.wake.ensure(Math.max(1, (-this.tokens * 1000) / this.bytesPerSecond))
          return
        }
      }
      const item = q.shift()!
      item.prepare?.(item.header)
      const wire = encodeWire(item.header, item.payload)
      if (this.bytesPerSecond > 0) this.tokens -= wire.length
      this.txFrames++
      this.txBytes += wire.length
      this.sink(wire)
    }
  }
}
