import type { EventBatch } from '../../../common/event-batch.js'
import { createEncoder } from '../../../main/events/encoders.js'
import type { EventFormat } from '../../../main/events/types.js'
import { concatBytes } from './helpers.js'

/** A small valid file per format (with runs for vector words and a time jump) to mutate. */
export function fuzzSeed(format: EventFormat, compression: 'none' | 'lz4' | 'zstd' = 'none'): Uint8Array {
  const n = 120
  const events: EventBatch = {
    t: Float64Array.from({ length: n }, (_, i) => 1000 + Math.floor(i / 3) * 37 + (i > 80 ? 5_000_000 : 0)),
    x: Uint16Array.from({ length: n }, (_, i) => (i % 3) + ((i * 7) % 30)),
    y: Uint16Array.from({ length: n }, (_, i) => Math.floor(i / 3) % 34),
    p: Uint8Array.from({ length: n }, (_, i) => Math.floor(i / 3) % 2),
  }
  const enc = createEncoder(format, { geometry: { width: 34, height: 34 }, compression, aedat2Layout: 'davis' })
  const half = n / 2
  const slice = (a: number, b: number): EventBatch => ({ t: events.t.subarray(a, b), x: events.x.subarray(a, b), y: events.y.subarray(a, b), p: events.p.subarray(a, b) })
  const bytes = concatBytes([enc.write(slice(0, half)), enc.write(slice(half, half)), enc.write(slice(half, n)), enc.end()])
  for (const patch of enc.finalPatches()) bytes.set(patch.bytes, patch.offset)
  return bytes
}
