import { describe, expect, it } from 'vitest'
import { CancelledError } from '../../../common/errors.js'
import type { Checkpoint, TrainProgress, VdibConfig } from '../../../main/snn/index.js'
import { trainVdib } from '../../../main/snn/index.js'

/** MNIST reconstruction at tiny size: 784 → 32 LIF → 16 readout, T = τ_d = 8, MLP decoder on tfjs. */
const tinyReconstruction = (backend: 'cpu' | 'wasm'): Partial<VdibConfig> => ({
  backend,
  task: 'mnist-reconstruction',
  hidden: [32],
  readout: 16,
  steps: 8,
  windowSteps: 8,
  decoderHidden: 32,
  epochs: 3,
  examplesPerEpoch: 80,
  data: { source: 'mnist', trainCount: 300, testCount: 40, splitSeed: 0 },
})

describe.each(['cpu', 'wasm'] as const)('VDIB MNIST reconstruction on %s', (backend) => {
  it('lowers the loss from its initial value and reconstructs better than the untrained decoder', async () => {
    const progress: TrainProgress[] = []
    const result = await trainVdib(tinyReconstruction(backend), { onProgress: (p) => progress.push(p) })
    expect(result.backend.name).toBe(backend)
    expect(progress[0].batch).toBe(1)
    const initial = progress[0].loss // ℓ of the first example, before any update
    const last = result.history.at(-1)
    if (!last?.extra) throw new Error('no metrics')
    expect(last.trainLoss).toBeLessThan(0.8 * initial)
    expect(result.history[2].trainLoss).toBeLessThan(result.history[0].trainLoss)
    // an untrained sigmoid decoder outputs ≈ 0.5 everywhere: MSE ≈ mean((0.5 − x)²) ≥ 0.15 on MNIST
    expect(last.extra.testMse).toBeLessThan(0.12)
    expect(last.extra.testBce).toBeLessThan(0.45)
    expect(last.extra.firingRate).toBeGreaterThan(0)
    expect(Number.isFinite(last.extra.kl)).toBe(true)
    const again = await trainVdib(tinyReconstruction(backend))
    expect(again.history.map((h) => h.trainLoss)).toEqual(result.history.map((h) => h.trainLoss))
  })
})

describe('VDIB predictive coding', () => {
  it.each(['time', 'rate'] as const)('%s decoding lowers the loss from its initial value', async (decoding) => {
    const progress: TrainProgress[] = []
    const result = await trainVdib({ backend: 'wasm', decoding, epochs: 2, examplesPerEpoch: 60 }, { onProgress: (p) => progress.push(p) })
    const first = progress[0]
    expect(first.batch).toBe(1)
    expect(result.history[1].trainLoss).toBeLessThan(first.loss)
    // test NLL of a uniform guess over the 210 patterns is ln 210
    expect(result.history[1].extra?.testNll).toBeGreaterThan(0)
    expect(result.checkpoint.tensors.map((t) => t.name)).toEqual([
      'encoder/readout/weight',
      'encoder/readout/feedback',
      'encoder/readout/bias',
      'decoder/out/kernel',
      'decoder/out/bias',
    ])
  })
})

describe('VDIB cancel', () => {
  it('stops within a second and hands back the current weights', async () => {
    const controller = new AbortController()
    let abortedAt = 0
    const checkpoints: Checkpoint<VdibConfig>[] = []
    const run = trainVdib(
      { backend: 'wasm', epochs: 5, examplesPerEpoch: 1000 },
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
    expect(checkpoints[0]).toMatchObject({ method: 'vdib', epoch: 0, batch: 1 })
  })
})
