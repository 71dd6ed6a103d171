import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { CancelledError } from '../../../common/errors.js'
import type { Checkpoint, CoarseConfig, RunStart } from '../../../main/snn/index.js'
import {
  coarseConfig,
  coarseEvaluationSeed,
  coarseLearningRate,
  coarseMethod,
  coarseSplit,
  coarseTransferCheck,
  evaluateCoarseCheckpoint,
  initBackend,
  trainCoarse,
} from '../../../main/snn/index.js'

/** A tiny run: the code's model 2 (conv 4@5×5/s2 → FC 10), 4-step trains, 640 training digits, 2 epochs. */
const tiny = (backend: 'cpu' | 'wasm'): Partial<CoarseConfig> => ({
  backend,
  model: 'conv',
  steps: 4,
  epochs: 2,
  batchSize: 32,
  evalBatchSize: 150,
  data: { source: 'mnist', trainCount: 640, testCount: 300, splitSeed: 0 },
})

describe('coarse config', () => {
  it('has the paper-code defaults and the 8/L learning-rate coupling', () => {
    const c = coarseConfig()
    expect(c).toMatchObject({ steps: 8, batchSize: 64, epochs: 10, tau1: 4, tau2: 4, surrogateBeta: 5, targetSpikes: 4, loss: 'mse', model: 'fc' })
    expect(coarseLearningRate(c)).toBeCloseTo(1e-3, 12)
    expect(coarseLearningRate(coarseConfig({ steps: 4 }))).toBeCloseTo(2e-3, 12)
    expect(coarseMethod.id).toBe('coarse')
    expect(coarseMethod.configure({ steps: 4 })).toMatchObject({ steps: 4 })
    expect(() => coarseConfig({ model: 'vgg' as never })).toThrow(/model/)
    expect(() => coarseConfig({ steps: 0 })).toThrow(/steps/)
    expect(() => coarseConfig({ model: 'custom' })).toThrow(/architecture/)
  })
})

describe.each(['cpu', 'wasm'] as const)('coarse LIF training on %s', (backend) => {
  it('lowers the loss, beats chance on held-out digits, is deterministic, and its checkpoint reproduces', async () => {
    const starts: RunStart<CoarseConfig>[] = []
    const first = await trainCoarse(tiny(backend), { onStart: (s) => starts.push(s) })
    expect(first.backend.name).toBe(backend)
    expect(starts[0]).toMatchObject({ trainCount: 640, testCount: 300 })
    expect(first.checkpoint.method).toBe('coarse')
    expect(first.checkpoint.dataHash).toBe(starts[0].dataHash)
    const [e1, e2] = first.history
    // MSE against 4·onehot at initialisation-level silence is 16/10 = 1.6
    expect(e2.trainLoss).toBeLessThan(e1.trainLoss)
    expect(e2.trainLoss).toBeLessThan(1.6)
    expect(e2.testAccuracy).toBeGreaterThan(0.4) // chance is 0.1
    // determinism, on a short run
    const short = { ...tiny(backend), epochs: 1, maxBatchesPerEpoch: 2, data: { source: 'mnist' as const, trainCount: 640, testCount: 50, splitSeed: 0 } }
    const a = await trainCoarse(short)
    const b = await trainCoarse(short)
    expect(b.history.map((h) => [h.trainLoss, h.testAccuracy])).toEqual(a.history.map((h) => [h.trainLoss, h.testAccuracy]))
    expect(b.checkpoint.tensors.map((t) => new Float32Array(t.data))).toEqual(a.checkpoint.tensors.map((t) => new Float32Array(t.data)))
    const config = first.checkpoint.config
    expect(await evaluateCoarseCheckpoint(first.checkpoint, coarseSplit(config).test, coarseEvaluationSeed(config))).toBe(e2.testAccuracy)
  }, 300_000)
})

describe('coarse training control', () => {
  it('applies the step learning-rate schedule from the milestone epoch on', async () => {
    const weightsAfterEpochs = async (learningRateGamma: number) => {
      const snapshots: Float32Array[][] = []
      await trainCoarse(
        { ...tiny('cpu'), epochs: 2, maxBatchesPerEpoch: 2, learningRateMilestones: [1], learningRateGamma, data: { source: 'mnist', trainCount: 640, testCount: 10, splitSeed: 0 } },
        { onCheckpoint: (c) => snapshots.push(c.tensors.map((t) => new Float32Array(t.data))) },
      )
      return snapshots
    }
    const largestChange = ([a, b]: Float32Array[][]) => Math.max(...a.map((w, k) => Math.max(...w.map((v, i) => Math.abs(v - b[k][i])))))
    // every Adam step moves a weight by at most about lr; at 2e-3·1e-6 two steps cannot move one by 1e-7
    expect(largestChange(await weightsAfterEpochs(1e-6))).toBeLessThan(1e-7)
    expect(largestChange(await weightsAfterEpochs(1))).toBeGreaterThan(1e-4)
  }, 120_000)

  it('trains the LeNet-5 variant with 8-step trains and leaves no tensors behind', async () => {
    await initBackend('wasm')
    const before = tf.memory().numTensors
    const result = await trainCoarse({
      backend: 'wasm',
      model: 'lenet5',
      steps: 8,
      epochs: 1,
      batchSize: 32,
      maxBatchesPerEpoch: 6,
      evalBatchSize: 100,
      data: { source: 'mnist', trainCount: 400, testCount: 100, splitSeed: 0 },
    })
    expect(result.history).toHaveLength(1)
    expect(Number.isFinite(result.history[0].trainLoss)).toBe(true)
    // conv 6 (+bias), conv 16 (+bias), three bias-free FC layers
    expect(result.checkpoint.tensors.map((t) => t.name)).toEqual(['conv0/kernel', 'conv0/bias', 'conv3/kernel', 'conv3/bias', 'dense7/kernel', 'dense9/kernel', 'dense11/kernel'])
    expect(tf.memory().numTensors).toBe(before)
  }, 300_000)

  it('cancels within a second and hands back a usable checkpoint', async () => {
    const controller = new AbortController()
    const checkpoints: Checkpoint<CoarseConfig>[] = []
    let abortedAt = 0
    const run = trainCoarse(
      { ...tiny('wasm'), epochs: 5 },
      {
        signal: controller.signal,
        onCheckpoint: (c) => checkpoints.push(c),
        onProgress: (p) => {
          if (p.batch >= 3 && abortedAt === 0) {
            abortedAt = performance.now()
            controller.abort()
          }
        },
      },
    )
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    expect(performance.now() - abortedAt).toBeLessThan(1000)
    const last = checkpoints.at(-1)
    expect(last?.epoch).toBe(0)
    if (!last) return
    const acc = await evaluateCoarseCheckpoint(last, coarseSplit(last.config).test)
    expect(acc).toBeGreaterThanOrEqual(0)
  }, 300_000)
})

describe('transfer to continuous-time LIF', () => {
  it('a trained coarse network gives nearly the same predictions as its continuous-time simulation', async () => {
    const result = await trainCoarse({ ...tiny('wasm'), epochs: 3, data: { source: 'mnist', trainCount: 1000, testCount: 200, splitSeed: 0 } })
    const test = coarseSplit(result.checkpoint.config).test
    const transfer = await coarseTransferCheck(result.checkpoint, test, { substeps: 20, seed: 1 })
    expect(transfer.samples).toBe(200)
    expect(transfer.coarseAccuracy).toBeGreaterThan(0.6)
    expect(transfer.agreement).toBeGreaterThan(0.8)
    expect(Math.abs(transfer.continuousAccuracy - transfer.coarseAccuracy)).toBeLessThan(0.1)
    console.log(
      `coarse → continuous LIF: coarse ${(transfer.coarseAccuracy * 100).toFixed(1)} %, continuous ${(transfer.continuousAccuracy * 100).toFixed(1)} %, ` +
        `agreement ${(transfer.agreement * 100).toFixed(1)} %`,
    )
  }, 300_000)
})
