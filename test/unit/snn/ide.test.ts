import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import type { AdjointSolver } from '../../../main/snn/index.js'
import { FeedbackNet, ideConfig, IDE_DEFAULTS, implicitGradients, initBackend, SeededRandom, solveAdjoint } from '../../../main/snn/index.js'

// The worked example of snn-methods.md §C.3/§C.4: W_s = [[0.5, −0.3], [0.2, 0.4]] ([out, in]),
// F·x̄ = [1.2, 0.6], V_th = 2, g = [1, −1].
const WS = [
  [0.5, -0.3],
  [0.2, 0.4],
]
const DRIVE = [1.2, 0.6]

/** σ_max of a 2×2 matrix from the eigenvalues of MᵀM (closed form, independent of the net's power iteration). */
function sigmaMax(m: number[][]): number {
  const [[a, b], [c, d]] = m
  const p = a * a + c * c
  const q = a * b + c * d
  const r = b * b + d * d
  return Math.sqrt((p + r) / 2 + Math.sqrt(((p - r) / 2) ** 2 + q * q))
}

/** A 2-2-2 feedback net whose input map is the identity and whose feedback weight is exactly W_s. */
function exampleNet(leak: number): FeedbackNet {
  const net = new FeedbackNet({ inputs: 2, hidden: 2, classes: 2 }, { threshold: 2, leak }, new SeededRandom(1))
  const [kernel, bias, direction, scale] = net.parameters.map((p) => p.variable)
  kernel.assign(tf.tensor2d([1, 0, 0, 1], [2, 2]))
  bias.assign(tf.zeros([2]))
  direction.assign(tf.tensor2d([WS[0][0], WS[1][0], WS[0][1], WS[1][1]], [2, 2])) // [in, out] = W_sᵀ
  for (let i = 0; i < 50; i++) net.powerIteration()
  scale.assign(tf.scalar(sigmaMax(WS)))
  return net
}

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync())
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`IDE building blocks on ${backend}`, () => {
    afterAll(() => tf.disposeVariables())

    it('the feedback weight is the example W_s (spectral-norm reparametrisation)', async () => {
      await initBackend(backend)
      const net = exampleNet(1)
      const w = net.feedbackWeight()
      expect(values(w)).toEqual([0.5, 0.2, -0.3, 0.4].map((v) => expect.closeTo(v, 5)))
      w.dispose()
      net.dispose()
    })

    it('the IF simulation gives the spec rates at T = 30, 100, 1000 and the equilibrium solve gives a*', async () => {
      await initBackend(backend)
      const net = exampleNet(1)
      const x = tf.tensor2d([DRIVE], [1, 2])
      const expected: [number, number[], number][] = [
        [30, [0.7, 0.43333], 4],
        [100, [0.7, 0.45], 4],
        [1000, [0.707, 0.463], 3],
      ]
      for (const [steps, rates, digits] of expected) {
        const { rates: a, xbar } = net.simulate({ kind: 'analog', x }, steps, null)
        expect(values(a)).toEqual(rates.map((v) => expect.closeTo(v, digits)))
        a.dispose()
        xbar.dispose()
      }
      const star = net.solveEquilibrium(x, null)
      expect(values(star)).toEqual([0.707317, 0.463415].map((v) => expect.closeTo(v, 5)))
      star.dispose()
      x.dispose()
      net.dispose()
    })

    it('the simulation does not keep tensors per step', async () => {
      await initBackend(backend)
      const net = exampleNet(0.95)
      const x = tf.tensor2d([DRIVE], [1, 2])
      const before = tf.memory().numTensors
      const { rates, xbar } = net.simulate({ kind: 'analog', x }, 200, null)
      expect(tf.memory().numTensors).toBe(before + 2)
      rates.dispose()
      xbar.dispose()
      x.dispose()
      net.dispose()
    })
  })
}

describe('IDE adjoint solvers (spec §C.4 unit-test vector)', () => {
  // J = W_s / V_th (both rates lie inside (0, 1), so the clamp's derivative is 1); vjp(β) = Jᵀβ.
  const vjp = (beta: Float32Array) =>
    Float32Array.of((WS[0][0] * beta[0] + WS[1][0] * beta[1]) / 2, (WS[0][1] * beta[0] + WS[1][1] * beta[1]) / 2)
  const g = Float32Array.of(1, -1)

  it.each(['broyden', 'damped'] as AdjointSolver[])('%s reaches the exact β = [1.138211, −1.463415] in 30 iterations', (solver) => {
    const s = solveAdjoint(vjp, g, 1, solver, 30)
    expect(Array.from(s.beta)).toEqual([1.138211, -1.463415].map((v) => expect.closeTo(v, 5)))
    expect(s.relativeResidual).toBeLessThan(1e-5)
  })

  it('Broyden converges in far fewer iterations than the damped iteration', () => {
    // a 2-D linear problem: good Broyden is exact after at most 2·d = 4 steps (Gay 1979)
    const broyden = solveAdjoint(vjp, g, 1, 'broyden', 4)
    const damped = solveAdjoint(vjp, g, 1, 'damped', 4)
    expect(broyden.relativeResidual).toBeLessThan(1e-6)
    expect(damped.relativeResidual).toBeGreaterThan(1e-3)
  })

  it("the coded 'iter' variant gives [0.537125, −0.600316]", () => {
    const s = solveAdjoint(vjp, g, 1, 'iter-code', 30)
    expect(Array.from(s.beta)).toEqual([0.537125, -0.600316].map((v) => expect.closeTo(v, 5)))
  })

  it('solves each sample of a batch independently', () => {
    const batchVjp = (beta: Float32Array) => Float32Array.from([...vjp(beta.subarray(0, 2)), ...vjp(beta.subarray(2, 4))])
    const s = solveAdjoint(batchVjp, Float32Array.of(1, -1, 2, -2), 2, 'broyden', 30)
    expect(Array.from(s.beta)).toEqual([1.138211, -1.463415, 2 * 1.138211, 2 * -1.463415].map((v) => expect.closeTo(v, 4)))
  })
})

describe('IDE config', () => {
  it('defaults are the spec §C.7 MNIST column', () => {
    expect(IDE_DEFAULTS).toMatchObject({
      steps: 30,
      threshold: 2,
      leak: 0.95,
      solver: 'broyden',
      solverIterations: 30,
      learningRate: 0.05,
      momentum: 0.9,
      weightDecay: 5e-4,
      learningRateMilestones: [30, 60, 90],
      epochs: 100,
      batchSize: 128,
      dropout: 0.2,
    })
  })

  it('names the bad field', () => {
    expect(() => ideConfig({ solver: 'newton' as AdjointSolver })).toThrow(/solver/)
    expect(() => ideConfig({ leak: 1.5 })).toThrow(/field 'leak'/)
    expect(() => ideConfig({ steps: 0 })).toThrow(/field 'steps'/)
    expect(() => ideConfig({ dropout: 1 })).toThrow(/field 'dropout'/)
  })
})

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`IDE implicit gradient on ${backend}`, () => {
    afterAll(() => tf.disposeVariables())

    it.each(['broyden', 'damped'] as AdjointSolver[])(
      'with %s equals central finite differences of the equilibrium loss (5-4-3 net, batch 2)',
      async (solver) => {
        await initBackend(backend)
        const net = new FeedbackNet({ inputs: 5, hidden: 4, classes: 3 }, { threshold: 2, leak: 0.95 }, new SeededRandom(5))
        net.powerIteration()
        net.parameters[3].variable.assign(tf.scalar(0.9)) // inside the clamp of g, away from its kink
        const rng = new SeededRandom(9)
        const x = tf.tensor2d(Float32Array.from({ length: 10 }, () => rng.uniform(0, 2)), [2, 5])
        const labels = [2, 0]
        // L(θ) = CE(classifier(a*(θ)), y) with a* the exact equilibrium, written independently of implicitGradients
        const equilibriumLoss = (): number =>
          tf.tidy(() => {
            const a = net.solveEquilibrium(x, null, 300)
            const logp = tf.logSoftmax(net.logits(a, null))
            return -tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(labels, 'int32'), 3))).dataSync()[0] / 2
          })
        const star = net.solveEquilibrium(x, null, 300)
        const result = implicitGradients(net, x, star, labels, solver, 30, null)
        star.dispose()
        expect(result.relativeResidual).toBeLessThan(1e-4)
        const eps = 1e-2
        let checked = 0
        for (const v of net.variables) {
          const analytic = result.grads[v.name].dataSync()
          const base = Float32Array.from(v.dataSync())
          for (let i = 0; i < base.length; i++) {
            const at = (delta: number) => {
              const w = Float32Array.from(base)
              w[i] += delta
              v.assign(tf.tensor(w, v.shape))
              return equilibriumLoss()
            }
            const numeric = (at(eps) - at(-eps)) / (2 * eps)
            v.assign(tf.tensor(base, v.shape))
            expect(Math.abs(analytic[i] - numeric)).toBeLessThanOrEqual(2e-3 + 1e-2 * Math.abs(numeric))
            checked++
          }
        }
        expect(checked).toBe(5 * 4 + 4 + 4 * 4 + 1 + 4 * 3 + 3)
        for (const t of Object.values(result.grads)) t.dispose()
        x.dispose()
        net.dispose()
      },
    )
  })
}
