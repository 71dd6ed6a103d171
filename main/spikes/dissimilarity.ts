/**
 * Victor–Purpura and van Rossum distances (Elephant spike_train_dissimilarity.py, spike-trains.md §3.1).
 * Times and parameters share one unit (seconds in the product).
 */
import { SpikelabError } from '../../common/errors.js'
import type { Times } from './spike-train.js'

/**
 * Minimal cost of turning a into b: insert/delete costs 1, moving a spike by Δt costs q·|Δt|.
 * q = 0 gives |n_a − n_b|, q = ∞ gives n_a + n_b.
 */
export function victorPurpuraDistance(a: Times, b: Times, q: number): number {
  if (!(q >= 0)) throw new SpikelabError('spikes.vp', 'cost factor q must be ≥ 0', { field: 'q' })
  const na = a.length
  const nb = b.length
  if (q === 0) return Math.abs(na - nb)
  if (q === Infinity) return na + nb
  let prev = Float64Array.from({ length: nb + 1 }, (_, j) => j)
  let cur = new Float64Array(nb + 1)
  for (let i = 1; i <= na; i++) {
    cur[0] = i
    for (let j = 1; j <= nb; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + q * Math.abs(a[i - 1] - b[j - 1]))
    ;[prev, cur] = [cur, prev]
  }
  return prev[nb]
}

/** Σ_{i,i'} e^{−|x_i − x_i'|/τ} in O(n) for sorted x (Houghton & Kreuz 2012). */
function selfSum(x: Times, tau: number): number {
  let acc = 0 // Σ_{i<k} e^{−(x_k − x_i)/τ}
  let total = x.length
  for (let k = 1; k < x.length; k++) {
    acc = Math.exp(-(x[k] - x[k - 1]) / tau) * (acc + 1)
    total += 2 * acc
  }
  return total
}

/** Σ_{i,j} e^{−|a_i − b_j|/τ} in O(n_a + n_b) for sorted inputs. */
function crossSum(a: Times, b: Times, tau: number): number {
  // Part 1: pairs with b_j ≤ a_i; part 2: pairs with a_i < b_j.
  const oneSide = (x: Times, y: Times, strict: boolean): number => {
    let total = 0
    let acc = 0
    let lastT = 0
    let j = 0
    for (let i = 0; i < x.length; i++) {
      while (j < y.length && (strict ? y[j] < x[i] : y[j] <= x[i])) {
        acc = acc * Math.exp(-(y[j] - lastT) / tau) + 1
        lastT = y[j]
        j++
      }
      if (j > 0) total += acc * Math.exp(-(x[i] - lastT) / tau)
    }
    return total
  }
  return oneSide(a, b, false) + oneSide(b, a, true)
}

export type VanRossumNormalisation = 'elephant' | 'paper'

/**
 * van Rossum distance with time constant τ. 'elephant' normalisation gives D(empty, one spike) = 1;
 * 'paper' divides by √2 (van Rossum 2001). Inputs must be sorted.
 */
export function vanRossumDistance(a: Times, b: Times, tau: number, normalisation: VanRossumNormalisation = 'elephant'): number {
  if (!(tau >= 0)) throw new SpikelabError('spikes.vr', 'time constant must be ≥ 0', { field: 'tau' })
  let d2: number
  if (tau === 0) d2 = a.length + b.length
  else if (tau === Infinity) d2 = (a.length - b.length) ** 2
  else d2 = selfSum(a, tau) + selfSum(b, tau) - 2 * crossSum(a, b, tau)
  const d = Math.sqrt(Math.max(0, d2)) // rounding can make D² slightly negative
  return normalisation === 'paper' ? d / Math.SQRT2 : d
}
