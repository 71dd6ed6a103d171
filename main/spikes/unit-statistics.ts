/**
 * The per-unit summary a person looks at first: spike count, mean rate, ISI variability (CV, CV2,
 * LV, LvR with R = 5 ms) and, with repeated trials, the Fano factor of the counts. NaN where a
 * statistic is undefined (too few spikes or trials).
 */
import { cv, cv2, fanoFactor, isi, lv, lvr, meanFiringRate } from './isi-statistics.js'
import { unitTimes, type SpikeRecording } from './recording.js'

export interface UnitStatistics {
  readonly unit: string
  readonly label: string | null
  readonly spikes: number
  readonly rateHz: number
  readonly cv: number
  readonly cv2: number
  readonly lv: number
  readonly lvr: number
  readonly fano: number
}

/** `span`: the length (s) of one trial, or of the whole recording when there are no trials. */
export function unitStatistics(rec: SpikeRecording, span: number): UnitStatistics[] {
  const trials = rec.trials ?? []
  return rec.units.map((unit, u) => {
    const perTrial = trials.length > 0 ? trials.map((tr) => unitTimes(rec, u, tr.index)) : [unitTimes(rec, u)]
    const intervals = Float64Array.from(perTrial.flatMap((times) => [...isi(times)]))
    return {
      unit: unit.id,
      label: unit.label ?? null,
      spikes: perTrial.reduce((n, times) => n + times.length, 0),
      rateHz: perTrial.reduce((s, times) => s + meanFiringRate(times, { tStart: 0, tStop: span }), 0) / perTrial.length,
      cv: cv(intervals),
      cv2: cv2(intervals),
      lv: lv(intervals),
      lvr: lvr(intervals),
      fano: trials.length > 1 ? fanoFactor(perTrial) : NaN,
    }
  })
}
