import { beforeAll, describe, expect, it } from 'vitest'
import { SpikelabError } from '../../../common/errors.js'
import { createDecoder } from '../../../main/events/detect.js'
import { loadZstd } from '../../../main/events/payload-codec.js'
import type { EventFormat } from '../../../main/events/types.js'
import { fuzzSeed } from './fuzz-seeds.js'
import { mutate, Rng } from './mutate.js'

beforeAll(async () => {
  await loadZstd()
})

const TARGETS: { format: EventFormat; compression?: 'lz4' | 'zstd' }[] = [
  { format: 'evt2' },
  { format: 'evt21' },
  { format: 'evt3' },
  { format: 'dat' },
  { format: 'nmnist' },
  { format: 'aedat2' },
  { format: 'aedat3' },
  { format: 'aedat4' },
  { format: 'aedat4', compression: 'lz4' },
  { format: 'aedat4', compression: 'zstd' },
]
const MUTATIONS = 2500

describe('fuzzing: mutated inputs never crash, hang or over-allocate; failures are typed with a byte offset', () => {
  for (const target of TARGETS) {
    it(`${target.format}${target.compression ? ` (${target.compression})` : ''}: ${MUTATIONS} mutations`, () => {
      const seed = fuzzSeed(target.format, target.compression)
      // the seed itself decodes cleanly
      const clean = createDecoder(target.format)
      clean.push(seed)
      clean.end()
      const rng = new Rng(0x5eed + target.format.length + (target.compression?.length ?? 0))
      let typedErrors = 0
      for (let k = 0; k < MUTATIONS; k++) {
        const input = mutate(seed, rng)
        const decoder = createDecoder(target.format)
        const started = performance.now()
        let events = 0
        try {
          let at = 0
          while (at < input.length) {
            const n = 1 + rng.below(k % 4 === 0 ? 3 : 700)
            for (const b of decoder.push(input.subarray(at, at + n))) events += b.t.length
            at += n
          }
          for (const b of decoder.end()) events += b.t.length
        } catch (err) {
          if (!(err instanceof SpikelabError)) throw new Error(`mutation ${k}: untyped ${String(err)}`)
          expect(typeof err.location.byteOffset).toBe('number')
          expect(err.location.byteOffset).toBeGreaterThanOrEqual(0)
          expect(err.location.byteOffset).toBeLessThanOrEqual(input.length + 16)
          typedErrors++
        }
        // output is bounded by the input: EVT 3 vector words give at most 6 events per byte;
        // compressed AEDAT 4 payloads are capped at 4096:1 (ZSTD) with 16-byte events
        expect(events).toBeLessThanOrEqual(target.compression ? input.length * 256 : input.length * 6)
        expect(performance.now() - started).toBeLessThan(2000)
      }
      expect(typedErrors).toBeGreaterThan(0)
    })
  }
})
