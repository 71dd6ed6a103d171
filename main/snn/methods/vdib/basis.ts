/**
 * "Raised-cosine pillow" synaptic basis of the VDIB readout (spec snn-methods.md §A.2), K functions over
 * a memory of τ steps, lag l = 0..τ−1:
 *
 *   b0 = τ/10;  n(l) = ln(l + b0);  centres c_k evenly spaced from n(0) to n(τ−1), spacing Δ
 *   basis_k(l) = ½·[1 + cos(clip((n(l) − c_k)·μ·π/Δ, −π, π))]
 *
 * With K = 1 the single centre is n(0) and Δ is the whole span n(τ−1) − n(0).
 * Returns [K, τ] row-major.
 */
export function raisedCosineBasis(functions: number, memory: number, mu: number): Float64Array {
  const b0 = memory / 10
  const n = (l: number) => Math.log(l + b0)
  const span = n(memory - 1) - n(0)
  const delta = functions > 1 ? span / (functions - 1) : span || 1
  const basis = new Float64Array(functions * memory)
  for (let k = 0; k < functions; k++) {
    const centre = n(0) + k * (functions > 1 ? delta : 0)
    for (let l = 0; l < memory; l++) {
      const phase = Math.min(Math.PI, Math.max(-Math.PI, ((n(l) - centre) * mu * Math.PI) / delta))
      basis[k * memory + l] = 0.5 * (1 + Math.cos(phase))
    }
  }
  return basis
}
