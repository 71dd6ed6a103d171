import { SpikelabError } from '../../../../common/errors.js'

/**
 * Solvers for the implicit backward of IDE (spec snn-methods.md §C.4): β = Jᵀβ + g for every sample
 * of a batch, where `vjp(β)` returns Jᵀβ. Vectors are batch-major [B, d] Float32Arrays; the samples are
 * independent (J is block-diagonal over the batch), so Broyden keeps one inverse-Jacobian estimate
 * per sample.
 *
 * - `broyden`: limited-memory "good" Broyden on G(β) = Jᵀβ − β + g, from β = 0, inverse Jacobian
 *   estimate −I + U·Vᵀ with at most min(iterations, 27) pairs, no line search, returns the
 *   lowest-residual iterate; stops early when ‖G‖ < 2e-10·√(B·d) (DEQ/MDEQ, as IDE-FSNN uses it).
 * - `damped`: β ← ½β + ½(Jᵀβ + g) from β = g; its fixed point is the implicit equation's.
 * - `iter-code`: β ← ½(Jᵀβ + g) from β = g, as IDE-FSNN codes `iter`; its fixed point solves
 *   (2I − J)ᵀβ = g, not the implicit equation (kept only to reproduce the paper's N-MNIST row).
 */
export type AdjointSolver = 'broyden' | 'damped' | 'iter-code'

export const ADJOINT_SOLVERS: readonly AdjointSolver[] = ['broyden', 'damped', 'iter-code']

export interface AdjointSolution {
  readonly beta: Float32Array
  /** ‖β − Jᵀβ − g‖ / ‖g‖ of the returned β (for `iter-code` this is not expected to vanish). */
  readonly relativeResidual: number
  readonly iterations: number
}

export type VectorJacobianProduct = (beta: Float32Array) => Float32Array

const BROYDEN_MEMORY = 27

export function solveAdjoint(
  vjp: VectorJacobianProduct,
  g: Float32Array,
  batch: number,
  solver: AdjointSolver,
  iterations: number,
): AdjointSolution {
  if (g.length % batch !== 0) throw new SpikelabError('SNN_BAD_SHAPE', `gradient of length ${g.length} does not split into ${batch} samples`)
  switch (solver) {
    case 'broyden':
      return broyden(vjp, g, batch, iterations)
    case 'damped':
      return iterate(vjp, g, iterations, (beta, jb) => 0.5 * beta + 0.5 * jb)
    case 'iter-code':
      return iterate(vjp, g, iterations, (_beta, jb) => 0.5 * jb)
    default:
      throw new SpikelabError('SNN_BAD_CONFIG', `unknown solver '${String(solver)}'`, { field: 'solver' })
  }
}

/** Fixed-point iteration from β = g; `update(β_i, (Jᵀβ + g)_i)` gives the next β_i. */
function iterate(vjp: VectorJacobianProduct, g: Float32Array, iterations: number, update: (beta: number, jb: number) => number): AdjointSolution {
  let beta = Float32Array.from(g)
  for (let k = 0; k < iterations; k++) {
    const jb = vjp(beta)
    const next = new Float32Array(beta.length)
    for (let i = 0; i < beta.length; i++) next[i] = update(beta[i], jb[i] + g[i])
    beta = next
  }
  return { beta, relativeResidual: residualOf(vjp, beta, g), iterations }
}

function residualOf(vjp: VectorJacobianProduct, beta: Float32Array, g: Float32Array): number {
  const jb = vjp(beta)
  let r = 0
  for (let i = 0; i < beta.length; i++) r += (jb[i] + g[i] - beta[i]) ** 2
  return Math.sqrt(r) / Math.max(norm(g), 1e-30)
}

function norm(x: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < x.length; i++) s += x[i] * x[i]
  return Math.sqrt(s)
}

function broyden(vjp: VectorJacobianProduct, g: Float32Array, batch: number, iterations: number): AdjointSolution {
  const n = g.length
  const d = n / batch
  const memory = Math.max(1, Math.min(iterations, BROYDEN_MEMORY))
  const us: Float64Array[] = []
  const vs: Float64Array[] = []
  const G = (x: Float64Array): Float64Array => {
    const jb = vjp(Float32Array.from(x))
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = jb[i] + g[i] - x[i]
    return out
  }
  // Per sample: B⁻¹·x = −x + Σ_k u_k (v_kᵀ x)   (transpose = false)
  //             xᵀ·B⁻¹ = −x + Σ_k v_k (u_kᵀ x)   (transpose = true)
  const apply = (x: Float64Array, transpose: boolean): Float64Array => {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = -x[i]
    for (let k = 0; k < us.length; k++) {
      const [left, right] = transpose ? [vs[k], us[k]] : [us[k], vs[k]]
      for (let b = 0; b < batch; b++) {
        const o = b * d
        let c = 0
        for (let i = o; i < o + d; i++) c += right[i] * x[i]
        if (c === 0) continue
        for (let i = o; i < o + d; i++) out[i] += c * left[i]
      }
    }
    return out
  }
  let x = new Float64Array(n)
  let gx = G(x)
  let update = Float64Array.from(gx) // −B⁻¹·G with B⁻¹ = −I
  const eps = 2e-10 * Math.sqrt(n)
  let objective = norm(gx)
  let lowest = { x: Float64Array.from(x), objective }
  let step = 0
  while (objective >= eps && step < iterations) {
    const dx = update
    const next = new Float64Array(n)
    for (let i = 0; i < n; i++) next[i] = x[i] + dx[i]
    x = next
    const gNext = G(x)
    const dg = new Float64Array(n)
    for (let i = 0; i < n; i++) dg[i] = gNext[i] - gx[i]
    gx = gNext
    step++
    objective = norm(gx)
    if (objective < lowest.objective) lowest = { x: Float64Array.from(x), objective }
    if (objective < eps) break
    const vT = apply(dx, true)
    const bdg = apply(dg, false)
    const u = new Float64Array(n)
    for (let b = 0; b < batch; b++) {
      const o = b * d
      let den = 0
      for (let i = o; i < o + d; i++) den += vT[i] * dg[i]
      for (let i = o; i < o + d; i++) {
        const value = (dx[i] - bdg[i]) / den
        u[i] = Number.isFinite(value) ? value : 0
        if (!Number.isFinite(vT[i]) || den === 0) vT[i] = 0
      }
      if (den === 0 || !Number.isFinite(den)) u.fill(0, o, o + d)
    }
    const slot = (step - 1) % memory
    us[slot] = u
    vs[slot] = vT
    const bg = apply(gx, false)
    update = new Float64Array(n)
    for (let i = 0; i < n; i++) update[i] = -bg[i]
  }
  return {
    beta: Float32Array.from(lowest.x),
    relativeResidual: lowest.objective / Math.max(norm(g), 1e-30),
    iterations: step,
  }
}
