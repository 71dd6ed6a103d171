import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import type { VdibConfig } from '../../../main/snn/index.js'
import {
  initBackend,
  patternCount,
  patternIndex,
  predictiveCodingSequence,
  raisedCosineBasis,
  SeededRandom,
  SnnSgd,
  SpikeWindow,
  VDIB_DEFAULTS,
  vdibConfig,
  VdibDecoder,
  VdibEncoder,
  vdibModel,
} from '../../../main/snn/index.js'

describe('predictive-coding data (drifting blobs)', () => {
  it('indexes the 210 one- and two-neuron patterns of 20 neurons one to one', () => {
    expect(patternCount(20)).toBe(20 + (20 * 19) / 2)
    const seen = new Set<number>()
    for (let i = 0; i < 20; i++) for (let j = i; j < 20; j++) seen.add(patternIndex(i, j, 20))
    expect(seen.size).toBe(210)
    expect(Math.min(...seen)).toBe(0)
    expect(Math.max(...seen)).toBe(209)
    expect(patternIndex(7, 3, 20)).toBe(patternIndex(3, 7, 20))
  })

  it('every frame is the union of two blobs, targets are the frames δ steps later, and the seed fixes the sequence', () => {
    const T = 200
    const a = predictiveCodingSequence(20, T, 3, new SeededRandom(4))
    for (let t = 0; t < T; t++) {
      const active = Array.from(a.inputs.subarray(t * 20, (t + 1) * 20)).reduce((s, v) => s + v, 0)
      expect(active === 1 || active === 2).toBe(true)
    }
    for (let t = 0; t + 3 < T; t++) expect(a.targets.subarray(t * 20, (t + 1) * 20)).toEqual(a.inputs.subarray((t + 3) * 20, (t + 4) * 20))
    for (let t = 0; t < T; t++) {
      const on = [...a.targets.subarray(t * 20, (t + 1) * 20).keys()].filter((i) => a.targets[t * 20 + i] === 1)
      expect(a.targetPatterns[t]).toBe(patternIndex(on[0], on.at(-1) as number, 20))
    }
    const b = predictiveCodingSequence(20, T, 3, new SeededRandom(4))
    expect(b.inputs).toEqual(a.inputs)
    // the blobs drift: consecutive frames differ often, and many of the 20 neurons take part
    let changes = 0
    for (let t = 1; t < T; t++) if (a.targetPatterns[t] !== a.targetPatterns[t - 1]) changes++
    expect(changes).toBeGreaterThan(T / 4)
    const used = new Set<number>()
    for (let i = 0; i < a.inputs.length; i++) if (a.inputs[i]) used.add(i % 20)
    expect(used.size).toBeGreaterThanOrEqual(8)
  })

  it('a past target (δ < 0) is the frame |δ| steps earlier', () => {
    const s = predictiveCodingSequence(20, 50, -2, new SeededRandom(1))
    for (let t = 2; t < 50; t++) expect(s.targets.subarray(t * 20, (t + 1) * 20)).toEqual(s.inputs.subarray((t - 2) * 20, (t - 1) * 20))
  })
})

describe('raised-cosine basis', () => {
  it('K = 8 over τ = 10: values in [0, 1], the first function peaks at lag 0 and the last at lag τ − 1', () => {
    const basis = raisedCosineBasis(8, 10, 0.5)
    expect(basis.length).toBe(80)
    for (const v of basis) expect(v >= 0 && v <= 1).toBe(true)
    expect(basis[0]).toBeCloseTo(1, 12)
    expect(basis[7 * 10 + 9]).toBeCloseTo(1, 12)
    // ½(1 + cos(clip(ln(l + 1)·0.5·π/Δ, −π, π))) with Δ = ln 10 / 7, evaluated by hand for k = 0, l = 1
    const delta = Math.log(10) / 7
    expect(basis[1]).toBeCloseTo(0.5 * (1 + Math.cos(Math.min(Math.PI, (Math.log(2) * 0.5 * Math.PI) / delta))), 12)
  })
})

describe('spike window', () => {
  it('time decoding reads the last τ_d vectors oldest first; rate decoding their sum', () => {
    const w = new SpikeWindow(3, 2)
    for (const s of [[1, 0], [0, 1], [1, 1], [0, 0]]) w.push(s)
    const time = new Float32Array(6)
    w.write('time', time)
    expect(Array.from(time)).toEqual([0, 1, 1, 1, 0, 0])
    const rate = new Float32Array(2)
    w.write('rate', rate)
    expect(Array.from(rate)).toEqual([1, 2])
  })
})

describe('SNNSGD', () => {
  it('follows the §A.4 update with and without the baseline', () => {
    const param = () => ({ name: 'w', shape: [2], value: Float32Array.of(1, 2), grad: new Float32Array(2) })
    const plain = param()
    const withBaseline = param()
    const a = new SnnSgd([plain], { learningRate: 0.1, dampening: 0.25, baseline: false })
    const b = new SnnSgd([withBaseline], { learningRate: 0.1, dampening: 0.25, baseline: true })
    for (const [p, opt] of [[plain, a], [withBaseline, b]] as const) {
      p.grad.set([0.5, -1])
      opt.step(2)
      p.grad.set([1, 0])
      opt.step(4)
    }
    // without baseline: ℓ̄ = 2, then 0.25·2 + 0.75·4 = 3.5
    expect(plain.value[0]).toBeCloseTo(1 - 0.1 * 0.5 * 2 - 0.1 * 1 * 3.5, 6)
    expect(plain.value[1]).toBeCloseTo(2 + 0.1 * 2, 6)
    // with baseline, step 1: b = g²ℓ̄/g² = ℓ̄ → no move; step 2 (element 0): N = .25·.25·2 + .75·1·3.5, D = .25·.25 + .75·1
    const n = 0.25 * 0.25 * 2 + 0.75 * 3.5
    const d = 0.25 * 0.25 + 0.75
    expect(withBaseline.value[0]).toBeCloseTo(1 - 0.1 * 1 * (3.5 - n / d), 6)
    expect(withBaseline.value[1]).toBeCloseTo(2, 6)
  })
})

describe('VDIB config', () => {
  it('defaults are the predictive-coding script of §A.6; the reconstruction task fills its own', () => {
    expect(VDIB_DEFAULTS).toMatchObject({ readout: 10, windowSteps: 5, steps: 100, decoder: 'linear', learningRate: 0.01, beta: 1, priorRate: 0.2, dampening: 0.01 })
    expect(VDIB_DEFAULTS.epochs * VDIB_DEFAULTS.examplesPerEpoch).toBe(50_000)
    const r = vdibConfig({ task: 'mnist-reconstruction' })
    expect(r).toMatchObject({ hidden: [600], readout: 256, windowSteps: 30, steps: 30, decoder: 'mlp', learningRate: 1e-3, beta: 1e-3, priorRate: 0.3 })
    expect(r.epochs * r.examplesPerEpoch).toBe(200_000)
  })

  it('names the bad field', () => {
    expect(() => vdibConfig({ decoding: 'count' as VdibConfig['decoding'] })).toThrow(/field 'decoding'/)
    expect(() => vdibConfig({ windowSteps: 100 })).toThrow(/field 'windowSteps'/)
    expect(() => vdibConfig({ priorRate: 1 })).toThrow(/field 'priorRate'/)
    expect(() => vdibConfig({ task: 'cifar' as VdibConfig['task'] })).toThrow(/field 'task'/)
  })
})

describe('VDIB encoder gradient', () => {
  it('the accumulated readout score equals finite differences of Σ_t KL_t for the sampled spikes', () => {
    const shape = { inputs: 6, hidden: [5], readout: 3, feedforwardBasis: 3, feedbackBasis: 1, filterMemory: 4, basisWidth: 0.5 }
    const encoder = new VdibEncoder(shape, 0.2, new SeededRandom(2))
    const rng = new SeededRandom(3)
    const T = 12
    const inputs = Array.from({ length: T }, () => Float32Array.from({ length: 6 }, () => (rng.next() < 0.5 ? 1 : 0)))
    // hidden weights large enough that the hidden layer spikes and feeds the readout
    const hiddenWeight = encoder.parameters[0].value
    for (let i = 0; i < hiddenWeight.length; i++) hiddenWeight[i] = rng.uniform(-0.02, 0.03)
    encoder.reset()
    encoder.zeroGrad()
    const recorded: Float32Array[] = []
    let kl = 0
    for (const x of inputs) {
      const step = encoder.step(x, rng, 1 / T)
      recorded.push(Float32Array.from(step.spikes))
      kl += step.kl / T
    }
    expect(recorded.some((s) => s.some((v) => v === 1))).toBe(true)
    const replay = (): number => {
      encoder.reset()
      let sum = 0
      inputs.forEach((x, t) => (sum += encoder.step(x, rng, 0, recorded[t]).kl / T))
      return sum
    }
    expect(replay()).toBeCloseTo(kl, 12)
    const readoutParams = encoder.parameters.slice(2)
    expect(readoutParams.map((p) => p.name)).toEqual(['readout/weight', 'readout/feedback', 'readout/bias'])
    const eps = 1e-3
    let checked = 0
    let nonzero = 0
    for (const p of readoutParams) {
      for (let i = 0; i < p.value.length; i++) {
        const base = p.value[i]
        p.value[i] = base + eps
        const up = replay()
        p.value[i] = base - eps
        const down = replay()
        p.value[i] = base
        const numeric = (up - down) / (2 * eps)
        expect(Math.abs(p.grad[i] - numeric)).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(numeric))
        if (Math.abs(numeric) > 1e-3) nonzero++
        checked++
      }
    }
    expect(checked).toBe(3 * 5 * 3 + 3 + 3)
    expect(nonzero).toBeGreaterThan(checked / 3)
  })
})

describe('VDIB encoder initialisation and DFA', () => {
  it('the readout draws w, v and b from U(±a), a the Xavier bound of the [N, J, K] weight (kclip/snn SNNLayer)', () => {
    const shape = { inputs: 20, hidden: [], readout: 10, feedforwardBasis: 8, feedbackBasis: 1, filterMemory: 10, basisWidth: 0.5 }
    const encoder = new VdibEncoder(shape, 0.2, new SeededRandom(1))
    const a = Math.sqrt(6 / (20 * 8 + 10 * 8))
    for (const p of encoder.parameters) {
      const largest = Math.max(...Array.from(p.value, Math.abs))
      expect(largest, p.name).toBeLessThanOrEqual(a)
      expect(largest, p.name).toBeGreaterThan(a / 2)
    }
  })

  it('the hidden layers receive e·B unscaled (the hook replaces the gradient), the readout the scaled score', () => {
    const shape = { inputs: 6, hidden: [5], readout: 3, feedforwardBasis: 3, feedbackBasis: 1, filterMemory: 4, basisWidth: 0.5 }
    const run = (learnScale: number) => {
      const encoder = new VdibEncoder(shape, 0.2, new SeededRandom(2))
      const hiddenWeight = encoder.parameters[0].value
      const init = new SeededRandom(9)
      for (let i = 0; i < hiddenWeight.length; i++) hiddenWeight[i] = init.uniform(-0.002, 0.003)
      const rng = new SeededRandom(3)
      encoder.reset()
      encoder.zeroGrad()
      for (let t = 0; t < 12; t++) encoder.step(Float32Array.from({ length: 6 }, () => (rng.next() < 0.5 ? 1 : 0)), rng, learnScale)
      return encoder.parameters.map((p) => Float32Array.from(p.grad))
    }
    const one = run(1)
    const tenth = run(0.1)
    // hidden weight and bias: identical; readout: a tenth
    expect(one[0].some((g) => g !== 0)).toBe(true)
    expect(Array.from(tenth[0])).toEqual(Array.from(one[0]))
    expect(Array.from(tenth[1])).toEqual(Array.from(one[1]))
    for (let k = 2; k < one.length; k++) {
      expect(one[k].some((g) => g !== 0)).toBe(true)
      one[k].forEach((g, i) => expect(tenth[k][i]).toBeCloseTo(g / 10, 6))
    }
  })
})

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`VDIB decoder on ${backend}`, () => {
    afterAll(() => tf.disposeVariables())

    it('the MLP/BCE decoder gradient matches central finite differences', async () => {
      await initBackend(backend)
      const rng = new SeededRandom(6)
      const decoder = new VdibDecoder({ kind: 'mlp', inputs: 4, hidden: 3, outputs: 5, output: 'sigmoid' }, 1e-3, rng)
      const z = tf.tensor2d(Float32Array.from({ length: 8 }, () => (rng.next() < 0.5 ? 1 : 0)), [2, 4])
      const y = tf.tensor2d(Float32Array.from({ length: 10 }, () => rng.next()), [2, 5])
      const loss = () => tf.tidy(() => decoder.loss(z, y).dataSync()[0])
      const { grads } = tf.variableGrads(() => decoder.loss(z, y), decoder.variables)
      const eps = 1e-2
      let checked = 0
      for (const v of decoder.variables) {
        const analytic = grads[v.name].dataSync()
        const base = Float32Array.from(v.dataSync())
        for (let i = 0; i < base.length; i++) {
          const at = (d: number) => {
            const w = Float32Array.from(base)
            w[i] += d
            v.assign(tf.tensor(w, v.shape))
            return loss()
          }
          const numeric = (at(eps) - at(-eps)) / (2 * eps)
          v.assign(tf.tensor(base, v.shape))
          expect(Math.abs(analytic[i] - numeric)).toBeLessThanOrEqual(2e-3 + 1e-2 * Math.abs(numeric))
          checked++
        }
      }
      expect(checked).toBe(4 * 3 + 3 + 3 * 5 + 5)
      decoder.dispose()
    })

    it('the host linear decoder takes the same Adam steps as the tfjs one', async () => {
      await initBackend(backend)
      const config = vdibConfig({ backend, readout: 4, windowSteps: 2, inputNeurons: 5 })
      const host = vdibModel(config, 5).decoder
      const onTf = new VdibDecoder(host.shape, config.learningRate, new SeededRandom(config.seed))
      // VdibDecoder drew its weights from a fresh stream; align them with the host decoder's
      const [w, b] = host.snapshot()
      onTf.variables[0].assign(tf.tensor(new Float32Array(w.data), [...w.shape]))
      onTf.variables[1].assign(tf.tensor(new Float32Array(b.data), [...b.shape]))
      const rng = new SeededRandom(8)
      for (let k = 0; k < 5; k++) {
        const z = Float32Array.from({ length: 8 }, () => (rng.next() < 0.4 ? 1 : 0))
        const target = rng.int(15)
        const a = host.trainExample(z, target)
        const c = onTf.trainExample(z, target)
        expect(a.loss).toBeCloseTo(c.loss, 4)
        expect(a.predicted).toBe(c.predicted)
      }
      const after = host.snapshot()
      expect(Array.from(new Float32Array(after[0].data))).toEqual(Array.from(onTf.variables[0].dataSync()).map((v) => expect.closeTo(v, 4)))
      onTf.dispose()
    })
  })
}
