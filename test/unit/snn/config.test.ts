import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { bpttConfig, coarseConfig, initBackend, restoreParameters, SeededRandom, snapshotParameters, SpikingNetwork } from '../../../main/snn/index.js'

const error = (code: string, field: string) => expect.objectContaining({ code, location: expect.objectContaining({ field }) })

beforeAll(async () => {
  await initBackend('cpu')
})

describe('BPTT configuration', () => {
  it('defaults to the reference configuration of performance-anchors.md §2', () => {
    const c = bpttConfig()
    expect(c).toMatchObject({ steps: 25, batchSize: 128, learningRate: 5e-4, adamBeta1: 0.9, adamBeta2: 0.999, epochs: 5 })
    expect(c.architecture).toEqual([
      { type: 'dense', units: 1000 },
      { type: 'lif', beta: 0.95 },
      { type: 'dense', units: 10 },
      { type: 'lif', beta: 0.95 },
    ])
    expect(c.data).toEqual({ source: 'mnist', trainCount: 8000, testCount: 2000, splitSeed: 0 })
  })

  it.each([
    [{ batchSize: 0 }, 'batchSize'],
    [{ steps: 2.5 }, 'steps'],
    [{ learningRate: -1 }, 'learningRate'],
    [{ adamBeta2: 1 }, 'adamBeta2'],
    [{ data: { source: 'mnist', trainCount: 0, testCount: 0, splitSeed: 0 } }, 'data.trainCount'],
  ] as const)('rejects %o naming %s', (partial, field) => {
    expect(() => bpttConfig(partial)).toThrow(error('SNN_BAD_CONFIG', field))
  })
})

describe('network architecture', () => {
  const rng = () => new SeededRandom(0)

  it('rejects a dense layer on an unflattened image, naming the layer', () => {
    expect(() => new SpikingNetwork([28, 28, 1], [{ type: 'dense', units: 10 }, { type: 'lif' }], rng())).toThrow(
      error('SNN_BAD_ARCHITECTURE', 'architecture[0]'),
    )
  })

  it('requires the last layer to be LIF', () => {
    expect(() => new SpikingNetwork([4], [{ type: 'dense', units: 2 }], rng())).toThrow(error('SNN_BAD_ARCHITECTURE', 'architecture'))
  })

  it('infers conv/pool/flatten shapes: 28×28×1 → conv5 (24×24×4) → pool2 (12×12×4) → 576 → dense 10', () => {
    const net = new SpikingNetwork(
      [28, 28, 1],
      [
        { type: 'conv2d', filters: 4, kernelSize: 5 },
        { type: 'lif' },
        { type: 'pool', mode: 'max', size: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 10 },
        { type: 'lif' },
      ],
      rng(),
    )
    expect(net.variables.map((v) => v.shape)).toEqual([[5, 5, 1, 4], [4], [576, 10], [10]])
    expect(net.outputSize).toBe(10)
    net.variables.forEach((v) => v.dispose())
  })

  it('sum pooling is the window sum', () => {
    const net = new SpikingNetwork([2, 2, 1], [{ type: 'pool', mode: 'sum', size: 2 }, { type: 'flatten' }, { type: 'lif', beta: 0 }], rng())
    // one step, one sample, window sum 1+0+1+1 = 3 > θ → membrane 3, spike
    const out = net.forward(tf.tensor([1, 0, 1, 1], [1, 1, 2, 2, 1]))
    expect(Array.from(out.mem.dataSync())).toEqual([3])
    expect(Array.from(out.spikes.dataSync())).toEqual([1])
  })
})

describe('checkpoint tensors', () => {
  it('round-trip through ArrayBuffers and refuse a shape mismatch', () => {
    const spec = [{ type: 'dense', units: 3 }, { type: 'lif' }] as const
    const a = new SpikingNetwork([4], spec, new SeededRandom(1))
    const b = new SpikingNetwork([4], spec, new SeededRandom(2))
    const snap = snapshotParameters(a.parameters)
    expect(snap.map((t) => t.name)).toEqual(['dense0/kernel', 'dense0/bias'])
    expect(snap[0].data).toBeInstanceOf(ArrayBuffer)
    expect(b.variables[0].dataSync()).not.toEqual(a.variables[0].dataSync())
    restoreParameters(b.parameters, snap)
    expect(b.variables[0].dataSync()).toEqual(a.variables[0].dataSync())
    const other = new SpikingNetwork([5], spec, new SeededRandom(1))
    expect(() => restoreParameters(other.parameters, snap)).toThrow(error('SNN_CHECKPOINT_MISMATCH', 'tensors[0]'))
  })
})

describe('coarse-LIF configuration', () => {
  it('has no learning-rate schedule and no augmentation by default, as the paper-era code', () => {
    expect(coarseConfig()).toMatchObject({ learningRateMilestones: [], augmentShift: 0 })
  })

  it.each([
    [{ learningRateGamma: 0 }, 'learningRateGamma'],
    [{ learningRateGamma: 1.5 }, 'learningRateGamma'],
    [{ learningRateMilestones: [0] }, 'learningRateMilestones'],
    [{ learningRateMilestones: [2.5] }, 'learningRateMilestones'],
    [{ augmentShift: -1 }, 'augmentShift'],
    [{ augmentShift: 1.5 }, 'augmentShift'],
    [{ augmentShift: 2, data: { source: 'emulated-nmnist', count: 100, testFraction: 0.2, splitSeed: 0, pool: 1 } }, 'augmentShift'],
  ] as const)('rejects %o naming %s', (partial, field) => {
    expect(() => coarseConfig(partial)).toThrow(error('SNN_BAD_CONFIG', field))
  })
})
