/** Offline spike-train analysis and functional classification. */
import { z } from 'zod'
import { AbsolutePath, JobStarted, nullableNumber } from './common.js'

export const UnitStatisticsRow = z.object({
  unit: z.string(),
  label: z.string().nullable(),
  spikes: z.number().int(),
  rateHz: nullableNumber,
  cv: nullableNumber,
  cv2: nullableNumber,
  lv: nullableNumber,
  lvr: nullableNumber,
  fano: nullableNumber,
})

export const SpikeFileSummary = z.object({
  path: z.string(),
  sourceFormat: z.string(),
  units: z.number().int(),
  trials: z.number().int(),
  spikes: z.number().int(),
  /** Length of one trial (or of the recording), s. */
  spanS: z.number(),
  warnings: z.array(z.string()),
  stats: z.array(UnitStatisticsRow),
})
export type SpikeFileSummary = z.infer<typeof SpikeFileSummary>

export const ClassificationView = z.object({
  path: z.string(),
  cells: z.number().int(),
  repeats: z.number().int(),
  wordBins: z.number().int(),
  binMs: z.number(),
  k: z.number().int(),
  kJump: z.number().int().nullable(),
  kKnee: z.number().int().nullable(),
  /** I(cell; word | t): Panzeri–Treves corrected and plug-in, bits per word. */
  informationPt: z.number(),
  informationPlugin: z.number(),
  /** Split-half noise floor, bits. */
  floorBits: z.number().nullable(),
  /** I(K) for K = 1…N (index 0 is K = 1). */
  curve: z.array(z.number()),
  merges: z.array(z.object({ a: z.number().int(), b: z.number().int(), id: z.number().int(), cost: z.number(), infoAfter: z.number(), size: z.number().int() })),
  units: z.array(z.object({ id: z.string(), label: z.string().nullable(), cluster: z.number().int() })),
  bitsPerSpike: z.number(),
  spikesToIdentify: z.number(),
  /** Mean firing rate (Hz) per cluster and PSTH bin. */
  clusterPsth: z.object({ binS: z.number(), rates: z.array(z.array(z.number())) }),
  warnings: z.array(z.string()),
})
export type ClassificationView = z.infer<typeof ClassificationView>

export const analysisRequests = {
  'analysis.open': { params: z.object({ path: AbsolutePath }).strict(), result: SpikeFileSummary },
  /** Starts a classification job; fetch the result with analysis.result once the job is done. */
  'analysis.classify': {
    params: z
      .object({
        path: AbsolutePath,
        wordBins: z.number().int().min(1).max(16).optional(),
        binMs: z.number().min(0.1).max(1000).optional(),
        k: z.number().int().min(1).max(100_000).optional(),
      })
      .strict(),
    result: JobStarted,
  },
  'analysis.result': { params: z.object({ jobId: z.string().min(1).max(64) }).strict(), result: ClassificationView },
} as const
