import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend, lifConfig, lifForward, lifSequence, lifStep } from '../../../main/snn/index.js'
import type { NeuronVector } from './golden.js'
import { loadLifGolden } from './golden.js'

// Fixture README §1: snn.Leaky(beta=0.9, threshold=1), constant input 0.35 for 12 calls.
const golden = loadLifGolden()
const INPUT = 0.35
const STEPS = 12
const cases: [string, 'subtract' | 'zero', NeuronVector][] = [
  ['subtract', 'subtract', golden['leaky_subtract_beta0.9_thr1_in0.35']],
  ['zero', 'zero', golden['leaky_zero_beta0.9_thr1_in0.35']],
]

function expectMatches(spk: ArrayLike<number>, mem: ArrayLike<number>, expected: NeuronVector): void {
  expect(Array.from(spk)).toEqual(expected.spk)
  for (let t = 0; t < STEPS; t++) expect(Math.abs(mem[t] - expected.mem[t])).toBeLessThanOrEqual(2e-6)
}

beforeAll(async () => {
  await initBackend('cpu')
})

describe('LIF matches snnTorch Leaky (lif-golden.json)', () => {
  for (const [name, reset, expected] of cases) {
    it(`lifStep, reset ${name}`, () => {
      const cfg = lifConfig({ beta: 0.9, threshold: 1, reset })
      let mem: tf.Tensor = tf.zeros([1])
      const spk: number[] = []
      const mems: number[] = []
      for (let t = 0; t < STEPS; t++) {
        const out = lifStep(tf.tensor1d([INPUT]), mem, cfg)
        mem = out.mem
        spk.push(out.spikes.dataSync()[0])
        mems.push(mem.dataSync()[0])
      }
      expectMatches(spk, mems, expected)
    })

    it(`lifForward (host recurrence), reset ${name}`, () => {
      const out = lifForward(new Float32Array(STEPS).fill(INPUT), STEPS, lifConfig({ beta: 0.9, threshold: 1, reset }))
      expectMatches(out.spikes, out.mem, expected)
    })

    it(`lifSequence (fused op), reset ${name}`, () => {
      const out = lifSequence(tf.fill([STEPS, 1], INPUT), lifConfig({ beta: 0.9, threshold: 1, reset }))
      expectMatches(out.spikes.dataSync(), out.mem.dataSync(), expected)
    })
  }

  it('reset to zero has period 4 (spikes at t = 3, 7, 11)', () => {
    const out = lifForward(new Float32Array(STEPS).fill(INPUT), STEPS, lifConfig({ beta: 0.9, reset: 'zero' }))
    const at = Array.from(out.spikes).flatMap((s, t) => (s === 1 ? [t] : []))
    expect(at).toEqual([3, 7, 11])
  })

  it('the reset is delayed: t = 4 reports 0.9·1.20365 + 0.35 − 1, not the immediate-reset 0.533285', () => {
    const out = lifForward(new Float32Array(STEPS).fill(INPUT), STEPS, lifConfig({ beta: 0.9 }))
    expect(out.mem[4]).toBeCloseTo(0.433285, 6)
  })

  it('the threshold test is strict: U exactly θ does not spike', () => {
    const out = lifForward(new Float32Array([1, 0]), 2, lifConfig({ beta: 1, reset: 'subtract' }))
    expect(Array.from(out.spikes)).toEqual([0, 0])
    expect(Array.from(out.mem)).toEqual([1, 1])
  })

  it('rejects beta outside [0, 1] naming the field', () => {
    expect(() => lifConfig({ beta: 1.5 })).toThrow(expect.objectContaining({ code: 'SNN_BAD_CONFIG', location: { field: 'beta' } }))
  })
})
