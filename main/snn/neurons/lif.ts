import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../common/errors.js'
import { customOp, detachedHeaviside } from '../custom-op.js'
import type { SurrogateSpec } from './surrogate.js'
import { DEFAULT_SURROGATE, relaxedSpike, spikeOp, surrogateDerivative } from './surrogate.js'

/**
 * Leaky integrate-and-fire neuron with the exact semantics of snnTorch 0.9.4 `snn.Leaky`
 * (defaults, `reset_delay=True`; spec snn-methods.md §D.1):
 *
 *   R[t] = H(U[t−1] − θ)                       reset flag from the PREVIOUS membrane (detached by default)
 *   subtract:  U[t] = β·U[t−1] + I[t] − R[t]·θ
 *   zero:      U[t] = β·(1 − R[t])·U[t−1] + I[t]
 *   none:      U[t] = β·U[t−1] + I[t]
 *   S[t] = H(U[t] − θ)                          strict '>'; backward = surrogate g(U[t] − θ)
 *
 * U[−1] = 0. The returned membrane U[t] is NOT yet reset on the step that spikes: a spike's reset is
 * applied on the next step, after the decay, and subtracts θ (not β·θ).
 */
export interface LifConfig {
  /** Membrane decay per step, in [0, 1]. */
  readonly beta: number
  /** Firing threshold θ. */
  readonly threshold: number
  readonly reset: 'subtract' | 'zero' | 'none'
  readonly surrogate: SurrogateSpec
  /** Block the gradient through the reset term (snnTorch, Norse and SpikingJelly default). */
  readonly detachReset: boolean
  /**
   * 'spike' = binary H forward (normal). 'relaxed' = the smooth function whose derivative is the
   * surrogate, so the backward is the exact gradient; for gradient checks only.
   */
  readonly forward: 'spike' | 'relaxed'
}

export const DEFAULT_LIF: LifConfig = {
  beta: 0.95,
  threshold: 1,
  reset: 'subtract',
  surrogate: DEFAULT_SURROGATE,
  detachReset: true,
  forward: 'spike',
}

export function lifConfig(partial: Partial<LifConfig> = {}): LifConfig {
  const cfg = { ...DEFAULT_LIF, ...partial }
  if (!(cfg.beta >= 0 && cfg.beta <= 1)) {
    throw new SpikelabError('SNN_BAD_CONFIG', `LIF beta must lie in [0, 1], got ${cfg.beta}`, { field: 'beta' })
  }
  if (!(cfg.threshold > 0) || !Number.isFinite(cfg.threshold)) {
    throw new SpikelabError('SNN_BAD_CONFIG', `LIF threshold must be positive, got ${cfg.threshold}`, {
      field: 'threshold',
    })
  }
  if (!['subtract', 'zero', 'none'].includes(cfg.reset)) {
    throw new SpikelabError('SNN_BAD_CONFIG', `unknown LIF reset '${String(cfg.reset)}'`, { field: 'reset' })
  }
  if (cfg.forward === 'relaxed') relaxedSpike(cfg.surrogate) // validates the surrogate supports it
  return cfg
}

/**
 * One LIF step with tensor ops (composes with autodiff). `mem` is the previous returned membrane.
 * Slower than `lifSequence`; it documents the semantics and serves recurrent layers.
 */
export function lifStep(input: tf.Tensor, mem: tf.Tensor, config: LifConfig): { spikes: tf.Tensor; mem: tf.Tensor } {
  if (config.forward === 'relaxed') {
    throw new SpikelabError('SNN_BAD_CONFIG', "lifStep supports forward 'spike' only; use lifSequence", {
      field: 'forward',
    })
  }
  const spike = spikeOp(config.surrogate)
  return tf.tidy(() => {
    const { beta, threshold } = config
    const over = tf.sub(mem, threshold)
    const reset = config.detachReset ? detachedHeaviside(over) : spike(over)
    let next: tf.Tensor
    if (config.reset === 'subtract') next = tf.sub(tf.add(tf.mul(beta, mem), input), tf.mul(reset, threshold))
    else if (config.reset === 'zero') next = tf.add(tf.mul(tf.mul(beta, tf.sub(1, reset)), mem), input)
    else next = tf.add(tf.mul(beta, mem), input)
    return { spikes: spike(tf.sub(next, threshold)), mem: next }
  })
}

/**
 * The forward recurrence over T steps on flat arrays: `current` is [T, n] (n = everything after the
 * time axis). Returns spikes and the returned (not yet reset) membranes, both [T, n].
 */
export function lifForward(
  current: Float32Array,
  steps: number,
  config: LifConfig,
  /** Buffers to write into (reused across batches: fresh 10 MB arrays cost more than the loop). */
  out?: { spikes: Float32Array; mem: Float32Array },
): { spikes: Float32Array; mem: Float32Array } {
  const n = (current.length / steps) | 0
  const { beta, threshold: th, reset } = config
  const spikes = out ? out.spikes.subarray(0, current.length) : new Float32Array(current.length)
  const mem = out ? out.mem.subarray(0, current.length) : new Float32Array(current.length)
  // Branches hoisted out of the element loop: this runs on T·B·N elements per layer and batch.
  const relaxed = config.forward === 'relaxed' ? relaxedSpike(config.surrogate) : null
  const resetGain = reset === 'subtract' ? th : 0
  const keep = reset === 'zero' ? 1 : 0 // zero reset multiplies the decay by (1 − R)
  if (relaxed === null && keep === 0) {
    // The common case (spike forward, subtract or no reset): one branch-free pass per step.
    for (let i = 0; i < n && steps > 0; i++) {
      const u = current[i]
      mem[i] = u
      spikes[i] = u > th ? 1 : 0
    }
    for (let t = 1; t < steps; t++) {
      const o = t * n
      const p = o - n
      for (let i = 0; i < n; i++) {
        const u = beta * mem[p + i] + current[o + i] - spikes[p + i] * resetGain
        mem[o + i] = u
        spikes[o + i] = u > th ? 1 : 0
      }
    }
    return { spikes, mem }
  }
  for (let t = 0; t < steps; t++) {
    const o = t * n
    const p = o - n
    for (let i = 0; i < n; i++) {
      // R[t] = H(U[t−1] − θ) = S[t−1]
      const prev = t === 0 ? 0 : mem[p + i]
      const r = t === 0 ? 0 : spikes[p + i]
      const u = beta * (1 - keep * r) * prev + current[o + i] - r * resetGain
      mem[o + i] = u
      spikes[o + i] = relaxed === null ? (u > th ? 1 : 0) : relaxed(u - th)
    }
  }
  return { spikes, mem }
}

/**
 * Backpropagation through the recurrence. G[t] = dL/dU[t] collects the membrane's own upstream
 * gradient, the spike's (through the surrogate) and the next step's (through the decay, and through
 * the reset when it is not detached); dL/dI[t] = G[t].
 */
export function lifBackward(
  mem: Float32Array,
  spikes: Float32Array,
  dSpikes: Float32Array | null,
  dMem: Float32Array | null,
  steps: number,
  config: LifConfig,
  /** Buffer to write dL/dI into (reused across batches). */
  out?: Float32Array,
): Float32Array {
  const n = (mem.length / steps) | 0
  const { beta, threshold: th, reset, detachReset } = config
  const g = surrogateDerivative(config.surrogate)
  const dI = out ? out.subarray(0, mem.length) : new Float32Array(mem.length)
  const carry = new Float64Array(n) // dL/dU[t+1]
  if (reset === 'none' || (reset === 'subtract' && detachReset)) {
    // ∂U[t+1]/∂U[t] = β for every element: the common case, without per-element branches.
    if (dMem === null && dSpikes !== null) {
      // A hidden layer (the gradient arrives through its spikes only): the hot loop of BPTT.
      for (let t = steps - 1; t >= 0; t--) {
        const o = t * n
        const decay = t + 1 < steps ? beta : 0
        for (let i = 0; i < n; i++) {
          const total = dSpikes[o + i] * g(mem[o + i] - th) + carry[i] * decay
          carry[i] = total
          dI[o + i] = total
        }
      }
      return dI
    }
    for (let t = steps - 1; t >= 0; t--) {
      const o = t * n
      const decay = t + 1 < steps ? beta : 0
      for (let i = 0; i < n; i++) {
        const fromMem = dMem === null ? 0 : dMem[o + i]
        const fromSpike = dSpikes === null ? 0 : dSpikes[o + i] * g(mem[o + i] - th)
        const total = fromMem + fromSpike + carry[i] * decay
        carry[i] = total
        dI[o + i] = total
      }
    }
    return dI
  }
  for (let t = steps - 1; t >= 0; t--) {
    const o = t * n
    const hasNext = t + 1 < steps
    for (let i = 0; i < n; i++) {
      const u = mem[o + i]
      const sg = g(u - th)
      let total = (dMem ? dMem[o + i] : 0) + (dSpikes ? dSpikes[o + i] * sg : 0)
      if (hasNext) {
        // ∂U[t+1]/∂U[t] for each reset mode; R[t+1] = S[t].
        let through: number
        if (reset === 'subtract') through = beta - (detachReset ? 0 : th * sg)
        else if (reset === 'zero') through = beta * (1 - spikes[o + i]) - (detachReset ? 0 : beta * u * sg)
        else through = beta
        total += carry[i] * through
      }
      carry[i] = total
      dI[o + i] = total
    }
  }
  return dI
}

/**
 * LIF over a whole sequence: `current` is [T, ...]; returns spikes and membranes of the same shape,
 * both differentiable. The recurrence is elementwise, so it runs as one tight host loop instead of ~10
 * small tensor ops per step. Spikes and membranes are two ops sharing one forward pass; since
 * `lifBackward` is linear in its upstream gradients, autodiff summing their two input gradients gives
 * the joint gradient, and an output the loss does not use costs no backward pass.
 */
export function lifSequence(current: tf.Tensor, config: LifConfig): { spikes: tf.Tensor; mem: tf.Tensor } {
  const shape = current.shape
  const steps = shape[0]
  const { spikes, mem } = lifForward(current.dataSync() as Float32Array, steps, config)
  const spikeOut = customOp(() => ({
    value: tf.tensor(spikes, shape, 'float32'),
    gradFunc: (dy) => tf.tensor(lifBackward(mem, spikes, dy.dataSync() as Float32Array, null, steps, config), shape, 'float32'),
  }))
  const memOut = customOp(() => ({
    value: tf.tensor(mem, shape, 'float32'),
    gradFunc: (dy) => tf.tensor(lifBackward(mem, spikes, null, dy.dataSync() as Float32Array, steps, config), shape, 'float32'),
  }))
  return { spikes: spikeOut(current), mem: memOut(current) }
}
