import { CancelledError } from '../../common/errors.js'
import type { Rp1Model } from '../../native-bridge/engine/index.js'
import { Rp1Engine } from '../../native-bridge/engine/index.js'
import type { FloatNetwork } from './float-network.js'
import { FloatSimulator } from './float-simulator.js'
import type { InputSample } from './samples.js'
import { sampleCounts } from './samples.js'

export interface EvaluationProgress {
  readonly fraction: number
  readonly message: string
}

export interface EvaluationOptions {
  /** The float network the model was compiled from: adds float accuracy and disagreements. */
  readonly float?: FloatNetwork
  /** Keep every sample's output spike train (tick, output id) in the report. */
  readonly keepSpikes?: boolean
  readonly onProgress?: (p: EvaluationProgress) => void
  readonly signal?: AbortSignal
}

export interface SpikeTrain {
  readonly tick: Uint32Array
  readonly id: Uint16Array
}

export interface LayerRate {
  readonly layer: number
  readonly neurons: number
  /** Mean spikes per neuron per tick over all samples. */
  readonly spikesPerNeuronPerTick: number
}

export interface Disagreement {
  readonly sample: number
  readonly label: number | null
  readonly float: number
  readonly quantized: number
  readonly floatCounts: number[]
  readonly quantizedCounts: number[]
}

/** One evaluation (host preview or board), in the shape the Deploy view shows side by side. */
export interface EvaluationReport {
  readonly target: 'preview' | 'board'
  readonly count: number
  readonly labelled: number
  readonly labels: string[]
  /** Accuracy of the quantized model (preview) or the board, over the labelled samples. */
  readonly accuracy: number | null
  readonly correct: number
  /** Float accuracy on the same inputs, when the float network was given. */
  readonly floatAccuracy: number | null
  /** Fraction of samples where float and quantized predict the same class. */
  readonly agreement: number | null
  /** Predicted output per sample (argmax of output spike counts, ties → lowest; −1 = no spike). */
  readonly predictions: number[]
  readonly floatPredictions: number[] | null
  /** Where float and quantized disagree (first 100). */
  readonly disagreements: Disagreement[]
  readonly disagreementCount: number
  readonly firingRates: LayerRate[]
  readonly floatFiringRates: LayerRate[] | null
  /** Neuron-ticks whose membrane sat on the i16 rail (±32767/−32768), per layer; null on a board. */
  readonly saturation: { layer: number; atRail: number }[] | null
  readonly outputSpikes: number
  readonly spikeTrains?: SpikeTrain[]
  readonly seconds: number
}

/** argmax of counts, ties → lowest index, −1 when nothing spiked. */
export function argmaxCounts(counts: ArrayLike<number>): number {
  let best = -1
  let bestCount = 0
  for (let i = 0; i < counts.length; i++) if (counts[i] > bestCount) {
    best = i
    bestCount = counts[i]
  }
  return best
}

/** Runs one sample from a state reset; returns the spiking global neuron ids per tick. */
export type SampleRunner = (sample: InputSample, index: number) => Promise<number[][]>

/**
 * The evaluation loop shared by preview and board: each sample's per-tick global spikes become the
 * output spike train (OUTPUT_MAP order, as §16.4 emits it), per-layer rates and a prediction.
 */
export async function evaluateSamples(
  target: 'preview' | 'board',
  model: Rp1Model,
  labels: string[],
  samples: readonly InputSample[],
  runSample: SampleRunner,
  options: EvaluationOptions,
  railCounter?: () => number[],
): Promise<EvaluationReport> {
  const t0 = performance.now()
  const layerOf: number[] = []
  model.layers.forEach((l, li) => {
    for (let n = 0; n < l.nNeurons; n++) layerOf.push(li)
  })
  const base: number[] = []
  let acc = 0
  for (const l of model.layers) {
    base.push(acc)
    acc += l.nNeurons
  }
  const outputGlobal = model.outputMap.map((o) => base[o.layer] + o.neuron)
  const nOut = outputGlobal.length
  const spiked = new Uint8Array(acc)
  const layerSpikes = model.layers.map(() => 0)
  let totalTicks = 0
  const float = options.float ? new FloatSimulator(options.float) : null
  const floatLayerSpikes = float ? float.layerSizes.map(() => 0) : []
  const probe = new Rp1Engine(model)
  const predictions: number[] = []
  const floatPredictions: number[] = []
  const disagreements: Disagreement[] = []
  let disagreementCount = 0
  let correct = 0
  let floatCorrect = 0
  let labelled = 0
  let agree = 0
  let outputSpikes = 0
  const trains: SpikeTrain[] = []
  for (let s = 0; s < samples.length; s++) {
    if (options.signal?.aborted) throw new CancelledError('evaluation cancelled')
    const sample = samples[s]
    const perTick = await runSample(sample, s)
    const counts = new Array<number>(nOut).fill(0)
    const ticks: number[] = []
    const ids: number[] = []
    perTick.forEach((globals, k) => {
      for (const g of globals) {
        spiked[g] = 1
        layerSpikes[layerOf[g]]++
      }
      for (let o = 0; o < nOut; o++) {
        if (spiked[outputGlobal[o]]) {
          counts[o]++
          ticks.push(k)
          ids.push(o)
        }
      }
      for (const g of globals) spiked[g] = 0
    })
    totalTicks += sample.nTicks
    outputSpikes += ticks.length
    if (options.keepSpikes) trains.push({ tick: Uint32Array.from(ticks), id: Uint16Array.from(ids) })
    const predicted = argmaxCounts(counts)
    predictions.push(predicted)
    const label = sample.label ?? null
    if (label !== null) {
      labelled++
      if (predicted === label) correct++
    }
    if (float) {
      const run = float.run(sampleCounts(sample, (a) => probe.channelOf(a), model.nInputs, model.inputMap.countMax, model.tickUs))
      run.layerSpikes.forEach((c, i) => (floatLayerSpikes[i] += c))
      const fp = argmaxCounts(run.outputCounts)
      floatPredictions.push(fp)
      if (label !== null && fp === label) floatCorrect++
      if (fp === predicted) agree++
      else {
        disagreementCount++
        if (disagreements.length < 100) {
          disagreements.push({ sample: s, label, float: fp, quantized: predicted, floatCounts: Array.from(run.outputCounts), quantizedCounts: counts })
        }
      }
    }
    if (options.onProgress && (s % 10 === 9 || s === samples.length - 1)) {
      options.onProgress({ fraction: (s + 1) / samples.length, message: `${s + 1} of ${samples.length} samples` })
    }
    if (s % 20 === 19) await new Promise<void>((r) => setImmediate(r))
  }
  const rates = (spikes: number[], sizes: number[]): LayerRate[] =>
    spikes.map((c, layer) => ({ layer, neurons: sizes[layer], spikesPerNeuronPerTick: totalTicks ? c / (sizes[layer] * totalTicks) : 0 }))
  const rails = railCounter?.()
  return {
    target,
    count: samples.length,
    labelled,
    labels,
    accuracy: labelled ? correct / labelled : null,
    correct,
    floatAccuracy: float && labelled ? floatCorrect / labelled : null,
    agreement: float && samples.length ? agree / samples.length : null,
    predictions,
    floatPredictions: float ? floatPredictions : null,
    disagreements,
    disagreementCount,
    firingRates: rates(layerSpikes, model.layers.map((l) => l.nNeurons)),
    floatFiringRates: float ? rates(floatLayerSpikes, float.layerSizes) : null,
    saturation: rails ? rails.map((atRail, layer) => ({ layer, atRail })) : null,
    outputSpikes,
    ...(options.keepSpikes ? { spikeTrains: trains } : {}),
    seconds: (performance.now() - t0) / 1000,
  }
}
