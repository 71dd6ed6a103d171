import * as tf from '@tensorflow/tfjs'
import type { SeededRandom } from '../../random.js'

/**
 * IDE's norm restriction of the feedback weight (spec snn-methods.md §C.5, torch `spectral_norm` as
 * `_wnorm(norm_range=1)` uses it): W = clamp(g, −1, 1)·V/σ with σ = uᵀ·M·v, where M is V reshaped to a
 * matrix (FC: [in, out]; conv: [k·k·in, out], the transpose of torch's [out, in·k·k] reshape, which
 * has the same singular values). u and v come from one power iteration per training forward and are
 * held constant, so σ is differentiable in V only. For a conv this bounds the reshape, not the exact
 * operator norm.
 */
export function powerIterate(matrix: tf.Tensor2D, left: tf.Variable, right: tf.Variable): void {
  tf.tidy(() => {
    const mv = tf.matMul(matrix, right)
    const u = tf.div(mv, tf.add(tf.norm(mv), 1e-12))
    const mu = tf.matMul(matrix, u, true, false)
    const v = tf.div(mu, tf.add(tf.norm(mu), 1e-12))
    left.assign(u as tf.Tensor2D)
    right.assign(v as tf.Tensor2D)
  })
}

/** clamp(g, −1, 1)·V/σ(M) with M = `matrix` (a reshape of `direction`). */
export function normalisedWeight(direction: tf.Tensor, matrix: tf.Tensor2D, scale: tf.Tensor, left: tf.Tensor, right: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const sigma = tf.sum(tf.mul(left, tf.matMul(matrix, right as tf.Tensor2D)))
    return tf.mul(tf.clipByValue(scale, -1, 1), tf.div(direction, sigma))
  })
}

/** A random unit vector (the power iteration's start): uniform(−1, 1) entries, scaled to unit length. */
export function unitVector(n: number, rng: SeededRandom): Float32Array {
  const v = new Float32Array(n)
  for (let i = 0; i < n; i++) v[i] = rng.uniform(-1, 1)
  const s = Math.hypot(...v) || 1
  return v.map((x) => x / s)
}
