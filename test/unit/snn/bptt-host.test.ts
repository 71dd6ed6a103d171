import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import type { HostSpikes, LayerSpec } from '../../../main/snn/index.js'
import { initBackend, SeededRandom, SpikingNetwork } from '../../../main/snn/index.js'
import { DenseLifTrainer } from '../../../main/snn/fused/dense-lif-bptt.js'

/**
 * The host BPTT trainer must compute the same loss, predictions and gradients as tfjs autodiff through
 * the network's layers (whose gradients network-gradient.test.ts checks against finite differences).
 */
const T = 6
const B = 5
const IN = 12
const HIDDEN = 8
const CLASSES = 3
const LABELS = Uint8Array.from([0, 2, 1, 1, 0])
const architecture: LayerSpec[] = [
  { type: 'dense', units: HIDDEN },
  { type: 'lif', beta: 0.9 },
  { type: 'dense', units: CLASSES },
  { type: 'lif', beta: 0.9 },
]

function spikesInput(seed: number): HostSpikes {
  const rng = new SeededRandom(seed)
  const data = new Uint8Array(T * B * IN)
  for (let i = 0; i < data.length; i++) data[i] = rng.next() < 0.5 ? 1 : 0
  return { shape: [T, B, IN], data }
}

/** The two losses written with tensor ops, independently of the host code. */
function tensorLoss(kind: 'membrane-ce' | 'count-ce', mem: tf.Tensor, spikes: tf.Tensor): tf.Scalar {
  const oneHot = tf.oneHot(tf.tensor1d(LABELS, 'int32'), CLASSES)
  const logits = kind === 'membrane-ce' ? mem : tf.sum(spikes, 0)
  return tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot))), B) as tf.Scalar
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length)
  for (let i = 0; i < actual.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `${what}[${i}]`).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(expected[i]))
  }
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`host BPTT trainer on ${backend}`, () => {
    afterAll(() => tf.disposeVariables())

    for (const kind of ['membrane-ce', 'count-ce'] as const) {
      it(`matches tfjs autodiff for ${kind}: loss, predictions and every gradient, over two batches`, async () => {
        await initBackend(backend)
        const net = new SpikingNetwork([IN], architecture, new SeededRandom(11))
        const stack = net.denseLifStack()
        expect(stack).not.toBeNull()
        let captured: Float32Array[] = []
        const trainer = new DenseLifTrainer(stack!, { applyHost: (_w, g) => (captured = g.map((x) => Float32Array.from(x))) }, kind)
        let hiddenSpikes = 0
        // Two batches: the second checks that reused buffers carry nothing over from the first.
        for (const seed of [1, 2]) {
          const input = spikesInput(seed)
          const { value, grads } = tf.variableGrads(() => {
            const out = net.forward(input)
            hiddenSpikes += tf.sum(out.layerSpikes[0]).dataSync()[0]
            return tensorLoss(kind, out.mem, out.spikes)
          }, net.variables)
          const counts = tf.sum(net.forward(input).spikes, 0)
          const expectedPredicted = tf.argMax(counts, -1).dataSync()
          const host = trainer.step(input, LABELS)
          expect(host.loss).toBeCloseTo(value.dataSync()[0], 5)
          expect(Array.from(host.predicted)).toEqual(Array.from(expectedPredicted))
          net.parameters.forEach((p, k) => expectClose(captured[k], grads[p.variable.name].dataSync() as Float32Array, `${p.name} (batch ${seed})`))
          tf.dispose([value, counts, ...Object.values(grads)])
        }
        // the hidden layer spiked, so the output layer's weight gradient was exercised
        expect(hiddenSpikes).toBeGreaterThan(0)
        expect(captured[2].some((g) => g !== 0)).toBe(true)
      })
    }
  })
}
