import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { LifConfig } from '../../../main/snn/index.js'
import { initBackend, lifConfig, lifSequence, lifStep } from '../../../main/snn/index.js'

const T = 6
const N = 5

/** A fixed input current [T, N] whose membranes cross the threshold at several steps. */
function current(): tf.Tensor {
  const v = new Float32Array(T * N)
  for (let i = 0; i < v.length; i++) v[i] = 0.2 + 0.9 * Math.abs(Math.sin(1.7 * i + 0.3))
  return tf.tensor(v, [T, N])
}

/** A loss that uses both outputs with distinct weights per element and step. */
function weights(seed: number): tf.Tensor {
  const v = new Float32Array(T * N)
  for (let i = 0; i < v.length; i++) v[i] = Math.cos(seed * 0.37 + i * 0.91)
  return tf.tensor(v, [T, N])
}

function sequenceLoss(cur: tf.Tensor, cfg: LifConfig): tf.Scalar {
  const { spikes, mem } = lifSequence(cur, cfg)
  return tf.add(tf.sum(tf.mul(spikes, weights(1))), tf.sum(tf.mul(mem, weights(2))))
}

function stepLoss(cur: tf.Tensor, cfg: LifConfig): tf.Scalar {
  const steps = tf.unstack(cur)
  let mem: tf.Tensor = tf.zeros([N])
  const spk: tf.Tensor[] = []
  const mems: tf.Tensor[] = []
  for (const input of steps) {
    const out = lifStep(input, mem, cfg)
    mem = out.mem
    spk.push(out.spikes)
    mems.push(out.mem)
  }
  return tf.add(tf.sum(tf.mul(tf.stack(spk), weights(1))), tf.sum(tf.mul(tf.stack(mems), weights(2))))
}

beforeAll(async () => {
  await initBackend('cpu')
})

describe('fused LIF backward', () => {
  for (const reset of ['subtract', 'zero', 'none'] as const) {
    for (const detachReset of [true, false]) {
      it(`equals autodiff through per-step tensor ops (reset ${reset}, detachReset ${detachReset})`, () => {
        const cfg = lifConfig({ beta: 0.8, reset, detachReset })
        const fused = tf.grad((c: tf.Tensor) => sequenceLoss(c, cfg))(current()).dataSync()
        const stepwise = tf.grad((c: tf.Tensor) => stepLoss(c, cfg))(current()).dataSync()
        expect(fused.some((g) => g !== 0)).toBe(true)
        for (let i = 0; i < fused.length; i++) expect(fused[i]).toBeCloseTo(stepwise[i], 5)
      })
    }
  }

  for (const reset of ['subtract', 'zero'] as const) {
    it(`matches central finite differences with relaxed spikes (reset ${reset}, reset not detached)`, () => {
      // With the relaxed forward the surrogate is the true derivative, so the BPTT gradient must equal
      // the numerical one. float64 host arithmetic is not available in tfjs; use a wide step.
      const cfg = lifConfig({ beta: 0.8, reset, detachReset: false, forward: 'relaxed', surrogate: { kind: 'sigmoid', slope: 4 } })
      const base = current().dataSync() as Float32Array
      const analytic = tf.grad((c: tf.Tensor) => sequenceLoss(c, cfg))(current()).dataSync()
      const eps = 1e-2
      for (let i = 0; i < base.length; i++) {
        const plus = Float32Array.from(base)
        const minus = Float32Array.from(base)
        plus[i] += eps
        minus[i] -= eps
        const lp = sequenceLoss(tf.tensor(plus, [T, N]), cfg).dataSync()[0]
        const lm = sequenceLoss(tf.tensor(minus, [T, N]), cfg).dataSync()[0]
        const numeric = (lp - lm) / (2 * eps)
        expect(Math.abs(analytic[i] - numeric)).toBeLessThanOrEqual(2e-3 + 2e-3 * Math.abs(numeric))
      }
    })
  }
})
