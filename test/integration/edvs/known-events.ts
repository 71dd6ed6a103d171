import { createHash } from 'node:crypto'
import type { EventBatch } from '../../../common/event-batch.js'
import { createEventBatch } from '../../../common/event-batch.js'
import { seededRandom } from '../../../native-bridge/sim-edvs/scenes.js'

/**
 * A reproducible event sequence: the same (count, seed) gives the same events in every process.
 * Timestamps start at 0 (the simulated sensor's time after `!ET0`) and step by 0–99 µs, so no
 * 16-bit wrap is ever skipped.
 */
export async function* knownEvents(count: number, seed: number, batch = 4096): AsyncGenerator<EventBatch> {
  const r = seededRandom(seed)
  let t = 0
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start)
    const b = createEventBatch(n)
    for (let i = 0; i < n; i++) {
      if (start + i > 0) t += Math.floor(r() * 100)
      b.t[i] = t
      b.x[i] = Math.floor(r() * 128)
      b.y[i] = Math.floor(r() * 128)
      b.p[i] = r() < 0.5 ? 1 : 0
    }
    yield b
  }
}

/** Order-sensitive hash of events; `withTime: false` for `!E0`, which carries no timestamps. */
export class EventHasher {
  private readonly hash = createHash('sha256')
  count = 0

  constructor(private readonly withTime: boolean) {}

  add(b: EventBatch): void {
    const n = b.t.length
    const rec = Buffer.alloc(n * 13)
    for (let i = 0; i < n; i++) {
      rec.writeDoubleLE(this.withTime ? b.t[i] : 0, i * 13)
      rec.writeUInt16LE(b.x[i], i * 13 + 8)
      rec.writeUInt16LE(b.y[i], i * 13 + 10)
      rec.writeUInt8(b.p[i], i * 13 + 12)
    }
    this.hash.update(rec)
    this.count += n
  }

  digest(): string {
    return this.hash.digest('hex')
  }
}
