import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateSyntheticRetina, syntheticToRecording } from '../../../main/spikes/synthetic-retina.js'
import { writeNwbUnits } from '../../../main/spikes/nwb.js'
import { JobRegistry } from '../../../main/lab/jobs.js'
import { AnalysisService } from '../../../main/lab/analysis/analysis-service.js'
import { AnalysisStore } from '../../../main/lab/analysis/analysis-store.js'
import { analysisHandlers } from '../../../main/lab/analysis/analysis-handlers.js'
import { RecordingCatalog } from '../../../main/lab/recordings/catalog.js'
import { adjustedRandIndex } from '../../../main/spikes/adjusted-rand.js'
import type { SessionContext } from '../../../main/lab/lab-server.js'

let dir = ''
let file = ''
const retina = generateSyntheticRetina({ types: 4, cellsPerType: 4, jitter: 0.1, repeats: 40, seed: 1, durationMs: 4000 })

async function finished(jobs: JobRegistry, id: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const state = jobs.get(id)?.state
    if (state && state !== 'running') {
      expect(jobs.get(id)?.error ?? null).toBeNull()
      return
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('the classification did not finish in 30 s')
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'spikelab-analysis-'))
  file = path.join(dir, 'retina.nwb')
  await writeNwbUnits(file, syntheticToRecording(retina))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('classification results in the lab catalog', () => {
  let storedId = 0

  it('a finished classification is saved with its parameters, curve, membership, map and fingerprint', async () => {
    const catalogFile = path.join(dir, 'catalog.sqlite')
    // The recordings catalog opens the file first, as createLab does; the analysis store shares it (WAL).
    const catalog = new RecordingCatalog(catalogFile)
    const store = new AnalysisStore(catalogFile)
    const jobs = new JobRegistry(() => {})
    const service = new AnalysisService(jobs, store)
    const summary = await service.open(file)
    expect(summary.units).toBe(16)
    expect(summary.trialList).toHaveLength(40)
    const jobId = service.classify(file, { k: 4 })
    await finished(jobs, jobId)
    const view = service.result(jobId)
    storedId = view.id
    expect(view.k).toBe(4)
    expect(view.fingerprint).toMatch(/^[0-9a-f]{64}$/)
    expect(view.curve).toHaveLength(16)
    expect(view.units).toHaveLength(16)
    // Ground truth: 4 types × 4 cells, easy jitter.
    expect(adjustedRandIndex(view.units.map((u) => u.cluster), retina.cells.map((c) => c.typeId))).toBe(1)
    // 16 cells → bootstrap by default; the interval brackets the corrected value.
    expect(view.informationCi).not.toBeNull()
    expect(view.informationCi!.resamples).toBe(200)
    expect(view.informationCi!.low).toBeLessThan(view.informationCi!.high)
    // Resamples repeat trials, so their plug-in bias lifts the percentile interval; the centred one holds the estimate.
    expect(view.informationCi!.centredLow).toBeLessThan(view.informationPt)
    expect(view.informationCi!.centredHigh).toBeGreaterThan(view.informationPt)
    expect(view.informationCi!.centredHigh - view.informationCi!.centredLow).toBeCloseTo(view.informationCi!.high - view.informationCi!.low, 12)
    // The map: cells of one type sit closer to each other than to the other types, on average.
    const d = (i: number, j: number) => Math.hypot(view.map.x[i] - view.map.x[j], view.map.y[i] - view.map.y[j])
    let within = 0
    let between = 0
    let nw = 0
    let nb = 0
    for (let i = 0; i < 16; i++)
      for (let j = i + 1; j < 16; j++) {
        if (retina.cells[i].typeId === retina.cells[j].typeId) {
          within += d(i, j)
          nw++
        } else {
          between += d(i, j)
          nb++
        }
      }
    expect(within / nw).toBeLessThan((0.5 * between) / nb)
    expect(store.list()[0]).toMatchObject({ id: view.id, path: file, k: 4, cells: 16, wordBins: 3, binMs: 10 })
    expect(store.recentFiles()[0]).toMatchObject({ path: file, sourceFormat: 'nwb', units: 16, trials: 40 })
    store.close()
    catalog.close()
  })

  it('reopens after the lab restarts: the same result from a new connection, and the recordings catalog still works', async () => {
    const catalogFile = path.join(dir, 'catalog.sqlite')
    const catalog = new RecordingCatalog(catalogFile)
    const store = new AnalysisStore(catalogFile)
    const service = new AnalysisService(new JobRegistry(() => {}), store)
    const view = service.load(storedId)
    expect(view.k).toBe(4)
    expect(view.units.map((u) => u.cluster)).toHaveLength(16)
    expect(catalog.list({})).toEqual([])
    expect(() => service.load(storedId + 100)).toThrow(/no stored classification/)
    store.close()
    catalog.close()
  })

  it('exports clusters and statistics as CSV (text always, the file when asked) whose content is the result', async () => {
    const store = new AnalysisStore(path.join(dir, 'catalog.sqlite'))
    const service = new AnalysisService(new JobRegistry(() => {}), store)
    const handlers = analysisHandlers(service, store)
    const session = {} as SessionContext
    const out = path.join(dir, 'clusters.csv')
    const res = await handlers['analysis.exportCsv']({ what: 'clusters', id: storedId, output: out }, session)
    expect(res.written).toBe(out)
    expect(await readFile(out, 'utf8')).toBe(res.csv)
    const view = service.load(storedId)
    const lines = res.csv.trim().split('\n')
    expect(lines[0]).toBe('unit_index,unit,label,cluster,map_x,map_y')
    expect(lines).toHaveLength(17)
    lines.slice(1).forEach((line, i) => {
      const [index, unit, label, cluster, x, y] = line.split(',')
      expect([Number(index), unit, label, Number(cluster), Number(x), Number(y)]).toEqual([i, view.units[i].id, view.units[i].label, view.units[i].cluster, view.map.x[i], view.map.y[i]])
    })
    const stats = await handlers['analysis.exportCsv']({ what: 'statistics', path: file }, session)
    expect(stats.written).toBeNull()
    const summary = await service.open(file)
    const first = stats.csv.split('\n')[1].split(',')
    expect(first[0]).toBe(summary.stats[0].unit)
    expect(Number(first[3])).toBe(summary.stats[0].spikes)
    expect(Number(first[4])).toBe(summary.stats[0].rateHz)
    await expect(handlers['analysis.exportCsv']({ what: 'clusters' }, session)).rejects.toThrow(/needs the id/)
    store.close()
  })

  it('serves PSTH (histogram and kernel), ISI histograms and the correlogram matrix of chosen units', async () => {
    const store = new AnalysisStore(path.join(dir, 'catalog.sqlite'))
    const service = new AnalysisService(new JobRegistry(() => {}), store)
    const summary = await service.open(file)
    const hist = await service.psth(file, [0, 5], 100, 'none')
    expect(hist.times).toHaveLength(40)
    // Mean rate over the histogram = the unit's mean firing rate (same spikes, same window).
    const mean = hist.series[0].rates.reduce((a, b) => a + b, 0) / hist.series[0].rates.length
    expect(mean).toBeCloseTo(summary.stats[0].rateHz!, 9)
    const smooth = await service.psth(file, [0], 10, 'gaussian', 20)
    expect(smooth.times).toHaveLength(400)
    const isi = await service.isi(file, [0], 5, 200)
    expect(isi.edgesMs).toHaveLength(40)
    // Intervals are taken within trials only, so there are fewer than spikes.
    const total = isi.series[0].counts.reduce((a, b) => a + b, 0) + isi.series[0].overflow
    expect(total).toBeLessThanOrEqual(summary.stats[0].spikes)
    // The generator's refractory period is 3 one-ms bins with a uniform position inside each, so no interval is below 2 ms.
    const fine = await service.isi(file, [0], 1, 10)
    expect(fine.series[0].counts.slice(0, 2)).toEqual([0, 0])
    const cc = await service.correlograms(file, [0, 1, 2], 5, 10)
    expect(cc.lags).toHaveLength(21)
    expect(cc.values).toHaveLength(3)
    expect(cc.values[0][0][10]).toBe(0)
    expect(cc.values[1][0]).toEqual([...cc.values[0][1]].reverse())
    await expect(service.psth(file, [99], 10, 'none')).rejects.toThrow(/unit index 99/)
    store.close()
  })
})
