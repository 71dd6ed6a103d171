import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { CoarseNetwork, ContinuousLif, initBackend, SeededRandom } from '../../../main/snn/index.js'

/** One neuron driven only by its bias (a constant current x per refractory period). */
function biasNeuron(x: number, tau: number): CoarseNetwork {
  const net = new CoarseNetwork([1], [{ type: 'dense', units: 1 }, { type: 'coarse-lif', tau }], new SeededRandom(0))
  const layer = net.layers[0]
  if (layer.kind !== 'dense') throw new Error('expected dense')
  tf.tidy(() => {
    layer.layer.kernel.assign(tf.zeros([1, 1]))
    layer.layer.bias.assign(tf.tensor1d([x]))
  })
  return net
}

describe('continuous-time LIF counterpart', () => {
  afterAll(() => tf.disposeVariables())

  it.each([
    [0.5, 4],
    [0.3, 4],
    [0.8, 2],
  ])('constant current x = %f, τ = %d: spike times follow v(t) = τx(1 − e^(−t/τ)), refractory t_ref', async (x, tau) => {
    await initBackend('cpu')
    const net = biasNeuron(x, tau)
    const steps = 8
    const K = 200
    const run = new ContinuousLif(net, K).run(new Uint8Array(steps), null, steps)
    // analytic: from reset, the threshold 1 is reached after t* = −τ·ln(1 − 1/(τx)); then t_ref = 1 of silence
    const tStar = -tau * Math.log(1 - 1 / (tau * x))
    const expected: number[] = []
    for (let t = tStar; t <= steps; t += tStar + 1) expected.push(t)
    expect(run.outputTimes[0]).toHaveLength(expected.length)
    // each spike is detected at the end of its fine step, and the next period starts from there: ≤ 1/K late per spike
    run.outputTimes[0].forEach((t, i) => {
      expect(t).toBeGreaterThanOrEqual(expected[i] - 1e-9)
      expect(t - expected[i]).toBeLessThanOrEqual((i + 1) / K + 1e-9)
    })
    // the coarse model fires in the same intervals (spec §B.3 worked example for τ = 4)
    const coarse = tf.tidy(() => Array.from(net.forward({ shape: [steps, 1, 1], data: new Uint8Array(steps) }).spikes.dataSync()))
    const coarseIntervals = coarse.flatMap((s, n) => (s === 1 ? [n] : []))
    expect(coarseIntervals).toEqual(expected.map((t) => Math.floor(t)))
    net.dispose()
  })

  it('instantaneous synapses: one input spike of weight w raises v by w, then decays with τ', async () => {
    await initBackend('cpu')
    const net = new CoarseNetwork([2], [{ type: 'dense', units: 1, bias: false }, { type: 'coarse-lif', tau: 4 }], new SeededRandom(0))
    const layer = net.layers[0]
    if (layer.kind !== 'dense') throw new Error('expected dense')
    tf.tidy(() => layer.layer.kernel.assign(tf.tensor2d([[0.55], [0.55]])))
    const sim = new ContinuousLif(net, 100)
    // spikes at 0.1 and 0.5 → v = 0.55·e^(−0.4/4) + 0.55 = 1.048 > 1 at t = 0.5: one spike, seen at the end of that fine step
    expect(0.55 * Math.exp(-0.4 / 4) + 0.55).toBeGreaterThan(1)
    const both = sim.run(Uint8Array.of(1, 1), Float32Array.of(0.1, 0.5), 1)
    expect(both.outputTimes[0]).toEqual([0.51])
    // the read-out's tie-break evidence: the input the output neuron received, 0.55 + 0.55
    expect(both.drive[0]).toBeCloseTo(1.1, 6)
    // 1.6 apart (intervals 0 and 1) → 0.55·e^(−1.6/4) + 0.55 = 0.919: the first spike's charge has leaked away
    expect(0.55 * Math.exp(-1.6 / 4) + 0.55).toBeLessThan(1)
    expect(sim.run(Uint8Array.of(1, 0, 0, 1), Float32Array.of(0.1, 0, 0, 0.7), 2).counts[0]).toBe(0)
    net.dispose()
  })

  it('refuses layers without a continuous counterpart', async () => {
    await initBackend('cpu')
    const net = new CoarseNetwork([4, 4, 1], [{ type: 'coarse-lif', variant: 'analog-input' }, { type: 'flatten' }, { type: 'dense', units: 2 }, { type: 'coarse-lif' }], new SeededRandom(0))
    expect(() => new ContinuousLif(net)).toThrow(/no continuous-time counterpart/)
    net.dispose()
  })
})
