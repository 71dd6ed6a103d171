/**
 * Spike-train analysis for the Analysis view: open a file (statistics per unit), the data behind the
 * raster, PSTH, ISI and correlogram views, and the functional classification as a job whose result
 * (with its 2-D divergence map) is stored in the lab catalog.
 */
import { stat } from 'node:fs/promises'
import { SpikelabError } from '../../../common/errors.js'
import type { ClassificationView, KernelChoice, RequestResult, SpikeFileSummary } from '../../../common/contract/schemas.js'
import type { SpikeBatch } from '../../../common/spike-batch.js'
import {
  classifyCells,
  correlogramMatrix,
  divergenceMap,
  isi,
  isiHistogram,
  openSpikeFile,
  repeatDuration,
  smoothedRate,
  timeHistogram,
  unitStatistics,
  unitTimes,
  type SpikeRecording,
} from '../../spikes/index.js'
import type { JobRegistry } from '../jobs.js'
import type { AnalysisStore } from './analysis-store.js'
import { fingerprintSpikeSource } from './spike-fingerprint.js'
import { statisticsRows } from './analysis-csv.js'

const PSTH_BIN_S = 0.05
/** The bootstrap runs by default only while it stays cheap (N·R below this). */
const BOOTSTRAP_DEFAULT_LIMIT = 20_000
const BOOTSTRAP_DEFAULT = 200
const RECORDINGS_CACHED = 2
/** 16 bytes a spike: at most 32 MB in one binary frame. */
const MAX_FRAME_SPIKES = 2_000_000

interface CachedRecording {
  readonly path: string
  readonly size: number
  readonly mtimeMs: number
  readonly rec: SpikeRecording
  readonly span: number
}

export class AnalysisService {
  private readonly resultOfJob = new Map<string, number>()
  private readonly cache: CachedRecording[] = []

  constructor(
    private readonly jobs: JobRegistry,
    private readonly store: AnalysisStore,
  ) {}

  /** The recording at `path`, read once and reused while the file is unchanged. */
  async recording(path: string): Promise<CachedRecording> {
    const info = await stat(path).catch(() => null)
    if (!info) throw new SpikelabError('spikes.not-found', 'no such file or folder', { file: path })
    const hit = this.cache.find((c) => c.path === path && c.size === info.size && c.mtimeMs === info.mtimeMs)
    if (hit) return hit
    const rec = await openSpikeFile(path)
    const entry = { path, size: info.size, mtimeMs: info.mtimeMs, rec, span: repeatDuration(rec) }
    const stale = this.cache.findIndex((c) => c.path === path)
    if (stale >= 0) this.cache.splice(stale, 1)
    this.cache.unshift(entry)
    this.cache.length = Math.min(this.cache.length, RECORDINGS_CACHED)
    return entry
  }

  async open(path: string): Promise<SpikeFileSummary> {
    const { rec, span } = await this.recording(path)
    const summary: SpikeFileSummary = {
      path,
      sourceFormat: rec.sourceFormat,
      units: rec.units.length,
      trials: rec.trials?.length ?? 0,
      spikes: rec.batch.t.length,
      spanS: span,
      warnings: [...rec.warnings],
      stats: statisticsRows(rec, unitStatistics(rec, span)),
      trialList: (rec.trials ?? []).map((t) => ({ id: t.id, condition: t.condition ?? null })),
    }
    this.store.noteOpened({ path, sourceFormat: summary.sourceFormat, units: summary.units, trials: summary.trials, spikes: summary.spikes })
    return summary
  }

  classify(path: string, options: { wordBins?: number; binMs?: number; k?: number; bootstrap?: number }): string {
    const wordBins = options.wordBins ?? 3
    const binMs = options.binMs ?? 10
    const job = this.jobs.start('analysis.classify', `Classify ${path.split(/[\\/]/).pop()}`, async (ctx) => {
      ctx.progress({ fraction: 0, message: 'Reading spikes' })
      const { rec, span: duration } = await this.recording(path)
      if (!rec.batch.trial || (rec.trials?.length ?? 0) < 2) {
        throw new SpikelabError('analysis.no-trials', 'the file has no repeated trials to condition on (need at least 2)', { file: path })
      }
      const fingerprint = await fingerprintSpikeSource(path)
      const nR = rec.units.length * (rec.trials?.length ?? 0)
      const bootstrap = options.bootstrap ?? (nR <= BOOTSTRAP_DEFAULT_LIMIT ? BOOTSTRAP_DEFAULT : 0)
      const result = await classifyCells(rec.batch, { duration, binSize: binMs / 1000, wordLength: wordBins, k: options.k, bootstrap, nCells: rec.units.length }, {
        signal: ctx.signal,
        onProgress: (p) => ctx.progress({ fraction: 0.95 * p.fraction, message: p.phase }),
      })
      ctx.progress({ fraction: 0.96, message: 'map of pairwise divergences' })
      const map = divergenceMap(result.aib.pairCosts ?? new Float64Array(result.nCells * result.nCells), result.nCells)
      const warnings = [...result.warnings]
      if (bootstrap === 0) warnings.push(`no bootstrap interval: ${nR} cell-repeats is more than the default limit of ${BOOTSTRAP_DEFAULT_LIMIT} (ask for one with bootstrap: n)`)
      const ci = result.information.interval
      const saved = this.store.save({
        path,
        fingerprint,
        cells: result.nCells,
        repeats: result.nRepeats,
        wordBins,
        binMs,
        k: result.k,
        kJump: result.kJump?.k ?? null,
        kKnee: result.kKnee?.k ?? null,
        informationPt: result.information.pt,
        informationPlugin: result.information.plugin,
        informationCi: ci ? { low: ci.low, high: ci.high, centredLow: ci.centredLow, centredHigh: ci.centredHigh, level: ci.level, resamples: ci.resamples } : null,
        floorBits: result.floor?.value ?? null,
        curve: Array.from(result.curve).slice(1),
        merges: result.aib.merges.map((m) => ({ ...m })),
        units: rec.units.map((u, i) => ({ id: u.id, label: u.label ?? null, cluster: result.labels[i] })),
        bitsPerSpike: result.spikesToIdentify.bitsPerSpike,
        spikesToIdentify: result.spikesToIdentify.spikes,
        clusterPsth: { binS: PSTH_BIN_S, rates: clusterPsth(rec, result.labels, result.k, duration) },
        map: { x: Array.from(map.x), y: Array.from(map.y), explained: map.explained },
        warnings,
      })
      this.resultOfJob.set(job.id, saved.id)
      ctx.progress({ fraction: 1, message: `K = ${saved.k} classes of ${saved.cells} cells` })
      return { id: saved.id, k: saved.k }
    })
    return job.id
  }

  result(jobId: string): ClassificationView {
    const id = this.resultOfJob.get(jobId)
    const view = id === undefined ? null : this.store.load(id)
    if (view) return view
    const state = this.jobs.get(jobId)?.state
    throw new SpikelabError('analysis.no-result', state === 'running' ? 'the classification is still running' : `no classification result for job ${jobId}`, { field: 'jobId' })
  }

  load(id: number): ClassificationView {
    const view = this.store.load(id)
    if (!view) throw new SpikelabError('not-found', `no stored classification with id ${id}`, { field: 'id' })
    return view
  }

  /** The chosen units' spikes (all units when none are given), for the raster views. */
  async spikes(path: string, units?: readonly number[]): Promise<{ batch: SpikeBatch; span: number; trials: number }> {
    const { rec, span } = await this.recording(path)
    checkUnits(rec, units ?? [])
    const keep = units ? new Uint8Array(rec.units.length) : null
    if (keep && units) for (const u of units) keep[u] = 1
    const { t, neuron, trial } = rec.batch
    const picked: number[] = []
    for (let k = 0; k < t.length; k++) if (!keep || keep[neuron[k]]) picked.push(k)
    if (picked.length > MAX_FRAME_SPIKES) throw new SpikelabError('analysis.too-many-spikes', `${picked.length} spikes is more than one view takes (${MAX_FRAME_SPIKES}); choose fewer units`, { field: 'units' })
    const batch: SpikeBatch = {
      t: Float64Array.from(picked, (k) => t[k]),
      neuron: Uint32Array.from(picked, (k) => neuron[k]),
      trial: trial ? Int32Array.from(picked, (k) => trial[k]) : undefined,
    }
    return { batch, span, trials: rec.trials?.length ?? 0 }
  }

  async psth(path: string, units: readonly number[], binMs: number, kernel: KernelChoice, sigmaMs?: number): Promise<RequestResult<'analysis.psth'>> {
    const { rec, span } = await this.recording(path)
    checkUnits(rec, units)
    const binS = binMs / 1000
    let times: number[] = []
    const series = units.map((u) => {
      const trains = perTrial(rec, u)
      if (kernel === 'none') {
        const h = timeHistogram(trains, { binSize: binS, tStart: 0, tStop: span, output: 'rate' })
        times = Array.from(h.edges)
        return { unit: u, rates: Array.from(h.values) }
      }
      const r = smoothedRate(trains, { kernel, sigma: (sigmaMs ?? 2 * binMs) / 1000, samplingPeriod: binS, tStart: 0, tStop: span })
      times = Array.from(r.times)
      return { unit: u, rates: Array.from(r.rate) }
    })
    return { times, series }
  }

  async isi(path: string, units: readonly number[], binMs: number, maxMs: number): Promise<RequestResult<'analysis.isi'>> {
    const { rec } = await this.recording(path)
    checkUnits(rec, units)
    let edgesMs: number[] = []
    const series = units.map((u) => {
      // Intervals within each trial only: the gap between two trials is not an inter-spike interval.
      const intervals = Float64Array.from(perTrial(rec, u).flatMap((times) => [...isi(times)]))
      const h = isiHistogram(intervals, binMs / 1000, maxMs / 1000)
      edgesMs = Array.from(h.edges, (e) => e * 1000)
      return { unit: u, counts: Array.from(h.counts), overflow: h.overflow }
    })
    return { edgesMs, series }
  }

  async correlograms(path: string, units: readonly number[], binMs: number, maxLag: number): Promise<RequestResult<'analysis.correlograms'>> {
    const { rec, span } = await this.recording(path)
    const m = correlogramMatrix(rec, units, { binSize: binMs / 1000, maxLag, span })
    return { units: [...m.units], lags: Array.from(m.lags), binMs, values: m.values.map((row) => row.map((v) => Array.from(v))) }
  }
}

function checkUnits(rec: SpikeRecording, units: readonly number[]): void {
  for (const u of units) if (u >= rec.units.length) throw new SpikelabError('analysis.unit', `unit index ${u} is not one of the ${rec.units.length} units`, { field: 'units' })
}

function perTrial(rec: SpikeRecording, unit: number): Float64Array[] {
  const trials = rec.trials ?? []
  return trials.length > 0 && rec.batch.trial ? trials.map((tr) => unitTimes(rec, unit, tr.index)) : [unitTimes(rec, unit)]
}

/** Mean rate (Hz) per cluster in bins of PSTH_BIN_S across all repeats and member cells. */
function clusterPsth(rec: SpikeRecording, labels: Int32Array, k: number, duration: number): number[][] {
  const bins = Math.max(1, Math.ceil(duration / PSTH_BIN_S))
  const counts = Array.from({ length: k }, () => new Float64Array(bins))
  const members = new Float64Array(k)
  for (let i = 0; i < labels.length; i++) members[labels[i]]++
  const { t, neuron } = rec.batch
  for (let s = 0; s < t.length; s++) {
    const c = labels[neuron[s]]
    const b = Math.floor(t[s] / PSTH_BIN_S)
    if (c >= 0 && b >= 0 && b < bins) counts[c][b]++
  }
  const repeats = Math.max(1, rec.trials?.length ?? 1)
  return counts.map((row, c) => Array.from(row, (n) => n / (Math.max(1, members[c]) * repeats * PSTH_BIN_S)))
}
