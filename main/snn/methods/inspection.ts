/**
 * What the training dashboard shows about a trained network beyond its accuracy, for any method whose
 * network emits spike trains per layer: the confusion matrix on test samples, each spiking layer's
 * firing-rate distribution, and the spikes of every layer for one test sample (a raster per layer).
 * A method supplies one forward pass per batch (`InspectionSource`); this module does the counting.
 */
import * as tf from '@tensorflow/tfjs'

export const RATE_BINS = 20

export interface LayerActivity {
  readonly name: string
  readonly neurons: number
  /** Mean spikes per neuron per step over the inspected samples, in [0, 1]. */
  readonly meanRate: number
  /** Neurons per rate bin: bin k covers [k, k+1) / RATE_BINS spikes per step (the last includes 1). */
  readonly rateHistogram: number[]
  /** Neurons that never fired on the inspected samples. */
  readonly silent: number
}

export interface SampleRaster {
  readonly index: number
  readonly label: number
  readonly predicted: number
  readonly steps: number
  /** Per spiking layer: (step, neuron) of every spike of this sample. */
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
  /** Test samples to run (the first of the run's own test split); default 500. */
  readonly digits?: number
  /** Which of them to show as a raster; default 0. */
  readonly sampleIndex?: number
  /** Seed of the spike encoding; default: the one the run's own test evaluation used. */
  readonly seed?: number
}

/** A trained network as the inspection sees it. */
export interface InspectionSource {
  /** Labels of the test samples, in order; the first `digits` are inspected. */
  readonly labels: ArrayLike<number>
  readonly classes: number
  readonly steps: number
  readonly batchSize: number
  /** Display names of the spiking layers, in the order `runBatch` returns them (the last is the output). */
  readonly layerNames: readonly string[]
  /**
   * One forward pass over the test samples `indices`: the predicted classes and every spiking layer's
   * spikes [T, B, ...]. Runs inside a tensor scope that frees what it makes.
   */
  runBatch(indices: Int32Array): { predicted: Int32Array; layerSpikes: readonly tf.Tensor[] }
}

interface BatchActivity {
  readonly predicted: Int32Array
  /** Spikes per neuron summed over time and batch, per layer. */
  readonly layerCounts: Float64Array[]
  /** The sample's spikes [T, neurons] per layer, when it lies in this batch. */
  readonly sampleSpikes: Float32Array[] | null
}

function readBatch(source: InspectionSource, indices: Int32Array, inBatch: number): BatchActivity {
  tf.engine().startScope()
  try {
    const { predicted, layerSpikes } = source.runBatch(indices)
    const layerCounts = layerSpikes.map((s) => Float64Array.from(tf.sum(tf.reshape(s, [s.shape[0] * (s.shape[1] ?? 1), -1]), 0).dataSync()))
    const sampleSpikes = inBatch >= 0 && inBatch < indices.length ? layerSpikes.map((s) => Float32Array.from(tf.gather(s, inBatch, 1).dataSync())) : null
    return { predicted: Int32Array.from(predicted), layerCounts, sampleSpikes }
  } finally {
    tf.engine().endScope()
  }
}

/** Runs the first `digits` test samples through the network and gathers what the dashboard shows. */
export function inspectNetwork(source: InspectionSource, digits: number, sampleIndex: number): ModelInspection {
  const { classes, steps, labels, layerNames } = source
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0))
  let counts: Float64Array[] | null = null
  let sample: SampleRaster | null = null
  let correct = 0
  for (let start = 0; start < digits; start += source.batchSize) {
    const end = Math.min(digits, start + source.batchSize)
    const indices = Int32Array.from({ length: end - start }, (_, k) => start + k)
    const { predicted, layerCounts, sampleSpikes } = readBatch(source, indices, sampleIndex - start)
    if (layerCounts.length !== layerNames.length) throw new Error(`the network gave ${layerCounts.length} spiking layers, named ${layerNames.length}`)
    counts ??= layerCounts.map((c) => new Float64Array(c.length))
    layerCounts.forEach((c, k) => c.forEach((v, n) => (counts![k][n] += v)))
    for (let i = 0; i < predicted.length; i++) {
      const truth = labels[start + i]
      confusion[truth][predicted[i]]++
      if (truth === predicted[i]) correct++
    }
    if (sampleSpikes) {
      sample = {
        index: sampleIndex,
        label: labels[sampleIndex],
        predicted: predicted[sampleIndex - start],
        steps,
        layers: sampleSpikes.map((data, k) => {
          const neurons = data.length / steps
          const spikes: Array<[number, number]> = []
          for (let t = 0; t < steps; t++) for (let n = 0; n < neurons; n++) if (data[t * neurons + n] > 0) spikes.push([t, n])
          return { name: layerNames[k], neurons, spikes }
        }),
      }
    }
  }
  const denominator = digits * steps
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
    return { name: layerNames[k], neurons: c.length, meanRate: total / c.length, rateHistogram: histogram, silent }
  })
  return { digits, accuracy: correct / digits, confusion, layers, sample: sample! }
}
