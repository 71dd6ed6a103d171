import { describe, expect, it } from 'vitest'
import { mulberry32Uint, normalAt, uniformAt } from '../../../main/spikes/rng.js'
import { generateSyntheticRetina, syntheticToCsv, syntheticToSpikeBatch } from '../../../main/spikes/synthetic-retina.js'
import { SpikelabError } from '../../../common/errors.js'

// Check values of synthetic-retina-benchmark.md §2.1 and §2.6.
describe('mulberry32', () => {
  it('seed 42 check vector', () => {
    expect([0, 1, 2, 3, 4].map((n) => mulberry32Uint(42, n))).toEqual([2581720956, 1925393290, 3661312704, 2876485805, 750819978])
    expect(uniformAt(42, 0)).toBe(0.6011037519201636)
    expect(normalAt(42, 0)).toBeCloseTo(-1.2848381576290195, 15)
  })
})

describe('synthetic retina, seed 1, 4 types × 8 cells, j = 0.10, R = 100', () => {
  const r = generateSyntheticRetina({ types: 4, cellsPerType: 8, jitter: 0.1, repeats: 100, seed: 1 })
  const counts = r.spikes.map((c) => c.reduce((a, x) => a + x.length, 0))
  it('stimulus frames', () => {
    ;[0.706995172422, -0.31165531315, 0.244387390967, -0.545946177176, 1.235477140548].forEach((v, f) => expect(r.frames[f]).toBeCloseTo(v, 11))
  })
  it('cell parameters', () => {
    const check = (i: number, tp: number, beta: number, theta: number, rmax: number): void => {
      expect(r.cells[i].tauPeakMs).toBeCloseTo(tp, 9)
      expect(r.cells[i].beta).toBeCloseTo(beta, 9)
      expect(r.cells[i].theta).toBeCloseTo(theta, 9)
      expect(r.cells[i].rMaxHz).toBeCloseTo(rmax, 9)
    }
    check(0, 51.7847843455, 0.660787731, 0.8979246246, 38.035342292)
    check(1, 49.995933956, 0.5450246641, 0.9100114481, 43.5564407279)
    check(31, 87.3717878388, 0.223518295, 1.0783388875, 41.4818154271)
    expect(r.cells[31].typeName).toBe('OFF-slow')
  })
  it('spike counts exactly and first spikes to 1e-12', () => {
    expect(counts.slice(0, 8)).toEqual([4660, 5266, 3691, 7186, 3957, 3650, 5735, 2817])
    expect(counts.reduce((a, b) => a + b, 0)).toBe(131086)
    expect(Math.abs(r.spikes[0][0][0] - 0.8572875466956758)).toBeLessThan(1e-12)
    expect(Math.abs(r.spikes[1][0][0] - 0.01948303955537267)).toBeLessThan(1e-12)
  })
  it('refractory period of 3 bins holds and times lie in [0, 10)', () => {
    let violations = 0
    for (const cell of r.spikes)
      for (const rep of cell)
        for (let k = 0; k < rep.length; k++) {
          if (!(rep[k] >= 0 && rep[k] < 10)) violations++
          if (k > 0 && Math.floor(rep[k] * 1000) - Math.floor(rep[k - 1] * 1000) < 3) violations++
        }
    expect(violations).toBe(0)
  })
  it('SpikeBatch and CSV carry every spike', () => {
    const b = syntheticToSpikeBatch(r)
    expect(b.t.length).toBe(131086)
    expect(b.trial![0]).toBe(0)
    const csv = syntheticToCsv(r)
    const lines = csv.trimEnd().split('\n')
    expect(lines[0]).toBe('neuron,trial,condition,time_s')
    expect(lines.length).toBe(131087)
    const first = lines[1].split(',')
    expect(first.slice(0, 3)).toEqual(['0', '1', 'ON-fast'])
    expect(Number(first[3])).toBe(r.spikes[0][0][0]) // 17 significant digits round-trip exactly
  })
})

describe('synthetic retina, 6-type set', () => {
  it('seed 1, 6 cells per type: total 146,823; cells 6 and 7 give 5769 and 2267', () => {
    const r = generateSyntheticRetina({ types: 6, cellsPerType: 6, jitter: 0.1, repeats: 100, seed: 1 })
    const counts = r.spikes.map((c) => c.reduce((a, x) => a + x.length, 0))
    expect(counts.slice(0, 8)).toEqual([4660, 5266, 3691, 7186, 3957, 3650, 5769, 2267])
    expect(counts.reduce((a, b) => a + b, 0)).toBe(146823)
  })
  it('rejects bad options naming the field', () => {
    expect(() => generateSyntheticRetina({ types: 5 as 4, cellsPerType: 1, jitter: 0.1, repeats: 1, seed: 1 })).toThrow(SpikelabError)
    expect(() => generateSyntheticRetina({ types: 4, cellsPerType: 1, jitter: 0.1, repeats: 1, seed: -1 })).toThrow(/seed/)
    expect(() => generateSyntheticRetina({ types: 4, cellsPerType: 100, jitter: 0.1, repeats: 1000, seed: 1 })).toThrow(/RNG index range/)
  })
})
