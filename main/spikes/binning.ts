/**
 * Elephant's binning rule (spike-trains.md §1): bin j covers [t_start + jΔ, t_start + (j+1)Δ);
 * a fractional bin position within 1e-8 of the next integer moves into the next bin.
 */
import { SpikelabError } from '../../common/errors.js'
import type { Times } from './spike-train.js'

export const BIN_TOLERANCE = 1e-8

export function binCount(tStart: number, tStop: number, binSize: number): number {
  if (!(binSize > 0) || !Number.isFinite(binSize)) throw new SpikelabError('spikes.bin', 'bin size must be a positive number', { field: 'binSize' })
  if (!(tStop > tStart)) throw new SpikelabError('spikes.window', `t_stop (${tStop}) must be after t_start (${tStart})`, { field: 'tStop' })
  return Math.floor((tStop - tStart) / binSize + BIN_TOLERANCE)
}

/** Bin index of t, or -1 when outside [0, nBins). */
export function binIndex(t: number, tStart: number, binSize: number, nBins: number): number {
  const j = Math.floor((t - tStart) / binSize + BIN_TOLERANCE)
  return j >= 0 && j < nBins ? j : -1
}

/** Spike counts per bin; spikes outside the window (including exactly at tStop) are dropped. */
export function binTrain(times: Times, tStart: number, binSize: number, nBins: number): Uint32Array {
  const counts = new Uint32Array(nBins)
  for (let i = 0; i < times.length; i++) {
    const j = binIndex(times[i], tStart, binSize, nBins)
    if (j >= 0) counts[j]++
  }
  return counts
}
