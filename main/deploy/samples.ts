import { SpikelabError } from '../../common/errors.js'
import type { LabeledImages } from '../snn/index.js'
import { SeededRandom } from '../snn/index.js'

/**
 * One input sample as the board sees it: sensor-address events with times, run from a state reset
 * for `nTicks` ticks. The float simulator, the host preview and the board all consume this same
 * form, so they see identical inputs.
 */
export interface InputSample {
  readonly nTicks: number
  /** Event times in µs from the start of the sample, non-decreasing, < nTicks·tick_us. */
  readonly tUs: Uint32Array
  readonly addr: Uint32Array
  /** Class index (output position) when the sample is labelled. */
  readonly label?: number
}

/**
 * Rate-coded MNIST digits (snnTorch `spikegen.rate`): pixel p spikes with probability p in each of
 * `steps` ticks; the event of pixel i in tick t has address i and time t·tick_us. Deterministic:
 * digit k draws from its own stream seeded by (seed, k), so a shorter `count` encodes its digits
 * exactly as the longer run does.
 */
export function mnistSamples(set: LabeledImages, opts: { steps: number; tickUs: number; seed?: number; count?: number }): InputSample[] {
  const pixels = set.images.length / set.count
  const count = Math.min(set.count, opts.count ?? set.count)
  const seed = opts.seed ?? 0
  const out: InputSample[] = []
  for (let k = 0; k < count; k++) {
    const rng = new SeededRandom((seed * 0x01000193 + k * 0x9e3779b1) >>> 0)
    const t: number[] = []
    const a: number[] = []
    for (let step = 0; step < opts.steps; step++) {
      for (let i = 0; i < pixels; i++) {
        const p = set.images[k * pixels + i]
        if (p > 0 && rng.next() < p) {
          t.push(step * opts.tickUs)
          a.push(i)
        }
      }
    }
    out.push({ nTicks: opts.steps, tUs: Uint32Array.from(t), addr: Uint32Array.from(a), label: set.labels[k] })
  }
  return out
}

/**
 * The per-tick input counts of a sample ([tick][channel]), mapped and clamped exactly as RP1 does
 * (§16.4 step 1): `channelOf` maps an address (−1 = unmapped), counts saturate at `countMax`.
 */
export function sampleCounts(sample: InputSample, channelOf: (addr: number) => number, nInputs: number, countMax: number, tickUs: number): Uint8Array[] {
  const counts = Array.from({ length: sample.nTicks }, () => new Uint8Array(nInputs))
  for (let e = 0; e < sample.tUs.length; e++) {
    const k = Math.floor(sample.tUs[e] / tickUs)
    if (k >= sample.nTicks) {
      throw new SpikelabError('BAD_INPUT', `event ${e} at ${sample.tUs[e]} µs falls after the sample's ${sample.nTicks} ticks`, { field: `tUs[${e}]` })
    }
    const ch = channelOf(sample.addr[e])
    if (ch >= 0 && counts[k][ch] < countMax) counts[k][ch]++
  }
  return counts
}
