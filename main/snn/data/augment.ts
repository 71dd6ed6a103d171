import type { LabeledImages } from './mnist.js'
import type { SeededRandom } from '../random.js'

/**
 * Random translation, the classic augmentation for small digit sets (Simard et al. 2003 used
 * elastic distortions; a few pixels of shift gives most of the gain): each image of the batch
 * `indices` moves by a whole-pixel offset drawn uniformly from [−maxShift, maxShift] per axis, with
 * zeros shifted in. A pure function of its inputs and the rng's state; the result holds the batch in
 * order (its sample k is `indices[k]` shifted).
 */
export function shiftedBatch(set: LabeledImages, indices: ArrayLike<number>, maxShift: number, rng: SeededRandom): LabeledImages {
  const [height, width] = set.imageShape
  const pixels = height * width
  const batch = indices.length
  const images = new Float32Array(batch * pixels)
  const labels = new Uint8Array(batch)
  for (let k = 0; k < batch; k++) {
    const src = indices[k] * pixels
    const dst = k * pixels
    labels[k] = set.labels[indices[k]]
    const dy = rng.int(2 * maxShift + 1) - maxShift
    const dx = rng.int(2 * maxShift + 1) - maxShift
    // output row y reads input row y − dy; columns likewise
    for (let y = Math.max(0, dy); y < Math.min(height, height + dy); y++) {
      const from = src + (y - dy) * width
      const to = dst + y * width
      const x0 = Math.max(0, dx)
      const x1 = Math.min(width, width + dx)
      images.set(set.images.subarray(from + x0 - dx, from + x1 - dx), to + x0)
    }
  }
  return { images, labels, count: batch, imageShape: set.imageShape }
}
