import { describe, expect, it } from 'vitest'
import { shiftedBatch } from '../../../main/snn/data/augment.js'
import type { LabeledImages } from '../../../main/snn/data/mnist.js'
import { SeededRandom } from '../../../main/snn/random.js'

/** Images of 6×5 pixels, each with one lit pixel at a known place. */
function dots(places: [number, number][]): LabeledImages {
  const images = new Float32Array(places.length * 30)
  places.forEach(([y, x], k) => (images[k * 30 + y * 5 + x] = 0.5 + k / 10))
  return { images, labels: Uint8Array.from(places, (_, k) => k), count: places.length, imageShape: [6, 5] }
}

describe('shiftedBatch (random translation)', () => {
  it('moves each picked image by the offsets drawn in order, dy then dx, from [−s, s]', () => {
    const set = dots([[2, 2], [3, 1], [2, 3]])
    const out = shiftedBatch(set, [2, 0], 1, new SeededRandom(7))
    const draw = new SeededRandom(7)
    const expected: [number, number, number, number][] = [[2, 3, 2, 0.7], [2, 2, 0, 0.5]].map(([y, x, label, v]) => {
      const dy = draw.int(3) - 1
      const dx = draw.int(3) - 1
      return [y + dy, x + dx, label, v]
    })
    expect(Array.from(out.labels)).toEqual([2, 0])
    expected.forEach(([y, x, , v], k) => {
      const image = out.images.subarray(k * 30, (k + 1) * 30)
      expect(image[y * 5 + x]).toBeCloseTo(v, 6)
      expect(image.reduce((a, b) => a + b, 0)).toBeCloseTo(v, 6) // nothing else lit
    })
  })

  it('shifts zeros in and drops what leaves the image', () => {
    // a pixel on the border leaves for some shift; over many draws it must sometimes vanish and never wrap
    const set = dots([[0, 0]])
    let vanished = 0
    const rng = new SeededRandom(1)
    for (let i = 0; i < 50; i++) {
      const image = shiftedBatch(set, [0], 2, rng).images
      const lit = image.findIndex((v) => v > 0)
      if (lit < 0) vanished++
      else {
        const y = Math.floor(lit / 5)
        const x = lit % 5
        expect(y).toBeLessThanOrEqual(2)
        expect(x).toBeLessThanOrEqual(2)
      }
    }
    expect(vanished).toBeGreaterThan(0)
  })

  it('leaves images as they are with a shift of 0, and does not touch the set', () => {
    const set = dots([[1, 1], [4, 3]])
    const copy = Float32Array.from(set.images)
    const out = shiftedBatch(set, [1, 0], 0, new SeededRandom(3))
    expect(Array.from(out.images)).toEqual([...copy.subarray(30, 60), ...copy.subarray(0, 30)])
    expect(Array.from(set.images)).toEqual(Array.from(copy))
  })
})
