import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import type { HostSpikes } from '../../../main/snn/index.js'
import { CoarseNetwork, initBackend, SeededRandom } from '../../../main/snn/index.js'
import type { CoarseLayerSpec } from '../../../main/snn/index.js'

const T = 4
const B = 3
const LABELS = [0, 2, 1]
const CLASSES = 3

function spikesInput(features: number): HostSpikes {
  const rng = new SeededRandom(5)
  const data = new Uint8Array(T * B * features)
  for (let i = 0; i < data.length; i++) data[i] = rng.next() < 0.5 ? 1 : 0
  return { shape: [T, B, features], data }
}

/** mean over batch and classes of (count − 4·onehot)², written independently of methods/coarse.ts. */
function loss(net: CoarseNetwork, input: HostSpikes): tf.Scalar {
  return tf.tidy(() => {
    const counts = tf.sum(net.forward(input).spikes, 0)
    const target = tf.mul(tf.oneHot(tf.tensor1d(LABELS, 'int32'), CLASSES), 4)
    return tf.mean(tf.square(tf.sub(counts, target))) as tf.Scalar
  })
}

const lif = (tau: number): CoarseLayerSpec => ({ type: 'coarse-lif', tau, forward: 'relaxed', surrogateBeta: 5 })

const cases: { name: string; inputShape: number[]; architecture: CoarseLayerSpec[]; parameters: number }[] = [
  {
    name: '6-5-3 dense (sparse first layer, no-bias output)',
    inputShape: [6],
    architecture: [{ type: 'dense', units: 5 }, lif(3), { type: 'dense', units: CLASSES, bias: false }, lif(4)],
    parameters: 6 * 5 + 5 + 5 * 3,
  },
  {
    name: 'conv 2@3×3 → max-pool 2 → dense 3',
    inputShape: [6, 6, 1],
    architecture: [
      { type: 'conv2d', filters: 2, kernelSize: 3, padding: 'same' },
      lif(2),
      { type: 'pool', mode: 'max', size: 2 },
      { type: 'flatten' },
      { type: 'dense', units: CLASSES, bias: false },
      lif(4),
    ],
    parameters: 3 * 3 * 2 + 2 + 18 * 3,
  },
]

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`coarse network gradient on ${backend}`, () => {
    afterAll(() => tf.disposeVariables())

    it.each(cases)('$name: BPTT gradient matches central finite differences', async ({ inputShape, architecture, parameters }) => {
      await initBackend(backend)
      const net = new CoarseNetwork(inputShape, architecture, new SeededRandom(3))
      // larger weights so that neurons sit near threshold and the surrogate matters
      for (const v of net.variables) tf.tidy(() => v.assign(tf.mul(v, 3)))
      const input = spikesInput(inputShape.reduce((a, b) => a * b, 1))
      const { grads } = tf.variableGrads(() => loss(net, input), net.variables)
      const eps = 2e-3
      let checked = 0
      let nonzero = 0
      for (const v of net.variables) {
        const analytic = grads[v.name].dataSync()
        const base = Float32Array.from(v.dataSync())
        for (let i = 0; i < base.length; i++) {
          const at = (delta: number) => {
            const w = Float32Array.from(base)
            w[i] += delta
            v.assign(tf.tensor(w, v.shape))
            return loss(net, input).dataSync()[0]
          }
          const numeric = (at(eps) - at(-eps)) / (2 * eps)
          v.assign(tf.tensor(base, v.shape))
          expect(Math.abs(analytic[i] - numeric)).toBeLessThanOrEqual(3e-3 + 1e-2 * Math.abs(numeric))
          if (Math.abs(numeric) > 1e-3) nonzero++
          checked++
        }
      }
      expect(checked).toBe(parameters)
      expect(nonzero).toBeGreaterThan(parameters / 2)
      net.dispose()
    })
  })
}
