/**
 * Spike-train hygiene shared by all statistics (spike-trains.md §1): sort, drop exact duplicates
 * and report how many were dropped, because duplicates break the distance measures.
 */
export type Times = ArrayLike<number>

export interface CleanTrain {
  readonly times: Float64Array
  readonly duplicatesRemoved: number
}

export function isSorted(times: Times): boolean {
  for (let i = 1; i < times.length; i++) if (times[i] < times[i - 1]) return false
  return true
}

/** Sorted copy without exact duplicates. */
export function cleanTrain(times: Times): CleanTrain {
  const sorted = Float64Array.from(times)
  if (!isSorted(sorted)) sorted.sort()
  let n = 0
  for (let i = 0; i < sorted.length; i++) if (n === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i]
  return { times: sorted.slice(0, n), duplicatesRemoved: sorted.length - n }
}

/** Spikes within [tStart, tEnd] (both ends included). */
export function restrictTrain(times: Float64Array, tStart: number, tEnd: number): Float64Array {
  let lo = 0
  while (lo < times.length && times[lo] < tStart) lo++
  let hi = times.length
  while (hi > lo && times[hi - 1] > tEnd) hi--
  return times.subarray(lo, hi)
}
