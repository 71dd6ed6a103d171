import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import type { HostSpikes, LayerSpec } from '../../../main/snn/index.js'
import { Dense, initBackend, SeededRandom, SpikingNetwork } from '../../../main/snn/index.js'

const T = 4
const B = 3
const IN = 6
const CLASSES = 3
const LABELS = [0, 2, 1]

function spikesInput(): HostSpikes {
  const rng = new SeededRandom(7)
  const data = new Uint8Array(T * B * IN)
  for (let i = 0; i < data.length; i++) data[i] = rng.next() < 0.4 ? 1 : 0
  return { shape: [T, B, IN], data }
}

/** Σ_t mean_b CrossEntropy(mem_out[t], y), written independently of methods/bptt.ts. */
function loss(net: SpikingNetwork, input: HostSpikes): tf.Scalar {
  return tf.tidy(() => {
    const { mem } = net.forward(input)
    const logp = tf.logSoftmax(mem)
    const oneHot = tf.oneHot(tf.tensor1d(LABELS, 'int32'), CLASSES)
    return tf.div(tf.neg(tf.sum(tf.mul(logp, oneHot))), B) as tf.Scalar
  })
}

const relaxed = { type: 'lif', beta: 0.85, detachReset: false, forward: 'relaxed', surrogate: { kind: 'atan', alpha: 2 } } as const
const architecture: LayerSpec[] = [{ type: 'dense', units: 5 }, relaxed, { type: 'dense', units: CLASSES }, relaxed]

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`network gradient on ${backend}`, () => {
    afterAll(() => tf.disposeVariables())

    it('BPTT gradient of a 6-5-3 LIF network matches central finite differences', async () => {
      await initBackend(backend)
      const net = new SpikingNetwork([IN], architecture, new SeededRandom(3))
      const input = spikesInput()
      const { grads } = tf.variableGrads(() => loss(net, input), net.variables)
      const eps = 5e-3
      let checked = 0
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
          checked++
        }
      }
      expect(checked).toBe(6 * 5 + 5 + 5 * 3 + 3)
    })

    it('the binary-input dense kernel equals tf.matMul in value and in all three gradients', async () => {
      await initBackend(backend)
      const rng = new SeededRandom(11)
      const dense = new Dense(7, 4, rng, 'probe')
      const xv = new Float32Array(2 * 3 * 7)
      for (let i = 0; i < xv.length; i++) xv[i] = rng.next() < 0.3 ? 1 : 0
      const x = tf.tensor(xv, [2, 3, 7])
      const upstream = tf.tensor(Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)), [2, 3, 4])
      const viaKernel = tf.grads((a: tf.Tensor, _w: tf.Tensor, _b: tf.Tensor) => tf.sum(tf.mul(dense.apply(a), upstream)))
      const viaMatMul = tf.grads((a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.add(tf.matMul(tf.reshape(a, [6, 7]), w), b).reshape([2, 3, 4]), upstream)),
      )
      const k = viaKernel([x, dense.kernel, dense.bias])
      const m = viaMatMul([x, dense.kernel, dense.bias])
      // dW and db also through variableGrads, the path training uses.
      const vg = tf.variableGrads(() => tf.sum(tf.mul(dense.apply(x), upstream)) as tf.Scalar, dense.variables)
      expect(Array.from(k[0].dataSync())).toEqual(Array.from(m[0].dataSync()).map((v) => expect.closeTo(v, 5)))
      expect(Array.from(vg.grads[dense.kernel.name].dataSync())).toEqual(Array.from(m[1].dataSync()).map((v) => expect.closeTo(v, 5)))
      expect(Array.from(vg.grads[dense.bias.name].dataSync())).toEqual(Array.from(m[2].dataSync()).map((v) => expect.closeTo(v, 5)))
      const value = tf.add(tf.matMul(tf.reshape(x, [6, 7]), dense.kernel), dense.bias).dataSync()
      expect(Array.from(dense.apply(x).dataSync())).toEqual(Array.from(value).map((v) => expect.closeTo(v, 5)))
    })
  })
}
