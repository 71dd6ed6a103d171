import { describe, expect, it } from 'vitest'
import { ideStepPeakBytes } from '../../support/ide-memory.js'
import { CancelledError } from '../../../common/errors.js'
import type { Checkpoint, IdeConfig, TrainProgress } from '../../../main/snn/index.js'
import { initBackend, trainIde } from '../../../main/snn/index.js'

/** A tiny run: 784 → 32 ⟲ → 10, T = 10, 640 training digits, 2 epochs. */
const tiny = (backend: 'cpu' | 'wasm', extra: Partial<IdeConfig> = {}): Partial<IdeConfig> => ({
  backend,
  epochs: 2,
  batchSize: 32,
  steps: 10,
  hidden: 32,
  data: { source: 'mnist', trainCount: 640, testCount: 200, splitSeed: 0 },
  ...extra,
})

describe.each(['cpu', 'wasm'] as const)('IDE training on %s', (backend) => {
  it('lowers the loss from its initial value, beats chance, and is deterministic', async () => {
    const progress: TrainProgress[] = []
    const first = await trainIde(tiny(backend), { onProgress: (p) => progress.push(p) })
    expect(first.backend.name).toBe(backend)
    // the first progress event is sent after the first batch: the loss of the untrained net
    expect(progress[0].batch).toBe(1)
    const initial = progress[0].loss
    const [e1, e2] = first.history
    expect(e2.trainLoss).toBeLessThan(0.8 * initial)
    expect(e2.trainLoss).toBeLessThan(e1.trainLoss)
    // chance is 10 %
    expect(e2.testAccuracy).toBeGreaterThan(0.5)
    expect(e2.extra?.solverResidual).toBeLessThan(1e-2)
    const again = await trainIde(tiny(backend))
    expect(again.history.map((h) => h.trainLoss)).toEqual(first.history.map((h) => h.trainLoss))
    expect(first.checkpoint.tensors.map((t) => t.name)).toEqual([
      'input/kernel',
      'input/bias',
      'feedback/direction',
      'feedback/scale',
      'classifier/kernel',
      'classifier/bias',
      'feedback/u',
      'feedback/v',
    ])
  })
})

describe('IDE training variants', () => {
  it('trains with the damped fixed-point solver and rate-coded spike input', async () => {
    const progress: TrainProgress[] = []
    const result = await trainIde(tiny('wasm', { solver: 'damped', input: 'rate' }), { onProgress: (p) => progress.push(p) })
    expect(result.history[1].trainLoss).toBeLessThan(0.8 * progress[0].loss)
    expect(result.history[1].testAccuracy).toBeGreaterThan(0.4)
  })
})

// Peak tensor memory of one training step (tf.profile's peakBytes: the high-water mark of all live
// tensor bytes while the step runs) at T = 30 and T = 100.
describe('IDE memory', () => {
  it('peak tensor memory of a training step at T = 100 is within 10 % of T = 30', async () => {
    await initBackend('wasm')
    const t30 = await ideStepPeakBytes({ steps: 30, hidden: 200 }, 64)
    const t100 = await ideStepPeakBytes({ steps: 100, hidden: 200 }, 64)
    expect(t30.leaked).toBe(0)
    expect(t100.leaked).toBe(0)
    // the batch's input and the weights alone are 200 kB and 700 kB: the figure measures real tensors
    expect(t30.peak).toBeGreaterThan(1e6)
    expect(Math.abs(t100.peak - t30.peak) / t30.peak).toBeLessThanOrEqual(0.1)
  })
})

describe('IDE cancel', () => {
  it('stops within a second and hands back the current weights', async () => {
    const controller = new AbortController()
    let abortedAt = 0
    const checkpoints: Checkpoint<IdeConfig>[] = []
    const run = trainIde(tiny('wasm', { epochs: 20 }), {
      signal: controller.signal,
      onCheckpoint: (c) => checkpoints.push(c),
      onProgress: () => {
        if (abortedAt === 0) {
          abortedAt = performance.now()
          controller.abort()
        }
      },
    })
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    expect(performance.now() - abortedAt).toBeLessThan(1000)
    expect(checkpoints).toHaveLength(1)
    expect(checkpoints[0]).toMatchObject({ method: 'ide', epoch: 0, batch: 1 })
  })
})
