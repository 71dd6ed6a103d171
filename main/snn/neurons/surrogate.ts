import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../common/errors.js'
import { customOp } from '../custom-op.js'

/**
 * Surrogate gradients for the spike S = H(x), x = U − θ. The forward is always the strict Heaviside
 * 1[x > 0] (snnTorch); only the backward is replaced by a smooth ∂S/∂x:
 *
 * | kind           | ∂S/∂x                                   | default            | matches                 |
 * |----------------|-----------------------------------------|--------------------|-------------------------|
 * | `atan`         | (α/2) / (1 + (π·α·x/2)²)                | α = 2              | snnTorch `atan` (code)  |
 * | `fast-sigmoid` | 1 / (1 + k·|x|)²                        | k = 25             | snnTorch `fast_sigmoid` |
 * | `sigmoid`      | k·σ(kx)·(1 − σ(kx)) = k·e^(−kx)/(1+e^(−kx))² | k = 25        | snnTorch `sigmoid`      |
 * | `rectangular`  | (1/w)·1[|x| < w/2]  (unit area)          | w = 1              | —                       |
 * | `triangular`   | (1/w)·max(0, 1 − |x|/w)  (unit area)     | w = 1              | Norse-style triangle    |
 *
 * snnTorch 0.9.4's `triangular()` returns +θ below and −θ at/above threshold (a bug, spec §D.4); this
 * module deliberately implements a real triangle.
 */
export type SurrogateSpec =
  | { readonly kind: 'atan'; readonly alpha?: number }
  | { readonly kind: 'fast-sigmoid'; readonly slope?: number }
  | { readonly kind: 'sigmoid'; readonly slope?: number }
  | { readonly kind: 'rectangular'; readonly width?: number }
  | { readonly kind: 'triangular'; readonly width?: number }

export const DEFAULT_SURROGATE: SurrogateSpec = { kind: 'atan', alpha: 2 }

function positive(value: number | undefined, fallback: number, field: string): number {
  const v = value ?? fallback
  if (!(v > 0) || !Number.isFinite(v)) {
    throw new SpikelabError('SNN_BAD_CONFIG', `surrogate parameter must be a positive number, got ${v}`, { field })
  }
  return v
}

/** The surrogate derivative as a plain number function (used by the fused JS kernels). */
export function surrogateDerivative(spec: SurrogateSpec): (x: number) => number {
  switch (spec.kind) {
    case 'atan': {
      const a = positive(spec.alpha, 2, 'surrogate.alpha')
      const c = (Math.PI * a) / 2
      return (x) => a / 2 / (1 + c * x * (c * x))
    }
    case 'fast-sigmoid': {
      const k = positive(spec.slope, 25, 'surrogate.slope')
      return (x) => {
        const d = 1 + k * Math.abs(x)
        return 1 / (d * d)
      }
    }
    case 'sigmoid': {
      const k = positive(spec.slope, 25, 'surrogate.slope')
      return (x) => {
        const s = 1 / (1 + Math.exp(-k * x))
        return k * s * (1 - s)
      }
    }
    case 'rectangular': {
      const w = positive(spec.width, 1, 'surrogate.width')
      return (x) => (Math.abs(x) < w / 2 ? 1 / w : 0)
    }
    case 'triangular': {
      const w = positive(spec.width, 1, 'surrogate.width')
      return (x) => Math.max(0, 1 - Math.abs(x) / w) / w
    }
  }
}

/** The surrogate derivative as tensor ops (elementwise on x). */
export function surrogateDerivativeTensor(spec: SurrogateSpec, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (spec.kind) {
      case 'atan': {
        const a = positive(spec.alpha, 2, 'surrogate.alpha')
        const cx = tf.mul(x, (Math.PI * a) / 2)
        return tf.div(a / 2, tf.add(1, tf.square(cx)))
      }
      case 'fast-sigmoid': {
        const k = positive(spec.slope, 25, 'surrogate.slope')
        return tf.reciprocal(tf.square(tf.add(1, tf.mul(k, tf.abs(x)))))
      }
      case 'sigmoid': {
        const k = positive(spec.slope, 25, 'surrogate.slope')
        const s = tf.sigmoid(tf.mul(k, x))
        return tf.mul(k, tf.mul(s, tf.sub(1, s)))
      }
      case 'rectangular': {
        const w = positive(spec.width, 1, 'surrogate.width')
        return tf.mul(tf.cast(tf.less(tf.abs(x), w / 2), 'float32'), 1 / w)
      }
      case 'triangular': {
        const w = positive(spec.width, 1, 'surrogate.width')
        return tf.mul(tf.relu(tf.sub(1, tf.div(tf.abs(x), w))), 1 / w)
      }
    }
  })
}

/**
 * The smooth function whose exact derivative is the surrogate ("relaxed" spike). Used for
 * finite-difference gradient checks: with it the surrogate backward is the true gradient.
 * Defined for `atan` (½ + atan(π·α·x/2)/π) and `sigmoid` (σ(kx)).
 */
export function relaxedSpike(spec: SurrogateSpec): (x: number) => number {
  switch (spec.kind) {
    case 'atan': {
      const a = positive(spec.alpha, 2, 'surrogate.alpha')
      return (x) => 0.5 + Math.atan((Math.PI * a * x) / 2) / Math.PI
    }
    case 'sigmoid': {
      const k = positive(spec.slope, 25, 'surrogate.slope')
      return (x) => 1 / (1 + Math.exp(-k * x))
    }
    default:
      throw new SpikelabError('SNN_BAD_CONFIG', `relaxed spikes need an 'atan' or 'sigmoid' surrogate, not '${spec.kind}'`, {
        field: 'surrogate.kind',
      })
  }
}

/**
 * The spike op S = 1[x > 0] with the surrogate backward dL/dx = dL/dS · g(x), as a tfjs custom
 * gradient so it composes with autodiff on every backend.
 */
export function spikeOp(spec: SurrogateSpec): (x: tf.Tensor) => tf.Tensor {
  const op = customOp(([x], save) => {
    save([x])
    return {
      value: tf.cast(tf.greater(x, 0), 'float32'),
      gradFunc: (dy, saved) => tf.mul(dy, surrogateDerivativeTensor(spec, saved[0])),
    }
  })
  return (x) => op(x)
}
