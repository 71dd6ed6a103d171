import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../common/errors.js'
import type { BackendPreference } from '../backend.js'
import { initBackend } from '../backend.js'
import { snapshotParameters } from '../checkpoint.js'
import { SeededRandom } from '../random.js'
import type { AdjointSolver } from './ide/adjoint-solvers.js'
import { ADJOINT_SOLVERS, solveAdjoint } from './ide/adjoint-solvers.js'
import { CONV_64C5S, ConvFeedbackNet } from './ide/conv-feedback-net.js'
import type { FeedbackInput } from './ide/feedback-net.js'
import { FeedbackNet } from './ide/feedback-net.js'
import type { IdeDataSource, IdeInputGeometry, IdeSamples } from './ide/ide-data.js'
import { disposeInput, IDE_DATA_SOURCES, loadIdeData, MNIST_GEOMETRY } from './ide/ide-data.js'
import type { IdeNet } from './ide/ide-net.js'
import { HostSgd } from './ide/host-sgd.js'
import { stepScheduledRate } from '../optim/step-schedule.js'
import type { RunOptions, RunResult, TrainingMethod } from './run-types.js'
import { accuracyInBatches, batchesPerEpoch, checkpointMaker, EpochLog, ProgressMeter } from './run-loop.js'

/**
 * IDE (Xiao et al. 2021, spec snn-methods.md §C): a feedback SNN is simulated for T steps without a
 * tape; its weighted average firing rates are taken as the equilibrium a* = f(a*) of
 * f(a) = clamp((W_s·a + F·x̄)/V_th, 0, 1); the loss is taken on one taped evaluation z = f(a*); the
 * backward solves β = Jᵀβ + g (Broyden or a damped fixed-point iteration) and back-propagates β
 * through that one evaluation. Nothing of the T-step simulation is kept, so memory does not depend on T.
 *
 * Architectures (§C.6), chosen by `architecture`:
 * - `fc`: "F400", 784 → hidden with hidden → hidden feedback, classifier hidden → 10 (no BatchNorm on
 *   the input layer).
 * - `conv`: "64C5s", Conv 1→channels k5 s2 p2 + BN (28→14), feedback Conv channels→channels k5 (same
 *   size, norm-restricted), classifier FC channels·14·14 → 10 on the rates (`ide/conv-feedback-net.ts`).
 *   The spec's MNIST network; 64 channels cost about 2.6 G multiply-adds per simulated step at batch 128.
 *   On emulated N-MNIST (`data.source`) the input is 34×34×2 spike frames and the conv uses the spec's
 *   N-MNIST geometry, Conv 2→channels k5 s2 p1 (34→16).
 * The conv net's BN normalises with batch statistics while training (`ideTrainStep`) and with its
 * running statistics in `idePredict`.
 */
export interface IdeConfig {
  readonly seed: number
  readonly epochs: number
  readonly batchSize: number
  /** Simulation steps T of the forward pass. */
  readonly steps: number
  /** V_th. */
  readonly threshold: number
  /** Membrane leak λ (1 = IF); also weights the average rate. */
  readonly leak: number
  /** `fc` (F400-style) or `conv` (64C5s), spec §C.6. */
  readonly architecture: IdeArchitecture
  /** Neurons of the feedback layer (`fc`). */
  readonly hidden: number
  /** Channels of the input and feedback convolutions (`conv`; 64 in the spec). */
  readonly channels: number
  readonly solver: AdjointSolver
  /** Iterations (Broyden: at most) of the backward solver. */
  readonly solverIterations: number
  readonly learningRate: number
  readonly momentum: number
  readonly weightDecay: number
  /** Epochs after which the learning rate is multiplied by `learningRateGamma`. */
  readonly learningRateMilestones: readonly number[]
  readonly learningRateGamma: number
  /** Variational dropout on the feedback layer's output (same mask at every step and inside f). */
  readonly dropout: number
  /** `analog`: the image drives the layer at every step (§C.5). `rate`: Bernoulli spike frames. */
  readonly input: 'analog' | 'rate'
  /** `mnist`: images; `emulated-nmnist`: DVS-emulated digits (34×34, ON/OFF) as T binary frames (`input` does not apply). */
  readonly data: {
    readonly source: IdeDataSource
    readonly trainCount: number
    readonly testCount: number
    readonly splitSeed: number
  }
  readonly backend: BackendPreference
  /** Stop each epoch after this many batches (0 = whole epoch). */
  readonly maxBatchesPerEpoch: number
  readonly evalBatchSize: number
}

/** §C.7, MNIST column (code defaults; the README says they are the paper's). */
export const IDE_DEFAULTS: IdeConfig = {
  seed: 0,
  epochs: 100,
  batchSize: 128,
  steps: 30,
  threshold: 2,
  leak: 0.95,
  // F400 stays the default: it trains in minutes on wasm; 64C5s (64 channels) took 9 s per training step
  // of 8 digits at T = 30 on wasm (16 Broyden iterations), i.e. hours per epoch of 8,000 digits
  architecture: 'fc',
  hidden: 400,
  channels: CONV_64C5S.mnist.channels,
  solver: 'broyden',
  solverIterations: 30,
  learningRate: 0.05,
  momentum: 0.9,
  weightDecay: 5e-4,
  learningRateMilestones: [30, 60, 90],
  learningRateGamma: 0.1,
  dropout: 0.2,
  input: 'analog',
  data: { source: 'mnist', trainCount: 8000, testCount: 2000, splitSeed: 0 },
  backend: 'auto',
  maxBatchesPerEpoch: 0,
  evalBatchSize: 250,
}

const CLASSES = 10

export type IdeArchitecture = 'fc' | 'conv'
export const IDE_ARCHITECTURES: readonly IdeArchitecture[] = ['fc', 'conv']

function bad(field: string, message: string): SpikelabError {
  return new SpikelabError('SNN_BAD_CONFIG', message, { field })
}

export function ideConfig(partial: Partial<IdeConfig> = {}): IdeConfig {
  const c: IdeConfig = { ...IDE_DEFAULTS, ...partial, data: { ...IDE_DEFAULTS.data, ...partial.data } }
  const ints: [keyof IdeConfig, number][] = [
    ['epochs', 0],
    ['batchSize', 1],
    ['steps', 1],
    ['hidden', 1],
    ['channels', 1],
    ['solverIterations', 1],
    ['maxBatchesPerEpoch', 0],
    ['evalBatchSize', 1],
  ]
  for (const [field, min] of ints) {
    const v = c[field] as number
    if (!Number.isInteger(v) || v < min) throw bad(field, `must be an integer ≥ ${min}, got ${String(v)}`)
  }
  if (!(c.threshold > 0) || !Number.isFinite(c.threshold)) throw bad('threshold', `must be positive, got ${c.threshold}`)
  if (!(c.leak > 0 && c.leak <= 1)) throw bad('leak', `must lie in (0, 1], got ${c.leak}`)
  if (!(c.learningRate > 0) || !Number.isFinite(c.learningRate)) throw bad('learningRate', `must be positive, got ${c.learningRate}`)
  if (!(c.momentum >= 0 && c.momentum < 1)) throw bad('momentum', `must lie in [0, 1), got ${c.momentum}`)
  if (!(c.weightDecay >= 0) || !Number.isFinite(c.weightDecay)) throw bad('weightDecay', `must be ≥ 0, got ${c.weightDecay}`)
  if (!(c.learningRateGamma > 0 && c.learningRateGamma <= 1)) throw bad('learningRateGamma', `must lie in (0, 1], got ${c.learningRateGamma}`)
  if (!Array.isArray(c.learningRateMilestones) || !c.learningRateMilestones.every((m) => Number.isInteger(m) && m >= 1)) {
    throw bad('learningRateMilestones', 'must be a list of epoch numbers ≥ 1')
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) throw bad('dropout', `must lie in [0, 1), got ${c.dropout}`)
  if (!ADJOINT_SOLVERS.includes(c.solver)) throw bad('solver', `unknown solver '${String(c.solver)}' (one of ${ADJOINT_SOLVERS.join(', ')})`)
  if (!IDE_ARCHITECTURES.includes(c.architecture)) {
    throw bad('architecture', `unknown architecture '${String(c.architecture)}' (one of ${IDE_ARCHITECTURES.join(', ')})`)
  }
  if (c.input !== 'analog' && c.input !== 'rate') throw bad('input', `unknown input '${String(c.input)}'`)
  if (!IDE_DATA_SOURCES.includes(c.data.source)) {
    throw bad('data.source', `unknown data source '${String(c.data.source)}' (IDE trains on ${IDE_DATA_SOURCES.join(' or ')})`)
  }
  const { trainCount, testCount } = c.data
  if (!Number.isInteger(trainCount) || trainCount < 1) throw bad('data.trainCount', `must be a positive integer, got ${trainCount}`)
  if (!Number.isInteger(testCount) || testCount < 0) throw bad('data.testCount', `must be an integer ≥ 0, got ${testCount}`)
  return c
}

/**
 * The network a config describes, initialised from `seed`: `fc` = pixels → hidden ⟲ → 10, `conv` =
 * 64C5s with `channels` channels on the given input geometry (MNIST by default).
 */
export function ideNetwork(config: IdeConfig, geometry: IdeInputGeometry = MNIST_GEOMETRY): IdeNet {
  const neuron = { threshold: config.threshold, leak: config.leak }
  const rng = new SeededRandom(config.seed)
  if (config.architecture === 'conv') {
    const { height, width, channels: inChannels, stride, padding } = geometry
    const kernel = CONV_64C5S.mnist.kernel
    return new ConvFeedbackNet({ height, width, inChannels, channels: config.channels, kernel, stride, padding, classes: CLASSES }, neuron, rng)
  }
  return new FeedbackNet({ inputs: geometry.height * geometry.width * geometry.channels, hidden: config.hidden, classes: CLASSES }, neuron, rng)
}

/** What one implicit backward pass produced. Tensors in `grads` belong to the caller. */
export interface ImplicitGradients {
  readonly loss: number
  readonly predicted: Int32Array
  /** Gradient per tfjs variable name, for every parameter of the net. */
  readonly grads: tf.NamedTensorMap
  readonly relativeResidual: number
  readonly solverIterations: number
}

/**
 * The implicit gradient at the equilibrium `rates` (a*): L = CE(classifier(z), y) with z = f(a*);
 * g = ∂L/∂z; β solves β = Jᵀβ + g; dL/dθ_f = βᵀ·∂f/∂θ. `mask` is the (scaled) dropout mask or null.
 */
export function implicitGradients(
  net: IdeNet,
  xbar: tf.Tensor2D,
  rates: tf.Tensor,
  labels: ArrayLike<number>,
  solver: AdjointSolver,
  iterations: number,
  mask: tf.Tensor | null = null,
): ImplicitGradients {
  const batch = xbar.shape[0]
  const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), net.classes))
  const weight = net.feedbackWeight()
  const drive = net.drive(xbar)
  const z = net.equilibriumMap(rates, drive, weight, mask)
  const crossEntropy = (zIn: tf.Tensor) =>
    tf.tidy(() => tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(net.logits(zIn, mask)), oneHot))), batch) as tf.Scalar)
  try {
    const predicted = tf.tidy(() => tf.argMax(net.logits(z, mask), -1).dataSync() as Int32Array)
    const { value, grads: [gz] } = tf.valueAndGrads((zIn: tf.Tensor) => crossEntropy(zIn))([z])
    const loss = value.dataSync()[0]
    value.dispose()
    const classifier = tf.variableGrads(() => crossEntropy(z), net.classifierVariables)
    classifier.value.dispose()
    const g = gz.dataSync() as Float32Array
    gz.dispose()
    const vjp = (beta: Float32Array): Float32Array => {
      // the typed array is read outside tidy: tidy would walk a returned array element by element
      const grad = tf.tidy(() => {
        const b = tf.tensor(beta, rates.shape)
        return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(net.equilibriumMap(a, drive, weight, mask), b)))(rates)
      })
      const values = grad.dataSync() as Float32Array
      grad.dispose()
      return values
    }
    const solution = solveAdjoint(vjp, g, batch, solver, iterations)
    const beta = tf.tensor(solution.beta, rates.shape)
    const equilibrium = tf.variableGrads(
      () => tf.tidy(() => tf.sum(tf.mul(net.equilibriumMap(rates, net.drive(xbar), net.feedbackWeight(), mask), beta)) as tf.Scalar),
      net.equilibriumVariables,
    )
    beta.dispose()
    equilibrium.value.dispose()
    return {
      loss,
      predicted,
      grads: { ...equilibrium.grads, ...classifier.grads },
      relativeResidual: solution.relativeResidual,
      solverIterations: solution.iterations,
    }
  } finally {
    for (const t of [oneHot, weight, drive, z]) t.dispose()
  }
}

/** A variational dropout mask (1/(1 − p) or 0 per neuron and sample), or null when p = 0. */
function dropoutMask(p: number, batch: number, state: readonly number[], rng: SeededRandom): tf.Tensor | null {
  if (p === 0) return null
  const m = new Float32Array(batch * state.reduce((a, b) => a * b, 1))
  for (let i = 0; i < m.length; i++) m[i] = rng.next() < p ? 0 : 1 / (1 - p)
  return tf.tensor(m, [batch, ...state])
}

export interface IdeStepResult {
  readonly loss: number
  readonly predicted: Int32Array
  readonly relativeResidual: number
  readonly solverIterations: number
}

/**
 * One training step: power iteration of the spectral norm, the T-step simulation (no tape), the
 * implicit backward and an SGD step. Exported for the memory test and the benchmark.
 */
export function ideTrainStep(
  net: IdeNet,
  optimizer: HostSgd,
  config: IdeConfig,
  input: FeedbackInput,
  labels: ArrayLike<number>,
  learningRate: number,
  rng: SeededRandom,
): IdeStepResult {
  net.training = true
  net.powerIteration()
  const batch = input.kind === 'analog' ? input.x.shape[0] : input.batch
  const mask = dropoutMask(config.dropout, batch, net.stateShape, rng)
  const { rates, xbar } = net.simulate(input, config.steps, mask)
  try {
    const result = implicitGradients(net, xbar, rates, labels, config.solver, config.solverIterations, mask)
    optimizer.apply(result.grads, learningRate)
    for (const t of Object.values(result.grads)) t.dispose()
    return result
  } finally {
    rates.dispose()
    xbar.dispose()
    mask?.dispose()
  }
}

/** Class predictions of the trained net: simulate (no dropout), z = f(a*), argmax of the classifier. */
export function idePredict(net: IdeNet, config: IdeConfig, input: FeedbackInput): Int32Array {
  net.training = false
  const { rates, xbar } = net.simulate(input, config.steps, null)
  try {
    return tf.tidy(() => {
      const z = net.equilibriumMap(rates, net.drive(xbar), net.feedbackWeight(), null)
      return tf.argMax(net.logits(z, null), -1).dataSync() as Int32Array
    })
  } finally {
    rates.dispose()
    xbar.dispose()
  }
}

function evaluate(net: IdeNet, set: IdeSamples, config: IdeConfig, seed: number, signal?: AbortSignal): Promise<number> {
  const rng = new SeededRandom(seed)
  return accuracyInBatches(set.count, config.evalBatchSize, signal, (start) => {
    const indices = Int32Array.from({ length: Math.min(set.count, start + config.evalBatchSize) - start }, (_, k) => start + k)
    const input = set.input(indices, rng)
    try {
      const predicted = idePredict(net, config, input)
      let correct = 0
      predicted.forEach((p, k) => (correct += p === set.labels[indices[k]] ? 1 : 0))
      return correct
    } finally {
      disposeInput(input)
    }
  })
}

/** Trains a feedback SNN with IDE on MNIST or emulated N-MNIST. Same contract as BPTT's `train` (worker-ready, cancellable, seeded). */
export async function train(partial: Partial<IdeConfig>, options: RunOptions<IdeConfig> = {}): Promise<RunResult<IdeConfig>> {
  const config = ideConfig(partial)
  const backend = await initBackend(config.backend)
  const data = loadIdeData(config.data, config.steps, config.input)
  const { train: trainSet, test: testSet, hash } = data
  options.onStart?.({ backend, config, trainCount: trainSet.count, testCount: testSet.count, dataHash: hash })
  const net = ideNetwork(config, data.geometry)
  const optimizer = new HostSgd(net.parameters, { momentum: config.momentum, weightDecay: config.weightDecay })
  const shuffleRng = new SeededRandom(config.seed + 0x1000)
  const noiseRng = new SeededRandom(config.seed + 0x2000)
  const batches = batchesPerEpoch(trainSet.count, config.batchSize, config.maxBatchesPerEpoch)
  const progress = new ProgressMeter(options.onProgress, config.epochs, batches, config.batchSize)
  const checkpoint = checkpointMaker('ide', config, backend, hash, () => snapshotParameters([...net.parameters, ...net.buffers]))
  const epochLog = new EpochLog(options, checkpoint)
  try {
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const order = shuffleRng.permutation(trainSet.count)
      const learningRate = stepScheduledRate(config.learningRate, config.learningRateMilestones, config.learningRateGamma, epoch)
      const epochStart = performance.now()
      let lossSum = 0
      let correct = 0
      let seen = 0
      let residualSum = 0
      let iterationSum = 0
      for (let b = 0; b < batches; b++) {
        await epochLog.cancelPoint(epoch, b, seen ? lossSum / seen : Number.NaN)
        const t0 = performance.now()
        const indices = order.subarray(b * config.batchSize, Math.min(trainSet.count, (b + 1) * config.batchSize))
        const labels = Uint8Array.from(indices, (i) => trainSet.labels[i])
        const input = trainSet.input(indices, noiseRng)
        let step: IdeStepResult
        try {
          step = ideTrainStep(net, optimizer, config, input, labels, learningRate, noiseRng)
        } finally {
          disposeInput(input)
        }
        if (!Number.isFinite(step.loss)) {
          throw new SpikelabError('SNN_DIVERGED', `loss became ${step.loss} at epoch ${epoch + 1}, batch ${b + 1}`, { field: 'learningRate' })
        }
        lossSum += step.loss * indices.length
        step.predicted.forEach((p, k) => (correct += p === labels[k] ? 1 : 0))
        residualSum += step.relativeResidual
        iterationSum += step.solverIterations
        seen += indices.length
        progress.batchDone(epoch, b, indices.length, (performance.now() - t0) / 1000, lossSum / seen, correct / seen)
      }
      const seconds = (performance.now() - epochStart) / 1000
      const testAccuracy = await epochLog.score(epoch, lossSum / seen, () => evaluate(net, testSet, config, config.seed + 0x3000, options.signal))
      epochLog.finish({
        epoch: epoch + 1,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        testAccuracy,
        extra: { learningRate, solverResidual: residualSum / batches, solverIterations: iterationSum / batches },
        samplesPerSecond: seen / seconds,
        seconds,
      })
    }
    return epochLog.result(backend, config.epochs)
  } finally {
    net.dispose()
  }
}

export const ideMethod: TrainingMethod<IdeConfig> = {
  id: 'ide',
  title: 'IDE feedback SNN (implicit differentiation on the equilibrium)',
  reference: 'Xiao et al., NeurIPS 2021, arXiv 2109.14247; code pkuxmq/IDE-FSNN 7da5907',
  defaults: IDE_DEFAULTS,
  configure: (partial) => ideConfig((partial ?? {}) as Partial<IdeConfig>),
  train,
}

export { HostSgd }
export type { AdjointSolver, IdeDataSource, IdeInputGeometry }
export { MNIST_GEOMETRY }
