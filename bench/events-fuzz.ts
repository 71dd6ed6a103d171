// Standalone fuzz runner: ≥ 1 000 000 mutated inputs per decoder (truncation, bit flips, wrong
// lengths, huge counts, insertions, deletions). Every input must decode or fail with a
// SpikelabError carrying a byte offset; none may take longer than 2 s or produce more events than
// its bytes allow. Run: npx tsx bench/events-fuzz.ts [mutations per decoder] [format,...]
// Prints one line per decoder: inputs, typed errors, slowest input, throughput.
import { SpikelabError } from '../common/errors.js'
import { createDecoder } from '../main/events/detect.js'
import { loadZstd } from '../main/events/payload-codec.js'
import type { EventFormat } from '../main/events/types.js'
import { fuzzSeed } from '../test/unit/events/fuzz-seeds.js'
import { mutate, Rng } from '../test/unit/events/mutate.js'

const COUNT = Number(process.argv[2] ?? 1_000_000)
const ONLY = process.argv[3]?.split(',')
const TARGETS: { label: string; format: EventFormat; compression?: 'lz4' | 'zstd' }[] = [
  { label: 'evt2', format: 'evt2' },
  { label: 'evt21', format: 'evt21' },
  { label: 'evt3', format: 'evt3' },
  { label: 'dat', format: 'dat' },
  { label: 'nmnist', format: 'nmnist' },
  { label: 'aedat2', format: 'aedat2' },
  { label: 'aedat3', format: 'aedat3' },
  { label: 'aedat4', format: 'aedat4' },
  { label: 'aedat4-lz4', format: 'aedat4', compression: 'lz4' },
  { label: 'aedat4-zstd', format: 'aedat4', compression: 'zstd' },
]

await loadZstd()
let failures = 0
for (const target of TARGETS) {
  if (ONLY && !ONLY.includes(target.label)) continue
  const seed = fuzzSeed(target.format, target.compression)
  const rng = new Rng(0xf022 ^ target.label.length)
  let typed = 0
  let slowest = 0
  const started = performance.now()
  for (let k = 0; k < COUNT; k++) {
    const input = mutate(seed, rng)
    const decoder = createDecoder(target.format, { reuseOutput: true })
    const t0 = performance.now()
    let events = 0
    try {
      let at = 0
      while (at < input.length) {
        const n = 1 + rng.below(k % 8 === 0 ? 4 : 1024)
        for (const b of decoder.push(input.subarray(at, at + n))) events += b.t.length
        at += n
      }
      for (const b of decoder.end()) events += b.t.length
    } catch (err) {
      if (!(err instanceof SpikelabError) || typeof err.location.byteOffset !== 'number') {
        failures++
        console.error(`${target.label} mutation ${k}: ${err instanceof SpikelabError ? 'no byte offset' : 'untyped error'}: ${String(err)}`)
        console.error(`input (hex): ${Buffer.from(input).toString('hex')}`)
        continue
      }
      typed++
    }
    const ms = performance.now() - t0
    if (ms > slowest) slowest = ms
    const bound = target.compression ? input.length * 256 : input.length * 6
    if (ms > 2000 || events > bound) {
      failures++
      console.error(`${target.label} mutation ${k}: ${ms.toFixed(0)} ms, ${events} events from ${input.length} bytes`)
    }
  }
  const seconds = (performance.now() - started) / 1000
  console.log(
    `${target.label} fuzz: ${COUNT} inputs, ${typed} typed errors, ${failures} failures so far, slowest ${slowest.toFixed(1)} ms, ${(COUNT / seconds).toFixed(0)} inputs/s`,
  )
}
if (failures) {
  console.error(`${failures} failing inputs`)
  process.exitCode = 1
}
