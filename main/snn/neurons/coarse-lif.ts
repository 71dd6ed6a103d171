import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../common/errors.js'
import { customOp } from '../custom-op.js'

/**
 * Coarse-scale LIF neuron (Yanguas-Gil 2020; spec snn-methods.md §B.2–B.3). One step is one absolute
 * refractory period t_ref; τ is the membrane time constant in units of t_ref:
 *
 *   a = e^(−1/τ)         leak over one interval
 *   b = τ·(1 − a)        charge from a unit constant input over one interval
 *   c = τ·(1 − b)        expected charge after a reset at a uniformly distributed spike time
 *
 *   v[n] = (1 − s[n−1])·(a·v[n−1] + b·x[n]) + s[n−1]·c·x[n]      s[−1] = v[−1] = 0
 *   s[n] = H(v[n] − v0),  H(x) = ½(sign(x) + 1), so H(0) = ½ exactly
 *   ∂s/∂v = β·σ(β(v − v0))·(1 − σ(β(v − v0)))                      ("HardSoft", β = 5)
 *
 * x[n] is the synaptic input of interval n. A neuron that fired in the previous interval is reset
 * (reset to zero, no a·v term) and integrates only the expected input after its refractory period
 * ends (the c term). Gradients flow through v and s across steps, including the reset term.
 *
 * Variants (spec §B.3): `no-post-reset` (the code's SpikingLayer2, c = 0) and `analog-input` (the
 * code's SpikingVextLayer for an analog image: x scaled ×1.1, b' = b/c, and the post-reset term is x).
 */
export interface CoarseLifConfig {
  /** Membrane time constant in refractory periods. */
  readonly tau: number
  /** Firing threshold v0. */
  readonly threshold: number
  /** Steepness β of the surrogate (sigmoid derivative). */
  readonly surrogateBeta: number
  readonly variant: 'coarse' | 'no-post-reset' | 'analog-input'
  /**
   * 'spike' = H forward (normal). 'relaxed' = s = σ(β(v − v0)) forward, whose exact derivative is the
   * surrogate; for finite-difference gradient checks only.
   */
  readonly forward: 'spike' | 'relaxed'
}

export const DEFAULT_COARSE_LIF: CoarseLifConfig = { tau: 4, threshold: 1, surrogateBeta: 5, variant: 'coarse', forward: 'spike' }

export function coarseLifConfig(partial: Partial<CoarseLifConfig> = {}): CoarseLifConfig {
  const cfg = { ...DEFAULT_COARSE_LIF, ...partial }
  const check = (ok: boolean, field: string, message: string): void => {
    if (!ok) throw new SpikelabError('SNN_BAD_CONFIG', message, { field })
  }
  check(cfg.tau > 0 && Number.isFinite(cfg.tau), 'tau', `coarse LIF tau must be positive, got ${cfg.tau}`)
  check(cfg.threshold > 0 && Number.isFinite(cfg.threshold), 'threshold', `coarse LIF threshold must be positive, got ${cfg.threshold}`)
  check(cfg.surrogateBeta > 0 && Number.isFinite(cfg.surrogateBeta), 'surrogateBeta', `surrogate beta must be positive, got ${cfg.surrogateBeta}`)
  check(['coarse', 'no-post-reset', 'analog-input'].includes(cfg.variant), 'variant', `unknown coarse LIF variant '${String(cfg.variant)}'`)
  check(cfg.forward === 'spike' || cfg.forward === 'relaxed', 'forward', `unknown forward mode '${String(cfg.forward)}'`)
  return cfg
}

/** The interval constants a, b, c of spec §B.2 for a time constant τ (in refractory periods). */
export function coarseConstants(tau: number): { a: number; b: number; c: number } {
  const a = Math.exp(-1 / tau)
  const b = tau * (1 - a)
  const c = tau * (1 - b)
  return { a, b, c }
}

/** The update written as v[n] = (1 − s)(a·v + B·g·x) + s·C·g·x, per variant. */
function coefficients(cfg: CoarseLifConfig): { a: number; charge: number; afterReset: number; gain: number } {
  const { a, b, c } = coarseConstants(cfg.tau)
  if (cfg.variant === 'no-post-reset') return { a, charge: b, afterReset: 0, gain: 1 }
  if (cfg.variant === 'analog-input') return { a, charge: b / c, afterReset: 1, gain: 1.1 }
  return { a, charge: b, afterReset: c, gain: 1 }
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x))

/** H(x) = ½(sign(x) + 1). */
const heaviside = (x: number): number => (x > 0 ? 1 : x < 0 ? 0 : 0.5)

/** The forward recurrence on flat arrays: `input` is [T, n]; returns v and s, both [T, n]. */
export function coarseLifForward(input: Float32Array, steps: number, cfg: CoarseLifConfig): { spikes: Float32Array; mem: Float32Array } {
  const n = (input.length / steps) | 0
  const { a, charge, afterReset, gain } = coefficients(cfg)
  const { threshold: v0, surrogateBeta: beta } = cfg
  const relaxed = cfg.forward === 'relaxed'
  const spikes = new Float32Array(input.length)
  const mem = new Float32Array(input.length)
  for (let t = 0; t < steps; t++) {
    const o = t * n
    const p = o - n
    for (let i = 0; i < n; i++) {
      const x = gain * input[o + i]
      const s = t === 0 ? 0 : spikes[p + i]
      const vPrev = t === 0 ? 0 : mem[p + i]
      const v = (1 - s) * (a * vPrev + charge * x) + s * afterReset * x
      mem[o + i] = v
      spikes[o + i] = relaxed ? sigmoid(beta * (v - v0)) : heaviside(v - v0)
    }
  }
  return { spikes, mem }
}

/**
 * Backpropagation through the recurrence, given dL/ds[n] (`dSpikes`). With u[n] = a·v[n−1] + B·g·x[n]:
 *   ∂v[n]/∂v[n−1] = (1 − s[n−1])·a
 *   ∂v[n]/∂s[n−1] = C·g·x[n] − u[n]
 *   ∂v[n]/∂x[n]   = ((1 − s[n−1])·B + s[n−1]·C)·g
 */
export function coarseLifBackward(
  input: Float32Array,
  mem: Float32Array,
  spikes: Float32Array,
  dSpikes: Float32Array,
  steps: number,
  cfg: CoarseLifConfig,
): Float32Array {
  const n = (input.length / steps) | 0
  const { a, charge, afterReset, gain } = coefficients(cfg)
  const { threshold: v0, surrogateBeta: beta } = cfg
  const dInput = new Float32Array(input.length)
  const dvNext = new Float64Array(n) // dL/dv[n+1]
  for (let t = steps - 1; t >= 0; t--) {
    const o = t * n
    const q = o + n
    const hasNext = t + 1 < steps
    for (let i = 0; i < n; i++) {
      const v = mem[o + i]
      const s = spikes[o + i]
      let ds = dSpikes[o + i]
      let dv = 0
      if (hasNext) {
        const xNext = gain * input[q + i]
        const u = a * v + charge * xNext
        ds += dvNext[i] * (afterReset * xNext - u)
        dv += dvNext[i] * (1 - s) * a
      }
      const z = sigmoid(beta * (v - v0))
      dv += ds * beta * z * (1 - z)
      const sPrev = t === 0 ? 0 : spikes[o - n + i]
      dInput[o + i] = dv * ((1 - sPrev) * charge + sPrev * afterReset) * gain
      dvNext[i] = dv
    }
  }
  return dInput
}

/**
 * Coarse LIF over a whole sequence: `input` is [T, ...]; returns the spikes (differentiable), the
 * membranes and the input values (`drive`; values only, for rasters, read-outs and checks), all of
 * the same shape. The recurrence is elementwise, so it runs as one host loop per layer instead of
 * many small tensor ops per step.
 */
export function coarseLifSequence(input: tf.Tensor, cfg: CoarseLifConfig): { spikes: tf.Tensor; mem: Float32Array; drive: Float32Array } {
  const shape = input.shape
  const steps = shape[0]
  const x = input.dataSync() as Float32Array
  const { spikes, mem } = coarseLifForward(x, steps, cfg)
  const op = customOp(() => ({
    value: tf.tensor(spikes, shape, 'float32'),
    gradFunc: (dy) => tf.tensor(coarseLifBackward(x, mem, spikes, dy.dataSync() as Float32Array, steps, cfg), shape, 'float32'),
  }))
  return { spikes: op(input), mem, drive: x }
}
