import { createHash, type Hash } from 'node:crypto'
import type { EventBatch } from '../../common/event-batch.js'

/** Bytes per event record fed to the hash: float64 t, u16 x, u16 y, u8 p, 3 zero bytes (LE). */
const RECORD = 16
const CHUNK_EVENTS = 8192

/**
 * An order-sensitive SHA-256 of an event sequence, independent of how it is split into batches.
 * Each event is hashed as a 16-byte record (t as float64 LE, x, y as u16 LE, p as u8, zero padding);
 * `withTime: false` hashes t as 0, for `!E0`, whose bytes carry no timestamp. The simulated sensor
 * hashes what it sends with it, and a test hashes what it decoded from a recording, so the two
 * agree only if every event arrived, in order and unchanged.
 */
export class EventStreamHasher {
  private readonly hash: Hash = createHash('sha256')
  private readonly buf = new ArrayBuffer(CHUNK_EVENTS * RECORD)
  private readonly f64 = new Float64Array(this.buf)
  private readonly u16 = new Uint16Array(this.buf)
  private readonly u8 = new Uint8Array(this.buf)
  /** Events hashed so far. */
  count = 0

  constructor(readonly withTime = true) {}

  add(batch: EventBatch): void {
    const { t, x, y, p } = batch
    for (let from = 0; from < t.length; from += CHUNK_EVENTS) {
      const n = Math.min(CHUNK_EVENTS, t.length - from)
      const { f64, u16, u8 } = this
      for (let i = 0; i < n; i++) {
        const s = from + i
        f64[2 * i] = this.withTime ? t[s] : 0
        u16[8 * i + 4] = x[s]
        u16[8 * i + 5] = y[s]
        u8[16 * i + 12] = p[s] ? 1 : 0
      }
      this.hash.update(u8.subarray(0, n * RECORD))
      this.count += n
    }
  }

  /** Hex digest; the hasher cannot be used afterwards. */
  digest(): string {
    return this.hash.digest('hex')
  }

  /** Hex digest of what was added so far; adding can go on. */
  digestSoFar(): string {
    return this.hash.copy().digest('hex')
  }
}
