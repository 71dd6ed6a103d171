/**
 * A 2-D map of cells from their pairwise divergences: the AIB's initial pair costs ΔI(i, j) =
 * (2/N)·⟨JS_½[P(·|i,t), P(·|j,t)]⟩_t give the mean Jensen–Shannon divergence JS = ΔI·N/2 (bits);
 * √JS is a metric (Endres & Schindelin 2003), so classical MDS of √JS places similar cells together.
 */
import { SpikelabError } from '../../common/errors.js'
import { classicalMds } from './mds.js'

export interface DivergenceMap {
  readonly x: Float64Array
  readonly y: Float64Array
  /** Share of the MDS eigenvalue mass the two axes show. */
  readonly explained: number
}

/** √JS distance matrix from the N × N pair-cost matrix of single cells (weights 1/N each). */
export function jsDistances(pairCosts: Float64Array, nCells: number): Float64Array {
  if (pairCosts.length !== nCells * nCells) throw new SpikelabError('spikes.map', `pair costs hold ${pairCosts.length} values, expected ${nCells}²`, { field: 'pairCosts' })
  return Float64Array.from(pairCosts, (c, k) => (k % (nCells + 1) === 0 ? 0 : Math.sqrt(Math.max(0, (c * nCells) / 2))))
}

export function divergenceMap(pairCosts: Float64Array, nCells: number): DivergenceMap {
  const mds = classicalMds(jsDistances(pairCosts, nCells), nCells, 2)
  return { x: mds.coords[0], y: mds.coords[1], explained: mds.explained }
}
