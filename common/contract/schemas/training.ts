/** SNN training runs. */
import { z } from 'zod'
import { Empty } from './common.js'
import { JobState } from './app.js'

export const TrainingMethodId = z.enum(['bptt', 'coarse', 'ide', 'vdib'])
export type TrainingMethodId = z.infer<typeof TrainingMethodId>

export const TrainingConfig = z
  .object({
    /** Training method (snn-methods.md); BPTT when not given. */
    method: TrainingMethodId.default('bptt'),
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
    /** VDIB only: the task and the decoding (time = VDIB, rate = the baseline). */
    task: z.enum(['predictive-coding', 'mnist-reconstruction']).optional(),
    decoding: z.enum(['time', 'rate']).optional(),
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

export const ModelInspection = z.object({
  digits: z.number().int(),
  accuracy: z.number(),
  /** confusion[true][predicted]. */
  confusion: z.array(z.array(z.number().int())),
  layers: z.array(z.object({ name: z.string(), neurons: z.number().int(), meanRate: z.number(), rateHistogram: z.array(z.number().int()), silent: z.number().int() })),
  sample: z.object({
    index: z.number().int(),
    label: z.number().int(),
    predicted: z.number().int(),
    steps: z.number().int(),
    layers: z.array(z.object({ name: z.string(), neurons: z.number().int(), spikes: z.array(z.tuple([z.number().int(), z.number().int()])) })),
  }),
})
export type ModelInspection = z.infer<typeof ModelInspection>

export const TrainingMethodInfo = z.object({ id: TrainingMethodId, title: z.string(), reference: z.string(), defaults: TrainingConfig })

export const trainingRequests = {
  /** Starts a surrogate-gradient BPTT training run on MNIST in a worker thread. */
  'training.start': { params: TrainingConfig, result: z.object({ jobId: z.string(), runId: z.string() }) },
  'training.runs': { params: Empty, result: z.array(TrainingRun) },
  /** The methods this build can train, for the method picker. */
  'training.methods': { params: Empty, result: z.array(TrainingMethodInfo) },
  /** Confusion matrix, per-layer firing rates and one test digit's rasters of a run's last checkpoint. */
  'training.inspect': {
    params: z.object({ runId: z.string().min(1).max(100), digits: z.number().int().min(10).max(2000).optional(), sampleIndex: z.number().int().min(0).max(1999).optional() }).strict(),
    result: ModelInspection,
  },
} as const

export const trainingEvents = {
  'training.update': TrainingRun,
} as const
