import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../common/errors.js'
import type { BackendPreference } from '../backend.js'
import { initBackend } from '../backend.js'
import type { Checkpoint } from '../checkpoint.js'
import { restoreParameters, snapshotParameters } from '../checkpoint.js'
import { shiftedBatch } from '../data/augment.js'
import { rateEncode } from '../data/encoding.js'
import type { LabeledImages } from '../data/mnist.js'
import type { HostSpikes } from '../layers/host-spikes.js'
import { HostAdam } from '../optim/adam.js'
import { stepScheduledRate } from '../optim/step-schedule.js'
import { SeededRandom } from '../random.js'
import { bpttConfig, dataHash, mnistSplit } from './bptt.js'
import type { CoarseDataSpec, CoarseSamplesOf, ImageSamples } from './coarse/coarse-data.js'
import { framesInput, loadEventData } from './coarse/coarse-data.js'
import type { CoarseLayerSpec, CoarseOutput } from './coarse/coarse-network.js'
import { CoarseNetwork } from './coarse/coarse-network.js'
import type { CoarseModel } from './coarse/presets.js'
import { COARSE_MODELS, coarsePreset } from './coarse/presets.js'
import { balanceInitialRates } from './coarse/rate-init.js'
import type { CoarseReadout } from './coarse/readout.js'
import { COARSE_READOUTS, readoutClasses } from './coarse/readout.js'
import type { RunOptions, RunResult, TrainingMethod } from './run-types.js'
import { accuracyInBatches, batchesPerEpoch, checkpointMaker, EpochLog, ProgressMeter } from './run-loop.js'

/**
 * Coarse-scale LIF training (Yanguas-Gil 2020; spec snn-methods.md §B). One step is one absolute
 * refractory period; L-step spike trains (4 or 8); the networks of the paper-era code; BPTT through the
 * short train with the "HardSoft" surrogate; loss on the output spike counts.
 */
export interface CoarseConfig {
  readonly seed: number
  readonly epochs: number
  readonly batchSize: number
  /** Spike-train length L (the product offers 4 and 8). */
  readonly steps: number
  /** The effective Adam learning rate is baseLearningRate·8/L (spec §B.5/B.6). */
  readonly baseLearningRate: number
  /**
   * Epochs after which the learning rate is multiplied by `learningRateGamma` (MultiStepLR). The
   * paper's code has no schedule, so the default is none.
   */
  readonly learningRateMilestones: readonly number[]
  readonly learningRateGamma: number
  readonly adamBeta1: number
  readonly adamBeta2: number
  readonly adamEpsilon: number
  /** Membrane time constants in refractory periods: τ0 analog input layer, τ1 first stages, τ2 later stages. */
  readonly tau0: number
  readonly tau1: number
  readonly tau2: number
  /** Firing threshold v0. */
  readonly threshold: number
  /** Surrogate steepness β. */
  readonly surrogateBeta: number
  /** Bernoulli input: p = min(1, inputScale·pixel) per interval. */
  readonly inputScale: number
  /**
   * `rate`: fresh Bernoulli spikes every interval. `analog`: the image itself every interval (model
   * `lenet5-analog` always uses it, into its analog-input layer).
   */
  readonly encoding: 'rate' | 'analog'
  /**
   * Training digits move by up to this many pixels per axis, a fresh random shift every batch
   * (data/augment.ts); 0 = off, as in the paper's code. MNIST only; test digits are never shifted.
   */
  readonly augmentShift: number
  /** `mse` (code `--cost 1`): MSE(counts, targetSpikes·onehot). `ce` (`--cost 0`): CE(ceScale·(counts − L/2), y). */
  readonly loss: 'mse' | 'ce'
  readonly targetSpikes: number
  readonly ceScale: number
  /** How output spikes become a class (coarse/readout.ts): the count, ties by summed input (default) or by lowest index (the code's argmax). */
  readonly readout: CoarseReadout
  /**
   * Before training, scale each hidden weight layer's units until they fire at about this many
   * spikes per interval on 256 training samples (coarse/rate-init.ts); 0 = off, the code's plain
   * PyTorch initialisation.
   */
  readonly initFiringRate: number
  readonly model: CoarseModel
  /** Hidden width of model `hidden`. */
  readonly hiddenUnits: number
  /** Used when model is `custom`. */
  readonly inputShape: readonly number[]
  readonly architecture: readonly CoarseLayerSpec[]
  /** MNIST digits (Bernoulli or analog input), or event recordings binned into L binary frames. */
  readonly data: CoarseDataSpec
  readonly backend: BackendPreference
  /** Stop each epoch after this many batches (0 = whole epoch). */
  readonly maxBatchesPerEpoch: number
  readonly evalBatchSize: number
}

/** Defaults of the paper-era code (`spikingexamples.py`), on the 8,000/2,000 split of the npm digits. */
export const COARSE_DEFAULTS: CoarseConfig = {
  seed: 0,
  epochs: 10,
  batchSize: 64,
  steps: 8,
  baseLearningRate: 1e-3,
  learningRateMilestones: [],
  learningRateGamma: 0.1,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  tau0: 4,
  tau1: 4,
  tau2: 4,
  threshold: 1,
  surrogateBeta: 5,
  inputScale: 1,
  encoding: 'rate',
  augmentShift: 0,
  loss: 'mse',
  targetSpikes: 4,
  ceScale: 4,
  readout: 'count-then-drive',
  initFiringRate: 0,
  model: 'fc',
  hiddenUnits: 30,
  inputShape: [784],
  architecture: [],
  data: { source: 'mnist', trainCount: 8000, testCount: 2000, splitSeed: 0 },
  backend: 'auto',
  maxBatchesPerEpoch: 0,
  evalBatchSize: 1000,
}


/** Fills defaults and checks every field a person could get wrong. */
export function coarseConfig(partial: Partial<CoarseConfig> = {}): CoarseConfig {
  if (typeof partial !== 'object' || partial === null) throw bad('config', 'must be an object')
  const c: CoarseConfig = { ...COARSE_DEFAULTS, ...partial, data: dataSpec(partial.data) }
  const ints: [keyof CoarseConfig, number][] = [
    ['epochs', 0],
    ['batchSize', 1],
    ['steps', 1],
    ['hiddenUnits', 1],
    ['maxBatchesPerEpoch', 0],
    ['evalBatchSize', 1],
  ]
  for (const [field, min] of ints) {
    const v = c[field] as number
    if (!Number.isInteger(v) || v < min) throw bad(field, `must be an integer ≥ ${min}, got ${String(v)}`)
  }
  const positives = ['baseLearningRate', 'adamEpsilon', 'tau0', 'tau1', 'tau2', 'threshold', 'surrogateBeta', 'inputScale', 'ceScale'] as const
  for (const field of positives) {
    if (!(c[field] > 0) || !Number.isFinite(c[field])) throw bad(field, `must be positive, got ${String(c[field])}`)
  }
  if (!(Number.isInteger(c.augmentShift) && c.augmentShift >= 0 && c.augmentShift <= 8)) throw bad('augmentShift', `must be a whole number of pixels in 0..8, got ${String(c.augmentShift)}`)
  if (c.augmentShift > 0 && c.data.source !== 'mnist') throw bad('augmentShift', 'shifting applies to MNIST digits, not to event data')
  if (!(c.learningRateGamma > 0 && c.learningRateGamma <= 1)) throw bad('learningRateGamma', `must lie in (0, 1], got ${String(c.learningRateGamma)}`)
  if (!Array.isArray(c.learningRateMilestones) || !c.learningRateMilestones.every((m) => Number.isInteger(m) && m >= 1)) {
    throw bad('learningRateMilestones', 'must be a list of epoch numbers ≥ 1')
  }
  if (!(c.targetSpikes >= 0 && Number.isFinite(c.targetSpikes))) throw bad('targetSpikes', `must be ≥ 0, got ${String(c.targetSpikes)}`)
  for (const field of ['adamBeta1', 'adamBeta2'] as const) {
    if (!(c[field] >= 0 && c[field] < 1)) throw bad(field, `must lie in [0, 1), got ${String(c[field])}`)
  }
  if (c.encoding !== 'rate' && c.encoding !== 'analog') throw bad('encoding', `unknown encoding '${String(c.encoding)}'`)
  if (c.loss !== 'mse' && c.loss !== 'ce') throw bad('loss', `unknown loss '${String(c.loss)}' (mse or ce)`)
  if (!(c.initFiringRate >= 0 && c.initFiringRate < 1)) throw bad('initFiringRate', `must lie in [0, 1) spikes per interval (0 = off), got ${String(c.initFiringRate)}`)
  if (!COARSE_READOUTS.includes(c.readout)) throw bad('readout', `unknown read-out '${String(c.readout)}' (${COARSE_READOUTS.join(', ')})`)
  if (!COARSE_MODELS.includes(c.model)) throw bad('model', `unknown model '${String(c.model)}' (${COARSE_MODELS.join(', ')})`)
  if (c.model === 'custom' && c.architecture.length === 0) throw bad('architecture', 'a custom model needs its layers')
  if (c.data.source === 'mnist') {
    const { trainCount, testCount } = c.data
    if (!Number.isInteger(trainCount) || trainCount < 1) throw bad('data.trainCount', `must be a positive integer, got ${trainCount}`)
    if (!Number.isInteger(testCount) || testCount < 0) throw bad('data.testCount', `must be an integer ≥ 0, got ${testCount}`)
  } else {
    if (usesAnalogInput(c)) throw bad('encoding', 'event data are spikes already; analog input needs MNIST')
    const { testFraction, pool } = c.data
    if (!(testFraction >= 0 && testFraction < 1)) throw bad('data.testFraction', `must lie in [0, 1), got ${testFraction}`)
    if (!Number.isInteger(pool) || pool < 1) throw bad('data.pool', `must be a positive integer, got ${pool}`)
    if (c.data.source === 'emulated-nmnist' && !(Number.isInteger(c.data.count) && c.data.count >= 2 && c.data.count <= 10000)) {
      throw bad('data.count', `must be an integer in 2..10000, got ${c.data.count}`)
    }
    if (c.data.source === 'event-folder') {
      if (typeof c.data.folder !== 'string' || c.data.folder === '') throw bad('data.folder', 'needs the dataset folder')
      if (c.data.windowUs !== null && !(c.data.windowUs > 0)) throw bad('data.windowUs', `must be positive or null, got ${c.data.windowUs}`)
    }
  }
  return c
}

/** Defaults of each data source, with the given fields over them. */
function dataSpec(partial: Partial<CoarseDataSpec> | undefined): CoarseDataSpec {
  const given = (partial ?? {}) as Record<string, unknown>
  const source = given.source ?? 'mnist'
  if (source === 'mnist') return { ...COARSE_DEFAULTS.data, ...given, source } as CoarseDataSpec
  if (source === 'emulated-nmnist') return { count: 1000, testFraction: 0.2, splitSeed: 0, pool: 1, ...given, source } as CoarseDataSpec
  if (source === 'event-folder') return { folder: '', testFraction: 0.2, splitSeed: 0, pool: 1, windowUs: null, ...given, source } as CoarseDataSpec
  throw bad('data.source', `unknown data source '${String(source)}' (mnist, emulated-nmnist, event-folder)`)
}

/** [H, W, C] of one sample and the number of classes. Event sources know them once their data is loaded. */
export function coarseDataShape(config: CoarseConfig): { sampleShape: readonly number[]; classes: number } {
  if (config.data.source === 'mnist') return { sampleShape: [28, 28, 1], classes: 10 }
  const { sampleShape, classNames } = config.data
  if (!sampleShape || !classNames) {
    throw new SpikelabError('SNN_BAD_CONFIG', 'the sample shape of event data is known once the data is loaded', { field: 'data.sampleShape' })
  }
  return { sampleShape, classes: classNames.length }
}

function bad(field: string, message: string): SpikelabError {
  return new SpikelabError('SNN_BAD_CONFIG', message, { field })
}

/** The effective Adam learning rate: baseLearningRate·8/L. */
export function coarseLearningRate(config: CoarseConfig): number {
  return (config.baseLearningRate * 8) / config.steps
}

/** Input shape and layers of the configured network, with neuron settings filled in from the config. */
export function coarseArchitecture(config: CoarseConfig): { inputShape: readonly number[]; architecture: CoarseLayerSpec[] } {
  const preset =
    config.model === 'custom'
      ? { inputShape: config.inputShape, architecture: [...config.architecture] }
      : coarsePreset(config.model, {
          tau0: config.tau0,
          tau1: config.tau1,
          tau2: config.tau2,
          hiddenUnits: config.hiddenUnits,
          ...coarseDataShape(config),
        })
  const architecture = preset.architecture.map((l) =>
    l.type === 'coarse-lif' ? { ...l, threshold: l.threshold ?? config.threshold, surrogateBeta: l.surrogateBeta ?? config.surrogateBeta } : l,
  )
  return { inputShape: preset.inputShape, architecture }
}

export function buildCoarseNetwork(config: CoarseConfig, rng: SeededRandom): CoarseNetwork {
  const { inputShape, architecture } = coarseArchitecture(config)
  return new CoarseNetwork(inputShape, architecture, rng)
}

/** The analog image is fed every interval for model 5 and for `encoding: 'analog'`. */
function usesAnalogInput(config: CoarseConfig): boolean {
  return config.model === 'lenet5-analog' || config.encoding === 'analog'
}

/** The MNIST split of the config (the same seeded permutation as BPTT's). */
export function coarseSplit(config: CoarseConfig): { train: LabeledImages; test: LabeledImages } {
  if (config.data.source !== 'mnist') throw bad('data.source', 'coarseSplit needs MNIST data')
  return mnistSplit(bpttConfig({ data: config.data }))
}

/** The run's samples, their hash, and the config with the data's shape filled in (event sources). */
export async function coarseData(config: CoarseConfig): Promise<{ config: CoarseConfig; train: CoarseSamplesOf; test: CoarseSamplesOf; hash: string }> {
  if (config.data.source === 'mnist') {
    const { train, test } = coarseSplit(config)
    const wrap = (images: LabeledImages): ImageSamples => ({ kind: 'images', images, count: images.count, labels: images.labels })
    return { config, train: wrap(train), test: wrap(test), hash: dataHash(train, test) }
  }
  const loaded = await loadEventData(config.data, config.steps)
  const resolved: CoarseConfig = { ...config, data: { ...config.data, sampleShape: loaded.sampleShape, classNames: loaded.classNames } }
  return { config: resolved, train: loaded.train, test: loaded.test, hash: loaded.hash }
}

/** The training batch `indices` as the network will see it: shifted copies when augmenting, else the set itself. */
function augmentedBatch(
  config: CoarseConfig,
  set: CoarseSamplesOf,
  indices: Int32Array,
  rng: SeededRandom,
): { samples: CoarseSamplesOf; sampleIndices: ArrayLike<number> } {
  if (config.augmentShift === 0 || set.kind !== 'images') return { samples: set, sampleIndices: indices }
  const images = shiftedBatch(set.images, indices, config.augmentShift, rng)
  return { samples: { kind: 'images', images, count: images.count, labels: images.labels }, sampleIndices: Int32Array.from({ length: indices.length }, (_, k) => k) }
}

/** The network input of the samples at `indices`: Bernoulli spikes or analog images of digits, or binned event frames. */
export function coarseBatchInput(config: CoarseConfig, network: CoarseNetwork, samples: CoarseSamplesOf, indices: ArrayLike<number>, rng: SeededRandom): HostSpikes | tf.Tensor {
  return samples.kind === 'images' ? coarseInput(config, network.inputShape, samples.images, indices, rng) : framesInput(samples, indices)
}

/** The input of one batch: host spikes [T, B, pixels], or the analog images [T, B, ...inputShape]. */
export function coarseInput(
  config: CoarseConfig,
  inputShape: readonly number[],
  set: LabeledImages,
  indices: ArrayLike<number>,
  rng: SeededRandom,
): HostSpikes | tf.Tensor {
  const pixels = set.images.length / set.count
  const batch = indices.length
  if (usesAnalogInput(config)) {
    const images = new Float32Array(batch * pixels)
    for (let b = 0; b < batch; b++) images.set(set.images.subarray(indices[b] * pixels, (indices[b] + 1) * pixels), b * pixels)
    return tf.tidy(() => tf.tile(tf.tensor(images, [1, batch, ...inputShape], 'float32'), [config.steps, 1, ...inputShape.map(() => 1)]))
  }
  const images = config.inputScale === 1 ? set.images : set.images.map((p) => Math.min(1, config.inputScale * p))
  return rateEncode(images, pixels, indices, config.steps, rng)
}

/** Batch loss of output spikes [T, B, C] (spec §B.4). */
export function coarseLoss(config: CoarseConfig, spikes: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const counts = tf.sum(spikes, 0) as tf.Tensor2D
    const oneHot = tf.oneHot(labels as tf.Tensor1D, counts.shape[1])
    if (config.loss === 'mse') return tf.mean(tf.square(tf.sub(counts, tf.mul(oneHot, config.targetSpikes)))) as tf.Scalar
    const logits = tf.mul(tf.sub(counts, config.steps / 2), config.ceScale)
    return tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot))), counts.shape[0]) as tf.Scalar
  })
}

/** Predicted classes of a batch under the config's read-out (coarse/readout.ts). */
export function coarseClasses(config: CoarseConfig, out: CoarseOutput): Int32Array {
  const [steps, , classes] = out.spikes.shape
  return readoutClasses(out.spikes.dataSync() as Float32Array, out.outputDrive, steps, classes, config.readout)
}

function countCorrect(predicted: Int32Array, labels: Uint8Array, start: number): number {
  let correct = 0
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[start + i]) correct++
  return correct
}

/** Predictions of `network` on every sample of `set`, with its own seeded input stream. */
export function coarsePredict(network: CoarseNetwork, set: LabeledImages | CoarseSamplesOf, config: CoarseConfig, seed: number): Int32Array {
  const rng = new SeededRandom(seed)
  const out = new Int32Array(set.count)
  for (let start = 0; start < set.count; start += config.evalBatchSize) out.set(predictBatch(network, set, config, rng, start), start)
  return out
}

function predictBatch(network: CoarseNetwork, set: LabeledImages | CoarseSamplesOf, config: CoarseConfig, rng: SeededRandom, start: number): Int32Array {
  const samples: CoarseSamplesOf = 'kind' in set ? set : { kind: 'images', images: set, count: set.count, labels: set.labels }
  const end = Math.min(samples.count, start + config.evalBatchSize)
  const indices = Int32Array.from({ length: end - start }, (_, k) => start + k)
  return tf.tidy(() => coarseClasses(config, network.forward(coarseBatchInput(config, network, samples, indices, rng))))
}

/** Test accuracy of `network` on `set` (no gradient). */
export function coarseEvaluate(network: CoarseNetwork, set: LabeledImages | CoarseSamplesOf, config: CoarseConfig, seed: number): number {
  if (set.count === 0) return Number.NaN
  return countCorrect(coarsePredict(network, set, config, seed), set.labels, 0) / set.count
}

/** Seed of the test-set input stream of a run (so a checkpoint's accuracy can be reproduced). */
export function coarseEvaluationSeed(config: CoarseConfig): number {
  return config.seed + 0x3000
}

/**
 * Trains a coarse-scale LIF network. A plain async function (JSON config, callbacks, AbortSignal) so it
 * runs unchanged in a worker; cancel is checked between batches. Deterministic for a given config on a
 * given backend.
 */
export async function train(partial: Partial<CoarseConfig>, options: RunOptions<CoarseConfig> = {}): Promise<RunResult<CoarseConfig>> {
  const requested = coarseConfig(partial)
  const backend = await initBackend(requested.backend)
  const { config, train: trainSet, test: testSet, hash } = await coarseData(requested)
  const network = buildCoarseNetwork(config, new SeededRandom(config.seed))
  if (config.initFiringRate > 0) startAtFiringRate(network, config, trainSet)
  options.onStart?.({ backend, config, trainCount: trainSet.count, testCount: testSet.count, dataHash: hash })
  const shuffleRng = new SeededRandom(config.seed + 0x1000)
  const spikeRng = new SeededRandom(config.seed + 0x2000)
  const augmentRng = new SeededRandom(config.seed + 0x4000)
  const optimizer = new HostAdam(network.parameters, {
    learningRate: coarseLearningRate(config),
    beta1: config.adamBeta1,
    beta2: config.adamBeta2,
    epsilon: config.adamEpsilon,
  })
  const batches = batchesPerEpoch(trainSet.count, config.batchSize, config.maxBatchesPerEpoch)
  const progress = new ProgressMeter(options.onProgress, config.epochs, batches, config.batchSize)

  const checkpoint = checkpointMaker('coarse', config, backend, hash, () => snapshotParameters(network.parameters))
  const epochLog = new EpochLog(options, checkpoint)

  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      optimizer.learningRate = stepScheduledRate(coarseLearningRate(config), config.learningRateMilestones, config.learningRateGamma, epoch)
      const order = shuffleRng.permutation(trainSet.count)
      const epochStart = performance.now()
      let lossSum = 0
      let correct = 0
      let seen = 0
      for (let b = 0; b < batches; b++) {
        await epochLog.cancelPoint(epoch, b, seen ? lossSum / seen : Number.NaN)
        const t0 = performance.now()
        const indices = order.subarray(b * config.batchSize, Math.min(trainSet.count, (b + 1) * config.batchSize))
        const labels = Int32Array.from(indices, (i) => trainSet.labels[i])
        const { samples, sampleIndices } = augmentedBatch(config, trainSet, indices, augmentRng)
        let predicted: Int32Array = new Int32Array(0)
        const lossValue = tf.tidy(() => {
          const input = coarseBatchInput(config, network, samples, sampleIndices, spikeRng)
          const target = tf.tensor1d(labels, 'int32')
          const { value, grads } = tf.variableGrads(() => {
            const out = network.forward(input)
            predicted = coarseClasses(config, out)
            return coarseLoss(config, out.spikes, target)
          }, network.variables)
          optimizer.apply(grads)
          return value.dataSync()[0]
        })
        if (!Number.isFinite(lossValue)) {
          throw new SpikelabError('SNN_DIVERGED', `loss became ${lossValue} at epoch ${epoch + 1}, batch ${b + 1}`, { field: 'baseLearningRate' })
        }
        lossSum += lossValue * indices.length
        for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++
        seen += indices.length
        progress.batchDone(epoch, b, indices.length, (performance.now() - t0) / 1000, lossSum / seen, correct / seen)
      }
      const seconds = (performance.now() - epochStart) / 1000
      const rng = new SeededRandom(coarseEvaluationSeed(config))
      const testAccuracy = await epochLog.score(epoch, lossSum / seen, () =>
        accuracyInBatches(testSet.count, config.evalBatchSize, options.signal, (start) => countCorrect(predictBatch(network, testSet, config, rng, start), testSet.labels, start)),
      )
      epochLog.finish({
        epoch: epoch + 1,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        testAccuracy,
        extra: { learningRate: optimizer.learningRate },
        samplesPerSecond: seen / seconds,
        seconds,
      })
    }
    return epochLog.result(backend, config.epochs)
  } finally {
    network.dispose()
  }
}

/** The data-driven start (coarse/rate-init.ts) on the first 256 training samples, with its own input stream. */
function startAtFiringRate(network: CoarseNetwork, config: CoarseConfig, trainSet: CoarseSamplesOf): void {
  const indices = Int32Array.from({ length: Math.min(256, trainSet.count) }, (_, k) => k)
  const input = coarseBatchInput(config, network, trainSet, indices, new SeededRandom(config.seed + 0x5000))
  try {
    balanceInitialRates(network, input, config.initFiringRate)
  } finally {
    if (input instanceof tf.Tensor) input.dispose()
  }
}

/** Rebuilds the network of a coarse checkpoint (the caller disposes it). */
export async function restoreCoarseNetwork(checkpoint: Checkpoint<CoarseConfig>): Promise<{ network: CoarseNetwork; config: CoarseConfig }> {
  if (checkpoint.format !== 'spikelab.snn.checkpoint' || checkpoint.method !== 'coarse') {
    throw new SpikelabError('SNN_CHECKPOINT_MISMATCH', 'not a coarse-LIF checkpoint', { field: 'method' })
  }
  const config = coarseConfig(checkpoint.config)
  await initBackend(config.backend)
  const network = buildCoarseNetwork(config, new SeededRandom(0))
  try {
    restoreParameters(network.parameters, checkpoint.tensors)
  } catch (err) {
    network.dispose()
    throw err
  }
  return { network, config }
}

/** Accuracy of a coarse checkpoint on `set`. */
export async function evaluateCoarseCheckpoint(checkpoint: Checkpoint<CoarseConfig>, set: LabeledImages | CoarseSamplesOf, seed = 0): Promise<number> {
  const { network, config } = await restoreCoarseNetwork(checkpoint)
  try {
    return coarseEvaluate(network, set, config, seed)
  } finally {
    network.dispose()
  }
}

export const coarseMethod: TrainingMethod<CoarseConfig> = {
  id: 'coarse',
  title: 'Coarse-scale LIF',
  reference: 'A. Yanguas-Gil, "Coarse scale representation of spiking neural networks", ICONS 2020 (arXiv 2007.06176)',
  defaults: COARSE_DEFAULTS,
  configure: (partial) => coarseConfig(partial as Partial<CoarseConfig>),
  train,
}
