/** Adjusted Rand index (Hubert & Arabie), equal to scikit-learn's adjusted_rand_score. */
import { SpikelabError } from '../../common/errors.js'

const choose2 = (x: number): number => (x * (x - 1)) / 2

export function adjustedRandIndex(predicted: ArrayLike<number>, truth: ArrayLike<number>): number {
  const n = predicted.length
  if (truth.length !== n) throw new SpikelabError('classify.labels', `label vectors differ in length (${n} vs ${truth.length})`, { field: 'labels' })
  const pair = new Map<string, number>()
  const rows = new Map<number, number>()
  const cols = new Map<number, number>()
  for (let i = 0; i < n; i++) {
    const key = `${predicted[i]}|${truth[i]}`
    pair.set(key, (pair.get(key) ?? 0) + 1)
    rows.set(predicted[i], (rows.get(predicted[i]) ?? 0) + 1)
    cols.set(truth[i], (cols.get(truth[i]) ?? 0) + 1)
  }
  let index = 0
  for (const v of pair.values()) index += choose2(v)
  let sa = 0
  let sb = 0
  for (const v of rows.values()) sa += choose2(v)
  for (const v of cols.values()) sb += choose2(v)
  const expected = (sa * sb) / choose2(n)
  const max = 0.5 * (sa + sb)
  // Both partitions trivial (all singletons or one cluster): sklearn returns 1.
  if (max === expected) return 1
  return (index - expected) / (max - expected)
}
