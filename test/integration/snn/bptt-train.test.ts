import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { CancelledError } from '../../../common/errors.js'
import type { BpttConfig, Checkpoint, TrainProgress, TrainStart } from '../../../main/snn/index.js'
import { evaluateCheckpoint, initBackend, mnistSplit, train } from '../../../main/snn/index.js'

/** A tiny run: 784-64-10, T = 8, 640 training digits, 2 epochs. */
const tiny = (backend: 'cpu' | 'wasm'): Partial<BpttConfig> => ({
  backend,
  epochs: 2,
  batchSize: 32,
  steps: 8,
  learningRate: 2e-3,
  architecture: [
    { type: 'dense', units: 64 },
    { type: 'lif', beta: 0.9 },
    { type: 'dense', units: 10 },
    { type: 'lif', beta: 0.9 },
  ],
  data: { source: 'mnist', trainCount: 640, testCount: 300, splitSeed: 0 },
})

describe.each(['cpu', 'wasm'] as const)('BPTT training on %s', (backend) => {
  it('lowers the loss, beats chance on held-out digits, and is deterministic', async () => {
    const starts: TrainStart[] = []
    const first = await train(tiny(backend), { onStart: (s) => starts.push(s) })
    expect(first.backend.name).toBe(backend)
    expect(starts).toHaveLength(1)
    expect(starts[0]).toMatchObject({ backend: first.backend, trainCount: 640, testCount: 300 })
    expect(first.checkpoint.dataHash).toMatch(/^[0-9a-f]{64}$/)
    expect(first.checkpoint.dataHash).toBe(starts[0].dataHash)
    const [e1, e2] = first.history
    expect(e2.trainLoss).toBeLessThan(e1.trainLoss)
    // chance is 10 %; Σ_t CE at chance is T·ln 10 ≈ 18.4
    expect(e1.trainLoss).toBeLessThan(8 * Math.log(10))
    expect(e2.testAccuracy).toBeGreaterThan(0.5)
    const again = await train(tiny(backend))
    expect(again.history.map((h) => h.trainLoss)).toEqual(first.history.map((h) => h.trainLoss))
    expect(again.history.map((h) => h.testAccuracy)).toEqual(first.history.map((h) => h.testAccuracy))
    expect(again.checkpoint.tensors.map((t) => new Float32Array(t.data))).toEqual(first.checkpoint.tensors.map((t) => new Float32Array(t.data)))
    // the final checkpoint rebuilds a network with the same test accuracy (same evaluation seed)
    const acc = await evaluateCheckpoint(first.checkpoint, mnistSplit(first.checkpoint.config).test, first.checkpoint.config.seed + 0x3000)
    expect(acc).toBe(e2.testAccuracy)
  })
})

describe('BPTT training control', () => {
  it('leaves no tensors behind and keeps the count flat across batches', async () => {
    await initBackend('cpu')
    const before = tf.memory().numTensors
    const during: number[] = []
    await train({ ...tiny('cpu'), epochs: 2, data: { source: 'mnist', trainCount: 320, testCount: 64, splitSeed: 0 } }, {
      onEpoch: () => during.push(tf.memory().numTensors),
    })
    expect(during[1]).toBe(during[0])
    expect(tf.memory().numTensors).toBe(before)
  })

  it('reports progress at most 10 times per second with consistent fields', async () => {
    const events: { at: number; p: TrainProgress }[] = []
    await train({ ...tiny('wasm'), epochs: 1 }, { onProgress: (p) => events.push({ at: performance.now(), p }) })
    expect(events.length).toBeGreaterThan(0)
    for (let i = 1; i < events.length; i++) expect(events[i].at - events[i - 1].at).toBeGreaterThanOrEqual(99)
    for (const { p } of events) {
      expect(p.epochs).toBe(1)
      expect(p.batches).toBe(20)
      expect(p.batch).toBeGreaterThanOrEqual(1)
      expect(p.batch).toBeLessThanOrEqual(20)
      expect(p.accuracy).toBeGreaterThanOrEqual(0)
      expect(p.accuracy).toBeLessThanOrEqual(1)
      expect(p.samplesPerSecond).toBeGreaterThan(0)
      expect(p.etaSeconds).toBeGreaterThanOrEqual(0)
    }
  })

  it('cancels within a second and hands back a usable checkpoint', async () => {
    const controller = new AbortController()
    let abortedAt = 0
    const checkpoints: Checkpoint<BpttConfig>[] = []
    const run = train(
      { ...tiny('wasm'), epochs: 50, architecture: [{ type: 'dense', units: 300 }, { type: 'lif', beta: 0.9 }, { type: 'dense', units: 10 }, { type: 'lif', beta: 0.9 }] },
      {
        signal: controller.signal,
        onCheckpoint: (c) => checkpoints.push(c),
        onProgress: () => {
          if (abortedAt === 0) {
            abortedAt = performance.now()
            controller.abort()
          }
        },
      },
    )
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    expect(performance.now() - abortedAt).toBeLessThan(1000)
    expect(checkpoints).toHaveLength(1)
    const last = checkpoints[0]
    expect(last.epoch).toBe(0)
    expect(last.tensors.map((t) => t.name)).toEqual(['dense0/kernel', 'dense0/bias', 'dense2/kernel', 'dense2/bias'])
    const acc = await evaluateCheckpoint(last, mnistSplit(last.config).test)
    expect(acc).toBeGreaterThanOrEqual(0)
  })

  it('cancels during the evaluation pass too', async () => {
    const controller = new AbortController()
    const checkpoints: Checkpoint<BpttConfig>[] = []
    let abortedAt = 0
    const run = train(
      { ...tiny('wasm'), epochs: 3, batchSize: 64, evalBatchSize: 50, data: { source: 'mnist', trainCount: 64, testCount: 2000, splitSeed: 0 } },
      {
        signal: controller.signal,
        onCheckpoint: (c) => checkpoints.push(c),
        // one batch per epoch: its progress event is the last thing before the evaluation pass
        onProgress: () => {
          abortedAt = performance.now()
          controller.abort()
        },
      },
    )
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    expect(performance.now() - abortedAt).toBeLessThan(1000)
    expect(checkpoints.map((c) => c.epoch)).toEqual([1])
  })

  it('also trains with latency coding and the spike-count loss', async () => {
    const result = await train({ ...tiny('wasm'), encoding: 'latency', loss: 'count-ce', steps: 10, learningRate: 5e-3 })
    expect(result.history[1].trainLoss).toBeLessThan(result.history[0].trainLoss)
    // chance is 10 %
    expect(result.history[1].testAccuracy).toBeGreaterThan(0.3)
  })

  it('trains a small conv net on wasm (needs the registered Conv2DBackpropFilter)', async () => {
    const result = await train({
      backend: 'wasm',
      epochs: 2,
      batchSize: 16,
      steps: 4,
      learningRate: 1e-2,
      inputShape: [28, 28, 1],
      architecture: [
        { type: 'conv2d', filters: 8, kernelSize: 5, stride: 2 },
        { type: 'lif', beta: 0.9 },
        { type: 'pool', mode: 'max', size: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 10 },
        { type: 'lif', beta: 0.9 },
      ],
      data: { source: 'mnist', trainCount: 512, testCount: 200, splitSeed: 0 },
    })
    expect(result.history[1].trainLoss).toBeLessThan(result.history[0].trainLoss)
    // chance is 10 %
    expect(result.history[1].testAccuracy).toBeGreaterThan(0.3)
  })
})
