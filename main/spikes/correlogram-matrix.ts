/**
 * Auto- and cross-correlograms of several units at once (the correlogram matrix of the Analysis view):
 * every unit is binned per trial (Elephant's bin rule) and CCH[τ] = Σ_k x_i[k]·x_j[k+τ] is summed over
 * trials, for lags −maxLag…maxLag bins. Diagonal entries are auto-correlograms with the zero-lag bin
 * blanked (each spike paired with itself).
 */
import { SpikelabError } from '../../common/errors.js'
import { binCount, binTrain } from './binning.js'
import { crossCorrelogram } from './correlogram.js'
import { unitTimes, type SpikeRecording } from './recording.js'

export interface CorrelogramMatrixOptions {
  /** Bin width (s). */
  readonly binSize: number
  /** Largest lag shown, in bins (the window is [−maxLag, maxLag]). */
  readonly maxLag: number
  /** Length of one trial (s), or of the recording without trials. */
  readonly span: number
}

export interface CorrelogramMatrix {
  /** Unit indices in the order of the rows and columns. */
  readonly units: readonly number[]
  /** Lags in bins, −maxLag…maxLag. */
  readonly lags: Int32Array
  /** values[i][j] is the CCH of units[i] (reference) and units[j]; τ > 0: j fires after i. */
  readonly values: Float64Array[][]
}

export function correlogramMatrix(rec: Pick<SpikeRecording, 'batch' | 'trials' | 'units'>, units: readonly number[], o: CorrelogramMatrixOptions): CorrelogramMatrix {
  if (!Number.isInteger(o.maxLag) || o.maxLag < 0) throw new SpikelabError('spikes.cch', `the lag window must be a whole number of bins ≥ 0 (got ${o.maxLag})`, { field: 'maxLag' })
  for (const u of units) if (!Number.isInteger(u) || u < 0 || u >= rec.units.length) throw new SpikelabError('spikes.cch', `unit index ${u} is not one of the ${rec.units.length} units`, { field: 'units' })
  const nBins = binCount(0, o.span, o.binSize)
  const trials = rec.trials && rec.trials.length > 0 && rec.batch.trial ? rec.trials.map((t) => t.index) : [undefined]
  const binned = units.map((u) => trials.map((tr) => binTrain(unitTimes(rec, u, tr), 0, o.binSize, nBins)))
  const nLags = 2 * o.maxLag + 1
  const values = units.map((_, i) =>
    units.map((__, j) => {
      const sum = new Float64Array(nLags)
      for (let r = 0; r < trials.length; r++) {
        const c = crossCorrelogram(binned[i][r], binned[j][r], { window: [-o.maxLag, o.maxLag] })
        for (let l = 0; l < nLags; l++) sum[l] += c.values[l]
      }
      if (i === j) sum[o.maxLag] = 0
      return sum
    }),
  )
  return { units: [...units], lags: Int32Array.from({ length: nLags }, (_, l) => l - o.maxLag), values }
}
