import { describe, expect, it } from 'vitest'
import { binTrain } from '../../../main/spikes/binning.js'
import { autoCorrelogram, crossCorrelogram } from '../../../main/spikes/correlogram.js'
import { smoothedRate, timeHistogram } from '../../../main/spikes/psth.js'
import { SpikelabError } from '../../../common/errors.js'

describe('timeHistogram (Elephant time_histogram)', () => {
  const trains = [
    [0.3, 4.5, 6.7, 9.3],
    [0.7, 4.3, 8.2],
  ]
  it('matches the Elephant doctest', () => {
    const h = timeHistogram(trains, { binSize: 1, tStop: 10 })
    expect(Array.from(h.values)).toEqual([2, 0, 0, 0, 2, 0, 1, 0, 1, 1])
    expect(h.edges[3]).toBe(3)
  })
  it('mean and rate scale by trains and bin size', () => {
    const m = timeHistogram(trains, { binSize: 2, tStop: 10, output: 'mean' })
    expect(Array.from(m.values)).toEqual([1, 0, 1, 0.5, 1]) // counts [2,0,2,1,2] / 2
    const r = timeHistogram(trains, { binSize: 2, tStop: 10, output: 'rate' })
    expect(Array.from(r.values)).toEqual([0.5, 0, 0.5, 0.25, 0.5]) // counts / (2 trains × 2 s)
  })
  it('a spike exactly at t_stop is discarded; binary counts one spike per train per bin', () => {
    expect(Array.from(timeHistogram([[0, 1, 2]], { binSize: 1, tStop: 2 }).values)).toEqual([1, 1])
    expect(Array.from(timeHistogram([[0.1, 0.2], [0.5]], { binSize: 1, tStop: 1, binary: true }).values)).toEqual([2])
  })
  it('tolerance moves a spike at a float bin edge into the next bin', () => {
    // 0.3/0.1 = 2.9999999999999996 in float64: Elephant's 1e-8 tolerance puts it in bin 3.
    expect(Array.from(binTrain([0.3], 0, 0.1, 5))).toEqual([0, 0, 0, 1, 0])
  })
  it('empty trains without t_stop is an error naming the field', () => {
    expect(() => timeHistogram([[], []], { binSize: 1 })).toThrow(SpikelabError)
    expect(Array.from(timeHistogram([[], []], { binSize: 1, tStop: 3 }).values)).toEqual([0, 0, 0])
  })
})

describe('smoothedRate', () => {
  it('rectangular kernel of SD σ is a box of half-width √3σ and height 1/(2√3σ)', () => {
    const sigma = 1 / Math.sqrt(3) // half-width 1, height 0.5
    const r = smoothedRate([[2]], { kernel: 'rectangular', sigma, samplingPeriod: 0.5, tStart: 0, tStop: 4 })
    // samples at 0, 0.5, …, 3.5: inside |t−2| ≤ 1 → 1, 1.5, 2, 2.5, 3
    expect(Array.from(r.rate)).toEqual([0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0])
  })
  it('gaussian kernel peak is 1/(√(2π)σ) per spike, averaged over trains', () => {
    const r = smoothedRate([[1], []], { kernel: 'gaussian', sigma: 0.1, samplingPeriod: 0.5, tStart: 0, tStop: 2 })
    expect(r.rate[2]).toBeCloseTo(1 / (Math.sqrt(2 * Math.PI) * 0.1) / 2, 12)
  })
})

describe('cross-correlogram (Elephant cross_correlation_histogram)', () => {
  // x_i = [1,0,1,0], x_j = [0,1,0,0]: spike pairs at lags +1 (0→1) and −1 (2→1).
  const xi = [1, 0, 1, 0]
  const xj = [0, 1, 0, 0]
  it('full window', () => {
    const c = crossCorrelogram(xi, xj)
    expect(Array.from(c.lags)).toEqual([-3, -2, -1, 0, 1, 2, 3])
    expect(Array.from(c.values)).toEqual([0, 0, 1, 0, 1, 0, 0])
  })
  it('lag window, border correction n/(n−|τ|)', () => {
    const c = crossCorrelogram(xi, xj, { window: [-1, 1], borderCorrection: true })
    expect(Array.from(c.values)).toEqual([4 / 3, 0, 4 / 3])
  })
  it('correlation coefficient', () => {
    // (0 − 2·1/4) / sqrt((2 − 4/4)(1 − 1/4)) at lag 0
    const c = crossCorrelogram(xi, xj, { window: 'valid', coefficient: true })
    expect(c.values[0]).toBeCloseTo(-0.5 / Math.sqrt(0.75), 14)
  })
  it('binary clips counts', () => {
    expect(Array.from(crossCorrelogram([2, 0], [0, 3], { window: [1, 1] }).values)).toEqual([6])
    expect(Array.from(crossCorrelogram([2, 0], [0, 3], { window: [1, 1], binary: true }).values)).toEqual([1])
  })
  it('auto-correlogram blanks the zero lag', () => {
    const a = autoCorrelogram([1, 1, 0, 1], { window: [-2, 2] })
    // pairs: (0,1) lag ±1, (0,3) ±3 outside, (1,3) ±2
    expect(Array.from(a.values)).toEqual([1, 1, 0, 1, 1])
  })
  it('rejects trains binned to different lengths', () => {
    expect(() => crossCorrelogram([1, 0], [1])).toThrow(/differ in length/)
  })
})
