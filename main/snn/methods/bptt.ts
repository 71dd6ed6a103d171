import { createHash } from 'node:crypto'
import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../common/errors.js'
import type { BackendPreference } from '../backend.js'
import { initBackend } from '../backend.js'
import type { Checkpoint } from '../checkpoint.js'
import { restoreParameters, snapshotParameters } from '../checkpoint.js'
import { latencyEncode, rateEncode } from '../data/encoding.js'
import type { LabeledImages } from '../data/mnist.js'
import { loadMnist, selectImages } from '../data/mnist.js'
import { numpyPermutation } from '../data/numpy-permutation.js'
import type { HostSpikes } from '../layers/host-spikes.js'
import { DenseLifTrainer } from '../fused/dense-lif-bptt.js'
import type { LayerSpec } from '../network.js'
import { SpikingNetwork } from '../network.js'
import { HostAdam } from '../optim/adam.js'
import { SeededRandom } from '../random.js'
import type { RunOptions, RunResult, RunStart, TrainingMethod } from './run-types.js'
import { accuracyInBatches, batchesPerEpoch, checkpointMaker, EpochLog, ProgressMeter } from './run-loop.js'

/**
 * Surrogate-gradient BPTT (spec snn-methods.md §D.5). Defaults are the reference configuration of
 * performance-anchors.md: 784-1000-10 LIF (β 0.95, θ 1, subtract reset, ATan α 2), T = 25, rate-coded
 * MNIST, batch 128, Adam 5e-4 (0.9, 0.999), loss Σ_t CrossEntropy(mem_out[t], y), prediction = argmax of
 * the output spike counts, 8,000/2,000 digits.
 */
export interface BpttConfig {
  readonly seed: number
  readonly epochs: number
  readonly batchSize: number
  /** Time steps T per sample. */
  readonly steps: number
  readonly learningRate: number
  readonly adamBeta1: number
  readonly adamBeta2: number
  readonly adamEpsilon: number
  readonly encoding: 'rate' | 'latency'
  /** `membrane-ce`: Σ_t CE(mem_out[t], y) (snnTorch tutorial 5). `count-ce`: CE on output spike counts. */
  readonly loss: 'membrane-ce' | 'count-ce'
  /** Shape of one input sample: [784] for dense nets, [28, 28, 1] for conv nets. */
  readonly inputShape: readonly number[]
  readonly architecture: readonly LayerSpec[]
  readonly data: {
    readonly source: 'mnist'
    /** Digits for training and testing, taken from one seeded permutation of the 10,000. */
    readonly trainCount: number
    readonly testCount: number
    readonly splitSeed: number
  }
  readonly backend: BackendPreference
  /** Stop each epoch after this many batches (0 = whole epoch); for quick probes and benchmarks. */
  readonly maxBatchesPerEpoch: number
  /** Batch size of evaluation passes (memory grows with T × batch × widest layer). */
  readonly evalBatchSize: number
}

export const BPTT_DEFAULTS: BpttConfig = {
  seed: 0,
  epochs: 5,
  batchSize: 128,
  steps: 25,
  learningRate: 5e-4,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  encoding: 'rate',
  loss: 'membrane-ce',
  inputShape: [784],
  architecture: [
    { type: 'dense', units: 1000 },
    { type: 'lif', beta: 0.95 },
    { type: 'dense', units: 10 },
    { type: 'lif', beta: 0.95 },
  ],
  data: { source: 'mnist', trainCount: 8000, testCount: 2000, splitSeed: 0 },
  backend: 'auto',
  maxBatchesPerEpoch: 0,
  evalBatchSize: 250,
}

export type TrainStart = RunStart<BpttConfig>
export type TrainOptions = RunOptions<BpttConfig>
export type TrainResult = RunResult<BpttConfig>

/** The test-set encoding stream of a run is seeded with seed + this (so inspection can replay it). */
export const EVAL_SEED_OFFSET = 0x3000

/** Fills defaults and checks every field a person could get wrong. */
export function bpttConfig(partial: Partial<BpttConfig> = {}): BpttConfig {
  const c: BpttConfig = { ...BPTT_DEFAULTS, ...partial, data: { ...BPTT_DEFAULTS.data, ...partial.data } }
  const ints: [keyof BpttConfig, number][] = [
    ['epochs', 0],
    ['batchSize', 1],
    ['steps', 1],
    ['maxBatchesPerEpoch', 0],
    ['evalBatchSize', 1],
  ]
  for (const [field, min] of ints) {
    const v = c[field] as number
    if (!Number.isInteger(v) || v < min) throw bad(field, `must be an integer ≥ ${min}, got ${String(v)}`)
  }
  for (const field of ['learningRate', 'adamEpsilon'] as const) {
    if (!(c[field] > 0) || !Number.isFinite(c[field])) throw bad(field, `must be positive, got ${c[field]}`)
  }
  for (const field of ['adamBeta1', 'adamBeta2'] as const) {
    if (!(c[field] >= 0 && c[field] < 1)) throw bad(field, `must lie in [0, 1), got ${c[field]}`)
  }
  if (c.encoding !== 'rate' && c.encoding !== 'latency') throw bad('encoding', `unknown encoding '${String(c.encoding)}'`)
  if (c.loss !== 'membrane-ce' && c.loss !== 'count-ce') throw bad('loss', `unknown loss '${String(c.loss)}'`)
  if (c.data.source !== 'mnist') throw bad('data.source', `unknown data source '${String(c.data.source)}'`)
  const { trainCount, testCount } = c.data
  if (!Number.isInteger(trainCount) || trainCount < 1) throw bad('data.trainCount', `must be a positive integer, got ${trainCount}`)
  if (!Number.isInteger(testCount) || testCount < 0) throw bad('data.testCount', `must be an integer ≥ 0, got ${testCount}`)
  return c
}

function bad(field: string, message: string): SpikelabError {
  return new SpikelabError('SNN_BAD_CONFIG', message, { field })
}

/**
 * The train/test split of the MNIST digits: NumPy's `default_rng(splitSeed).permutation(10000)`,
 * first `trainCount` for training, the next `testCount` for testing — with seed 0 exactly the
 * split of the reference run (performance-anchors.md §3.2), so accuracies compare on the same digits.
 */
export function mnistSplit(config: BpttConfig): { train: LabeledImages; test: LabeledImages } {
  const all = loadMnist()
  const { trainCount, testCount, splitSeed } = config.data
  if (trainCount + testCount > all.count) {
    throw bad('data.trainCount', `train + test = ${trainCount + testCount} exceeds the ${all.count} digits available`)
  }
  const perm = numpyPermutation(splitSeed, all.count)
  return {
    train: selectImages(all, perm.subarray(0, trainCount)),
    test: selectImages(all, perm.subarray(trainCount, trainCount + testCount)),
  }
}

/** SHA-256 of images and labels of both splits, in order. */
export function dataHash(train: LabeledImages, test: LabeledImages): string {
  const hash = createHash('sha256')
  for (const set of [train, test]) {
    hash.update(new Uint8Array(set.images.buffer, set.images.byteOffset, set.images.byteLength))
    hash.update(set.labels)
  }
  return hash.digest('hex')
}

function encode(config: BpttConfig, set: LabeledImages, indices: ArrayLike<number>, rng: SeededRandom): HostSpikes {
  const pixels = set.images.length / set.count
  return config.encoding === 'rate'
    ? rateEncode(set.images, pixels, indices, config.steps, rng)
    : latencyEncode(set.images, pixels, indices, config.steps)
}

/** Σ over T of the batch-mean cross-entropy, or CE of the spike counts; `mem`/`spikes` are [T, B, C]. */
function lossOf(config: BpttConfig, mem: tf.Tensor, spikes: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  const batch = oneHot.shape[0]
  if (config.loss === 'count-ce') {
    const logp = tf.logSoftmax(tf.sum(spikes, 0) as tf.Tensor2D)
    return tf.div(tf.neg(tf.sum(tf.mul(logp, oneHot))), batch) as tf.Scalar
  }
  const logp = tf.logSoftmax(mem)
  return tf.div(tf.neg(tf.sum(tf.mul(logp, oneHot))), batch) as tf.Scalar
}

/** Predicted classes: argmax over classes of the output spike counts (ties → lowest index). */
function predict(spikes: tf.Tensor): Int32Array {
  return tf.tidy(() => tf.argMax(tf.sum(spikes, 0), -1).dataSync() as Int32Array)
}

function countCorrect(predicted: Int32Array, labels: Uint8Array, start: number): number {
  let correct = 0
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === labels[start + i]) correct++
  return correct
}

/** Test accuracy of `network` on `set` (no gradient), with its own seeded encoding stream. */
export function evaluate(network: SpikingNetwork, set: LabeledImages, config: BpttConfig, seed: number): number {
  const rng = new SeededRandom(seed)
  let correct = 0
  for (let start = 0; start < set.count; start += config.evalBatchSize) correct += evaluateBatch(network, set, config, rng, start)
  return set.count === 0 ? Number.NaN : correct / set.count
}

function evaluateBatch(network: SpikingNetwork, set: LabeledImages, config: BpttConfig, rng: SeededRandom, start: number): number {
  const end = Math.min(set.count, start + config.evalBatchSize)
  const indices = Int32Array.from({ length: end - start }, (_, k) => start + k)
  const input = encode(config, set, indices, rng)
  const predicted = tf.tidy(() => predict(network.forward(input).spikes))
  return countCorrect(predicted, set.labels, start)
}

/**
 * Trains a network with surrogate-gradient BPTT. A plain async function so it can run in a
 * worker_thread or utility process: all inputs are JSON, progress goes through callbacks, and cancel
 * through `signal` (checked between batches, so it stops within one batch: ≈ 0.5 s for the reference net).
 * Deterministic for a given config on a given backend.
 */
export async function train(partial: Partial<BpttConfig>, options: TrainOptions = {}): Promise<TrainResult> {
  const config = bpttConfig(partial)
  const backend = await initBackend(config.backend)
  const { train: trainSet, test: testSet } = mnistSplit(config)
  const hash = dataHash(trainSet, testSet)
  options.onStart?.({ backend, config, trainCount: trainSet.count, testCount: testSet.count, dataHash: hash })
  const initRng = new SeededRandom(config.seed)
  const shuffleRng = new SeededRandom(config.seed + 0x1000)
  const spikeRng = new SeededRandom(config.seed + 0x2000)
  const network = new SpikingNetwork(config.inputShape, config.architecture, initRng)
  const classes = network.outputSize
  const optimizer = new HostAdam(network.parameters, {
    learningRate: config.learningRate,
    beta1: config.adamBeta1,
    beta2: config.adamBeta2,
    epsilon: config.adamEpsilon,
  })
  // Dense/LIF stacks (the reference network) train on the host without tensors; others through tfjs.
  const stack = network.denseLifStack()
  const hostTrainer = stack ? new DenseLifTrainer(stack, optimizer, config.loss) : null
  const batches = batchesPerEpoch(trainSet.count, config.batchSize, config.maxBatchesPerEpoch)
  const progress = new ProgressMeter(options.onProgress, config.epochs, batches, config.batchSize)

  // the host trainer's weights are written back to the network before they are read
  const checkpoint = checkpointMaker('bptt', config, backend, hash, () => {
    hostTrainer?.syncVariables()
    return snapshotParameters(network.parameters)
  })
  const epochLog = new EpochLog(options, checkpoint)

  /** One batch through tfjs autodiff (networks the host trainer does not cover). */
  const tensorStep = (input: HostSpikes, labels: Uint8Array): { loss: number; predicted: Int32Array } => {
    let predicted: Int32Array = new Int32Array(0)
    const loss = tf.tidy(() => {
      const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes)
      const { value, grads } = tf.variableGrads(() => {
        const out = network.forward(input)
        predicted = predict(out.spikes)
        return lossOf(config, out.mem, out.spikes, oneHot)
      }, network.variables)
      optimizer.apply(grads)
      return value.dataSync()[0]
    })
    return { loss, predicted }
  }

  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const order = shuffleRng.permutation(trainSet.count)
      const epochStart = performance.now()
      let lossSum = 0
      let correct = 0
      let seen = 0
      for (let b = 0; b < batches; b++) {
        await epochLog.cancelPoint(epoch, b, seen ? lossSum / seen : Number.NaN)
        const t0 = performance.now()
        const indices = order.subarray(b * config.batchSize, Math.min(trainSet.count, (b + 1) * config.batchSize))
        const labels = Uint8Array.from(indices, (i) => trainSet.labels[i])
        const input = encode(config, trainSet, indices, spikeRng)
        const { loss: lossValue, predicted } = hostTrainer ? hostTrainer.step(input, labels) : tensorStep(input, labels)
        if (!Number.isFinite(lossValue)) {
          throw new SpikelabError('SNN_DIVERGED', `loss became ${lossValue} at epoch ${epoch + 1}, batch ${b + 1}`, {
            field: 'learningRate',
          })
        }
        lossSum += lossValue * indices.length
        correct += countCorrect(predicted, labels, 0)
        seen += indices.length
        progress.batchDone(epoch, b, indices.length, (performance.now() - t0) / 1000, lossSum / seen, correct / seen)
      }
      const seconds = (performance.now() - epochStart) / 1000
      hostTrainer?.syncVariables()
      const rng = new SeededRandom(config.seed + EVAL_SEED_OFFSET)
      const testAccuracy = await epochLog.score(epoch, lossSum / seen, () =>
        accuracyInBatches(testSet.count, config.evalBatchSize, options.signal, (start) => evaluateBatch(network, testSet, config, rng, start)),
      )
      epochLog.finish({
        epoch: epoch + 1,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        testAccuracy,
        samplesPerSecond: seen / seconds,
        seconds,
      })
    }
    return epochLog.result(backend, config.epochs)
  } finally {
    network.dispose()
  }
}

/** Rebuilds the network of a BPTT checkpoint and measures its accuracy on `set`. */
export async function evaluateCheckpoint(checkpoint: Checkpoint<BpttConfig>, set: LabeledImages, seed = 0): Promise<number> {
  if (checkpoint.format !== 'spikelab.snn.checkpoint' || checkpoint.method !== 'bptt') {
    throw new SpikelabError('SNN_CHECKPOINT_MISMATCH', 'not a BPTT checkpoint', { field: 'method' })
  }
  const config = bpttConfig(checkpoint.config)
  await initBackend(config.backend)
  const network = new SpikingNetwork(config.inputShape, config.architecture, new SeededRandom(0))
  try {
    restoreParameters(network.parameters, checkpoint.tensors)
    return evaluate(network, set, config, seed)
  } finally {
    network.dispose()
  }
}

/** Surrogate-gradient BPTT as a registered training method. */
export const bpttMethod: TrainingMethod<BpttConfig> = {
  id: 'bptt',
  title: 'Surrogate-gradient BPTT',
  reference: 'Neftci, Mostafa & Zenke 2019; snnTorch tutorial 5 (snn-methods.md §D.5)',
  defaults: BPTT_DEFAULTS,
  configure: (partial) => bpttConfig(partial as Partial<BpttConfig>),
  train,
}
