import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { ideStepPeakBytes } from '../../support/ide-memory.js'
import type { AdjointSolver, FeedbackInput, IdeConfig, TrainProgress } from '../../../main/snn/index.js'
import { HostSgd, ideConfig, ideNetwork, ideTrainStep, initBackend, loadMnist, SeededRandom, trainIde } from '../../../main/snn/index.js'

/** The first `count` MNIST digits at 14×14 (2×2 average pooling), as flat rows, with their labels. */
function smallDigits(count: number): { images: Float32Array; labels: Uint8Array } {
  const digits = loadMnist()
  const images = new Float32Array(count * 196)
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < 14; y++) {
      for (let x = 0; x < 14; x++) {
        let s = 0
        for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) s += digits.images[n * 784 + (2 * y + dy) * 28 + 2 * x + dx]
        images[n * 196 + y * 14 + x] = s / 4
      }
    }
  }
  return { images, labels: Uint8Array.from(digits.labels.subarray(0, count)) }
}

/**
 * Trains the conv variant (14×14 digits, Conv 1→4 k5 s2 p2 → 7×7×4, feedback Conv 4→4 k5) with
 * `ideTrainStep` for `epochs` passes over `count` digits; returns the first batch's loss and each
 * epoch's mean loss.
 */
function trainSmall(solver: AdjointSolver, input: 'analog' | 'rate', epochs: number, count = 192, batch = 32): { first: number; epochLoss: number[] } {
  const config = ideConfig({ architecture: 'conv', channels: 4, steps: 10, solver, input, dropout: 0.2 })
  const net = ideNetwork(config, { height: 14, width: 14, channels: 1, stride: 2, padding: 2 })
  expect(net.stateShape).toEqual([7, 7, 4])
  const sgd = new HostSgd(net.parameters, { momentum: config.momentum, weightDecay: config.weightDecay })
  const rng = new SeededRandom(1)
  const { images, labels } = smallDigits(count)
  let first = Number.NaN
  const epochLoss: number[] = []
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      let sum = 0
      for (let start = 0; start < count; start += batch) {
        const rows = images.subarray(start * 196, (start + batch) * 196)
        const x = tf.tensor2d(rows, [batch, 196])
        // rate input: frame t is a Bernoulli draw from its own seed, so it replays (FeedbackInput's contract)
        const feed: FeedbackInput =
          input === 'analog'
            ? { kind: 'analog', x }
            : {
                kind: 'spikes',
                batch,
                frame: (t) => {
                  const r = new SeededRandom(1000 * epoch + start + t)
                  return tf.tensor2d(rows.map((p) => (r.next() < p ? 1 : 0)), [batch, 196])
                },
              }
        const step = ideTrainStep(net, sgd, config, feed, labels.subarray(start, start + batch), config.learningRate, rng)
        x.dispose()
        if (Number.isNaN(first)) first = step.loss
        sum += step.loss
      }
      epochLoss.push(sum / (count / batch))
    }
  } finally {
    net.dispose()
  }
  return { first, epochLoss }
}

describe.each([
  ['cpu', 'broyden', 'analog'],
  ['wasm', 'broyden', 'analog'],
  ['wasm', 'damped', 'rate'],
] as const)('IDE conv variant on %s (%s solver, %s input)', (backend, solver, input) => {
  it('lowers the loss on 192 small digits in 3 epochs', async () => {
    await initBackend(backend)
    const before = tf.memory().numTensors
    const { first, epochLoss } = trainSmall(solver, input, 3)
    // ln 10 = 2.30 is the loss of a uniform guess
    expect(first).toBeGreaterThan(1.5)
    expect(epochLoss[2]).toBeLessThan(0.7 * first)
    expect(epochLoss[2]).toBeLessThan(epochLoss[0])
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe('IDE conv variant end to end (trainIde, wasm)', () => {
  it('trains 64C5s-shaped with 4 channels on MNIST: loss down, beats chance, saves BN statistics', async () => {
    const progress: TrainProgress[] = []
    const config: Partial<IdeConfig> = {
      backend: 'wasm',
      architecture: 'conv',
      channels: 4,
      epochs: 2,
      batchSize: 32,
      steps: 10,
      data: { source: 'mnist', trainCount: 320, testCount: 100, splitSeed: 0 },
    }
    const result = await trainIde(config, { onProgress: (p) => progress.push(p) })
    expect(result.backend.name).toBe('wasm')
    expect(progress[0].batch).toBe(1)
    const [e1, e2] = result.history
    expect(e2.trainLoss).toBeLessThan(0.8 * progress[0].loss)
    expect(e2.trainLoss).toBeLessThan(e1.trainLoss)
    expect(e2.testAccuracy).toBeGreaterThan(0.4) // chance is 10 %
    expect(e2.extra?.solverResidual).toBeLessThan(1e-2)
    expect(result.checkpoint.config).toMatchObject({ architecture: 'conv', channels: 4 })
    const shapes = Object.fromEntries(result.checkpoint.tensors.map((t) => [t.name, t.shape]))
    expect(shapes).toEqual({
      'input/kernel': [5, 5, 1, 4],
      'input/bn/gamma': [4],
      'input/bn/beta': [4],
      'feedback/direction': [5, 5, 4, 4],
      'feedback/scale': [],
      'classifier/kernel': [14 * 14 * 4, 10],
      'classifier/bias': [10],
      'feedback/u': [100, 1],
      'feedback/v': [4, 1],
      'input/bn/mean': [4],
      'input/bn/variance': [4],
    })
  })
})

describe('IDE conv memory', () => {
  it('peak tensor memory of a conv training step at T = 100 is within 10 % of T = 30', async () => {
    await initBackend('wasm')
    const t30 = await ideStepPeakBytes({ architecture: 'conv', channels: 8, steps: 30 }, 16)
    const t100 = await ideStepPeakBytes({ architecture: 'conv', channels: 8, steps: 100 }, 16)
    expect(t30.leaked).toBe(0)
    expect(t100.leaked).toBe(0)
    // one state tensor is 16·14·14·8·4 B = 100 kB and the classifier kernel 63 kB: real tensors are measured
    expect(t30.peak).toBeGreaterThan(5e5)
    expect(Math.abs(t100.peak - t30.peak) / t30.peak).toBeLessThanOrEqual(0.1)
  })
})

describe('IDE conv variant on event input (emulated N-MNIST, wasm)', () => {
  it('uses the N-MNIST geometry (34×34×2, k5 s2 p1 → 16×16) and lowers the loss', async () => {
    const progress: TrainProgress[] = []
    const result = await trainIde(
      {
        backend: 'wasm',
        architecture: 'conv',
        channels: 4,
        epochs: 2,
        batchSize: 20,
        steps: 8,
        data: { source: 'emulated-nmnist', trainCount: 160, testCount: 40, splitSeed: 0 },
      },
      { onProgress: (p) => progress.push(p) },
    )
    const shapes = Object.fromEntries(result.checkpoint.tensors.map((t) => [t.name, t.shape]))
    expect(shapes['input/kernel']).toEqual([5, 5, 2, 4])
    expect(shapes['classifier/kernel']).toEqual([16 * 16 * 4, 10])
    const [e1, e2] = result.history
    expect(e2.trainLoss).toBeLessThan(0.8 * progress[0].loss)
    expect(e2.trainLoss).toBeLessThan(e1.trainLoss)
    expect(e2.extra?.solverResidual).toBeLessThan(1e-2)
    expect(e2.testAccuracy).toBeGreaterThan(0.3) // chance is 10 %
  })
})
