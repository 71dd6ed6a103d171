import { beforeAll, describe, expect, it } from 'vitest'
import { CoarseNetwork, coarseLayerNames, coarsePreset, initBackend, SeededRandom } from '../../../main/snn/index.js'
import { PAPER_TRAINING, paperEquivalentEpochs } from '../../../main/snn/methods/coarse/presets.js'

// Spec snn-methods.md §B.5: the paper-era code trains 10 epochs of torchvision MNIST (60,000 training
// digits) in batches of 64; a DataLoader without drop_last makes ⌈60,000/64⌉ = 938 steps per epoch.
describe('paper-equivalent epochs', () => {
  it('records the code defaults of spec §B.5', () => {
    expect(PAPER_TRAINING).toEqual({ epochs: 10, trainingDigits: 60000, batchSize: 64 })
  })

  it('gives the 60,000-digit set its own 10 epochs', () => {
    expect(paperEquivalentEpochs(60000)).toBe(10)
  })

  it('gives the 8,000 training digits of the project split the paper’s 9,380 Adam steps', () => {
    const epochs = paperEquivalentEpochs(8000, 64)
    const stepsPerEpoch = Math.ceil(8000 / 64) // 125
    expect(epochs).toBe(75)
    expect(Math.abs(epochs * stepsPerEpoch - 9380)).toBeLessThanOrEqual(stepsPerEpoch / 2)
  })

  it('scales with the batch size, and never drops below one epoch', () => {
    // batch 32: 250 steps per epoch → 9,380 / 250 = 37.5 → 38
    expect(paperEquivalentEpochs(8000, 32)).toBe(38)
    expect(paperEquivalentEpochs(10_000_000)).toBe(1)
  })

  it('rejects sizes that are not positive integers', () => {
    expect(() => paperEquivalentEpochs(0)).toThrow(/trainingDigits/)
    expect(() => paperEquivalentEpochs(8000, 1.5)).toThrow(/batchSize/)
  })
})

// The inspection panel names each coarse LIF layer after the weight layer that drives it (spec §B.5's networks).
describe('coarse layer names', () => {
  beforeAll(() => initBackend('cpu'))

  const names = (model: 'lenet5' | 'lenet5-analog' | 'hidden') => {
    const { inputShape, architecture } = coarsePreset(model, { tau0: 4, tau1: 4, tau2: 4, hiddenUnits: 30 })
    const net = new CoarseNetwork(inputShape, architecture, new SeededRandom(0))
    try {
      return coarseLayerNames(net.layers)
    } finally {
      net.dispose()
    }
  }

  it('LeNet-5: two conv stages, two dense stages, the output', () => {
    expect(names('lenet5')).toEqual(['conv 1', 'conv 2', 'dense 1', 'dense 2', 'output'])
  })

  it("model 5's analog-input layer has no weight layer before it", () => {
    expect(names('lenet5-analog')).toEqual(['analog input', 'conv 1', 'conv 2', 'dense 1', 'dense 2', 'output'])
  })

  it('model 1: one hidden dense stage', () => {
    expect(names('hidden')).toEqual(['dense 1', 'output'])
  })
})
