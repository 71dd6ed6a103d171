/**
 * Seeded pseudo-random numbers for everything a training run draws (weight init, shuffling, Bernoulli
 * spikes), so a run is reproducible from its seed alone on any backend.
 */
export class SeededRandom {
  private state: number

  constructor(seed: number) {
    // Mix the seed once so that nearby seeds start from unrelated states.
    this.state = SeededRandom.mix((seed >>> 0) ^ 0x9e3779b9)
  }

  /** Uniform in [0, 1), 32-bit resolution (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let z = this.state
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next()
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** A fresh seed derived from this stream, for a sub-task that must not disturb this one. */
  fork(): SeededRandom {
    return new SeededRandom(Math.floor(this.next() * 4294967296))
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n)
    for (let i = 0; i < n; i++) p[i] = i
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = p[i]
      p[i] = p[j]
      p[j] = tmp
    }
    return p
  }

  private static mix(x: number): number {
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
    return (x ^ (x >>> 16)) >>> 0
  }
}
