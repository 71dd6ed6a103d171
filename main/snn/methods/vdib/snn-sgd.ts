import type { HostParameter } from './encoder.js'

export interface SnnSgdOptions {
  readonly learningRate: number
  /** κ ("dampening"): weight of the previous value in the running averages. */
  readonly dampening: number
  /** Subtract the per-parameter variance-reducing baseline. */
  readonly baseline: boolean
}

/**
 * The encoder's score-function update (spec snn-methods.md §A.4, `SNNSGD`), given the accumulated
 * score g_θ and the learning signal ℓ of the example:
 *
 *   ℓ̄   ← κ·ℓ̄ + (1−κ)·ℓ                 (first step: ℓ̄ = ℓ)
 *   N_θ ← κ·N_θ + (1−κ)·g²·ℓ̄            (first step: g²·ℓ̄)
 *   D_θ ← κ·D_θ + (1−κ)·g²               (first step: g²)
 *   b_θ = N_θ / max(D_θ, 1e−12)           (0 without baseline)
 *   θ   ← θ − lr·g ⊙ (ℓ̄ − b_θ)
 */
export class SnnSgd {
  private signal = 0
  private started = false
  private readonly numerators: Float32Array[]
  private readonly denominators: Float32Array[]

  constructor(
    private readonly parameters: readonly HostParameter[],
    private readonly options: SnnSgdOptions,
  ) {
    this.numerators = parameters.map((p) => new Float32Array(p.value.length))
    this.denominators = parameters.map((p) => new Float32Array(p.value.length))
  }

  step(learningSignal: number): void {
    const { learningRate: lr, dampening: k, baseline } = this.options
    const first = !this.started
    this.started = true
    this.signal = first ? learningSignal : k * this.signal + (1 - k) * learningSignal
    const ls = this.signal
    this.parameters.forEach((p, index) => {
      const { value, grad } = p
      const num = this.numerators[index]
      const den = this.denominators[index]
      for (let i = 0; i < value.length; i++) {
        const g = grad[i]
        let b = 0
        if (baseline) {
          const g2 = g * g
          num[i] = first ? g2 * ls : k * num[i] + (1 - k) * g2 * ls
          den[i] = first ? g2 : k * den[i] + (1 - k) * g2
          b = num[i] / Math.max(den[i], 1e-12)
        }
        if (g !== 0) value[i] -= lr * g * (ls - b)
      }
    })
  }
}
