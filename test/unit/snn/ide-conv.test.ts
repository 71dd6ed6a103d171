import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import type { AdjointSolver, ConvFeedbackShape } from '../../../main/snn/index.js'
import { TrainingConfig } from '../../../common/contract/schemas.js'
import { methodDefaults, toMethodConfig } from '../../../main/lab/training/training-service.js'
import { CONV_64C5S, ConvFeedbackNet, ideConfig, IDE_DEFAULTS, ideNetwork, implicitGradients, initBackend, SeededRandom } from '../../../main/snn/index.js'

/** A tiny 64C5s-shaped net: 6×6×1 input, k5 s2 p2 (→ 3×3), 2 channels, 3 classes. */
const TINY: ConvFeedbackShape = { height: 6, width: 6, inChannels: 1, channels: 2, kernel: 5, stride: 2, padding: 2, classes: 3 }

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync())
}

/** σ_max of a [rows, cols] row-major matrix by power iteration on MᵀM in float64 (independent of the net's). */
function sigmaMax(m: Float32Array, rows: number, cols: number): number {
  let v = Array.from({ length: cols }, (_, i) => 1 + i / cols)
  let sigma = 0
  for (let it = 0; it < 500; it++) {
    const mv = Array.from({ length: rows }, (_, r) => v.reduce((s, x, c) => s + m[r * cols + c] * x, 0))
    const mtmv = Array.from({ length: cols }, (_, c) => mv.reduce((s, x, r) => s + m[r * cols + c] * x, 0))
    const n = Math.hypot(...mtmv)
    sigma = Math.sqrt(n / Math.hypot(...v))
    v = mtmv.map((x) => x / n)
  }
  return sigma
}

describe('IDE conv (64C5s) architecture', () => {
  it('has the spec §C.6 MNIST sizes: 14×14×64 neurons (13K) and 229K parameters', async () => {
    await initBackend('cpu')
    const net = ideNetwork(ideConfig({ architecture: 'conv' }))
    expect(net.stateShape).toEqual([14, 14, 64])
    // the spec's neuron count includes the 784 input pixels: 12,544 + 784 = 13,328
    const neurons = net.stateShape.reduce((a, b) => a * b, 1) + 784
    expect(Math.round(neurons / 1000)).toBe(13)
    const params = net.parameters.reduce((s, p) => s + p.variable.size, 0)
    expect(Math.floor(params / 1000)).toBe(229)
    net.dispose()
  })

  it('maps the N-MNIST input 34×34×2 with k5 s2 p1 to 16×16 (spec §C.6)', async () => {
    await initBackend('cpu')
    const { height, width, inChannels, stride, padding } = CONV_64C5S.nmnist
    const net = ideNetwork(ideConfig({ architecture: 'conv', channels: 4 }), { height, width, channels: inChannels, stride, padding })
    expect(net.stateShape).toEqual([16, 16, 4])
    net.dispose()
  })

  it('the product config offers the architecture and channels and hands them to the method', () => {
    const defaults = methodDefaults('ide')
    expect(defaults).toMatchObject({ architecture: IDE_DEFAULTS.architecture, channels: 64 })
    const { config } = toMethodConfig(TrainingConfig.parse({ ...defaults, architecture: 'conv', channels: 8 }))
    expect(ideConfig(config as object)).toMatchObject({ architecture: 'conv', channels: 8 })
    expect(TrainingConfig.safeParse({ ...defaults, architecture: 'resnet' }).success).toBe(false)
    expect(TrainingConfig.safeParse({ ...defaults, channels: 0 }).success).toBe(false)
  })

  it('the config names a bad architecture or channel count', () => {
    expect(IDE_DEFAULTS.channels).toBe(64)
    expect(() => ideConfig({ architecture: 'resnet' as 'fc' })).toThrow(/field 'architecture'/)
    expect(() => ideConfig({ channels: 0 })).toThrow(/field 'channels'/)
  })
})

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`IDE conv building blocks on ${backend}`, () => {
    afterAll(() => tf.disposeVariables())

    it('the feedback kernel, reshaped to [k·k·C, C], has spectral norm |g| (§C.5)', async () => {
      await initBackend(backend)
      const net = new ConvFeedbackNet({ ...TINY, channels: 3 }, { threshold: 2, leak: 1 }, new SeededRandom(3))
      for (let i = 0; i < 100; i++) net.powerIteration()
      net.parameters[4].variable.assign(tf.scalar(-0.6)) // g
      const w = net.feedbackWeight()
      expect(w.shape).toEqual([5, 5, 3, 3])
      expect(sigmaMax(w.dataSync() as Float32Array, 5 * 5 * 3, 3)).toBeCloseTo(0.6, 4)
      net.parameters[4].variable.assign(tf.scalar(3)) // clamped to 1
      const clamped = net.feedbackWeight()
      expect(sigmaMax(clamped.dataSync() as Float32Array, 5 * 5 * 3, 3)).toBeCloseTo(1, 4)
      w.dispose()
      clamped.dispose()
      net.dispose()
    })

    it('constant spike frames give the analog rates; the simulation keeps no tensors per step', async () => {
      await initBackend(backend)
      const net = new ConvFeedbackNet(TINY, { threshold: 2, leak: 0.95 }, new SeededRandom(4))
      net.powerIteration()
      net.training = true
      const rng = new SeededRandom(8)
      const x = tf.tensor2d(Float32Array.from({ length: 2 * 36 }, () => (rng.next() < 0.4 ? 1 : 0)), [2, 36])
      const before = tf.memory().numTensors
      const analog = net.simulate({ kind: 'analog', x }, 200, null)
      expect(tf.memory().numTensors).toBe(before + 2)
      const spikes = net.simulate({ kind: 'spikes', batch: 2, frame: () => x.clone() }, 200, null)
      expect(values(spikes.xbar)).toEqual(values(x).map((v) => expect.closeTo(v, 5)))
      expect(values(spikes.rates)).toEqual(values(analog.rates).map((v) => expect.closeTo(v, 5)))
      expect(Math.max(...values(analog.rates))).toBeGreaterThan(0)
      for (const t of [analog.rates, analog.xbar, spikes.rates, spikes.xbar, x]) t.dispose()
      net.dispose()
    })

    it('BatchNorm uses the batch statistics in training and the running ones (momentum 0.1) in evaluation', async () => {
      await initBackend(backend)
      const net = new ConvFeedbackNet(TINY, { threshold: 2, leak: 1 }, new SeededRandom(5))
      const rng = new SeededRandom(6)
      const x = tf.tensor2d(Float32Array.from({ length: 3 * 36 }, () => rng.uniform(0, 1)), [3, 36])
      net.training = true
      const d = net.drive(x)
      // per channel over (B, H, W): mean β = 0 and variance 1 (biased), as γ = 1
      const { mean, variance } = tf.moments(d, [0, 1, 2])
      expect(values(mean)).toEqual([0, 0].map((v) => expect.closeTo(v, 4)))
      expect(values(variance)).toEqual([1, 1].map((v) => expect.closeTo(v, 3)))
      const sim = net.simulate({ kind: 'analog', x }, 3, null)
      const running = net.buffers.find((b) => b.name === 'input/bn/mean')?.variable as tf.Variable
      // conv(x) recomputed independently: the running mean after one update is 0.1·batch mean
      const convolved = tf.conv2d(tf.reshape(x, [3, 6, 6, 1]) as tf.Tensor4D, net.parameters[0].variable as tf.Tensor4D, 2, [[0, 0], [2, 2], [2, 2], [0, 0]])
      const batchMean = tf.mean(convolved, [0, 1, 2])
      expect(values(running)).toEqual(values(batchMean).map((v) => expect.closeTo(0.1 * v, 5)))
      // running variance: 0.9·1 + 0.1·(unbiased batch variance over n = 3·3·3 values per channel)
      const n = 3 * 3 * 3
      const runningVariance = tf.tidy(() => tf.add(0.9, tf.mul(0.1 * (n / (n - 1)), tf.moments(convolved, [0, 1, 2]).variance)))
      const expected = tf.tidy(() => tf.div(tf.sub(convolved, tf.mul(0.1, batchMean)), tf.sqrt(tf.add(runningVariance, 1e-5))))
      net.training = false
      const evalDrive = net.drive(x)
      expect(values(evalDrive)).toEqual(values(expected).map((v) => expect.closeTo(v, 4)))
      for (const t of [d, mean, variance, sim.rates, sim.xbar, convolved, batchMean, runningVariance, expected, evalDrive, x]) t.dispose()
      net.dispose()
    })
  })

  describe(`IDE conv implicit gradient on ${backend}`, () => {
    afterAll(() => tf.disposeVariables())

    it.each(['broyden', 'damped'] as AdjointSolver[])(
      'with %s equals central finite differences of the equilibrium loss (6×6 → 3×3×2 conv net, batch 2, BN in training mode)',
      async (solver) => {
        await initBackend(backend)
        const net = new ConvFeedbackNet(TINY, { threshold: 2, leak: 0.95 }, new SeededRandom(11))
        net.training = true
        net.powerIteration()
        const params = Object.fromEntries(net.parameters.map((p) => [p.name, p.variable]))
        params['feedback/scale'].assign(tf.scalar(0.7)) // inside the clamp of g, away from its kink
        params['input/bn/gamma'].assign(tf.tensor1d([1.5, 2])) // wide drive: some neurons saturate, many do not
        params['input/bn/beta'].assign(tf.tensor1d([0.8, 1]))
        const rng = new SeededRandom(12)
        const x = tf.tensor2d(Float32Array.from({ length: 72 }, () => rng.uniform(0, 1)), [2, 36])
        const labels = [2, 0]
        // L(θ) = CE(classifier(a*(θ)), y), a* the exact equilibrium, written independently of implicitGradients
        const equilibriumLoss = (): number =>
          tf.tidy(() => {
            const a = net.solveEquilibrium(x, null, 200)
            const logp = tf.logSoftmax(net.logits(a, null))
            return -tf.sum(tf.mul(logp, tf.oneHot(tf.tensor1d(labels, 'int32'), 3))).dataSync()[0] / 2
          })
        const star = net.solveEquilibrium(x, null, 200)
        // a* is a fixed point (the map is a contraction here)
        const again = tf.tidy(() => net.equilibriumMap(star, net.drive(x), net.feedbackWeight(), null))
        expect(Math.max(...values(tf.abs(tf.sub(again, star))))).toBeLessThan(1e-6)
        again.dispose()
        const inside = values(star).filter((v) => v > 0 && v < 1).length
        expect(inside).toBeGreaterThan(6) // J is not trivially zero
        const result = implicitGradients(net, x, star, labels, solver, 30, null)
        star.dispose()
        expect(result.relativeResidual).toBeLessThan(1e-4)
        const eps = 2e-3
        let checked = 0
        for (const v of net.variables) {
          const analytic = result.grads[v.name].dataSync()
          const base = Float32Array.from(v.dataSync())
          // every entry of the small tensors, every 4th of the kernels and the classifier (runtime)
          const stride = base.length > 20 ? 4 : 1
          for (let i = 0; i < base.length; i += stride) {
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
        // input kernel 50, γ 2, β 2, feedback kernel 100, g 1, classifier 54 + 3
        expect(checked).toBe(13 + 2 + 2 + 25 + 1 + 14 + 3)
        for (const t of Object.values(result.grads)) t.dispose()
        x.dispose()
        net.dispose()
      },
    )
  })
}
