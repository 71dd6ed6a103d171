/** SNN training runs. */
import { z } from 'zod'
import { AbsolutePath, Empty } from './common.js'
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
    /** Coarse LIF and IDE: epochs after which the learning rate is multiplied by learningRateGamma (a step schedule); none = constant. */
    learningRateDrops: z.array(z.number().int().min(1).max(100)).max(10).optional(),
    learningRateGamma: z.number().positive().max(1).optional(),
    /** Hidden LIF layer width of the 784-H-10 network. */
    hidden: z.number().int().min(1).max(4096),
    beta: z.number().min(0).max(1),
    encoding: z.enum(['rate', 'latency']),
    trainCount: z.number().int().min(10).max(9990),
    testCount: z.number().int().min(0).max(9990),
    seed: z.number().int().min(0).max(2 ** 31 - 1),
    backend: z.enum(['auto', 'wasm', 'cpu']),
    /** Coarse LIF only: the network (the paper code's models) and the data (MNIST, emulated N-MNIST, or a folder of event files per class; IDE: MNIST or emulated N-MNIST). */
    model: z.enum(['fc', 'hidden', 'conv', 'conv2', 'lenet5', 'lenet5-analog']).optional(),
    dataset: z.enum(['mnist', 'emulated-nmnist', 'event-folder']).optional(),
    /** Coarse LIF on MNIST: training digits shifted by up to this many pixels (augmentation; 0 = off). */
    augmentShift: z.number().int().min(0).max(8).optional(),
    /** Coarse LIF: output spike counts → class; ties by summed input (count-then-drive) or by lowest index (count, the paper code's argmax). */
    readout: z.enum(['count', 'count-then-drive']).optional(),
    /** Coarse LIF: before training, hidden units are scaled to fire about this often (spikes per interval; 0 = the code's initialisation). */
    initFiringRate: z.number().min(0).max(0.5).optional(),
    eventFolder: AbsolutePath.optional(),
    /** VDIB only: the task and the decoding (time = VDIB, rate = the baseline). */
    task: z.enum(['predictive-coding', 'mnist-reconstruction']).optional(),
    decoding: z.enum(['time', 'rate']).optional(),
    /** IDE only: the feedback net (snn-methods.md §C.6: fc = F400-style, conv = 64C5s) and the conv's channels (64 in the spec). */
    architecture: z.enum(['fc', 'conv']).optional(),
    channels: z.number().int().min(1).max(256).optional(),
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
  /** Where the run trains: 'local' (this machine) or a compute host's name (training.hosts). */
  host: z.string().default('local'),
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

/** A compute host's name: letters, digits, '.', '_' and '-'; 'local' means this machine. */
export const ComputeHostName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'use 1–40 letters, digits, ".", "_" or "-"')

/** Another Spikelab (`spikelab serve --token T`) that runs training jobs. Its token never leaves the main side. */
export const ComputeHost = z.object({
  name: ComputeHostName,
  /** The host's LabApi WebSocket, e.g. wss://gpu.example:8080/lab. */
  url: z.string(),
  tokenSet: z.boolean(),
  /** Plain ws:// to an address other than this machine: the token and data cross the network unencrypted. */
  allowInsecure: z.boolean(),
})
export type ComputeHost = z.infer<typeof ComputeHost>

export const TrainingStartParams = TrainingConfig.extend({
  /** A compute host's name (training.hosts); 'local' or absent = this machine. */
  host: z.union([z.literal('local'), ComputeHostName]).optional(),
})

export const trainingRequests = {
  /** Starts a surrogate-gradient BPTT training run on MNIST in a worker thread. */
  'training.start': { params: TrainingStartParams, result: z.object({ jobId: z.string(), runId: z.string() }) },
  'training.runs': { params: Empty, result: z.array(TrainingRun) },
  /** The compute hosts runs may train on (besides this machine); tokens are never returned. */
  'training.hosts': { params: Empty, result: z.array(ComputeHost) },
  /** Adds (or replaces) a compute host; the token is kept in the lab folder, readable by this user only. */
  'training.hosts.add': {
    params: z.object({ name: ComputeHostName, url: z.string().min(1).max(500), token: z.string().min(16).max(500), allowInsecure: z.boolean().optional() }).strict(),
    result: ComputeHost,
  },
  'training.hosts.remove': { params: z.object({ name: ComputeHostName }).strict(), result: z.object({ removed: z.boolean() }) },
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
