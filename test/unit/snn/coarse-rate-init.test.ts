import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { balanceInitialRates } from '../../../main/snn/methods/coarse/rate-init.js'
import { coarseConfig, CoarseNetwork, initBackend, SeededRandom } from '../../../main/snn/index.js'

/** Bernoulli spikes [T, B, n] at probability p, from a seeded stream. */
function spikes(steps: number, batch: number, n: number, p: number, seed: number) {
  const r = new SeededRandom(seed)
  return { shape: [steps, batch, n], data: Uint8Array.from({ length: steps * batch * n }, () => (r.next() < p ? 1 : 0)) }
}

describe('data-driven start of a coarse network (rate-init.ts)', () => {
  beforeAll(() => initBackend('cpu'))
  afterAll(() => tf.disposeVariables())

  it('wakes silent hidden units to about the target rate, keeping each unit’s weight direction, and leaves the output layer alone', () => {
    const net = new CoarseNetwork([50], [{ type: 'dense', units: 12 }, { type: 'coarse-lif' }, { type: 'dense', units: 3, bias: false }, { type: 'coarse-lif' }], new SeededRandom(1))
    const [hidden, , output] = net.layers
    if (hidden.kind !== 'dense' || output.kind !== 'dense') throw new Error('expected dense layers')
    // weights far too small to reach threshold 1: every hidden unit is silent
    tf.tidy(() => {
      hidden.layer.kernel.assign(tf.mul(hidden.layer.kernel, 0.05))
      hidden.layer.bias.assign(tf.mul(hidden.layer.bias, 0.05))
    })
    const kernelBefore = hidden.layer.kernel.arraySync() as number[][]
    const outputBefore = output.layer.kernel.dataSync().slice()
    const input = spikes(8, 64, 50, 0.3, 2)
    const rate = (layer: number) => tf.tidy(() => Array.from(tf.mean(tf.reshape(net.forward(input).layerSpikes[layer], [-1, 12]), 0).dataSync()))
    expect(Math.max(...rate(0))).toBe(0)

    const report = balanceInitialRates(net, input, 0.1)
    expect(report.layers).toHaveLength(1)
    expect(report.layers[0]).toMatchObject({ layer: 0, before: 0, silentUnits: 0 })
    // every unit fires; the layer as a whole within the tolerance factor 2 of the target (a unit whose
    // drive is weak may stop at the gain limit or between two rounds, so units are not held to the band)
    const after = rate(0)
    expect(Math.min(...after)).toBeGreaterThan(0)
    const mean = after.reduce((a, r) => a + r, 0) / after.length
    expect(mean).toBeGreaterThanOrEqual(0.05)
    expect(mean).toBeLessThanOrEqual(0.2)
    expect(report.layers[0].after).toBeCloseTo(mean, 10)
    // each unit's column is a positive multiple of what it was
    const kernelAfter = hidden.layer.kernel.arraySync() as number[][]
    for (let u = 0; u < 12; u++) {
      const gain = kernelAfter[0][u] / kernelBefore[0][u]
      expect(gain).toBeGreaterThan(0)
      for (let i = 0; i < 50; i++) expect(kernelAfter[i][u]).toBeCloseTo(kernelBefore[i][u] * gain, 5)
    }
    expect(Array.from(output.layer.kernel.dataSync())).toEqual(Array.from(outputBefore))
    net.dispose()
  })

  it('is a checked config field, off by default', () => {
    expect(coarseConfig().initFiringRate).toBe(0)
    expect(() => coarseConfig({ initFiringRate: 1 })).toThrow(expect.objectContaining({ location: expect.objectContaining({ field: 'initFiringRate' }) }))
    expect(() => balanceInitialRates({ layers: [] } as never, spikes(1, 1, 1, 0, 0), 0)).toThrow(/targetRate must lie in/)
  })
})
