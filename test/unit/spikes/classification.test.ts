import { describe, expect, it } from 'vitest'
import { adjustedRandIndex } from '../../../main/spikes/adjusted-rand.js'
import { agglomerativeIB } from '../../../main/spikes/aib.js'
import { classifyCells } from '../../../main/spikes/classify.js'
import { cutAt, dendrogramHeights, informationCurve, kByFloor, kByJump } from '../../../main/spikes/dendrogram.js'
import { singleSpikeInformation } from '../../../main/spikes/estimators.js'
import { cellIdentifiability, gTable, identityInformation, mergeCost, partitionInformation } from '../../../main/spikes/information.js'
import { sequentialIB, subtractHistogram } from '../../../main/spikes/sequential-ib.js'
import { responsesFromTrains } from '../../../main/spikes/responses.js'
import { addHistograms, buildWordHistograms, histogramFromCounts, type WordHistograms } from '../../../main/spikes/word-histograms.js'
import { CancelledError } from '../../../common/errors.js'
import type { SpikeBatch } from '../../../common/spike-batch.js'

function fromCounts(R: number, cells: number[][], wordLength = 2): WordHistograms {
  return { nCells: cells.length, nRepeats: R, nPositions: 1, wordLength, stride: 1, cells: cells.map((c) => histogramFromCounts(R, [c])) }
}

// functional-classification.md §4.3, test vector 1.
describe('test vector 1 (N = 3, R = 4, one position)', () => {
  const hs = fromCounts(4, [
    [2, 1, 0, 1],
    [2, 2, 0, 0],
    [0, 0, 2, 2],
  ])
  const g = gTable(12)
  it('identity information and PT bias', () => {
    const info = identityInformation(hs, g)
    expect(info.plugin).toBeCloseTo(0.792481250360578, 14)
    expect(info.ptBias).toBeCloseTo(0.0601122933703735, 14)
  })
  it('per-cell identifiability (hand-computed KL to the pooled (4,3,2,3)/12)', () => {
    // cell 0: ½·log2(1.5); cell 1: ½·log2(1.5) + ½; cell 2: ½·log2(3) + ½; their mean is I
    const ii = cellIdentifiability(hs)
    expect(ii[0]).toBeCloseTo(0.5 * Math.log2(1.5), 14)
    expect(ii[1]).toBeCloseTo(0.5 * Math.log2(1.5) + 0.5, 14)
    expect(ii[2]).toBeCloseTo(0.5 * Math.log2(3) + 0.5, 14)
    expect((ii[0] + ii[1] + ii[2]) / 3).toBeCloseTo(0.792481250360578, 14)
  })
  it('pairwise merge costs', () => {
    expect(mergeCost(hs.cells[0], hs.cells[1], g, 3, 4, 1)).toBeCloseTo(0.103759374819711, 14)
    expect(mergeCost(hs.cells[0], hs.cells[2], g, 3, 4, 1)).toBeCloseTo(0.437092708153044, 14)
    expect(mergeCost(hs.cells[1], hs.cells[2], g, 3, 4, 1)).toBeCloseTo(0.666666666666667, 14)
  })
  it('AIB merges 0+1, then {0,1}+2', async () => {
    const aib = await agglomerativeIB(hs, identityInformation(hs, g).plugin)
    expect(aib.merges.map((m) => [m.a, m.b, m.id, m.size])).toEqual([
      [0, 1, 3, 2],
      [2, 3, 4, 3],
    ])
    expect(aib.merges[0].infoAfter).toBeCloseTo(0.688721875540867, 14)
    expect(aib.merges[1].cost).toBeCloseTo(0.688721875540867, 14)
    expect(aib.merges[1].infoAfter).toBeCloseTo(0, 14)
    expect(partitionInformation(hs, cutAt(aib, 2), g)).toBeCloseTo(0.688721875540867, 14)
    expect(partitionInformation(hs, [0, 0, 0], g)).toBe(0)
  })
})

// Test vector 2: an exact tie and a non-monotone cost.
describe('test vector 2 (N = 6, R = 10)', () => {
  const hs = fromCounts(10, [
    [3, 3, 0, 4],
    [3, 0, 3, 4],
    [3, 1, 0, 6],
    [3, 1, 3, 3],
    [3, 0, 1, 6],
    [0, 3, 3, 4],
  ])
  it('merge order, tie rule and costs', async () => {
    const info = identityInformation(hs).plugin
    expect(info).toBeCloseTo(0.303607668905106, 14)
    const aib = await agglomerativeIB(hs, info)
    expect(aib.merges.map((m) => [m.a, m.b, m.id])).toEqual([
      [0, 2, 6],
      [1, 4, 7],
      [3, 7, 8],
      [5, 8, 9],
      [6, 9, 10],
    ])
    const costs = [0.0174230259602797, 0.0174230259602797, 0.0376011279684569, 0.116865858713338, 0.114294630302751]
    aib.merges.forEach((m, k) => expect(m.cost).toBeCloseTo(costs[k], 14))
    // heights are cumulative loss and stay monotone although the last cost decreases
    const h = dendrogramHeights(aib)
    for (let k = 1; k < h.length; k++) expect(h[k]).toBeGreaterThan(h[k - 1])
    expect(informationCurve(aib)[6]).toBe(info)
  })
})

describe('word histograms from spike trains (hand-computed)', () => {
  // One cell, 2 repeats, Δτ = 10 ms, T = 50 ms → 5 bins, L = 3 → 3 positions.
  // repeat 0 spikes in bins 0 and 2 → words 101, 010, 100 → codes 5, 2, 4
  // repeat 1 spikes in bin 4        → words 000, 000, 001 → codes 0, 0, 1
  const resp = responsesFromTrains([[[0.001, 0.025, 0.027], [0.049]]], { duration: 0.05, binSize: 0.01 })
  const hs = buildWordHistograms(resp, { wordLength: 3 })
  it('positions, codes and counts', () => {
    const h = hs.cells[0]
    expect(hs.nPositions).toBe(3)
    expect(Array.from(h.pos)).toEqual([0, 1, 2])
    expect(Array.from(h.start)).toEqual([0, 2, 4, 6])
    expect(Array.from(h.code)).toEqual([0, 5, 0, 2, 1, 4])
    expect(Array.from(h.count)).toEqual([1, 1, 1, 1, 1, 1])
  })
  it('stride 2 keeps positions 0 and 2', () => {
    const s = buildWordHistograms(resp, { wordLength: 3, stride: 2 })
    expect(s.nPositions).toBe(2)
    expect(Array.from(s.cells[0].code)).toEqual([0, 5, 1, 4])
  })
  it('add and subtract are inverse', () => {
    const other = buildWordHistograms(responsesFromTrains([[[], [0.011]]], { duration: 0.05, binSize: 0.01 }), { wordLength: 3 }).cells[0]
    const sum = addHistograms(hs.cells[0], other)
    expect(sum.n).toBe(4)
    // position 0: cell {0:1, 5:1} + other {0:1, 2:1}
    expect(Array.from(sum.code.subarray(sum.start[0], sum.start[1]))).toEqual([0, 2, 5])
    expect(Array.from(sum.count.subarray(sum.start[0], sum.start[1]))).toEqual([2, 1, 1])
    expect(subtractHistogram(sum, other)).toEqual(hs.cells[0])
  })
})

describe('single-spike identity information (hand-computed)', () => {
  it('two cells firing in disjoint bins: I_1 = 1 bit; identical PSTHs: 0', () => {
    expect(singleSpikeInformation([[2, 0], [0, 2]])).toBe(1)
    expect(singleSpikeInformation([[1, 3], [1, 3]])).toBe(0)
    expect(singleSpikeInformation([[0], [0]])).toBeNaN()
  })
})

describe('adjusted Rand index', () => {
  it('hand-computed value', () => {
    // pred [0,0,1,1], truth [0,0,0,1]: Σ C(n_ij,2) = 1; Σ C(a_i,2) = 2; Σ C(b_j,2) = 3; C(4,2) = 6
    // expected = 1, max = 2.5 → (1 − 1)/(2.5 − 1) = 0
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 0, 1])).toBe(0)
    expect(adjustedRandIndex([1, 1, 0, 0], [0, 0, 5, 5])).toBe(1)
    // pred [0,0,1,1,2,2], truth [0,0,0,1,1,1]: index = 2, a = 3, b = 6, C(6,2) = 15, expected = 1.2, max = 4.5
    expect(adjustedRandIndex([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1])).toBeCloseTo(0.8 / 3.3, 14)
  })
})

describe('job control', () => {
  // Four cells of two kinds, 20 repeats: kind A fires in bin 1, kind B in bin 3 of 5 bins.
  const batch = ((): SpikeBatch => {
    const t: number[] = []
    const neuron: number[] = []
    const trial: number[] = []
    for (let i = 0; i < 4; i++)
      for (let r = 0; r < 20; r++) {
        t.push(i < 2 ? 0.015 : 0.035)
        neuron.push(i)
        trial.push(r)
      }
    return { t: Float64Array.from(t), neuron: Uint32Array.from(neuron), trial: Int32Array.from(trial) }
  })()
  it('classifies deterministic cells and reports progress at most 10 Hz', async () => {
    const times: number[] = []
    const res = await classifyCells(batch, { duration: 0.05, k: 2, wordLength: 2 }, { onProgress: () => times.push(Date.now()) })
    expect(Array.from(res.labels)).toEqual([0, 0, 1, 1])
    expect(res.aib.merges[0].cost).toBe(0) // identical cells
    expect(res.infoAtK).toBeCloseTo(res.information.plugin, 14)
    expect(times.length).toBeGreaterThan(0)
    // at most one report per 100 ms, except the final 100 % report
    for (let k = 1; k < times.length - 1; k++) expect(times[k] - times[k - 1]).toBeGreaterThanOrEqual(99)
  })
  it('an aborted signal cancels with CancelledError', async () => {
    const ac = new AbortController()
    ac.abort()
    await expect(classifyCells(batch, { duration: 0.05 }, { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError)
  })
  it('aborting from the progress callback stops the running job', async () => {
    const ac = new AbortController()
    let reports = 0
    const run = classifyCells(batch, { duration: 0.05, wordLength: 2 }, { signal: ac.signal, onProgress: () => (reports++, ac.abort()) })
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    expect(reports).toBe(1)
  })
  it('a batch without trials is rejected naming the field', async () => {
    await expect(classifyCells({ t: batch.t, neuron: batch.neuron }, { duration: 0.05 })).rejects.toThrow(/field 'trial'/)
  })
})

describe('K rules on a constructed merge table', () => {
  it('K_jump picks the largest cost ratio and K_floor the first merge above 3F', () => {
    // N = 8; costs of merges in order (K = 8→7 … 2→1): 1, 1, 1, 1, 2, 20, 30
    const costs = [1, 1, 1, 1, 2, 20, 30]
    let info = 100
    const merges = costs.map((c, m) => ({ a: 0, b: 0, id: 8 + m, cost: c, infoAfter: (info -= c), size: 2 }))
    const aib = { nCells: 8, infoAll: 100, merges }
    // c_K/c_{K+1} for K = 2…4: 30/20, 20/2, 2/1 → K = 3
    expect(kByJump(aib)).toEqual({ k: 3, score: 10 })
    expect(kByFloor(aib, 0.5)).toBe(4) // first merge above 1.5 is the 5th (K = 4 → 3)
  })
})

describe('sIB', () => {
  it('moves a misassigned cell and never lowers I(K)', async () => {
    const hs = fromCounts(4, [
      [4, 0, 0, 0],
      [4, 0, 0, 0],
      [0, 0, 0, 4],
      [0, 0, 0, 4],
    ])
    const start = [0, 1, 1, 1] // cell 1 belongs with cell 0
    const before = partitionInformation(hs, start)
    const r = await sequentialIB(hs, start)
    expect(Array.from(r.labels)).toEqual([0, 0, 1, 1])
    expect(r.info).toBeGreaterThan(before)
    expect(r.info).toBeCloseTo(1, 14) // two equiprobable, perfectly separated groups
  })
})

describe('dense cost engine', () => {
  it('agrees with the merge-join formulation of §7.2 on a synthetic population', async () => {
    const { generateSyntheticRetina, syntheticToSpikeBatch } = await import('../../../main/spikes/synthetic-retina.js')
    const { responsesFromBatch } = await import('../../../main/spikes/responses.js')
    const { DenseCostEngine, denseFromHistogram, mergeDense } = await import('../../../main/spikes/dense-cost.js')
    const { mergeCostSum } = await import('../../../main/spikes/information.js')
    const r = generateSyntheticRetina({ types: 4, cellsPerType: 2, jitter: 0.1, repeats: 20, seed: 3, durationMs: 2000 })
    const hs = buildWordHistograms(responsesFromBatch(syntheticToSpikeBatch(r), { duration: 2, binSize: 0.01 }), { wordLength: 3 })
    const g = gTable(8 * 20)
    const engine = new DenseCostEngine(hs.nPositions, 3, g, 20)
    const dense = hs.cells.map((h) => denseFromHistogram(h, hs.nPositions, 3))
    for (let a = 0; a < 8; a++) {
      engine.scatter(dense[a])
      for (let b = 0; b < 8; b++) {
        const ref = mergeCostSum(hs.cells[a], hs.cells[b], g)
        expect(Math.abs(engine.costSum(dense[b]) - ref)).toBeLessThan(1e-9 * Math.max(1, Math.abs(ref)))
      }
    }
    // merged clusters take the general path
    const merged = mergeDense(dense[0], dense[1])
    engine.scatter(merged)
    const ref = mergeCostSum(addHistograms(hs.cells[0], hs.cells[1]), hs.cells[5], g)
    expect(Math.abs(engine.costSum(dense[5]) - ref)).toBeLessThan(1e-9 * Math.max(1, Math.abs(ref)))
  })
})
