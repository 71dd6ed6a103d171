/**
 * Data-driven start for a coarse network: PyTorch's uniform ±1/√fan-in initialisation leaves the
 * deeper layers of a spiking LeNet-5 almost silent (on MNIST, 8 of the 16 second-stage conv channels
 * never fire at the start, and 4–8 are still silent after 50 epochs: a neuron far below threshold
 * gets almost no surrogate gradient). Before training, each weight layer's output units (conv
 * channels, dense units) are scaled, in layer order, until each fires at about `targetRate` spikes
 * per interval on a batch of training samples, as LSUV-style and threshold-balancing initialisations do for deep and spiking
 * nets. Only the scale of each unit's kernel slice and bias changes, never its sign or direction.
 */
import * as tf from '@tensorflow/tfjs'
import type { HostSpikes } from '../../layers/host-spikes.js'
import type { CoarseNetwork } from './coarse-network.js'

/** A unit is brought within this factor of the target rate (or to the gain limits). */
const RATE_TOLERANCE = 2
const MAX_ROUNDS = 12
const MIN_GAIN = 1 / 64
const MAX_GAIN = 64

export interface RateInitReport {
  /** Per scaled weight layer (all but the output layer): mean rate of its LIF layer before and after. */
  readonly layers: Array<{ readonly layer: number; readonly before: number; readonly after: number; readonly silentUnits: number }>
}

/**
 * Scales the weight layers of `network` (all but the last) so each unit's LIF neurons fire near
 * `targetRate` on `input` ([T, B, ...] spikes or analog frames, a fixed batch of training samples).
 */
export function balanceInitialRates(network: CoarseNetwork, input: HostSpikes | tf.Tensor, targetRate: number): RateInitReport {
  if (!(targetRate > 0 && targetRate < 1)) throw new RangeError(`targetRate must lie in (0, 1), got ${targetRate}`)
  const { layers } = network
  const lifIndexOf = (layerIndex: number): number => layers.slice(0, layerIndex).filter((l) => l.kind === 'coarse-lif').length
  const report: RateInitReport['layers'] = []
  const weightLayers = layers.flatMap((layer, i) => (layer.kind === 'dense' || layer.kind === 'conv2d' ? [{ i, layer }] : []))
  for (const { i, layer } of weightLayers.slice(0, -1)) {
    const units = layer.outShape[layer.outShape.length - 1]
    const lif = lifIndexOf(i)
    const gains = new Float32Array(units).fill(1)
    const mean = (rates: number[]) => rates.reduce((a, r) => a + r, 0) / units
    let rates = unitRates(network, input, lif, units)
    const before = mean(rates)
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const step = new Float32Array(units)
      let changed = false
      rates.forEach((r, u) => {
        let factor = 1
        if (r < targetRate / RATE_TOLERANCE) factor = r === 0 ? 4 : Math.min(4, targetRate / r)
        else if (r > targetRate * RATE_TOLERANCE) factor = Math.max(0.25, targetRate / r)
        const next = Math.min(MAX_GAIN, Math.max(MIN_GAIN, gains[u] * factor))
        step[u] = next / gains[u]
        if (step[u] !== 1) changed = true
        gains[u] = next
      })
      if (!changed) break
      scaleUnits(layer.layer.kernel, layer.layer.bias, step)
      rates = unitRates(network, input, lif, units)
    }
    report.push({ layer: i, before, after: mean(rates), silentUnits: rates.filter((r) => r === 0).length })
  }
  return { layers: report }
}

/** Mean spikes per interval of each unit (last axis) of the LIF layer `lif`. */
function unitRates(network: CoarseNetwork, input: HostSpikes | tf.Tensor, lif: number, units: number): number[] {
  return tf.tidy(() => {
    const spikes = network.forward(input).layerSpikes[lif]
    return Array.from(tf.mean(tf.reshape(spikes, [-1, units]), 0).dataSync())
  })
}

/** Multiplies each unit's kernel slice (last axis) and bias by its factor. */
function scaleUnits(kernel: tf.Variable, bias: tf.Variable, factors: Float32Array): void {
  tf.tidy(() => {
    const f = tf.tensor1d(factors)
    kernel.assign(tf.mul(kernel, f))
    bias.assign(tf.mul(bias, f))
  })
}
