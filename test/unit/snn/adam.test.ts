import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../main/snn/index.js'
import { parameter } from '../../../main/snn/layers/parameter.js'
import { HostAdam } from '../../../main/snn/optim/adam.js'
import { stepScheduledRate } from '../../../main/snn/optim/step-schedule.js'

beforeAll(async () => {
  await initBackend('cpu')
})

describe('HostAdam', () => {
  it('takes the hand-computed first two steps (lr 0.1, betas 0.9/0.999)', () => {
    const p = parameter('w', new Float32Array([1]), [1])
    const adam = new HostAdam([p], { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 })
    adam.apply({ [p.variable.name]: tf.tensor1d([0.5]) })
    // m̂ = 0.5, v̂ = 0.25 → w = 1 − 0.1·0.5/0.5
    expect(p.variable.dataSync()[0]).toBeCloseTo(0.9, 6)
    adam.apply({ [p.variable.name]: tf.tensor1d([-1]) })
    // m = −0.055, v = 0.00124975; m̂ = −0.055/0.19, v̂ = 0.00124975/0.001999 → w = 0.9 + 0.1·0.2894737/0.7906884
    expect(p.variable.dataSync()[0]).toBeCloseTo(0.9366103, 5)
  })

  it('follows tf.train.adam over several steps', () => {
    const init = Float32Array.from({ length: 6 }, (_, i) => Math.sin(i + 1))
    const ours = parameter('a', init, [2, 3])
    const theirs = tf.variable(tf.tensor(init, [2, 3]))
    const adam = new HostAdam([ours], { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 })
    const reference = tf.train.adam(0.01, 0.9, 0.999, 1e-8)
    for (let step = 0; step < 5; step++) {
      const g = tf.tensor(Float32Array.from({ length: 6 }, (_, i) => Math.cos(3 * step + i)), [2, 3])
      adam.apply({ [ours.variable.name]: g })
      reference.applyGradients([{ name: theirs.name, tensor: g }])
    }
    const a = ours.variable.dataSync()
    const b = theirs.dataSync()
    for (let i = 0; i < 6; i++) expect(a[i]).toBeCloseTo(b[i], 5)
  })

  it('steps at the rate a schedule sets between steps', () => {
    const p = parameter('w', new Float32Array([1]), [1])
    const adam = new HostAdam([p], { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 })
    adam.learningRate = 0.01
    adam.apply({ [p.variable.name]: tf.tensor1d([0.5]) })
    // the first Adam step moves by lr·m̂/√v̂ = lr·sign(g)
    expect(p.variable.dataSync()[0]).toBeCloseTo(0.99, 6)
  })

  it('names a parameter without a gradient', () => {
    const p = parameter('lonely', new Float32Array([1]), [1])
    const adam = new HostAdam([p], { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 })
    expect(() => adam.apply({})).toThrow(expect.objectContaining({ code: 'SNN_NO_GRADIENT', location: { field: 'lonely' } }))
  })
})

describe('stepScheduledRate (MultiStepLR)', () => {
  it('multiplies by gamma once per milestone passed, counting epochs from 0 as scheduler.step() does', () => {
    // torch MultiStepLR(milestones=[2, 4], gamma=0.1), lr 1: epochs 0,1 → 1; 2,3 → 0.1; 4… → 0.01
    const rates = [0, 1, 2, 3, 4, 5].map((epoch) => stepScheduledRate(1, [2, 4], 0.1, epoch))
    expect(rates[0]).toBe(1)
    expect(rates[1]).toBe(1)
    expect(rates[2]).toBeCloseTo(0.1, 12)
    expect(rates[3]).toBeCloseTo(0.1, 12)
    expect(rates[4]).toBeCloseTo(0.01, 12)
    expect(rates[5]).toBeCloseTo(0.01, 12)
  })

  it('keeps the base rate without milestones', () => {
    expect(stepScheduledRate(3e-4, [], 0.1, 99)).toBe(3e-4)
  })
})
