import type { CheckpointTensor } from '../../checkpoint.js'
import type { SeededRandom } from '../../random.js'
import { raisedCosineBasis } from './basis.js'

/**
 * The VDIB encoding SNN (spec snn-methods.md §A.2), on the host: deterministic LIF hidden layers with
 * DECOLLE-style traces trained by direct feedback alignment, and a probabilistic GLM readout. Every
 * update is local in time (no BPTT), so an example needs O(τ) memory, and batch size is 1 (the
 * reference mode). Weights are [out, in] row-major.
 */
export interface EncoderShape {
  readonly inputs: number
  readonly hidden: readonly number[]
  readonly readout: number
  /** K_ff, K_fb: basis functions of the feed-forward and feedback filters. */
  readonly feedforwardBasis: number
  readonly feedbackBasis: number
  /** τ: filter memory in steps. */
  readonly filterMemory: number
  /** μ: width of the raised cosines. */
  readonly basisWidth: number
}

/** A host-side trainable tensor and its accumulated gradient. */
export interface HostParameter {
  readonly name: string
  readonly shape: readonly number[]
  readonly value: Float32Array
  readonly grad: Float32Array
}

function hostParameter(name: string, shape: number[], value: Float32Array): HostParameter {
  return { name, shape, value, grad: new Float32Array(value.length) }
}

function uniform(size: number, bound: number, rng: SeededRandom): Float32Array {
  const v = new Float32Array(size)
  for (let i = 0; i < size; i++) v[i] = rng.uniform(-bound, bound)
  return v
}

const BETA_S = 0.85
const ALPHA = 0.9
const ALPHA_RP = 0.65
const TAU_S = 1 / (1 - BETA_S)
const TAU_M = 1 / (1 - ALPHA)
/**
 * The traces amplify a steady input rate r to P ≈ τ_s·τ_m·r/((1 − β_s)(1 − α)) ≈ 4444·r, so hidden
 * weights start at U(±1/(250·√fan_in)) (DECOLLE's init scale) to keep U near the threshold at 0.
 */
const HIDDEN_INIT_SCALE = 1 / 250

/**
 * Q[t] = β_s·Q[t−1] + τ_s·S_in[t];  P[t] = α·P[t−1] + τ_m·Q[t−1];  R[t] = α_rp·R[t−1] − S[t−1]
 * U[t] = W·P[t] + b + R[t];  S[t] = H(U[t]), H(0) = 1.  Backward (DFA): δU = (Bᵀe) ⊙ 1[−0.5 < U ≤ 0.5], ∂U/∂W = P.
 */
class HiddenLayer {
  readonly weight: HostParameter
  readonly bias: HostParameter
  /** Fixed random feedback matrix B [readout, units] of direct feedback alignment. */
  readonly feedback: Float32Array
  private readonly q: Float64Array
  private readonly p: Float64Array
  private readonly r: Float64Array
  readonly u: Float64Array
  readonly s: Float32Array

  constructor(
    readonly inputs: number,
    readonly units: number,
    readonly readout: number,
    name: string,
    rng: SeededRandom,
  ) {
    const bound = HIDDEN_INIT_SCALE / Math.sqrt(inputs)
    this.weight = hostParameter(`${name}/weight`, [units, inputs], uniform(units * inputs, bound, rng))
    this.bias = hostParameter(`${name}/bias`, [units], uniform(units, bound, rng))
    // torch.nn.init.kaiming_uniform_ of a [readout, units] tensor: U(±√(6/units))
    this.feedback = uniform(readout * units, Math.sqrt(6 / units), rng)
    this.q = new Float64Array(inputs)
    this.p = new Float64Array(inputs)
    this.r = new Float64Array(units)
    this.u = new Float64Array(units)
    this.s = new Float32Array(units)
  }

  reset(): void {
    for (const a of [this.q, this.p, this.r, this.u, this.s]) a.fill(0)
  }

  step(input: Float32Array): Float32Array {
    const { q, p, r, u, s, inputs, units } = this
    for (let j = 0; j < inputs; j++) {
      p[j] = ALPHA * p[j] + TAU_M * q[j]
      q[j] = BETA_S * q[j] + TAU_S * input[j]
    }
    const w = this.weight.value
    const b = this.bias.value
    for (let i = 0; i < units; i++) {
      r[i] = ALPHA_RP * r[i] - s[i]
      let acc = b[i] + r[i]
      const row = i * inputs
      for (let j = 0; j < inputs; j++) if (p[j] !== 0) acc += w[row + j] * p[j]
      u[i] = acc
      s[i] = acc >= 0 ? 1 : 0
    }
    return s
  }

  /** Adds the DFA update for readout error `e` (scaled by `scale`) at the current step. */
  accumulate(e: Float64Array, scale: number): void {
    const { p, u, inputs, units, readout, feedback } = this
    const gw = this.weight.grad
    const gb = this.bias.grad
    for (let i = 0; i < units; i++) {
      if (!(u[i] > -0.5 && u[i] <= 0.5)) continue
      let delta = 0
      for (let n = 0; n < readout; n++) delta += feedback[n * units + i] * e[n]
      delta *= scale
      if (delta === 0) continue
      gb[i] += delta
      const row = i * inputs
      for (let j = 0; j < inputs; j++) if (p[j] !== 0) gw[row + j] += delta * p[j]
    }
  }
}

/**
 * u_i[t] = Σ_j Σ_k w_ijk·(Σ_l h_k[l]·x_j[t−l]) + Σ_k v_ik·(Σ_l g_k[l]·s_i[t−1−l]) + b_i
 * p = σ(u);  s ~ Bernoulli(p)
 */
class GlmReadout {
  readonly weight: HostParameter
  readonly feedbackWeight: HostParameter
  readonly bias: HostParameter
  private readonly ffBasis: Float64Array
  private readonly fbBasis: Float64Array
  /** Ring buffers of the last τ inputs and outputs (slot = t mod τ). */
  private readonly inputHistory: Float32Array[]
  private readonly outputHistory: Float32Array[]
  private t = 0
  readonly features: Float64Array
  /** Indices of the non-zero entries of `features` (the first `activeCount`): the input is sparse. */
  private readonly active: Int32Array
  private activeCount = 0
  readonly feedbackFeatures: Float64Array
  readonly u: Float64Array
  readonly p: Float64Array
  readonly s: Float32Array

  constructor(
    readonly inputs: number,
    readonly neurons: number,
    readonly shape: EncoderShape,
    rng: SeededRandom,
  ) {
    const { feedforwardBasis: kff, feedbackBasis: kfb, filterMemory: tau } = shape
    // kclip/snn's SNNLayer draws all three tensors from U(±a), a the Xavier bound of the [N, J, K] weight
    // (fan_in = J·K, fan_out = N·K)
    const bound = Math.sqrt(6 / (inputs * kff + neurons * kff))
    this.weight = hostParameter('readout/weight', [neurons, inputs, kff], uniform(neurons * inputs * kff, bound, rng))
    this.feedbackWeight = hostParameter('readout/feedback', [neurons, kfb], uniform(neurons * kfb, bound, rng))
    this.bias = hostParameter('readout/bias', [neurons], uniform(neurons, bound, rng))
    this.ffBasis = raisedCosineBasis(kff, tau, shape.basisWidth)
    this.fbBasis = raisedCosineBasis(kfb, tau, shape.basisWidth)
    this.inputHistory = Array.from({ length: tau }, () => new Float32Array(inputs))
    this.outputHistory = Array.from({ length: tau }, () => new Float32Array(neurons))
    this.features = new Float64Array(inputs * kff)
    this.active = new Int32Array(inputs * kff)
    this.feedbackFeatures = new Float64Array(neurons * kfb)
    this.u = new Float64Array(neurons)
    this.p = new Float64Array(neurons)
    this.s = new Float32Array(neurons)
  }

  reset(): void {
    for (const h of [...this.inputHistory, ...this.outputHistory]) h.fill(0)
    this.t = 0
    this.s.fill(0)
  }

  /** One step; `forced` replaces the Bernoulli draw (for replaying a recorded spike train). */
  step(x: Float32Array, rng: SeededRandom, forced?: ArrayLike<number>): Float32Array {
    const { inputs, neurons, features, feedbackFeatures, ffBasis, fbBasis } = this
    const { feedforwardBasis: kff, feedbackBasis: kfb, filterMemory: tau } = this.shape
    // the feedback history holds s[t−1−l]: push last step's output before overwriting the input slot
    this.outputHistory[(this.t + tau - 1) % tau].set(this.s)
    this.inputHistory[this.t % tau].set(x)
    features.fill(0)
    feedbackFeatures.fill(0)
    for (let l = 0; l < tau; l++) {
      const slot = (this.t - l + tau * 2) % tau
      const xs = this.inputHistory[slot]
      for (let j = 0; j < inputs; j++) {
        const xj = xs[j]
        if (xj === 0) continue
        for (let k = 0; k < kff; k++) features[j * kff + k] += ffBasis[k * tau + l] * xj
      }
      const prev = this.outputHistory[(this.t - 1 - l + tau * 2) % tau]
      for (let i = 0; i < neurons; i++) {
        if (prev[i] === 0) continue
        for (let k = 0; k < kfb; k++) feedbackFeatures[i * kfb + k] += fbBasis[k * tau + l] * prev[i]
      }
    }
    const active = this.active
    let count = 0
    for (let f = 0; f < features.length; f++) if (features[f] !== 0) active[count++] = f
    this.activeCount = count
    const w = this.weight.value
    const v = this.feedbackWeight.value
    const b = this.bias.value
    const width = inputs * kff
    for (let i = 0; i < neurons; i++) {
      let acc = b[i]
      const row = i * width
      for (let a = 0; a < count; a++) {
        const f = active[a]
        acc += w[row + f] * features[f]
      }
      for (let k = 0; k < kfb; k++) acc += v[i * kfb + k] * feedbackFeatures[i * kfb + k]
      this.u[i] = acc
      this.p[i] = 1 / (1 + Math.exp(-acc))
      this.s[i] = forced ? forced[i] : rng.next() < this.p[i] ? 1 : 0
    }
    this.t++
    return this.s
  }

  /** Adds scale·(s − p)·∂u/∂θ (the gradient of this step's KL term) to the accumulators. */
  accumulate(e: Float64Array, scale: number): void {
    const { features, feedbackFeatures, neurons } = this
    const { feedforwardBasis: kff, feedbackBasis: kfb } = this.shape
    const width = this.inputs * kff
    const gw = this.weight.grad
    const gv = this.feedbackWeight.grad
    const gb = this.bias.grad
    const { active, activeCount } = this
    for (let i = 0; i < neurons; i++) {
      const ei = e[i] * scale
      if (ei === 0) continue
      gb[i] += ei
      const row = i * width
      for (let a = 0; a < activeCount; a++) {
        const f = active[a]
        gw[row + f] += ei * features[f]
      }
      for (let k = 0; k < kfb; k++) gv[i * kfb + k] += ei * feedbackFeatures[i * kfb + k]
    }
  }
}

/** log σ(u) and log(1 − σ(u)) without overflow. */
function logSigmoid(u: number): number {
  return u >= 0 ? -Math.log1p(Math.exp(-u)) : u - Math.log1p(Math.exp(u))
}

export interface EncoderStep {
  /** Readout spikes of this step (a view: copy it to keep it). */
  readonly spikes: Float32Array
  /** mean_i [s·log(p/r) + (1 − s)·log((1 − p)/(1 − r))], this step's KL sample. */
  readonly kl: number
}

export class VdibEncoder {
  private readonly hiddenLayers: HiddenLayer[] = []
  private readonly readoutLayer: GlmReadout
  private readonly error: Float64Array
  private readonly zeros: Float32Array

  constructor(
    readonly shape: EncoderShape,
    /** Prior firing probability r of the KL term. */
    readonly priorRate: number,
    rng: SeededRandom,
  ) {
    let width = shape.inputs
    shape.hidden.forEach((units, i) => {
      this.hiddenLayers.push(new HiddenLayer(width, units, shape.readout, `hidden${i}`, rng))
      width = units
    })
    this.readoutLayer = new GlmReadout(width, shape.readout, shape, rng)
    this.error = new Float64Array(shape.readout)
    this.zeros = new Float32Array(shape.inputs)
  }

  get parameters(): HostParameter[] {
    return [
      ...this.hiddenLayers.flatMap((h) => [h.weight, h.bias]),
      this.readoutLayer.weight,
      this.readoutLayer.feedbackWeight,
      this.readoutLayer.bias,
    ]
  }

  /** Firing probabilities p of the readout at the last step. */
  get probabilities(): Float64Array {
    return this.readoutLayer.p
  }

  reset(): void {
    for (const h of this.hiddenLayers) h.reset()
    this.readoutLayer.reset()
  }

  /** τ + 1 steps on zero input without learning: clears the filter memory before an example (§A.2). */
  warmUp(rng: SeededRandom): void {
    for (let t = 0; t <= this.shape.filterMemory; t++) this.step(this.zeros, rng)
  }

  /**
   * One step. With `learnScale` > 0 the gradient of learnScale·KL_t is accumulated: readout exactly,
   * hidden layers by DFA with the readout error e = s − p (unscaled, as the reference's hook).
   * `forced` replays given readout spikes.
   */
  step(x: Float32Array, rng: SeededRandom, learnScale = 0, forced?: ArrayLike<number>): EncoderStep {
    let h = x
    for (const layer of this.hiddenLayers) h = layer.step(h)
    const readout = this.readoutLayer
    const s = readout.step(h, rng, forced)
    const r = this.priorRate
    const logR = Math.log(r)
    const log1R = Math.log(1 - r)
    let kl = 0
    for (let i = 0; i < s.length; i++) {
      const u = readout.u[i]
      kl += s[i] ? logSigmoid(u) - logR : logSigmoid(-u) - log1R
      this.error[i] = s[i] - readout.p[i]
    }
    kl /= s.length
    if (learnScale > 0) {
      const scale = learnScale / s.length
      readout.accumulate(this.error, scale)
      // The reference's DFA hook *replaces* the gradient at the hidden spikes by e·B, so the 1/N and
      // 1/T factors of the KL term do not reach the hidden layers.
      for (const layer of this.hiddenLayers) layer.accumulate(this.error, 1)
    }
    return { spikes: s, kl }
  }

  zeroGrad(): void {
    for (const p of this.parameters) p.grad.fill(0)
  }

  snapshot(): CheckpointTensor[] {
    return this.parameters.map((p) => ({ name: `encoder/${p.name}`, shape: [...p.shape], data: Float32Array.from(p.value).buffer }))
  }
}
