/**
 * What the training dashboard shows about a trained BPTT network beyond its accuracy: the confusion
 * matrix on test digits, each LIF layer's firing-rate distribution, and the spikes of every layer
 * for one test digit (a raster per layer).
 */
import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../common/errors.js'
import { initBackend } from '../backend.js'
import { restoreParameters, type Checkpoint } from '../checkpoint.js'
import { latencyEncode, rateEncode } from '../data/encoding.js'
import type { LabeledImages } from '../data/mnist.js'
import { SpikingNetwork } from '../network.js'
import { SeededRandom } from '../random.js'
import { bpttConfig, EVAL_SEED_OFFSET, mnistSplit, type BpttConfig } from './bptt.js'

export const RATE_BINS = 20

export interface LayerActivity {
  readonly name: string
  readonly neurons: number
  /** Mean spikes per neuron per step over the inspected digits, in [0, 1]. */
  readonly meanRate: number
  /** Neurons per rate bin: bin k covers [k, k+1) / RATE_BINS spikes per step (the last includes 1). */
  readonly rateHistogram: number[]
  /** Neurons that never fired on the inspected digits. */
  readonly silent: number
}

export interface SampleRaster {
  readonly index: number
  readonly label: number
  readonly predicted: number
  readonly steps: number
  /** Per LIF layer: (step, neuron) of every spike of this digit. */
  readonly layers: Array<{ name: string; neurons: number; spikes: Array<[number, number]> }>
}

export interface ModelInspection {
  readonly digits: number
  readonly accuracy: number
  /** confusion[true][predicted], counts. */
  readonly confusion: number[][]
  readonly layers: LayerActivity[]
  readonly sample: SampleRaster
}

export interface InspectOptions {
  /** Test digits to run (the first of the run's own test split); default 500. */
  readonly digits?: number
  /** Which of them to show as a raster; default 0. */
  readonly sampleIndex?: number
  /** Seed of the spike encoding; default: the one the run's own test evaluation used. */
  readonly seed?: number
}

export async function inspectBpttCheckpoint(checkpoint: Checkpoint<BpttConfig>, options: InspectOptions = {}): Promise<ModelInspection> {
  if (checkpoint.format !== 'spikelab.snn.checkpoint' || checkpoint.method !== 'bptt') {
    throw new SpikelabError('SNN_CHECKPOINT_MISMATCH', 'not a BPTT checkpoint', { field: 'method' })
  }
  const config = bpttConfig(checkpoint.config)
  await initBackend(config.backend)
  const { test } = mnistSplit(config)
  if (test.count === 0) throw new SpikelabError('SNN_NO_TEST_SET', 'the run kept no test digits to inspect', { field: 'data.testCount' })
  const digits = Math.min(options.digits ?? 500, test.count)
  const sampleIndex = Math.min(options.sampleIndex ?? 0, digits - 1)
  const network = new SpikingNetwork(config.inputShape, config.architecture, new SeededRandom(0))
  try {
    restoreParameters(network.parameters, checkpoint.tensors)
    return inspect(network, test, config, digits, sampleIndex, new SeededRandom(options.seed ?? config.seed + EVAL_SEED_OFFSET))
  } finally {
    network.dispose()
  }
}

/** One forward pass, read back to the host; every tensor it made is freed. */
function runBatch(network: SpikingNetwork, input: Parameters<SpikingNetwork['forward']>[0], inBatch: number, batch: number) {
  tf.engine().startScope()
  try {
    const out = network.forward(input)
    const predicted = Int32Array.from(tf.argMax(tf.sum(out.spikes, 0), -1).dataSync())
    // spikes per neuron summed over time and batch: [neurons] per layer
    const layerCounts = out.layerSpikes.map((s) => Float64Array.from(tf.sum(tf.reshape(s, [s.shape[0] * (s.shape[1] ?? 1), -1]), 0).dataSync()))
    const layerSpikes = inBatch >= 0 && inBatch < batch ? out.layerSpikes.map((s) => Float32Array.from(tf.gather(s, inBatch, 1).dataSync())) : null
    return { predicted, layerCounts, layerSpikes }
  } finally {
    tf.engine().endScope()
  }
}

function inspect(network: SpikingNetwork, set: LabeledImages, config: BpttConfig, digits: number, sampleIndex: number, rng: SeededRandom): ModelInspection {
  const classes = network.outputSize
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0))
  const pixels = set.images.length / set.count
  let counts: Float64Array[] | null = null
  let names: string[] = []
  let sample: SampleRaster | null = null
  let correct = 0
  for (let start = 0; start < digits; start += config.evalBatchSize) {
    const end = Math.min(digits, start + config.evalBatchSize)
    const indices = Int32Array.from({ length: end - start }, (_, k) => start + k)
    const input = config.encoding === 'rate' ? rateEncode(set.images, pixels, indices, config.steps, rng) : latencyEncode(set.images, pixels, indices, config.steps)
    const { predicted, layerCounts, layerSpikes } = runBatch(network, input, sampleIndex - start, end - start)
    if (!counts) {
      counts = layerCounts.map((c) => new Float64Array(c.length))
      names = layerCounts.map((_, k) => (k === layerCounts.length - 1 ? 'output' : `hidden ${k + 1}`))
    }
    layerCounts.forEach((c, k) => c.forEach((v, n) => (counts![k][n] += v)))
    for (let i = 0; i < predicted.length; i++) {
      const truth = set.labels[start + i]
      confusion[truth][predicted[i]]++
      if (truth === predicted[i]) correct++
    }
    if (layerSpikes) {
      const inBatch = sampleIndex - start
      sample = {
        index: sampleIndex,
        label: set.labels[sampleIndex],
        predicted: predicted[inBatch],
        steps: config.steps,
        layers: layerSpikes.map((data, k) => {
          const neurons = data.length / config.steps
          const spikes: Array<[number, number]> = []
          for (let t = 0; t < config.steps; t++) for (let n = 0; n < neurons; n++) if (data[t * neurons + n] > 0) spikes.push([t, n])
          return { name: names[k], neurons, spikes }
        }),
      }
    }
  }
  const denominator = digits * config.steps
  const layers = counts!.map((c, k): LayerActivity => {
    const histogram = new Array<number>(RATE_BINS).fill(0)
    let total = 0
    let silent = 0
    for (const v of c) {
      const rate = v / denominator
      total += rate
      if (v === 0) silent++
      histogram[Math.min(RATE_BINS - 1, Math.floor(rate * RATE_BINS))]++
    }
    return { name: names[k], neurons: c.length, meanRate: total / c.length, rateHistogram: histogram, silent }
  })
  return { digits, accuracy: correct / digits, confusion, layers, sample: sample! }
}
