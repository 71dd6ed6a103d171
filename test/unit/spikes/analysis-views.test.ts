import { describe, expect, it } from 'vitest'
import { SpikelabError } from '../../../common/errors.js'
import { bootstrapRepeats, percentileOfSorted } from '../../../main/spikes/bootstrap.js'
import { correlogramMatrix } from '../../../main/spikes/correlogram-matrix.js'
import { csvField, formatCsv } from '../../../main/spikes/csv-table.js'
import { divergenceMap, jsDistances } from '../../../main/spikes/divergence-map.js'
import { classicalMds, jacobiEigen } from '../../../main/spikes/mds.js'
import type { SpikeRecording } from '../../../main/spikes/recording.js'
import { clustersCsv, statisticsCsv } from '../../../main/lab/analysis/analysis-csv.js'
import type { ClassificationView } from '../../../common/contract/schemas.js'

function distanceMatrix(points: readonly number[][]): Float64Array {
  const n = points.length
  const d = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i * n + j] = Math.hypot(...points[i].map((v, k) => v - points[j][k]))
  return d
}

/** A small deterministic generator so the test's points do not depend on Math.random. */
function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32)
}

describe('classical MDS', () => {
  it('points that are truly 2-D come back with every pairwise distance preserved', () => {
    const rnd = lcg(7)
    const points = Array.from({ length: 40 }, () => [rnd() * 10 - 5, rnd() * 4 - 2])
    const d = distanceMatrix(points)
    const mds = classicalMds(d, points.length, 2)
    const embedded = points.map((_, i) => [mds.coords[0][i], mds.coords[1][i]])
    const back = distanceMatrix(embedded)
    let worst = 0
    for (let k = 0; k < d.length; k++) worst = Math.max(worst, Math.abs(back[k] - d[k]))
    expect(worst).toBeLessThan(1e-8)
    expect(mds.explained).toBeCloseTo(1, 10)
  })

  it('2-D points placed in a tilted plane of 3-D space are recovered too (distances, not coordinates)', () => {
    const rnd = lcg(11)
    const plane = Array.from({ length: 25 }, () => [rnd() * 6, rnd() * 6])
    // Orthonormal u = (1,2,2)/3, v = (2,1,−2)/3 span the plane.
    const points3 = plane.map(([a, b]) => [(a + 2 * b) / 3 + 1, (2 * a + b) / 3 - 4, (2 * a - 2 * b) / 3 + 0.5])
    const d = distanceMatrix(points3)
    const mds = classicalMds(d, plane.length, 2)
    const back = distanceMatrix(plane.map((_, i) => [mds.coords[0][i], mds.coords[1][i]]))
    const orig = distanceMatrix(plane)
    for (let k = 0; k < d.length; k++) expect(back[k]).toBeCloseTo(orig[k], 8)
  })

  it('the first axis of 3-D points carries the largest spread (eigenvalue = n·variance along it)', () => {
    // Points on the x axis spread ±3, on y ±1, on z ±0.5, all centred: λ_k = Σ_i coord_k².
    const pts = [[3, 0, 0], [-3, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 0.5], [0, 0, -0.5]]
    const mds = classicalMds(distanceMatrix(pts), pts.length, 2)
    expect(mds.eigenvalues[0]).toBeCloseTo(18, 8)
    expect(mds.eigenvalues[1]).toBeCloseTo(2, 8)
    expect(mds.explained).toBeCloseTo(20 / 20.5, 8)
  })

  it('Jacobi diagonalises a known symmetric matrix', () => {
    // [[2,1],[1,2]] has eigenvalues 1 and 3.
    const { values } = jacobiEigen(Float64Array.from([2, 1, 1, 2]), 2)
    expect([...values].sort()).toEqual([expect.closeTo(1, 12), expect.closeTo(3, 12)])
  })

  it('rejects a malformed matrix with the offending entry named', () => {
    expect(() => classicalMds(new Float64Array(5), 2)).toThrow(SpikelabError)
    expect(() => classicalMds(Float64Array.from([0, -1, -1, 0]), 2)).toThrow(/row 0, column 1/)
  })

  it('the divergence map uses √JS with JS = ΔI·N/2', () => {
    // Three cells; ΔI between single cells is (2/N)·JS.
    const N = 3
    const js = [0, 0.04, 0.09, 0.04, 0, 0.01, 0.09, 0.01, 0]
    const costs = Float64Array.from(js, (v) => (2 / N) * v)
    expect(Array.from(jsDistances(costs, N)).map((v) => +v.toFixed(12))).toEqual([0, 0.2, 0.3, 0.2, 0, 0.1, 0.3, 0.1, 0])
    // 0.2 + 0.1 = 0.3: the three cells are collinear, so a 2-D map preserves the distances exactly.
    const map = divergenceMap(costs, N)
    expect(Math.hypot(map.x[0] - map.x[2], map.y[0] - map.y[2])).toBeCloseTo(0.3, 9)
    expect(Math.hypot(map.x[1] - map.x[2], map.y[1] - map.y[2])).toBeCloseTo(0.1, 9)
  })
})

describe('correlogram matrix', () => {
  // Two units, two trials of 1 s; bins of 10 ms.
  const spikes = [
    // [unit, trial, t]
    [0, 0, 0.101], [0, 0, 0.205], [0, 0, 0.5], [1, 0, 0.115], [1, 0, 0.226], [1, 0, 0.48],
    [0, 1, 0.3], [0, 1, 0.31], [1, 1, 0.329], [1, 1, 0.9],
  ] as const
  const rec: Pick<SpikeRecording, 'batch' | 'trials' | 'units'> = {
    units: [{ id: 'a' }, { id: 'b' }],
    trials: [{ index: 0, id: '0', start: 0, stop: 1 }, { index: 1, id: '1', start: 0, stop: 1 }],
    batch: {
      t: Float64Array.from(spikes, (s) => s[2]),
      neuron: Uint32Array.from(spikes, (s) => s[0]),
      trial: Int32Array.from(spikes, (s) => s[1]),
    },
  }

  /** Independent count: every pair of spikes in the same trial, lag = bin(t_j) − bin(t_i). */
  function bruteForce(i: number, j: number, maxLag: number): number[] {
    const out = new Array(2 * maxLag + 1).fill(0)
    for (const a of spikes)
      for (const b of spikes) {
        if (a[0] !== i || b[0] !== j || a[1] !== b[1]) continue
        if (i === j && a === b) continue
        const lag = Math.floor(b[2] / 0.01 + 1e-8) - Math.floor(a[2] / 0.01 + 1e-8)
        if (Math.abs(lag) <= maxLag) out[lag + maxLag]++
      }
    return out
  }

  it('every entry equals the pair count of spikes at that lag, summed over trials', () => {
    const m = correlogramMatrix(rec, [0, 1], { binSize: 0.01, maxLag: 5, span: 1 })
    expect(Array.from(m.lags)).toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5])
    for (const i of [0, 1]) for (const j of [0, 1]) expect(Array.from(m.values[i][j])).toEqual(bruteForce(i, j, 5))
    // By hand: a@0.101 → b@0.115 is +1 bin, a@0.205 → b@0.226 +2, a@0.30 and a@0.31 → b@0.329 +2 and +1.
    expect(m.values[0][1][5 + 1]).toBe(2)
    expect(m.values[0][1][5 + 2]).toBe(2)
    // The transpose is the mirror image; the autocorrelogram's zero-lag bin is blank.
    expect(Array.from(m.values[1][0])).toEqual(Array.from(m.values[0][1]).reverse())
    expect(m.values[0][0][5]).toBe(0)
    expect(m.values[0][0][5 + 1]).toBe(1) // 0.30 → 0.31 in trial 1
  })

  it('rejects unknown units and bad windows', () => {
    expect(() => correlogramMatrix(rec, [0, 2], { binSize: 0.01, maxLag: 5, span: 1 })).toThrow(/unit index 2/)
    expect(() => correlogramMatrix(rec, [0], { binSize: 0.01, maxLag: 1.5, span: 1 })).toThrow(/whole number/)
  })
})

describe('CSV export', () => {
  it('quotes what needs quoting and writes numbers so they read back exactly', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField(' lead')).toBe('" lead"')
    expect(csvField(null)).toBe('')
    expect(csvField(NaN)).toBe('')
    expect(Number(csvField(0.1 + 0.2))).toBe(0.1 + 0.2)
    expect(formatCsv(['x', 'y'], [[1, 'a\nb']])).toBe('x,y\n1,"a\nb"\n')
    expect(() => formatCsv(['x', 'y'], [[1]])).toThrow(/1 fields/)
  })

  it('the clusters table has one row per unit with its cluster and map position', () => {
    const view = {
      units: [
        { id: '007', label: 'ON-fast', cluster: 1 },
        { id: 'b,2', label: null, cluster: 0 },
      ],
      map: { x: [0.25, -1e-7], y: [1.5, 2], explained: 1 },
    } as unknown as ClassificationView
    expect(clustersCsv(view)).toBe('unit_index,unit,label,cluster,map_x,map_y\n0,007,ON-fast,1,0.25,1.5\n1,"b,2",,0,-1e-7,2\n')
  })

  it('the statistics table leaves undefined statistics empty', () => {
    const csv = statisticsCsv([{ unit: 'u1', label: null, electrode: '3 (CA1)', spikes: 2, rateHz: 0.5, cv: null, cv2: null, lv: null, lvr: null, fano: 0.25 }])
    expect(csv).toBe('unit,label,electrode,spikes,rate_hz,cv,cv2,lv,lvr,fano\nu1,,3 (CA1),2,0.5,,,,,0.25\n')
  })
})

describe('bootstrap helpers', () => {
  it('percentiles interpolate between order statistics (NumPy linear)', () => {
    const v = [1, 2, 3, 4, 5]
    expect(percentileOfSorted(v, 0.5)).toBe(3)
    expect(percentileOfSorted(v, 0.025)).toBeCloseTo(1.1, 12) // 0.025·4 = 0.1
    expect(percentileOfSorted(v, 0.975)).toBeCloseTo(4.9, 12)
  })
  it('resampled repeats are drawn with replacement, reproducibly, from 0…R−1', () => {
    const a = bootstrapRepeats(50, 3, 7)
    expect(a).toEqual(bootstrapRepeats(50, 3, 7))
    expect(a).not.toEqual(bootstrapRepeats(50, 3, 8))
    expect(a.every((r) => Number.isInteger(r) && r >= 0 && r < 50)).toBe(true)
    // With replacement: 50 draws from 50 almost surely repeat one (P(all distinct) = 50!/50^50 ≈ 3e-21).
    expect(new Set(a).size).toBeLessThan(50)
  })
})

describe('bootstrap interval of the identity information', () => {
  it('collapses onto the estimate when every repeat is the same response', async () => {
    const { bootstrapInformation } = await import('../../../main/spikes/bootstrap.js')
    const { responsesFromTrains } = await import('../../../main/spikes/responses.js')
    const { buildWordHistograms } = await import('../../../main/spikes/word-histograms.js')
    const { identityInformation } = await import('../../../main/spikes/information.js')
    // Two cells, 8 identical repeats each: any resample of repeats is the same data.
    const cellA = Array.from({ length: 8 }, () => [0.005, 0.035])
    const cellB = Array.from({ length: 8 }, () => [0.015, 0.025])
    const resp = responsesFromTrains([cellA, cellB], { duration: 0.05, binSize: 0.01 })
    const words = { wordLength: 2, stride: 1 }
    const expected = identityInformation(buildWordHistograms(resp, words)).pt
    expect(expected).toBeGreaterThan(0)
    const ci = await bootstrapInformation(resp, words, { resamples: 20, seed: 5 })
    for (const v of [ci.low, ci.high, ci.centredLow, ci.centredHigh]) expect(v).toBeCloseTo(expected, 12)
  })

  it('the centred interval is the percentile interval moved by (estimate − resample mean)', async () => {
    const { bootstrapInformation } = await import('../../../main/spikes/bootstrap.js')
    const { generateSyntheticRetina } = await import('../../../main/spikes/synthetic-retina.js')
    const { responsesFromTrains } = await import('../../../main/spikes/responses.js')
    const retina = generateSyntheticRetina({ types: 4, cellsPerType: 2, jitter: 0.1, repeats: 12, seed: 2, durationMs: 1000 })
    const resp = responsesFromTrains(retina.spikes, { duration: 1, binSize: 0.01 })
    const ci = await bootstrapInformation(resp, { wordLength: 3, stride: 1 }, { resamples: 40, seed: 1, estimate: 0.5 })
    const mean = ci.values.reduce((a, b) => a + b, 0) / ci.values.length
    expect(ci.high - ci.low).toBeGreaterThan(0)
    expect(ci.centredLow).toBeCloseTo(ci.low + 0.5 - mean, 12)
    expect(ci.centredHigh).toBeCloseTo(ci.high + 0.5 - mean, 12)
    await expect(bootstrapInformation(resp, { wordLength: 3, stride: 1 }, { resamples: 1 })).rejects.toThrow(/at least 2 resamples/)
  })
})
