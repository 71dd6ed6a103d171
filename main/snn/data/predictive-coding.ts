import { SpikelabError } from '../../../common/errors.js'
import type { SeededRandom } from '../random.js'

/**
 * The predictive-coding task of VDIB (spec snn-methods.md §A.6, `predictive_coding_softmax.py`):
 * "drifting blob" stimuli after Chalk, Marre and Tkačik. Each blob activates one of N input neurons per
 * step; the input is the union of two independent blobs, so every frame has one or two active neurons
 * and is one of N + N(N−1)/2 patterns (210 for N = 20). The target at step t is the frame at t + δ.
 *
 * One blob (neurons are bins at −π + 2πk/N, k = 0..N−1):
 *   θ[0] ~ U(−π, π),  v[0] = 1,  A[0] = 0.5
 *   θ[t] = θ[t−1] + v[t−1];  v[t] = 0.9·v[t−1] − 0.14·η[t];  A[t] = 0.99·A[t−1] + 0.01·η[t]   (η ~ N(0, 1), shared)
 *   x[t] = wrap(A[t]·N(θ[t], 0.45)) to (−π, π];  active neuron = the bin nearest x[t]
 */
export const BLOB_NEURONS = 20

/** One standard normal draw (Box–Muller). */
function gaussian(rng: SeededRandom): number {
  const u = 1 - rng.next() // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next())
}

function nearestBin(x: number, neurons: number): number {
  const width = (2 * Math.PI) / neurons
  const k = Math.round((x + Math.PI) / width)
  return Math.min(neurons - 1, Math.max(0, k))
}

/** The active neuron of one drifting blob at each of `steps` steps. */
export function driftingBlob(neurons: number, steps: number, rng: SeededRandom): Int32Array {
  const active = new Int32Array(steps)
  let theta = rng.uniform(-Math.PI, Math.PI)
  let v = 1
  let amplitude = 0.5
  for (let t = 0; t < steps; t++) {
    if (t > 0) {
      const eta = gaussian(rng)
      theta += v
      v = 0.9 * v - 0.14 * eta
      amplitude = 0.99 * amplitude + 0.01 * eta
    }
    const x = amplitude * (theta + 0.45 * gaussian(rng))
    active[t] = nearestBin(Math.atan2(Math.sin(x), Math.cos(x)), neurons)
  }
  return active
}

/** A sequence for the task: inputs and targets as frames [steps, neurons] (0/1) plus each target's pattern index. */
export interface PredictiveCodingSequence {
  readonly neurons: number
  readonly steps: number
  readonly inputs: Uint8Array
  readonly targets: Uint8Array
  readonly targetPatterns: Int32Array
}

/** Union of two blobs over `steps + |δ|` steps; inputs are `steps` of them and targets are shifted by δ. */
export function predictiveCodingSequence(neurons: number, steps: number, delta: number, rng: SeededRandom): PredictiveCodingSequence {
  if (!Number.isInteger(neurons) || neurons < 2) throw new SpikelabError('SNN_BAD_CONFIG', `need at least 2 input neurons, got ${neurons}`, { field: 'inputNeurons' })
  if (!Number.isInteger(delta)) throw new SpikelabError('SNN_BAD_CONFIG', `δ must be an integer, got ${delta}`, { field: 'delta' })
  const total = steps + Math.abs(delta)
  const a = driftingBlob(neurons, total, rng)
  const b = driftingBlob(neurons, total, rng)
  const frameAt = (out: Uint8Array, t: number, source: number) => {
    out[t * neurons + a[source]] = 1
    out[t * neurons + b[source]] = 1
  }
  const inputs = new Uint8Array(steps * neurons)
  const targets = new Uint8Array(steps * neurons)
  const targetPatterns = new Int32Array(steps)
  const offset = delta < 0 ? -delta : 0
  for (let t = 0; t < steps; t++) {
    frameAt(inputs, t, t + offset)
    frameAt(targets, t, t + offset + delta)
    targetPatterns[t] = patternIndex(a[t + offset + delta], b[t + offset + delta], neurons)
  }
  return { neurons, steps, inputs, targets, targetPatterns }
}

/** Number of frames with one or two active neurons among N: N + N(N−1)/2. */
export function patternCount(neurons: number): number {
  return (neurons * (neurons + 1)) / 2
}

/** Index of the frame whose active neurons are i and j (i = j: one active neuron), pairs i ≤ j in row order. */
export function patternIndex(i: number, j: number, neurons: number): number {
  const lo = Math.min(i, j)
  const hi = Math.max(i, j)
  return lo * neurons - (lo * (lo - 1)) / 2 + (hi - lo)
}
