/**
 * Spike-train analysis for the Analysis view: open a file (statistics per unit) and run the
 * functional classification as a job whose result is kept for the view to fetch.
 */
import { SpikelabError } from '../../../common/errors.js'
import type { ClassificationView, SpikeFileSummary } from '../../../common/contract/schemas.js'
import { classifyCells, openSpikeFile, repeatDuration, unitStatistics, type SpikeRecording } from '../../spikes/index.js'
import type { JobRegistry } from '../jobs.js'

const RESULTS_KEPT = 20
const PSTH_BIN_S = 0.05

export class AnalysisService {
  private readonly results = new Map<string, ClassificationView>()

  constructor(private readonly jobs: JobRegistry) {}

  async open(path: string): Promise<SpikeFileSummary> {
    const rec = await openSpikeFile(path)
    const span = repeatDuration(rec)
    const finite = (x: number) => (Number.isFinite(x) ? x : null)
    return {
      path,
      sourceFormat: rec.sourceFormat,
      units: rec.units.length,
      trials: rec.trials?.length ?? 0,
      spikes: rec.batch.t.length,
      spanS: span,
      warnings: [...rec.warnings],
      stats: unitStatistics(rec, span).map((r) => ({ ...r, rateHz: finite(r.rateHz), cv: finite(r.cv), cv2: finite(r.cv2), lv: finite(r.lv), lvr: finite(r.lvr), fano: finite(r.fano) })),
    }
  }

  classify(path: string, options: { wordBins?: number; binMs?: number; k?: number }): string {
    const wordBins = options.wordBins ?? 3
    const binMs = options.binMs ?? 10
    const job = this.jobs.start('analysis.classify', `Classify ${path.split(/[\\/]/).pop()}`, async (ctx) => {
      ctx.progress({ fraction: 0, message: 'Reading spikes' })
      const rec = await openSpikeFile(path)
      if (!rec.batch.trial || (rec.trials?.length ?? 0) < 2) {
        throw new SpikelabError('analysis.no-trials', 'the file has no repeated trials to condition on (need at least 2)', { file: path })
      }
      const duration = repeatDuration(rec)
      const result = await classifyCells(rec.batch, { duration, binSize: binMs / 1000, wordLength: wordBins, k: options.k }, {
        signal: ctx.signal,
        onProgress: (p) => ctx.progress({ fraction: p.fraction, message: p.phase }),
      })
      const view: ClassificationView = {
        path,
        cells: result.nCells,
        repeats: result.nRepeats,
        wordBins,
        binMs,
        k: result.k,
        kJump: result.kJump?.k ?? null,
        kKnee: result.kKnee?.k ?? null,
        informationPt: result.information.pt,
        informationPlugin: result.information.plugin,
        floorBits: result.floor?.value ?? null,
        curve: Array.from(result.curve).slice(1),
        merges: result.aib.merges.map((m) => ({ ...m })),
        units: rec.units.map((u, i) => ({ id: u.id, label: u.label ?? null, cluster: result.labels[i] })),
        bitsPerSpike: result.spikesToIdentify.bitsPerSpike,
        spikesToIdentify: result.spikesToIdentify.spikes,
        clusterPsth: { binS: PSTH_BIN_S, rates: clusterPsth(rec, result.labels, result.k, duration) },
        warnings: [...result.warnings],
      }
      this.keep(job.id, view)
      ctx.progress({ fraction: 1, message: `K = ${view.k} classes of ${view.cells} cells` })
      return view
    })
    return job.id
  }

  result(jobId: string): ClassificationView {
    const view = this.results.get(jobId)
    if (view) return view
    const state = this.jobs.get(jobId)?.state
    throw new SpikelabError('analysis.no-result', state === 'running' ? 'the classification is still running' : `no classification result for job ${jobId}`, { field: 'jobId' })
  }

  private keep(jobId: string, view: ClassificationView): void {
    this.results.set(jobId, view)
    for (const key of [...this.results.keys()].slice(0, Math.max(0, this.results.size - RESULTS_KEPT))) this.results.delete(key)
  }
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
