/** Index of the first event at or after `us` in time-ordered timestamps (binary search). */
export function firstIndexAtOrAfter(t: Float64Array, us: number): number {
  let lo = 0
  let hi = t.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (t[mid] < us) lo = mid + 1
    else hi = mid
  }
  return lo
}
