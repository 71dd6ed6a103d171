import { createHash } from 'node:crypto'
import { SpikelabError } from '../../../common/errors.js'
import type { BackendPreference } from '../backend.js'
import { initBackend } from '../backend.js'
import type { LabeledImages } from '../data/mnist.js'
import { loadMnist, selectImages } from '../data/mnist.js'
import { patternCount, predictiveCodingSequence } from '../data/predictive-coding.js'
import { SeededRandom } from '../random.js'
import { dataHash } from './bptt.js'
import type { EpochMetrics, RunOptions, RunResult, TrainingMethod } from './run-types.js'
import { checkpointMaker, EpochLog, ProgressMeter } from './run-loop.js'
import type { Decoder } from './vdib/decoder.js'
import { VdibDecoder } from './vdib/decoder.js'
import { HostLinearDecoder } from './vdib/host-linear-decoder.js'
import { VdibEncoder } from './vdib/encoder.js'
import { SnnSgd } from './vdib/snn-sgd.js'

/**
 * VDIB (Skatchkovsky, Simeone, Jang 2021; spec snn-methods.md §A): an encoding SNN (LIF hidden layers
 * trained by DFA, a probabilistic GLM readout) and a decoding ANN, trained on the variational directed
 * information bottleneck ℓ = DEC + β·KL. The decoder (Adam on DEC) reads the last τ_d readout spike
 * vectors (`time` decoding) or their sum (`rate` decoding, the baseline); the encoder follows the
 * score-function rule with SNNSGD (§A.4). Batch size 1, as the reference code.
 */
export type VdibTask = 'predictive-coding' | 'mnist-reconstruction'

export interface VdibConfig {
  readonly seed: number
  readonly task: VdibTask
  /** `time`: the decoder sees the last τ_d spike vectors (VDIB). `rate`: their sum (the baseline). */
  readonly decoding: 'time' | 'rate'
  /** T: steps per training example. */
  readonly steps: number
  /** τ_d: readout steps the decoder sees. */
  readonly windowSteps: number
  readonly readout: number
  /** Encoder hidden LIF layers (empty: the readout reads the input spikes). */
  readonly hidden: readonly number[]
  readonly decoder: 'linear' | 'mlp'
  /** Hidden width of the MLP decoder; 0 = readout·τ_d/2 (the reference code's choice, for both decodings). */
  readonly decoderHidden: number
  /** Learning rate of both the encoder (SNNSGD) and the decoder (Adam). */
  readonly learningRate: number
  /** β: weight of the KL (compression) term. */
  readonly beta: number
  /** r: prior firing probability of the readout. */
  readonly priorRate: number
  /** κ of SNNSGD. */
  readonly dampening: number
  /** Subtract SNNSGD's per-parameter baseline (the predictive-coding script disables it). */
  readonly baseline: boolean
  readonly feedforwardBasis: number
  readonly feedbackBasis: number
  readonly filterMemory: number
  readonly basisWidth: number
  /** Evaluation rounds; training examples = epochs × examplesPerEpoch. */
  readonly epochs: number
  readonly examplesPerEpoch: number
  /** Predictive coding: input neurons, target shift δ, length of the test sequence. */
  readonly inputNeurons: number
  readonly delta: number
  readonly testSteps: number
  /** MNIST reconstruction: input spikes, `rate` (Bernoulli(pixel) per step) or `time` (one spike at step T−1−round(x·(T−1))). */
  readonly encoding: 'rate' | 'time'
  readonly data: {
    readonly source: 'mnist'
    readonly trainCount: number
    readonly testCount: number
    readonly splitSeed: number
  }
  readonly backend: BackendPreference
}

/** §A.6, `predictive_coding_softmax.py`: the task VDIB is compared with rate decoding on. */
export const VDIB_DEFAULTS: VdibConfig = {
  seed: 0,
  task: 'predictive-coding',
  decoding: 'time',
  steps: 100,
  windowSteps: 5,
  readout: 10,
  hidden: [],
  decoder: 'linear',
  decoderHidden: 0,
  learningRate: 0.01,
  beta: 1,
  priorRate: 0.2,
  dampening: 0.01,
  baseline: false,
  feedforwardBasis: 8,
  feedbackBasis: 1,
  filterMemory: 10,
  basisWidth: 0.5,
  epochs: 25,
  examplesPerEpoch: 2000,
  inputNeurons: 20,
  delta: 0,
  testSteps: 1000,
  encoding: 'rate',
  data: { source: 'mnist', trainCount: 8000, testCount: 1000, splitSeed: 0 },
  backend: 'auto',
}

/** §A.6, `image_reconstruction.py`: FC 600 → 256 readout, τ_d = T = 30, MLP decoder, BCE; 200,000 examples, tested every 500. */
export const VDIB_RECONSTRUCTION_DEFAULTS: VdibConfig = {
  ...VDIB_DEFAULTS,
  task: 'mnist-reconstruction',
  steps: 30,
  windowSteps: 30,
  readout: 256,
  hidden: [600],
  decoder: 'mlp',
  learningRate: 1e-3,
  beta: 1e-3,
  priorRate: 0.3,
  baseline: true,
  epochs: 400,
  examplesPerEpoch: 500,
}

const EVAL_CHUNK = 200

function bad(field: string, message: string): SpikelabError {
  return new SpikelabError('SNN_BAD_CONFIG', message, { field })
}

/** Fills the defaults of the chosen task and checks every field. */
export function vdibConfig(partial: Partial<VdibConfig> = {}): VdibConfig {
  if (partial.task !== undefined && partial.task !== 'predictive-coding' && partial.task !== 'mnist-reconstruction') {
    throw bad('task', `unknown task '${String(partial.task)}' (predictive-coding or mnist-reconstruction)`)
  }
  const base = partial.task === 'mnist-reconstruction' ? VDIB_RECONSTRUCTION_DEFAULTS : VDIB_DEFAULTS
  const c: VdibConfig = { ...base, ...partial, data: { ...base.data, ...partial.data } }
  const ints: [keyof VdibConfig, number][] = [
    ['steps', 1],
    ['windowSteps', 1],
    ['readout', 1],
    ['decoderHidden', 0],
    ['feedforwardBasis', 1],
    ['feedbackBasis', 1],
    ['filterMemory', 2],
    ['epochs', 0],
    ['examplesPerEpoch', 1],
    ['inputNeurons', 2],
    ['testSteps', 1],
  ]
  for (const [field, min] of ints) {
    const v = c[field] as number
    if (!Number.isInteger(v) || v < min) throw bad(field, `must be an integer ≥ ${min}, got ${String(v)}`)
  }
  if (c.windowSteps > c.steps) throw bad('windowSteps', `τ_d = ${c.windowSteps} exceeds T = ${c.steps}`)
  if (c.task === 'predictive-coding' && c.windowSteps >= c.steps) throw bad('windowSteps', `predictive coding decodes after τ_d steps: need τ_d < T`)
  if (c.task === 'predictive-coding' && c.testSteps <= c.windowSteps) throw bad('testSteps', `must exceed τ_d = ${c.windowSteps}`)
  if (!Number.isInteger(c.delta)) throw bad('delta', `must be an integer, got ${c.delta}`)
  if (c.delta < 0 && -c.delta > c.windowSteps) throw bad('delta', `a past target (δ = ${c.delta}) must lie within the window τ_d = ${c.windowSteps}`)
  if (!Array.isArray(c.hidden) || !c.hidden.every((n) => Number.isInteger(n) && n >= 1)) throw bad('hidden', 'must be a list of positive layer widths')
  if (c.decoding !== 'time' && c.decoding !== 'rate') throw bad('decoding', `unknown decoding '${String(c.decoding)}' (time or rate)`)
  if (c.decoder !== 'linear' && c.decoder !== 'mlp') throw bad('decoder', `unknown decoder '${String(c.decoder)}' (linear or mlp)`)
  if (c.encoding !== 'rate' && c.encoding !== 'time') throw bad('encoding', `unknown encoding '${String(c.encoding)}' (rate or time)`)
  if (!(c.learningRate > 0) || !Number.isFinite(c.learningRate)) throw bad('learningRate', `must be positive, got ${c.learningRate}`)
  if (!(c.beta >= 0) || !Number.isFinite(c.beta)) throw bad('beta', `must be ≥ 0, got ${c.beta}`)
  if (!(c.priorRate > 0 && c.priorRate < 1)) throw bad('priorRate', `must lie in (0, 1), got ${c.priorRate}`)
  if (!(c.dampening >= 0 && c.dampening < 1)) throw bad('dampening', `must lie in [0, 1), got ${c.dampening}`)
  if (!(c.basisWidth > 0)) throw bad('basisWidth', `must be positive, got ${c.basisWidth}`)
  if (c.data.source !== 'mnist') throw bad('data.source', `unknown data source '${String(c.data.source)}'`)
  const { trainCount, testCount } = c.data
  if (!Number.isInteger(trainCount) || trainCount < 1) throw bad('data.trainCount', `must be a positive integer, got ${trainCount}`)
  if (!Number.isInteger(testCount) || testCount < 0) throw bad('data.testCount', `must be an integer ≥ 0, got ${testCount}`)
  return c
}

/** Encoder and decoder of a config, initialised from its seed. */
export function vdibModel(config: VdibConfig, inputs: number): { encoder: VdibEncoder; decoder: Decoder } {
  const rng = new SeededRandom(config.seed)
  const encoder = new VdibEncoder(
    {
      inputs,
      hidden: config.hidden,
      readout: config.readout,
      feedforwardBasis: config.feedforwardBasis,
      feedbackBasis: config.feedbackBasis,
      filterMemory: config.filterMemory,
      basisWidth: config.basisWidth,
    },
    config.priorRate,
    rng,
  )
  const outputs = config.task === 'predictive-coding' ? patternCount(config.inputNeurons) : inputs
  const shape = {
    kind: config.decoder,
    inputs: config.decoding === 'time' ? config.readout * config.windowSteps : config.readout,
    hidden: config.decoderHidden || Math.max(1, Math.floor((config.readout * config.windowSteps) / 2)),
    outputs,
    output: config.task === 'predictive-coding' ? 'log-softmax' : 'sigmoid',
  } as const
  // The online task steps the decoder every time step: the linear one runs on the host there (the
  // encoder always does), so predictive-coding training needs no tensors at all.
  const onHost = config.task === 'predictive-coding' && config.decoder === 'linear'
  const decoder = onHost ? new HostLinearDecoder(shape, config.learningRate, rng) : new VdibDecoder(shape, config.learningRate, rng)
  return { encoder, decoder }
}

/** The last τ_d readout spike vectors, oldest first; what the decoder reads. */
export class SpikeWindow {
  private readonly frames: Float32Array[]
  private next = 0

  constructor(
    readonly steps: number,
    readonly width: number,
  ) {
    this.frames = Array.from({ length: steps }, () => new Float32Array(width))
  }

  clear(): void {
    for (const f of this.frames) f.fill(0)
    this.next = 0
  }

  push(spikes: ArrayLike<number>): void {
    this.frames[this.next % this.steps].set(spikes)
    this.next++
  }

  /** Decoder input into `out` at `offset`: the flattened window (`time`) or its per-neuron sum (`rate`). */
  write(decoding: 'time' | 'rate', out: Float32Array, offset = 0): void {
    const { steps, width } = this
    if (decoding === 'rate') out.fill(0, offset, offset + width)
    for (let k = 0; k < steps; k++) {
      const frame = this.frames[(this.next + k) % steps]
      if (decoding === 'time') out.set(frame, offset + k * width)
      else for (let i = 0; i < width; i++) out[offset + i] += frame[i]
    }
  }
}

export interface ExampleFigures {
  /** Σ of DEC and KL terms and the number of decoded steps (or examples) they cover. */
  dec: number
  kl: number
  count: number
  correct: number
  spikes: number
  spikeSlots: number
}

function emptyFigures(): ExampleFigures {
  return { dec: 0, kl: 0, count: 0, correct: 0, spikes: 0, spikeSlots: 0 }
}

function countSpikes(fig: ExampleFigures, spikes: Float32Array): void {
  for (let i = 0; i < spikes.length; i++) fig.spikes += spikes[i]
  fig.spikeSlots += spikes.length
}

/** The state one training run carries from example to example. */
export interface VdibTrainer {
  readonly encoder: VdibEncoder
  readonly decoder: Decoder
  readonly sgd: SnnSgd
  readonly window: SpikeWindow
  readonly spikeRng: SeededRandom
}

/** What the online predictive-coding loop shows an observer at each step, before any parameter moves. */
export interface PredictiveStepView {
  readonly t: number
  readonly input: Float32Array
  /** This step's readout spikes and KL sample. */
  readonly spikes: Float32Array
  readonly kl: number
  /**
   * Decoded steps (t ≥ τ_d): the decoder input and the target pattern. The encoder's gradients then
   * hold ∂KL_t/∂θ, and the decoder has not stepped yet. Null during the first τ_d steps.
   */
  readonly decoded: { readonly z: Float32Array; readonly target: number } | null
}

/**
 * One predictive-coding sequence, learned online (§A.6): after the first τ_d steps, at every step the
 * decoder takes an Adam step on NLL(pattern at t + δ) and the encoder an SNNSGD step on
 * ℓ = DEC + β·KL_t with the score of that step only (no 1/T factor). Everything runs on the host.
 */
export function trainPredictiveCodingSequence(
  config: VdibConfig,
  tr: VdibTrainer,
  dataRng: SeededRandom,
  fig: ExampleFigures = emptyFigures(),
  observe?: (view: PredictiveStepView) => void,
): void {
  const seq = predictiveCodingSequence(config.inputNeurons, config.steps, config.delta, dataRng)
  const { encoder, decoder, sgd, window, spikeRng } = tr
  encoder.reset()
  encoder.warmUp(spikeRng)
  window.clear()
  const n = config.inputNeurons
  const z = new Float32Array(decoder.shape.inputs)
  const x = new Float32Array(n)
  for (let t = 0; t < config.steps; t++) {
    for (let i = 0; i < n; i++) x[i] = seq.inputs[t * n + i]
    const learn = t >= config.windowSteps
    if (learn) encoder.zeroGrad()
    const step = encoder.step(x, spikeRng, learn ? 1 : 0)
    window.push(step.spikes)
    countSpikes(fig, step.spikes)
    if (!learn) {
      observe?.({ t, input: x, spikes: step.spikes, kl: step.kl, decoded: null })
      continue
    }
    window.write(config.decoding, z)
    const target = seq.targetPatterns[t]
    observe?.({ t, input: x, spikes: step.spikes, kl: step.kl, decoded: { z, target } })
    const { loss: dec, predicted } = decoder.trainExample(z, target)
    sgd.step(dec + config.beta * step.kl)
    fig.dec += dec
    fig.kl += step.kl
    fig.count++
    if (predicted === target) fig.correct++
  }
}

/** Test accuracy on a fresh sequence of `testSteps` steps: the fraction of decoded steps whose argmax is the target pattern. */
function evaluatePredictiveCoding(config: VdibConfig, encoder: VdibEncoder, decoder: Decoder, seed: number): { accuracy: number; nll: number } {
  const dataRng = new SeededRandom(seed)
  const spikeRng = new SeededRandom(seed + 1)
  const seq = predictiveCodingSequence(config.inputNeurons, config.testSteps, config.delta, dataRng)
  const window = new SpikeWindow(config.windowSteps, config.readout)
  encoder.reset()
  encoder.warmUp(spikeRng)
  const n = config.inputNeurons
  const decoded = config.testSteps - config.windowSteps
  const width = decoder.shape.inputs
  const z = new Float32Array(decoded * width)
  const x = new Float32Array(n)
  for (let t = 0; t < config.testSteps; t++) {
    for (let i = 0; i < n; i++) x[i] = seq.inputs[t * n + i]
    window.push(encoder.step(x, spikeRng).spikes)
    if (t >= config.windowSteps) window.write(config.decoding, z, (t - config.windowSteps) * width)
  }
  const logp = decoder.predictRows(z, decoded)
  const classes = decoder.shape.outputs
  let correct = 0
  let nll = 0
  for (let k = 0; k < decoded; k++) {
    const target = seq.targetPatterns[config.windowSteps + k]
    let best = 0
    for (let o = 1; o < classes; o++) if (logp[k * classes + o] > logp[k * classes + best]) best = o
    if (best === target) correct++
    nll -= logp[k * classes + target]
  }
  return { accuracy: correct / decoded, nll: nll / decoded }
}

/** Input spikes of one image at step t (rate: Bernoulli(pixel); time: one spike at T−1−round(x·(T−1))). */
function imageFrame(config: VdibConfig, image: Float32Array, t: number, rng: SeededRandom, out: Float32Array): Float32Array {
  const last = config.steps - 1
  for (let i = 0; i < image.length; i++) {
    const p = image[i]
    out[i] = config.encoding === 'rate' ? (p > 0 && rng.next() < p ? 1 : 0) : last - Math.round(p * last) === t ? 1 : 0
  }
  return out
}

/** Runs the encoder over one image; with `learnScale` the KL scores are accumulated. Returns (1/T)·Σ_t KL_t. */
function encodeImage(config: VdibConfig, encoder: VdibEncoder, window: SpikeWindow, image: Float32Array, rng: SeededRandom, learnScale: number, fig: ExampleFigures | null): number {
  encoder.reset()
  encoder.warmUp(rng)
  window.clear()
  const frame = new Float32Array(image.length)
  let kl = 0
  for (let t = 0; t < config.steps; t++) {
    const step = encoder.step(imageFrame(config, image, t, rng, frame), rng, learnScale)
    window.push(step.spikes)
    if (fig) countSpikes(fig, step.spikes)
    kl += step.kl / config.steps
  }
  return kl
}

/** One MNIST reconstruction example (§A.8): ℓ = BCE(decoder(window), image) + β·(1/T)·Σ_t KL_t. */
function trainImage(config: VdibConfig, tr: VdibTrainer, image: Float32Array, fig: ExampleFigures): void {
  const { encoder, decoder, sgd, window, spikeRng } = tr
  encoder.zeroGrad()
  const kl = encodeImage(config, encoder, window, image, spikeRng, 1 / config.steps, fig)
  const z = new Float32Array(decoder.shape.inputs)
  window.write(config.decoding, z)
  const dec = decoder.trainExample(z, image).loss
  sgd.step(dec + config.beta * kl)
  fig.dec += dec
  fig.kl += kl
  fig.count++
}

/** Mean BCE and MSE of the reconstructions of `set`. */
function evaluateReconstruction(config: VdibConfig, encoder: VdibEncoder, decoder: Decoder, set: LabeledImages, seed: number): { bce: number; mse: number } {
  if (set.count === 0) return { bce: Number.NaN, mse: Number.NaN }
  const rng = new SeededRandom(seed)
  const window = new SpikeWindow(config.windowSteps, config.readout)
  const pixels = set.images.length / set.count
  const width = decoder.shape.inputs
  let bce = 0
  let mse = 0
  for (let start = 0; start < set.count; start += EVAL_CHUNK) {
    const end = Math.min(set.count, start + EVAL_CHUNK)
    const z = new Float32Array((end - start) * width)
    for (let k = start; k < end; k++) {
      encodeImage(config, encoder, window, set.images.subarray(k * pixels, (k + 1) * pixels), rng, 0, null)
      window.write(config.decoding, z, (k - start) * width)
    }
    const out = decoder.predictRows(z, end - start)
    const target = set.images.subarray(start * pixels, end * pixels)
    for (let i = 0; i < out.length; i++) {
      const y = target[i]
      const p = Math.min(1 - 1e-7, Math.max(1e-7, out[i]))
      bce -= y * Math.log(p) + (1 - y) * Math.log(1 - p)
      mse += (out[i] - y) ** 2
    }
  }
  return { bce: bce / set.images.length, mse: mse / set.images.length }
}

function mnistSplit(config: VdibConfig): { train: LabeledImages; test: LabeledImages } {
  const all = loadMnist()
  const { trainCount, testCount, splitSeed } = config.data
  if (trainCount + testCount > all.count) {
    throw bad('data.trainCount', `train + test = ${trainCount + testCount} exceeds the ${all.count} digits available`)
  }
  const perm = new SeededRandom(splitSeed).permutation(all.count)
  return { train: selectImages(all, perm.subarray(0, trainCount)), test: selectImages(all, perm.subarray(trainCount, trainCount + testCount)) }
}

/** Trains VDIB (or its rate-decoding baseline) on the configured task. Same contract as BPTT's `train`. */
export async function train(partial: Partial<VdibConfig>, options: RunOptions<VdibConfig> = {}): Promise<RunResult<VdibConfig>> {
  const config = vdibConfig(partial)
  const backend = await initBackend(config.backend)
  const reconstruction = config.task === 'mnist-reconstruction'
  const images = reconstruction ? mnistSplit(config) : null
  const hash = images
    ? dataHash(images.train, images.test)
    : createHash('sha256').update(`drifting-blobs:${config.inputNeurons}:${config.steps}:${config.delta}:${config.seed}:${config.testSteps}`).digest('hex')
  const trainCount = images ? images.train.count : config.examplesPerEpoch
  const testCount = images ? images.test.count : 1
  options.onStart?.({ backend, config, trainCount, testCount, dataHash: hash })
  const inputs = images ? images.train.images.length / images.train.count : config.inputNeurons
  const { encoder, decoder } = vdibModel(config, inputs)
  const trainer: VdibTrainer = {
    encoder,
    decoder,
    sgd: new SnnSgd(encoder.parameters, { learningRate: config.learningRate, dampening: config.dampening, baseline: config.baseline }),
    window: new SpikeWindow(config.windowSteps, config.readout),
    spikeRng: new SeededRandom(config.seed + 0x2000),
  }
  const dataRng = new SeededRandom(config.seed + 0x1000)
  let order = images ? dataRng.permutation(images.train.count) : new Int32Array(0)
  let cursor = 0
  // one example per step: a "batch" of progress is one example
  const progress = new ProgressMeter(options.onProgress, config.epochs, config.examplesPerEpoch, 1)
  const checkpoint = checkpointMaker('vdib', config, backend, hash, () => [...encoder.snapshot(), ...decoder.snapshot()])
  const epochLog = new EpochLog(options, checkpoint)
  const lossOf = (fig: ExampleFigures) => (fig.count ? (fig.dec + config.beta * fig.kl) / fig.count : Number.NaN)
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const fig = emptyFigures()
      const epochStart = performance.now()
      for (let b = 0; b < config.examplesPerEpoch; b++) {
        await epochLog.cancelPoint(epoch, b, lossOf(fig))
        const t0 = performance.now()
        if (images) {
          if (cursor === order.length) {
            order = dataRng.permutation(images.train.count)
            cursor = 0
          }
          const i = order[cursor++]
          trainImage(config, trainer, images.train.images.subarray(i * inputs, (i + 1) * inputs), fig)
        } else {
          trainPredictiveCodingSequence(config, trainer, dataRng, fig)
        }
        const loss = lossOf(fig)
        if (!Number.isFinite(loss)) {
          throw new SpikelabError('SNN_DIVERGED', `loss became ${loss} at epoch ${epoch + 1}, example ${b + 1}`, { field: 'learningRate' })
        }
        progress.batchDone(epoch, b, 1, (performance.now() - t0) / 1000, loss, reconstruction ? 0 : fig.correct / Math.max(1, fig.count))
      }
      const seconds = (performance.now() - epochStart) / 1000
      await epochLog.cancelPoint(epoch + 1, 0, lossOf(fig))
      // predictive coding: a fresh held-out sequence at every evaluation, as the reference script draws one per test
      const evalSeed = reconstruction ? config.seed + 0x3000 : (config.seed + 0x3000) * 4096 + 2 * epoch
      const base = {
        dec: fig.dec / fig.count,
        kl: fig.kl / fig.count,
        firingRate: fig.spikes / Math.max(1, fig.spikeSlots),
      }
      let metrics: EpochMetrics
      if (images) {
        const test = evaluateReconstruction(config, encoder, decoder, images.test, evalSeed)
        metrics = {
          epoch: epoch + 1,
          trainLoss: lossOf(fig),
          trainAccuracy: Number.NaN,
          testAccuracy: Number.NaN,
          extra: { ...base, testBce: test.bce, testMse: test.mse },
          samplesPerSecond: config.examplesPerEpoch / seconds,
          seconds,
        }
      } else {
        const test = evaluatePredictiveCoding(config, encoder, decoder, evalSeed)
        metrics = {
          epoch: epoch + 1,
          trainLoss: lossOf(fig),
          trainAccuracy: fig.correct / fig.count,
          testAccuracy: test.accuracy,
          extra: { ...base, testNll: test.nll },
          samplesPerSecond: config.examplesPerEpoch / seconds,
          seconds,
        }
      }
      epochLog.finish(metrics)
    }
    return epochLog.result(backend, config.epochs)
  } finally {
    decoder.dispose()
  }
}

export const vdibMethod: TrainingMethod<VdibConfig> = {
  id: 'vdib',
  title: 'VDIB: time decoding through the directed information bottleneck',
  reference: 'Skatchkovsky, Simeone, Jang, NeurIPS 2021, arXiv 2106.01177; code kclip/VDIB a8cd425',
  defaults: VDIB_DEFAULTS,
  configure: (partial) => vdibConfig((partial ?? {}) as Partial<VdibConfig>),
  train,
}
