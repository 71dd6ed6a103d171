/**
 * One schema per message that crosses the renderer ↔ main boundary (both shells use these).
 * Types are inferred from the schemas, so the contract cannot drift from its validation.
 */
import { z } from 'zod'

const Empty = z.object({}).strict()

export const PortInfo = z.object({
  path: z.string(),
  manufacturer: z.string().nullable(),
  vendorId: z.string().nullable(),
  productId: z.string().nullable(),
  serialNumber: z.string().nullable(),
  pnpId: z.string().nullable(),
})
export type PortInfo = z.infer<typeof PortInfo>

export const SimulatedDevice = z.object({
  id: z.string(),
  kind: z.enum(['sensor', 'board']),
  name: z.string(),
  description: z.string(),
})
export type SimulatedDevice = z.infer<typeof SimulatedDevice>

export const DeviceList = z.object({
  ports: z.array(PortInfo),
  simulated: z.array(SimulatedDevice),
  /** Why the port listing failed or is partial (e.g. no udev); null when it worked. */
  listError: z.string().nullable(),
  /** When the list was taken, ms since the epoch. */
  listedAt: z.number(),
})
export type DeviceList = z.infer<typeof DeviceList>

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  shell: z.enum(['electron', 'host']),
  node: z.string(),
  platform: z.string(),
  labFolder: z.string(),
  /** TensorFlow.js backend for training, e.g. "wasm (SIMD)"; null until the training service has loaded. */
  computeBackend: z.string().nullable(),
})
export type AppInfo = z.infer<typeof AppInfo>

export const AppMetrics = z.object({
  rssBytes: z.number(),
  heapUsedBytes: z.number(),
  uptimeSeconds: z.number(),
})
export type AppMetrics = z.infer<typeof AppMetrics>

export const JobState = z.enum(['running', 'done', 'failed', 'cancelled'])
export type JobState = z.infer<typeof JobState>

export const JobInfo = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  state: JobState,
  /** Fraction done in [0, 1], or null when unknown. */
  progress: z.number().min(0).max(1).nullable(),
  message: z.string(),
  /** Seconds to completion estimated from progress so far, or null. */
  etaSeconds: z.number().nullable(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  error: z.string().nullable(),
})
export type JobInfo = z.infer<typeof JobInfo>

const AbsolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'must not contain NUL')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), 'must be an absolute path')

export const RecordingEntry = z.object({
  id: z.number().int(),
  path: z.string(),
  format: z.string(),
  sensor: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  eventCount: z.number().int(),
  onCount: z.number().int(),
  offCount: z.number().int(),
  firstTimestampUs: z.number().nullable(),
  lastTimestampUs: z.number().nullable(),
  durationUs: z.number(),
  sizeBytes: z.number().int(),
  modifiedAt: z.number(),
  fingerprint: z.string(),
  addedAt: z.number(),
  tags: z.array(z.string()),
  notes: z.string(),
  missing: z.boolean(),
  hasThumbnail: z.boolean(),
})
export type RecordingEntry = z.infer<typeof RecordingEntry>

export const RecordingQuery = z
  .object({
    text: z.string().max(500).optional(),
    format: z.string().max(32).optional(),
    sensor: z.string().max(200).optional(),
    tag: z.string().max(64).optional(),
    minDurationUs: z.number().nonnegative().optional(),
    maxDurationUs: z.number().nonnegative().optional(),
    minEvents: z.number().int().nonnegative().optional(),
    includeMissing: z.boolean().optional(),
    sortBy: z.enum(['addedAt', 'path', 'format', 'durationUs', 'eventCount', 'modifiedAt', 'sizeBytes']).optional(),
    descending: z.boolean().optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
    offset: z.number().int().nonnegative().optional(),
  })
  .strict()
export type RecordingQuery = z.infer<typeof RecordingQuery>

export const RescanReport = z.object({
  checked: z.number().int(),
  moved: z.array(z.object({ from: z.string(), to: z.string() })),
  missing: z.array(z.string()),
  changed: z.array(z.string()),
  reappeared: z.array(z.string()),
})

const JobStarted = z.object({ jobId: z.string() })

export const SensorStatus = z.object({
  state: z.enum(['disconnected', 'connecting', 'streaming', 'lost']),
  /** 'sim:edvs' or a serial port path. */
  device: z.string().nullable(),
  firmware: z.string().nullable(),
  /** eDVS event format in use, e.g. "!E4". */
  format: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  events: z.number(),
  eventsPerSecond: z.number(),
  /** Bytes the parser had to skip to stay in sync (garbage, dropped bytes). */
  droppedBytes: z.number(),
  /** Events not drawn because the display could not keep up (they are still recorded). */
  decimatedForDisplay: z.number(),
  losses: z.number().int(),
  lastError: z.string().nullable(),
  /** The recording in progress (AEDAT 4, crash-safe), or null. */
  recording: z.object({ path: z.string(), events: z.number(), bytes: z.number(), elapsedS: z.number() }).nullable(),
})
export type SensorStatus = z.infer<typeof SensorStatus>

/** The simulator, or a serial port: any absolute path without "..", since ports are often symlinks (/dev/serial/by-id, socat links). */
const DevicePath = z
  .string()
  .min(1)
  .max(512)
  .refine((d) => d === 'sim:edvs' || /^(?!.*\.\.)(\/[\w./-]+|COM\d+|\\\\\.\\COM\d+)$/.test(d), "must be 'sim:edvs' or a serial port path")

const nullableNumber = z.number().nullable()

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

export const TrainingConfig = z
  .object({
    epochs: z.number().int().min(1).max(100),
    batchSize: z.number().int().min(1).max(1024),
    /** Time steps T per sample. */
    steps: z.number().int().min(1).max(200),
    learningRate: z.number().positive().max(1),
    /** Hidden LIF layer width of the 784-H-10 network. */
    hidden: z.number().int().min(1).max(4096),
    beta: z.number().min(0).max(1),
    encoding: z.enum(['rate', 'latency']),
    trainCount: z.number().int().min(10).max(9990),
    testCount: z.number().int().min(0).max(9990),
    seed: z.number().int().min(0).max(2 ** 31 - 1),
    backend: z.enum(['auto', 'wasm', 'cpu']),
  })
  .strict()
export type TrainingConfig = z.infer<typeof TrainingConfig>

export const TrainingRun = z.object({
  id: z.string(),
  jobId: z.string(),
  method: z.string(),
  state: JobState,
  config: TrainingConfig,
  /** e.g. "wasm (SIMD)"; null until the worker has loaded its backend. */
  backend: z.string().nullable(),
  dataHash: z.string().nullable(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  progress: z
    .object({ epoch: z.number(), epochs: z.number(), batch: z.number(), batches: z.number(), loss: z.number(), accuracy: z.number(), samplesPerSecond: z.number(), etaSeconds: z.number() })
    .nullable(),
  /** One entry per finished epoch; testAccuracy null without a test split. */
  history: z.array(z.object({ epoch: z.number(), trainLoss: z.number(), trainAccuracy: z.number(), testAccuracy: z.number().nullable(), samplesPerSecond: z.number(), seconds: z.number() })),
  /** Folder holding run.json and the last checkpoint's weights. */
  folder: z.string(),
  error: z.string().nullable(),
})
export type TrainingRun = z.infer<typeof TrainingRun>

/** Request/response methods: params are validated on entry to the main side, results before they leave. */
export const requestSchemas = {
  'app.info': { params: Empty, result: AppInfo },
  'app.metrics': { params: Empty, result: AppMetrics },
  'devices.list': { params: z.object({ refresh: z.boolean().optional() }).strict(), result: DeviceList },
  'jobs.list': { params: Empty, result: z.array(JobInfo) },
  'jobs.cancel': { params: z.object({ jobId: z.string().min(1).max(64) }).strict(), result: z.object({ cancelled: z.boolean() }) },
  'recordings.list': {
    params: RecordingQuery,
    result: z.object({ entries: z.array(RecordingEntry), formats: z.array(z.string()), tags: z.array(z.string()) }),
  },
  'recordings.update': {
    params: z.object({ id: z.number().int(), tags: z.array(z.string().max(64)).max(100).optional(), notes: z.string().max(10_000).optional() }).strict(),
    result: RecordingEntry,
  },
  /** What an event file is, read streaming (it need not be in the library). */
  'recordings.info': {
    params: z.object({ path: AbsolutePath }).strict(),
    result: z.object({
      format: z.string(), sensor: z.string().nullable(), width: z.number().int().nullable(), height: z.number().int().nullable(),
      eventCount: z.number().int(), onCount: z.number().int(), offCount: z.number().int(),
      firstTimestampUs: z.number().nullable(), lastTimestampUs: z.number().nullable(),
    }),
  },
  'recordings.remove': { params: z.object({ id: z.number().int() }).strict(), result: z.object({ removed: z.boolean() }) },
  'recordings.thumbnail': { params: z.object({ id: z.number().int() }).strict(), result: z.object({ pngBase64: z.string().nullable() }) },
  /** Starts an import job (files and folders, in place or copied into the lab folder). */
  'recordings.import': { params: z.object({ paths: z.array(AbsolutePath).min(1).max(1000), copy: z.boolean() }).strict(), result: JobStarted },
  'recordings.rescan': { params: Empty, result: RescanReport },
  /**
   * Events of a recording in [fromUs, toUs) (the sensor's own time) for playback: the reply names a
   * stream on which one binary event frame follows.
   */
  'recordings.window': {
    params: z.object({ id: z.number().int(), fromUs: z.number(), toUs: z.number() }).strict(),
    result: z.object({ streamId: z.number().int(), events: z.number().int() }),
  },
  /** Starts a conversion job (streaming; the output appears only when complete). */
  'recordings.convert': {
    params: z
      .object({
        input: AbsolutePath,
        output: AbsolutePath,
        format: z.enum(['evt2', 'evt21', 'evt3', 'dat', 'nmnist', 'aedat2', 'aedat3', 'aedat4', 'csv', 'npy']).optional(),
        fromUs: z.number().nonnegative().optional(),
        toUs: z.number().positive().optional(),
      })
      .strict(),
    result: JobStarted,
  },
  'sensor.connect': {
    params: z
      .object({
        device: DevicePath,
        baud: z.number().int().min(9600).max(12_000_000).optional(),
        scene: z.enum(['moving-bar', 'rotating-dot']).optional(),
        eventsPerSecond: z.number().int().min(1000).max(10_000_000).optional(),
        rtscts: z.boolean().optional(),
      })
      .strict(),
    result: SensorStatus,
  },
  'sensor.disconnect': { params: Empty, result: SensorStatus },
  'sensor.status': { params: Empty, result: SensorStatus },
  /** Starts recording every event of the connected sensor to a new AEDAT 4 file in the lab folder. */
  'sensor.recordStart': { params: Empty, result: SensorStatus },
  /** Stops recording; the file is closed, indexed, and added to the library. */
  'sensor.recordStop': { params: Empty, result: z.object({ status: SensorStatus, recording: RecordingEntry }) },
  /** Opens a binary stream of the sensor's live events (coalesced at display rate, decimated if the client lags). */
  'sensor.live': { params: Empty, result: z.object({ streamId: z.number().int() }) },
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
  /** Starts a surrogate-gradient BPTT training run on MNIST in a worker thread. */
  'training.start': { params: TrainingConfig, result: z.object({ jobId: z.string(), runId: z.string() }) },
  'training.runs': { params: Empty, result: z.array(TrainingRun) },
  'streams.close': { params: z.object({ streamId: z.number().int().nonnegative() }).strict(), result: z.object({ closed: z.boolean() }) },
} as const

/** Events the main side pushes to every connected renderer. */
export const eventSchemas = {
  'jobs.update': JobInfo,
  'devices.changed': DeviceList,
  'sensor.status': SensorStatus,
  'training.update': TrainingRun,
} as const

export type RequestName = keyof typeof requestSchemas
export type RequestParams<M extends RequestName> = z.input<(typeof requestSchemas)[M]['params']>
export type ParsedParams<M extends RequestName> = z.output<(typeof requestSchemas)[M]['params']>
export type RequestResult<M extends RequestName> = z.output<(typeof requestSchemas)[M]['result']>
export type EventName = keyof typeof eventSchemas
export type EventData<E extends EventName> = z.output<(typeof eventSchemas)[E]>

export function isRequestName(name: string): name is RequestName {
  return Object.prototype.hasOwnProperty.call(requestSchemas, name)
}
