import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import type { VdibConfig } from '../../../main/snn/index.js'
import { initBackend, raisedCosineBasis, SeededRandom, SnnSgd, SpikeWindow, vdibConfig, VdibDecoder, vdibModel } from '../../../main/snn/index.js'
import type { PredictiveStepView, VdibTrainer } from '../../../main/snn/methods/vdib.js'
import { trainPredictiveCodingSequence } from '../../../main/snn/methods/vdib.js'
import { HostLinearDecoder } from '../../../main/snn/methods/vdib/host-linear-decoder.js'

/**
 * The predictive-coding task trains entirely on the host, with hand-derived gradients (VDIB encoder
 * readout, linear log-softmax decoder, SNNSGD, Adam). Here the same model is written with tfjs ops and
 * trained with tfjs autodiff from the same weights and the same random streams, in lockstep: at every
 * step the spikes, KL, decoder loss and every gradient must agree, and so must the weights at the end.
 *
 * The tfjs model follows §A.2/§A.3 directly:
 *   trace[j, k] = Σ_l basis_k(l)·x_j[t−l],   fb[i, k] = Σ_l g_k(l)·s_i[t−1−l]
 *   u_i = Σ_jk W[i, j, k]·trace[j, k] + Σ_k V[i, k]·fb[i, k] + b_i,  p = σ(u),  s ~ Bernoulli(p)
 *   KL_t = mean_i [s·log(p/r) + (1 − s)·log((1 − p)/(1 − r))]      (its autodiff gradient is the score)
 *   DEC = −log_softmax(z·W_d + b_d)[target]
 *   encoder: ℓ̄ ← κ·ℓ̄ + (1 − κ)·(DEC + β·KL_t),  θ ← θ − lr·ℓ̄·∂KL_t/∂θ;   decoder: Adam on DEC
 */
const TOLERANCE = 1e-5

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length)
  for (let i = 0; i < actual.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(TOLERANCE * (1 + Math.abs(expected[i])))
  }
}

/** The readout of §A.2 on tfjs variables; histories are kept here, the arithmetic is tensor ops. */
class TensorReadout {
  readonly w: tf.Variable
  readonly v: tf.Variable
  readonly b: tf.Variable
  private readonly ffBasis: tf.Tensor2D
  private readonly fbBasis: tf.Tensor2D
  /** inputs[l] = x[t−l], outputs[l] = s[t−1−l], l = 0..τ−1 */
  private inputs: number[][] = []
  private outputs: number[][] = []
  private lastSpikes: number[]

  constructor(
    private readonly config: VdibConfig,
    weights: { w: Float32Array; v: Float32Array; b: Float32Array },
  ) {
    const { inputNeurons: J, readout: N, feedforwardBasis: K, feedbackBasis: KF, filterMemory: tau, basisWidth } = config
    this.w = tf.variable(tf.tensor3d(weights.w, [N, J, K]))
    this.v = tf.variable(tf.tensor2d(weights.v, [N, KF]))
    this.b = tf.variable(tf.tensor1d(weights.b))
    // [τ, K]: column k is basis function k over the lags
    this.ffBasis = tf.transpose(tf.tensor2d(Float32Array.from(raisedCosineBasis(K, tau, basisWidth)), [K, tau]))
    this.fbBasis = tf.transpose(tf.tensor2d(Float32Array.from(raisedCosineBasis(KF, tau, basisWidth)), [KF, tau]))
    this.lastSpikes = new Array<number>(N).fill(0)
    this.reset()
  }

  reset(): void {
    const { inputNeurons: J, readout: N, filterMemory: tau } = this.config
    this.inputs = Array.from({ length: tau }, () => new Array<number>(J).fill(0))
    this.outputs = Array.from({ length: tau }, () => new Array<number>(N).fill(0))
    this.lastSpikes = new Array<number>(N).fill(0)
  }

  /** Advances the histories to step t with input x and returns u as a function of the variables. */
  advance(x: ArrayLike<number>): () => tf.Tensor1D {
    const { inputNeurons: J, readout: N, filterMemory: tau } = this.config
    this.outputs = [this.lastSpikes, ...this.outputs.slice(0, tau - 1)]
    this.inputs = [Array.from(x), ...this.inputs.slice(0, tau - 1)]
    // [J, τ] and [N, τ], column l = lag l
    const xHistory = tf.tensor2d(Array.from({ length: J }, (_, j) => this.inputs.map((frame) => frame[j])))
    const sHistory = tf.tensor2d(Array.from({ length: N }, (_, i) => this.outputs.map((frame) => frame[i])))
    const trace = tf.matMul(xHistory, this.ffBasis) // [J, K]
    const feedback = tf.matMul(sHistory, this.fbBasis) // [N, K_fb]
    return () => tf.add(tf.add(tf.sum(tf.mul(this.w, tf.expandDims(trace, 0)), [1, 2]), tf.sum(tf.mul(this.v, feedback), 1)), this.b) as tf.Tensor1D
  }

  /** One step: u, p = σ(u), Bernoulli draws from `rng` (the same stream as the host's). */
  step(x: ArrayLike<number>, rng: SeededRandom): { spikes: number[]; potential: () => tf.Tensor1D } {
    const potential = this.advance(x)
    const p = tf.tidy(() => tf.sigmoid(potential())).dataSync()
    this.lastSpikes = Array.from(p, (pi) => (rng.next() < pi ? 1 : 0))
    return { spikes: this.lastSpikes, potential }
  }

  /** KL_t for the drawn spikes and its gradient by autodiff. */
  klAndGradients(potential: () => tf.Tensor1D, spikes: number[], r: number): { kl: number; grads: Float32Array[] } {
    const s = tf.tensor1d(spikes)
    // log σ(u) = −softplus(−u), log(1 − σ(u)) = −softplus(u)
    const f = () => {
      const u = potential()
      const fire = tf.sub(tf.neg(tf.softplus(tf.neg(u))), Math.log(r))
      const silent = tf.sub(tf.neg(tf.softplus(u)), Math.log(1 - r))
      return tf.mean(tf.add(tf.mul(s, fire), tf.mul(tf.sub(1, s), silent))) as tf.Scalar
    }
    const { value, grads } = tf.variableGrads(f, [this.w, this.v, this.b])
    return { kl: value.dataSync()[0], grads: [this.w, this.v, this.b].map((v) => grads[v.name].dataSync() as Float32Array) }
  }
}

describe.each(['time', 'rate'] as const)('host predictive-coding step vs tfjs autodiff (%s decoding)', (decoding) => {
  afterAll(() => tf.disposeVariables())

  it('same spikes, KL, decoder loss and every gradient at each step of two sequences, and the same weights after', async () => {
    await initBackend('cpu')
    const config = vdibConfig({ backend: 'cpu', decoding, seed: 5, steps: 14 })
    const { encoder, decoder } = vdibModel(config, config.inputNeurons)
    expect(decoder).toBeInstanceOf(HostLinearDecoder)
    const hostDecoder = decoder as HostLinearDecoder
    const trainer: VdibTrainer = {
      encoder,
      decoder,
      sgd: new SnnSgd(encoder.parameters, { learningRate: config.learningRate, dampening: config.dampening, baseline: config.baseline }),
      window: new SpikeWindow(config.windowSteps, config.readout),
      spikeRng: new SeededRandom(77),
    }
    const [w, v, b] = encoder.parameters.map((p) => Float32Array.from(p.value))
    const readout = new TensorReadout(config, { w, v, b })
    const tfDecoder = new VdibDecoder(decoder.shape, config.learningRate, new SeededRandom(0))
    const [kernel, bias] = decoder.snapshot()
    tfDecoder.variables[0].assign(tf.tensor(new Float32Array(kernel.data), [...kernel.shape]))
    tfDecoder.variables[1].assign(tf.tensor(new Float32Array(bias.data), [...bias.shape]))
    const rng = new SeededRandom(77) // the tfjs side draws its spikes from a copy of the host's stream
    const frames: number[][] = []
    let signal: number | null = null
    let decodedSteps = 0
    let spikeCount = 0

    const observe = (view: PredictiveStepView): void => tf.tidy(() => observeStep(view))
    const observeStep = (view: PredictiveStepView): void => {
      if (view.t === 0) {
        // the host ran τ + 1 warm-up steps on zero input after a reset
        readout.reset()
        for (let k = 0; k <= config.filterMemory; k++) readout.step(new Array<number>(config.inputNeurons).fill(0), rng)
        frames.length = 0
      }
      const { spikes, potential } = readout.step(view.input, rng)
      expect(Array.from(view.spikes), `spikes at t = ${view.t}`).toEqual(spikes)
      spikeCount += spikes.reduce((s, x) => s + x, 0)
      frames.push(spikes)
      const { kl, grads } = readout.klAndGradients(potential, spikes, config.priorRate)
      expect(Math.abs(view.kl - kl)).toBeLessThanOrEqual(TOLERANCE)
      if (!view.decoded) return
      decodedSteps++
      // decoder input from the tfjs side's own spikes: last τ_d frames oldest first, or their sum
      const window = frames.slice(-config.windowSteps)
      const z = decoding === 'time' ? window.flat() : window[0].map((_, i) => window.reduce((s, f) => s + f[i], 0))
      expect(Array.from(view.decoded.z)).toEqual(z)
      // encoder: the host accumulated ∂KL_t/∂θ
      encoder.parameters.forEach((p, k) => expectClose(p.grad, grads[k], `${p.name} gradient at t = ${view.t}`))
      // decoder: loss, prediction and gradient
      const host = hostDecoder.gradients(view.decoded.z, view.decoded.target)
      const zt = tf.tensor2d(z, [1, z.length])
      const target = tf.tensor1d([view.decoded.target], 'int32')
      const { value, grads: decoderGrads } = tf.variableGrads(() => tfDecoder.loss(zt, target), tfDecoder.variables)
      const dec = value.dataSync()[0]
      expect(Math.abs(host.loss - dec)).toBeLessThanOrEqual(TOLERANCE * (1 + dec))
      expectClose(host.weight, decoderGrads[tfDecoder.variables[0].name].dataSync(), `decoder kernel gradient at t = ${view.t}`)
      expectClose(host.bias, decoderGrads[tfDecoder.variables[1].name].dataSync(), `decoder bias gradient at t = ${view.t}`)
      // the tfjs side steps: Adam on DEC (VdibDecoder), SNNSGD on the encoder (written out here)
      const { predicted } = tfDecoder.trainExample(Float32Array.from(z), view.decoded.target)
      expect(host.predicted).toBe(predicted)
      const l = dec + config.beta * kl
      signal = signal === null ? l : config.dampening * signal + (1 - config.dampening) * l
      const ls = signal
      ;[readout.w, readout.v, readout.b].forEach((variable, k) => variable.assign(tf.tidy(() => tf.sub(variable, tf.mul(tf.tensor(grads[k], variable.shape), config.learningRate * ls)))))
    }

    const dataRng = new SeededRandom(3)
    for (let sequence = 0; sequence < 2; sequence++) trainPredictiveCodingSequence(config, trainer, dataRng, undefined, observe)
    expect(decodedSteps).toBe(2 * (config.steps - config.windowSteps))
    // the check is only meaningful if the readout both fired and stayed silent
    expect(spikeCount).toBeGreaterThan(0)
    expect(spikeCount).toBeLessThan(2 * (config.steps + config.filterMemory + 1) * config.readout)
    // after 18 updates of both optimisers the weights still agree
    const tfWeights = [readout.w, readout.v, readout.b].map((x) => x.dataSync())
    encoder.parameters.forEach((p, k) => expectClose(p.value, tfWeights[k], `${p.name} after training`))
    const after = decoder.snapshot()
    expectClose(new Float32Array(after[0].data), tfDecoder.variables[0].dataSync(), 'decoder kernel after training')
    expectClose(new Float32Array(after[1].data), tfDecoder.variables[1].dataSync(), 'decoder bias after training')
    // and they moved
    expect(Math.max(...Array.from(encoder.parameters[2].value, (x, i) => Math.abs(x - b[i])))).toBeGreaterThan(1e-3)
    tfDecoder.dispose()
  })
})
