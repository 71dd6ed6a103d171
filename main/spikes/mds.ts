/**
 * Classical (Torgerson) multidimensional scaling: B = −½·J·D²·J, coordinates = the top eigenvectors
 * of B scaled by √λ. Points that are truly d-dimensional come back with their distances preserved
 * (up to rotation and reflection). Used for the 2-D map of cells from their pairwise divergences.
 */
import { SpikelabError } from '../../common/errors.js'

export interface MdsResult {
  /** Coordinates, point i at (x[i], y[i]) for a 2-D embedding; `coords[d][i]` in general. */
  readonly coords: Float64Array[]
  /** Eigenvalues of B kept (descending); negative ones are reported as 0 and their axis collapses. */
  readonly eigenvalues: Float64Array
  /** Fraction of Σ|λ| over the kept axes (how much of the geometry the map shows). */
  readonly explained: number
}

/** Symmetric eigen-decomposition of a small dense matrix (cyclic Jacobi). Returns values and column vectors. */
export function jacobiEigen(a: Float64Array, n: number, maxSweeps = 100): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a)
  const v = new Float64Array(n * n)
  for (let i = 0; i < n; i++) v[i * n + i] = 1
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2
    if (off < 1e-30) break
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]
        if (Math.abs(apq) < 1e-300) continue
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p]
          const mkq = m[k * n + q]
          m[k * n + p] = c * mkp - s * mkq
          m[k * n + q] = s * mkp + c * mkq
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k]
          const mqk = m[q * n + k]
          m[p * n + k] = c * mpk - s * mqk
          m[q * n + k] = s * mpk + c * mqk
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]
          const vkq = v[k * n + q]
          v[k * n + p] = c * vkp - s * vkq
          v[k * n + q] = s * vkp + c * vkq
        }
      }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => m[i * n + i]), vectors: v }
}

/** Removes from q[j] its projections on q[0…j−1] (twice: one pass loses orthogonality to rounding). */
function projectOut(q: Float64Array[], j: number, n: number): void {
  for (let pass = 0; pass < 2; pass++)
    for (let i = 0; i < j; i++) {
      let dot = 0
      for (let k = 0; k < n; k++) dot += q[i][k] * q[j][k]
      for (let k = 0; k < n; k++) q[j][k] -= dot * q[i][k]
    }
}

function norm2(v: Float64Array): number {
  let s = 0
  for (let k = 0; k < v.length; k++) s += v[k] * v[k]
  return Math.sqrt(s)
}

/**
 * Orthonormalises the columns of a block in place (Gram–Schmidt, re-orthogonalised). A column that
 * (nearly) vanished — B has rank below the block size — is replaced by a fixed pseudo-random direction.
 */
function orthonormalise(q: Float64Array[], n: number): void {
  for (let j = 0; j < q.length; j++) {
    const before = norm2(q[j])
    projectOut(q, j, n)
    let norm = norm2(q[j])
    for (let attempt = 1; !(norm > 1e-8 * before) && attempt <= 3; attempt++) {
      for (let k = 0; k < n; k++) q[j][k] = Math.sin((k + 1) * (j + 1) * 12.9898 * attempt + 78.233) * 43758.5453 % 1
      projectOut(q, j, n)
      norm = norm2(q[j])
      if (norm > 1e-8) break
    }
    for (let k = 0; k < n; k++) q[j][k] = norm > 0 ? q[j][k] / norm : 0
  }
}

/**
 * Classical MDS of an n × n symmetric distance matrix (row-major; the diagonal is ignored) into `dims`
 * dimensions. Subspace iteration with Rayleigh–Ritz on a block of a few more vectors than kept, so large
 * n costs O(n²) per iteration and never a full decomposition.
 */
export function classicalMds(distances: Float64Array, n: number, dims = 2): MdsResult {
  if (distances.length !== n * n) throw new SpikelabError('spikes.mds', `the distance matrix has ${distances.length} entries, expected ${n}² = ${n * n}`, { field: 'distances' })
  for (let i = 0; i < n * n; i++)
    if (!Number.isFinite(distances[i]) || distances[i] < 0) throw new SpikelabError('spikes.mds', `distance ${distances[i]} at row ${Math.floor(i / n)}, column ${i % n} is not a finite non-negative number`, { field: 'distances', row: Math.floor(i / n) })
  if (n === 0) return { coords: Array.from({ length: dims }, () => new Float64Array(0)), eigenvalues: new Float64Array(dims), explained: 0 }
  // B = −½ J D² J by double centring of the squared distances (symmetrised).
  const b = new Float64Array(n * n)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const d = i === j ? 0 : (distances[i * n + j] + distances[j * n + i]) / 2
      b[i * n + j] = -0.5 * d * d
    }
  const rowMean = new Float64Array(n)
  let all = 0
  for (let i = 0; i < n; i++) {
    let s = 0
    for (let j = 0; j < n; j++) s += b[i * n + j]
    rowMean[i] = s / n
    all += s
  }
  all /= n * n
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i * n + j] += all - rowMean[i] - rowMean[j]

  const p = Math.min(n, dims + 6)
  const q = Array.from({ length: p }, (_, j) => Float64Array.from({ length: n }, (_, k) => Math.sin(1 + (k + 1) * (j + 1) * 0.7548776662) + (k === j ? 1 : 0)))
  orthonormalise(q, n)
  const z = Array.from({ length: p }, () => new Float64Array(n))
  let ritz: Float64Array = new Float64Array(p)
  let vectors: Float64Array = new Float64Array(p * p)
  const maxIterations = 500
  for (let iter = 0; iter < maxIterations; iter++) {
    for (let j = 0; j < p; j++) {
      const col = q[j]
      const out = z[j]
      for (let i = 0; i < n; i++) {
        let s = 0
        const row = i * n
        for (let k = 0; k < n; k++) s += b[row + k] * col[k]
        out[i] = s
      }
    }
    // Rayleigh–Ritz: H = Qᵀ B Q, rotate Q by H's eigenvectors.
    const h = new Float64Array(p * p)
    for (let a = 0; a < p; a++)
      for (let c = a; c < p; c++) {
        let s = 0
        for (let k = 0; k < n; k++) s += q[a][k] * z[c][k]
        h[a * p + c] = s
        h[c * p + a] = s
      }
    const eig = jacobiEigen(h, p)
    const converged = iter > 0 && eig.values.every((v, i) => Math.abs(v - ritz[i]) <= 1e-12 * Math.max(1, Math.abs(v)))
    ritz = eig.values
    vectors = eig.vectors
    if (converged || iter === maxIterations - 1) break
    // Next block: orthonormalised B·Q.
    for (let j = 0; j < p; j++) q[j].set(z[j])
    orthonormalise(q, n)
  }
  // Ritz vectors of the last block, ordered by eigenvalue (largest first).
  const order = Array.from({ length: p }, (_, i) => i).sort((x, y) => ritz[y] - ritz[x])
  let total = 0
  for (const v of ritz) total += Math.abs(v)
  const coords: Float64Array[] = []
  const eigenvalues = new Float64Array(dims)
  let kept = 0
  for (let d = 0; d < dims; d++) {
    const c = new Float64Array(n)
    if (d < p) {
      const idx = order[d]
      const lambda = Math.max(0, ritz[idx])
      eigenvalues[d] = lambda
      kept += lambda
      const scale = Math.sqrt(lambda)
      for (let a = 0; a < p; a++) {
        const w = vectors[a * p + idx] * scale
        if (w !== 0) for (let k = 0; k < n; k++) c[k] += w * q[a][k]
      }
    }
    coords.push(c)
  }
  return { coords, eigenvalues, explained: total > 0 ? kept / total : 0 }
}
