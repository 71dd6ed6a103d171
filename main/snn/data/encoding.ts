import { SpikelabError } from '../../../common/errors.js'
import type { HostSpikes } from '../layers/host-spikes.js'
import type { SeededRandom } from '../random.js'

/**
 * Rate coding (snnTorch `spikegen.rate`): every pixel p ∈ [0, 1] fires with probability p on each of
 * the T steps, independently. Returns [T, B, pixels] for the images at `indices` of `images`.
 */
export function rateEncode(
  images: Float32Array,
  pixels: number,
  indices: ArrayLike<number>,
  steps: number,
  rng: SeededRandom,
): HostSpikes {
  const batch = indices.length
  const data = new Uint8Array(steps * batch * pixels)
  for (let t = 0; t < steps; t++) {
    for (let b = 0; b < batch; b++) {
      const src = indices[b] * pixels
      const dst = (t * batch + b) * pixels
      for (let i = 0; i < pixels; i++) {
        const p = images[src + i]
        if (p > 0 && rng.next() < p) data[dst + i] = 1
      }
    }
  }
  return { shape: [steps, batch, pixels], data }
}

/**
 * Latency (time-to-first-spike) coding, deterministic: a pixel p > `minIntensity` spikes once, at step
 * round((1 − p)·(T − 1)) — the brightest pixels first; dimmer pixels never spike. (Linear in p, as
 * snnTorch `spikegen.latency(linear=True)`; no RC time constant.)
 */
export function latencyEncode(
  images: Float32Array,
  pixels: number,
  indices: ArrayLike<number>,
  steps: number,
  minIntensity = 0.01,
): HostSpikes {
  if (!(steps >= 1)) throw new SpikelabError('SNN_BAD_CONFIG', `steps must be ≥ 1, got ${steps}`, { field: 'steps' })
  const batch = indices.length
  const data = new Uint8Array(steps * batch * pixels)
  for (let b = 0; b < batch; b++) {
    const src = indices[b] * pixels
    for (let i = 0; i < pixels; i++) {
      const p = images[src + i]
      if (!(p > minIntensity)) continue
      const t = Math.round((1 - Math.min(p, 1)) * (steps - 1))
      data[(t * batch + b) * pixels + i] = 1
    }
  }
  return { shape: [steps, batch, pixels], data }
}
