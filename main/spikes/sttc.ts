/**
 * Spike time tiling coefficient (Cutts & Eglen 2014; Elephant `spike_time_tiling_coefficient`,
 * spike-trains.md §2): ½[(P_A − T_B)/(1 − P_A T_B) + (P_B − T_A)/(1 − P_B T_A)].
 */
import type { Times } from './spike-train.js'

/** Fraction of a's spikes within ±dt (inclusive) of some spike of b; inputs sorted. */
function proportionWithin(a: Times, b: Times, dt: number): number {
  let hits = 0
  let j = 0
  for (let i = 0; i < a.length; i++) {
    while (j < b.length && b[j] < a[i] - dt) j++
    if (j < b.length && Math.abs(b[j] - a[i]) <= dt) hits++
  }
  return hits / a.length
}

/** Fraction of [tStart, tStop] covered by the union of [t − dt, t + dt] around a's spikes. */
function tiledFraction(a: Times, dt: number, tStart: number, tStop: number): number {
  let covered = 0
  let end = -Infinity
  for (let i = 0; i < a.length; i++) {
    const lo = Math.max(tStart, a[i] - dt, end)
    const hi = Math.min(tStop, a[i] + dt)
    if (hi > lo) covered += hi - lo
    end = Math.max(end, hi)
  }
  return covered / (tStop - tStart)
}

/** STTC of two sorted trains; NaN if either is empty. The 0/0 case of a term counts as 1. */
export function spikeTimeTilingCoefficient(a: Times, b: Times, dt: number, tStart: number, tStop: number): number {
  if (a.length === 0 || b.length === 0) return NaN
  const pA = proportionWithin(a, b, dt)
  const pB = proportionWithin(b, a, dt)
  const tA = tiledFraction(a, dt, tStart, tStop)
  const tB = tiledFraction(b, dt, tStart, tStop)
  const term = (p: number, t: number): number => {
    const num = p - t
    const den = 1 - p * t
    return den === 0 ? 1 : num / den
  }
  return 0.5 * (term(pA, tB) + term(pB, tA))
}
