/**
 * Counter-based mulberry32 (synthetic-retina-benchmark.md §2.1): output n is a pure function of
 * (seed, n), so any draw can be computed directly and a port reproduces the NumPy reference exactly.
 */
export function mulberry32Uint(seed: number, n: number): number {
  // (n+1)·0x6D2B79F5 mod 2^32 via Math.imul: a float product would exceed 2^53 and lose bits.
  let t = (seed + Math.imul((n + 1) >>> 0, 0x6d2b79f5)) >>> 0
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return (t ^ (t >>> 14)) >>> 0
}

/** U(n) ∈ [0, 1). */
export function uniformAt(seed: number, n: number): number {
  return mulberry32Uint(seed, n) / 4294967296
}

/** Standard normal Z(n) from U(n), U(n+1) (Box–Muller, cosine branch). */
export function normalAt(seed: number, n: number): number {
  return Math.sqrt(-2 * Math.log(1 - uniformAt(seed, n))) * Math.cos(2 * Math.PI * uniformAt(seed, n + 1))
}
