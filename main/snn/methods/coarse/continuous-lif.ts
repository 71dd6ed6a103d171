import { SpikelabError } from '../../../../common/errors.js'
import type { CoarseLayer, CoarseNetwork } from './coarse-network.js'

/**
 * The continuous-time counterpart of a coarse network (spec snn-methods.md §B.7): the same weights,
 * simulated with a fine step dt = t_ref/K. Time is in units of t_ref, so one coarse interval is K steps.
 *
 * - Membrane: dv/dt = −v/τ + I, integrated exactly over each step: v ← v·e^(−dt/τ) + I·τ(1 − e^(−dt/τ)).
 *   I is the constant bias current (charge per t_ref), so a constant input gives b·I per interval, as the
 *   coarse model's b·x.
 * - Synapses are instantaneous: a presynaptic spike adds its weight to v at once. For arrival times
 *   uniform within an interval this gives the expected charge b·w at the interval's end, as the coarse model.
 * - Threshold v0 (strict '>'); reset to 0; absolute refractory period t_ref (K steps clamped at 0,
 *   inputs ignored). A spike reaches the next layer within the same step.
 * - Max-pool units pass a spike from any input of their window and are then refractory for t_ref too
 *   (at most one spike per t_ref, like the coarse max of spikes per interval).
 *
 * Avg/sum pooling and analog-input layers have no continuous counterpart here and are refused.
 */
export interface ContinuousRun {
  /** Spike count of every output neuron over the whole run. */
  readonly counts: Float32Array
  /** Output spike times in units of t_ref, per output neuron. */
  readonly outputTimes: number[][]
  /** Synaptic input (with bias) each output neuron received, summed over the fine steps (the read-out's tie-break). */
  readonly drive: Float64Array
}

type Stage =
  | { kind: 'dense'; weights: Float32Array; inputs: number; units: number }
  | { kind: 'conv'; weights: Float32Array; inH: number; inW: number; inC: number; outH: number; outW: number; filters: number; k: number; stride: number; padTop: number; padLeft: number }
  | { kind: 'pool'; inH: number; inW: number; channels: number; outH: number; outW: number; size: number; stride: number }
  | { kind: 'lif'; size: number; decay: number; biasGain: number; threshold: number; bias: Float32Array | null }

export class ContinuousLif {
  private readonly stages: Stage[] = []
  readonly inputSize: number
  readonly outputSize: number

  constructor(
    network: CoarseNetwork,
    /** Steps per refractory period (dt = t_ref/K). */
    readonly substeps = 20,
  ) {
    if (!Number.isInteger(substeps) || substeps < 1) {
      throw new SpikelabError('SNN_BAD_CONFIG', `substeps must be a positive integer, got ${substeps}`, { field: 'substeps' })
    }
    this.inputSize = network.inputShape.reduce((a, b) => a * b, 1)
    this.outputSize = network.outputSize
    let pendingBias: Float32Array | null = null
    let afterWeights = false
    network.layers.forEach((layer, i) => {
      if (layer.kind === 'coarse-lif' && !afterWeights) {
        throw new SpikelabError('SNN_TRANSFER_UNSUPPORTED', 'a coarse LIF layer without a weight layer before it has no continuous-time counterpart', {
          field: `architecture[${i}]`,
        })
      }
      if (layer.kind !== 'flatten') afterWeights = layer.kind === 'dense' || layer.kind === 'conv2d'
      const stage = this.stageOf(layer, i, pendingBias)
      if (layer.kind === 'dense') pendingBias = layer.bias ? Float32Array.from(layer.layer.bias.dataSync()) : null
      else if (layer.kind === 'conv2d') pendingBias = expandConvBias(Float32Array.from(layer.layer.bias.dataSync()), layer.outShape)
      else if (layer.kind === 'coarse-lif') pendingBias = null
      if (stage) this.stages.push(stage)
    })
  }

  private stageOf(layer: CoarseLayer, index: number, bias: Float32Array | null): Stage | null {
    const field = `architecture[${index}]`
    switch (layer.kind) {
      case 'flatten':
        return null // NHWC flattening keeps every unit's index
      case 'dense':
        return { kind: 'dense', weights: Float32Array.from(layer.layer.kernel.dataSync()), inputs: layer.layer.inputs, units: layer.layer.units }
      case 'conv2d': {
        const [inH, inW, inC] = layer.inShape
        const [outH, outW, filters] = layer.outShape
        const { kernelSize: k, stride, padding } = layer.layer
        const padTotal = (n: number, out: number) => (padding === 'same' ? Math.max((out - 1) * stride + k - n, 0) : 0)
        return {
          kind: 'conv',
          weights: Float32Array.from(layer.layer.kernel.dataSync()),
          inH,
          inW,
          inC,
          outH,
          outW,
          filters,
          k,
          stride,
          padTop: Math.floor(padTotal(inH, outH) / 2),
          padLeft: Math.floor(padTotal(inW, outW) / 2),
        }
      }
      case 'pool': {
        if (layer.layer.mode !== 'max') {
          throw new SpikelabError('SNN_TRANSFER_UNSUPPORTED', `only max pooling has a continuous-time counterpart, not '${layer.layer.mode}'`, { field })
        }
        const [inH, inW, channels] = layer.inShape
        const [outH, outW] = layer.outShape
        return { kind: 'pool', inH, inW, channels, outH, outW, size: layer.layer.size, stride: layer.layer.stride }
      }
      case 'coarse-lif': {
        if (layer.config.variant !== 'coarse') {
          throw new SpikelabError('SNN_TRANSFER_UNSUPPORTED', `the '${layer.config.variant}' coarse LIF variant has no continuous-time counterpart`, { field })
        }
        const size = layer.outShape.reduce((a, b) => a * b, 1)
        const decay = Math.exp(-1 / (this.substeps * layer.config.tau))
        return { kind: 'lif', size, decay, biasGain: layer.config.tau * (1 - decay), threshold: layer.config.threshold, bias }
      }
    }
  }

  /**
   * Runs one sample for `steps` refractory periods. `spikes` [steps, inputSize] are 0/1 input spikes
   * per interval; `offsets` (same shape, in [0, 1)) place each spike within its interval (null: at the
   * interval's start).
   */
  run(spikes: ArrayLike<number>, offsets: ArrayLike<number> | null, steps: number): ContinuousRun {
    const n = this.inputSize
    if (spikes.length !== steps * n) {
      throw new SpikelabError('SNN_BAD_INPUT', `input has ${spikes.length} values, expected ${steps}×${n}`, { field: 'spikes' })
    }
    const K = this.substeps
    // input spikes by fine step
    const bySubstep: number[][] = Array.from({ length: steps * K }, () => [])
    for (let t = 0; t < steps; t++) {
      for (let i = 0; i < n; i++) {
        if (spikes[t * n + i] === 0) continue
        const off = offsets ? offsets[t * n + i] : 0
        bySubstep[t * K + Math.min(K - 1, Math.floor(off * K))].push(i)
      }
    }
    const state = this.stages.map((s) => {
      if (s.kind === 'lif') return { v: new Float64Array(s.size), refractory: new Int32Array(s.size), drive: new Float64Array(s.size) }
      if (s.kind === 'pool') return { v: new Float64Array(0), refractory: new Int32Array(s.outH * s.outW * s.channels), drive: new Float64Array(0) }
      return null
    })
    const counts = new Float32Array(this.outputSize)
    const outputDrive = new Float64Array(this.outputSize)
    const last = this.stages.length - 1
    const outputTimes: number[][] = Array.from({ length: this.outputSize }, () => [])
    for (let step = 0; step < steps * K; step++) {
      let active: number[] = bySubstep[step]
      let drive: Float64Array | null = null
      for (let si = 0; si < this.stages.length; si++) {
        const s = this.stages[si]
        const st = state[si]
        if (s.kind === 'dense' || s.kind === 'conv') {
          const next = state[si + 1]
          if (!next) throw new Error('unreachable: every weight layer is followed by a coarse LIF layer')
          drive = next.drive
          drive.fill(0)
          if (s.kind === 'dense') scatterDense(s, active, drive)
          else scatterConv(s, active, drive)
          continue
        }
        if (!st) continue
        if (s.kind === 'pool') {
          const out: number[] = []
          for (const u of poolTargets(s, active)) if (st.refractory[u] === 0) out.push(u)
          for (let u = 0; u < st.refractory.length; u++) if (st.refractory[u] > 0) st.refractory[u]--
          for (const u of out) st.refractory[u] = K
          active = out
          continue
        }
        // LIF
        const out: number[] = []
        const { v, refractory } = st
        const input = drive ?? st.drive
        for (let u = 0; u < s.size; u++) {
          const inflow = s.bias ? input[u] + s.bias[u] * s.biasGain : input[u]
          if (si === last) outputDrive[u] += inflow
          if (refractory[u] > 0) {
            refractory[u]--
            v[u] = 0
            continue
          }
          let x = v[u] * s.decay + inflow
          if (x > s.threshold) {
            out.push(u)
            x = 0
            refractory[u] = K
          }
          v[u] = x
        }
        drive = null
        active = out
      }
      // active now holds the output layer's spikes of this step
      for (const u of active) {
        counts[u]++
        outputTimes[u].push((step + 1) / K)
      }
    }
    return { counts, outputTimes, drive: outputDrive }
  }
}

function expandConvBias(bias: Float32Array, outShape: readonly number[]): Float32Array {
  const [h, w, f] = outShape
  const out = new Float32Array(h * w * f)
  for (let p = 0; p < h * w; p++) out.set(bias, p * f)
  return out
}

function scatterDense(s: { weights: Float32Array; units: number }, active: number[], drive: Float64Array): void {
  const { weights, units } = s
  for (const i of active) {
    const row = i * units
    for (let o = 0; o < units; o++) drive[o] += weights[row + o]
  }
}

function scatterConv(
  s: { weights: Float32Array; inW: number; inC: number; outH: number; outW: number; filters: number; k: number; stride: number; padTop: number; padLeft: number },
  active: number[],
  drive: Float64Array,
): void {
  const { weights, inW, inC, outH, outW, filters, k, stride, padTop, padLeft } = s
  for (const index of active) {
    const c = index % inC
    const pixel = (index - c) / inC
    const x = pixel % inW
    const y = (pixel - x) / inW
    for (let ky = 0; ky < k; ky++) {
      const oy = y + padTop - ky
      if (oy < 0 || oy % stride !== 0 || oy / stride >= outH) continue
      for (let kx = 0; kx < k; kx++) {
        const ox = x + padLeft - kx
        if (ox < 0 || ox % stride !== 0 || ox / stride >= outW) continue
        const w0 = ((ky * k + kx) * inC + c) * filters
        const d0 = ((oy / stride) * outW + ox / stride) * filters
        for (let f = 0; f < filters; f++) drive[d0 + f] += weights[w0 + f]
      }
    }
  }
}

function poolTargets(s: { inW: number; channels: number; outH: number; outW: number; size: number; stride: number }, active: number[]): Set<number> {
  const { inW, channels, outH, outW, size, stride } = s
  const targets = new Set<number>()
  for (const index of active) {
    const c = index % channels
    const pixel = (index - c) / channels
    const x = pixel % inW
    const y = (pixel - x) / inW
    for (let oy = Math.max(0, Math.ceil((y - size + 1) / stride)); oy <= Math.floor(y / stride) && oy < outH; oy++) {
      for (let ox = Math.max(0, Math.ceil((x - size + 1) / stride)); ox <= Math.floor(x / stride) && ox < outW; ox++) {
        targets.add((oy * outW + ox) * channels + c)
      }
    }
  }
  return targets
}
