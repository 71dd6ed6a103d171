import type { EventBatch } from '../../common/event-batch.js'
import { checkRange, checkTime } from './encode-checks.js'
import type { EventEncoder } from './types.js'

/** N-MNIST ATIS `.bin` writer: 5-byte records; x, y < 256 and t < 2^23 µs (about 8.4 s). */
export class NmnistEncoder implements EventEncoder {
  readonly format = 'nmnist'
  private index = 0

  write(batch: EventBatch): Uint8Array {
    const { t, x, y, p } = batch
    const n = t.length
    const out = new Uint8Array(n * 5)
    for (let i = 0, o = 0; i < n; i++, o += 5) {
      const k = this.index + i
      checkTime('N-MNIST', t[i], k)
      checkRange('N-MNIST', 't', t[i], 2 ** 23 - 1, k)
      checkRange('N-MNIST', 'x', x[i], 255, k)
      checkRange('N-MNIST', 'y', y[i], 255, k)
      const ti = t[i]
      out[o] = x[i]
      out[o + 1] = y[i]
      out[o + 2] = (p[i] ? 0x80 : 0) | (ti >>> 16)
      out[o + 3] = (ti >>> 8) & 0xff
      out[o + 4] = ti & 0xff
    }
    this.index += n
    return out
  }

  end(): Uint8Array {
    return new Uint8Array(0)
  }

  finalPatches(): { offset: number; bytes: Uint8Array }[] {
    return []
  }
}
