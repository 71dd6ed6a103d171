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
  /** The unit's electrodes from the NWB electrodes table, e.g. "3 (CA1)"; null without one. */
  electrode: z.string().nullable(),
})
export type UnitStatisticsRow = z.infer<typeof UnitStatisticsRow>

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
  /** Trial ids and conditions in trial-index order (empty without trials). */
  trialList: z.array(z.object({ id: z.string(), condition: z.string().nullable() })),
})
export type SpikeFileSummary = z.infer<typeof SpikeFileSummary>

export const ClassificationView = z.object({
  /** Row id in the lab catalog (results are stored there when the job finishes). */
  id: z.number().int(),
  createdAt: z.number(),
  path: z.string(),
  /** Fingerprint of the analysed file (size + first and last MiB), to tell when it has changed. */
  fingerprint: z.string(),
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
  /**
   * Bootstrap interval of the corrected information (repeats resampled jointly): the percentile interval
   * (low, high) and the same reflected about the estimate (centredLow, centredHigh); null when not computed.
   */
  informationCi: z
    .object({ low: z.number(), high: z.number(), centredLow: z.number(), centredHigh: z.number(), level: z.number(), resamples: z.number().int() })
    .nullable(),
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
  /** Classical MDS of √(pairwise JS divergence) between cells: 2-D coordinates per unit (units order). */
  map: z.object({ x: z.array(z.number()), y: z.array(z.number()), explained: z.number() }),
  warnings: z.array(z.string()),
})
export type ClassificationView = z.infer<typeof ClassificationView>

export const StoredClassification = z.object({
  id: z.number().int(),
  path: z.string(),
  fingerprint: z.string(),
  createdAt: z.number(),
  cells: z.number().int(),
  k: z.number().int(),
  wordBins: z.number().int(),
  binMs: z.number(),
  informationPt: z.number(),
})
export type StoredClassification = z.infer<typeof StoredClassification>

export const RecentSpikeFile = z.object({
  path: z.string(),
  sourceFormat: z.string(),
  units: z.number().int(),
  trials: z.number().int(),
  spikes: z.number().int(),
  openedAt: z.number(),
})
export type RecentSpikeFile = z.infer<typeof RecentSpikeFile>

const UnitIndices = z.array(z.number().int().min(0)).min(1).max(64)
const KernelChoice = z.enum(['none', 'gaussian', 'rectangular', 'triangular', 'epanechnikov', 'exponential'])
export type KernelChoice = z.infer<typeof KernelChoice>

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
        /** Bootstrap resamples for the information's confidence interval (0 = none; default 200 for small problems). */
        bootstrap: z.number().int().min(0).max(2000).optional(),
      })
      .strict(),
    result: JobStarted,
  },
  'analysis.result': { params: z.object({ jobId: z.string().min(1).max(64) }).strict(), result: ClassificationView },
  /** Stored classification results and recently opened spike files, newest first. */
  'analysis.history': {
    params: z.object({ limit: z.number().int().min(1).max(500).optional() }).strict(),
    result: z.object({ results: z.array(StoredClassification), recentFiles: z.array(RecentSpikeFile) }),
  },
  'analysis.load': { params: z.object({ id: z.number().int().min(1) }).strict(), result: ClassificationView },
  'analysis.remove': { params: z.object({ id: z.number().int().min(1) }).strict(), result: z.object({ removed: z.boolean() }) },
  /** Sends the spikes of the chosen units (unit indices; default all) as one binary spike frame after the reply. */
  'analysis.spikes': {
    params: z.object({ path: AbsolutePath, units: z.array(z.number().int().min(0)).max(100_000).optional() }).strict(),
    result: z.object({ streamId: z.number().int(), spikes: z.number().int(), spanS: z.number(), trials: z.number().int() }),
  },
  /** Trial-averaged PSTH per unit: a histogram of bin binMs, or a kernel-smoothed rate (kernel SD sigmaMs) sampled every binMs. */
  'analysis.psth': {
    params: z.object({ path: AbsolutePath, units: UnitIndices, binMs: z.number().min(0.1).max(60_000), kernel: KernelChoice, sigmaMs: z.number().min(0.1).max(60_000).optional() }).strict(),
    result: z.object({ times: z.array(z.number()), series: z.array(z.object({ unit: z.number().int(), rates: z.array(z.number()) })) }),
  },
  /** ISI histogram per unit (intervals within trials), bins of binMs up to maxMs. */
  'analysis.isi': {
    params: z.object({ path: AbsolutePath, units: UnitIndices, binMs: z.number().min(0.01).max(10_000), maxMs: z.number().min(0.1).max(600_000) }).strict(),
    result: z.object({ edgesMs: z.array(z.number()), series: z.array(z.object({ unit: z.number().int(), counts: z.array(z.number().int()), overflow: z.number().int() })) }),
  },
  /** Auto/cross-correlogram matrix of up to 8 units, summed over trials; lags −maxLag…maxLag bins. */
  'analysis.correlograms': {
    params: z.object({ path: AbsolutePath, units: z.array(z.number().int().min(0)).min(1).max(8), binMs: z.number().min(0.1).max(10_000), maxLag: z.number().int().min(1).max(500) }).strict(),
    result: z.object({ units: z.array(z.number().int()), lags: z.array(z.number().int()), binMs: z.number(), values: z.array(z.array(z.array(z.number()))) }),
  },
  /**
   * Clusters of a stored result (`id`) or per-unit statistics of a spike file (`path`) as CSV. The text
   * always comes back (the view offers it as a download); with `output` it is also written there.
   */
  'analysis.exportCsv': {
    params: z
      .object({ what: z.enum(['clusters', 'statistics']), id: z.number().int().min(1).optional(), path: AbsolutePath.optional(), output: AbsolutePath.optional() })
      .strict(),
    result: z.object({ csv: z.string(), rows: z.number().int(), written: z.string().nullable() }),
  },
} as const
