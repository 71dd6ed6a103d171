/**
 * Training runs: each run is a job whose training loop runs in a worker thread, with the method the
 * run names (main/snn/methods/registry.ts). Progress (≤ 10 Hz) and epoch metrics are pushed as
 * `training.update`; every checkpoint is written to `<lab>/models/<run>/` (run.json + weights.bin,
 * each written to a temporary name and renamed), so a cancelled or killed run leaves its last
 * checkpoint usable, and recorded in the catalog's `models` table (model-store.ts).
 */
import { randomUUID } from 'node:crypto'
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Worker } from 'node:worker_threads'
import { CancelledError, SpikelabError } from '../../../common/errors.js'
import type { TrainingConfig, TrainingRun } from '../../../common/contract/schemas.js'
import { BPTT_DEFAULTS, COARSE_DEFAULTS, IDE_DEFAULTS, VDIB_DEFAULTS, VDIB_RECONSTRUCTION_DEFAULTS, type BpttConfig, type Checkpoint } from '../../snn/index.js'
import { spawnModuleWorker } from '../../threads/module-worker.js'
import type { ModelStore } from './model-store.js'
import type { JobRegistry } from '../jobs.js'
import type { ModelInspection } from '../../snn/index.js'
import type { FromInspectWorker, FromTrainingWorker, InspectWorkerData, TrainingWorkerData } from './training-protocol.js'

const HARD_CANCEL_MS = 5000
/** Methods whose networks the dashboard can look inside (spike trains per layer): inspect-worker.ts. */
const INSPECTABLE_METHODS: readonly TrainingRun['method'][] = ['bptt', 'coarse']

/** A method's own defaults (snn-methods.md) in the product's terms, for the form and the CLI. */
export function methodDefaults(method: TrainingConfig['method']): TrainingConfig {
  const common = { seed: 0, backend: 'auto' as const }
  switch (method) {
    case 'bptt': {
      const d = BPTT_DEFAULTS
      return { ...common, method, epochs: d.epochs, batchSize: d.batchSize, steps: d.steps, learningRate: d.learningRate, hidden: 1000, beta: 0.95, encoding: d.encoding, trainCount: d.data.trainCount, testCount: d.data.testCount }
    }
    case 'coarse': {
      const d = COARSE_DEFAULTS
      // 4-step trains and a conv net: the setting of the accuracy target
      return { ...common, method, epochs: d.epochs, batchSize: d.batchSize, steps: 4, learningRate: d.baseLearningRate, learningRateDrops: [...d.learningRateMilestones], learningRateGamma: d.learningRateGamma, augmentShift: d.augmentShift, readout: d.readout, initFiringRate: d.initFiringRate, hidden: d.hiddenUnits, beta: Math.exp(-1 / d.tau1), encoding: 'rate', trainCount: 8000, testCount: 2000, model: 'lenet5', dataset: 'mnist' }
    }
    case 'ide': {
      const d = IDE_DEFAULTS
      return { ...common, method, epochs: d.epochs, batchSize: d.batchSize, steps: d.steps, learningRate: d.learningRate, learningRateDrops: [...d.learningRateMilestones], learningRateGamma: d.learningRateGamma, hidden: d.hidden, beta: d.leak, encoding: d.input === 'rate' ? 'rate' : 'latency', trainCount: d.data.trainCount, testCount: d.data.testCount, architecture: d.architecture, channels: d.channels, dataset: d.data.source }
    }
    case 'vdib': {
      const d = VDIB_DEFAULTS
      return { ...common, method, epochs: d.epochs, batchSize: 1, steps: d.steps, learningRate: d.learningRate, hidden: VDIB_RECONSTRUCTION_DEFAULTS.hidden[0], beta: d.beta, encoding: d.encoding === 'rate' ? 'rate' : 'latency', trainCount: d.data.trainCount, testCount: d.data.testCount, task: d.task, decoding: d.decoding }
    }
    default:
      throw new SpikelabError('SNN_UNKNOWN_METHOD', `the '${method}' method is not available in this build`, { field: 'method' })
  }
}

/** The product's config → the method's (partial; the method fills its own defaults and validates). */
export function toMethodConfig(c: TrainingConfig): TrainingWorkerData {
  switch (c.method) {
    case 'bptt':
      refuseSchedule(c)
      return { method: 'bptt', config: toBpttConfig(c) }
    case 'coarse':
      return { method: 'coarse', config: toCoarseConfig(c) }
    case 'ide':
      // the feedback layer's leak plays β's part; latency coding has no IDE counterpart, so it drives with the image
      return {
        method: 'ide',
        config: {
          seed: c.seed, epochs: c.epochs, batchSize: c.batchSize, steps: c.steps, learningRate: c.learningRate, hidden: c.hidden,
          ...learningRateSchedule(c),
          leak: c.beta, input: c.encoding === 'rate' ? 'rate' : 'analog', backend: c.backend,
          ...(c.architecture !== undefined ? { architecture: c.architecture } : {}),
          ...(c.channels !== undefined ? { channels: c.channels } : {}),
          // emulated N-MNIST is spike input (§C.2); an event folder is refused by the method with its field named
          data: { source: c.dataset ?? 'mnist', trainCount: c.trainCount, testCount: c.testCount, splitSeed: c.seed },
        },
      }
    case 'vdib':
      refuseSchedule(c)
      // VDIB trains one example at a time (batch 1, as the reference does); β weighs the KL term
      return {
        method: 'vdib',
        config: {
          seed: c.seed, epochs: c.epochs, steps: c.steps, learningRate: c.learningRate, beta: c.beta, backend: c.backend,
          task: c.task ?? 'predictive-coding', decoding: c.decoding ?? 'time', encoding: c.encoding === 'rate' ? 'rate' : 'time',
          hidden: c.hidden > 0 && c.task === 'mnist-reconstruction' ? [c.hidden] : [],
          data: { source: 'mnist', trainCount: c.trainCount, testCount: c.testCount, splitSeed: c.seed },
        },
      }
    default:
      throw new SpikelabError('SNN_UNKNOWN_METHOD', `the '${c.method}' method is not available in this build`, { field: 'method' })
  }
}

/**
 * The product's config → the coarse LIF method's. The coarse update decays by β = e^(−1/τ) per
 * interval (τ in refractory periods), so the form's β sets τ of the spiking stages; latency coding
 * means analog input.
 */
function toCoarseConfig(c: TrainingConfig): Record<string, unknown> {
  const split = { testFraction: c.testCount / Math.max(1, c.trainCount + c.testCount), splitSeed: c.seed, pool: 1 }
  const data =
    c.dataset === 'emulated-nmnist'
      ? { source: 'emulated-nmnist', count: c.trainCount + c.testCount, ...split }
      : c.dataset === 'event-folder'
        ? { source: 'event-folder', folder: c.eventFolder, windowUs: null, ...split }
        : { source: 'mnist', trainCount: c.trainCount, testCount: c.testCount, splitSeed: c.seed }
  if (!(c.beta > 0 && c.beta < 1)) throw new SpikelabError('SNN_BAD_CONFIG', 'the coarse LIF needs 0 < β < 1 (β = e^(−1/τ))', { field: 'beta' })
  if (c.dataset === 'event-folder' && !c.eventFolder) throw new SpikelabError('SNN_BAD_CONFIG', 'give the folder of event files (one sub-folder per class)', { field: 'eventFolder' })
  return {
    seed: c.seed, epochs: c.epochs, batchSize: c.batchSize, steps: c.steps, baseLearningRate: c.learningRate, hiddenUnits: c.hidden,
    ...learningRateSchedule(c),
    ...(c.augmentShift !== undefined ? { augmentShift: c.augmentShift } : {}),
    ...(c.readout !== undefined ? { readout: c.readout } : {}),
    ...(c.initFiringRate !== undefined ? { initFiringRate: c.initFiringRate } : {}),
    tau1: -1 / Math.log(c.beta), tau2: -1 / Math.log(c.beta), encoding: c.encoding === 'rate' ? 'rate' : 'analog', model: c.model ?? 'lenet5', backend: c.backend, data,
  }
}

/** The form's step schedule in the coarse LIF's and IDE's terms; only the given parts (the method fills the rest). */
function learningRateSchedule(c: TrainingConfig): Record<string, unknown> {
  return {
    ...(c.learningRateDrops !== undefined ? { learningRateMilestones: c.learningRateDrops } : {}),
    ...(c.learningRateGamma !== undefined ? { learningRateGamma: c.learningRateGamma } : {}),
  }
}

/** BPTT and VDIB train at the constant rate of their references: refuse a schedule rather than ignore it. */
function refuseSchedule(c: TrainingConfig): void {
  if (c.learningRateDrops !== undefined && c.learningRateDrops.length > 0) {
    throw new SpikelabError('SNN_BAD_CONFIG', `the ${c.method} method trains at a constant learning rate; learning-rate drops apply to the coarse LIF and IDE`, { field: 'learningRateDrops' })
  }
}

/** The product's config → BPTT's: a 784-H-10 LIF network on MNIST (the baseline). */
export function toBpttConfig(c: TrainingConfig): Partial<BpttConfig> {
  return {
    seed: c.seed,
    epochs: c.epochs,
    batchSize: c.batchSize,
    steps: c.steps,
    learningRate: c.learningRate,
    encoding: c.encoding,
    inputShape: [784],
    architecture: [
      { type: 'dense', units: c.hidden },
      { type: 'lif', beta: c.beta },
      { type: 'dense', units: 10 },
      { type: 'lif', beta: c.beta },
    ],
    data: { source: 'mnist', trainCount: c.trainCount, testCount: c.testCount, splitSeed: c.seed },
    backend: c.backend,
  }
}

export class TrainingService {
  private readonly runs = new Map<string, TrainingRun>()
  /** Saves still being written (dispose waits for them before the catalog closes). */
  private readonly saving = new Set<Promise<void>>()
  readonly modelsFolder: string

  constructor(
    labFolder: string,
    private readonly jobs: JobRegistry,
    private readonly onUpdate: (run: TrainingRun) => void,
    private readonly onBackend: (description: string) => void,
    private readonly store: ModelStore,
  ) {
    this.modelsFolder = path.join(labFolder, 'models')
  }

  /** Every run in the catalog (runs of this session are there from their start), oldest first. */
  async list(): Promise<TrainingRun[]> {
    await this.adoptFolders()
    return this.store.list().map((row) => this.runs.get(row.run.id) ?? row.run)
  }

  /** Adds runs whose folder has a run.json but no catalog row (saved before the table existed, or copied in). */
  private async adoptFolders(): Promise<void> {
    for (const name of await readdir(this.modelsFolder).catch(() => [] as string[])) {
      if (this.runs.has(name) || this.store.has(name)) continue
      const text = await readFile(path.join(this.modelsFolder, name, 'run.json'), 'utf8').catch(() => null)
      if (!text) continue
      try {
        const saved = JSON.parse(text) as { run: TrainingRun }
        this.store.save({ ...saved.run, folder: path.join(this.modelsFolder, name) })
      } catch {
        // not a run folder of ours: leave it alone
      }
    }
  }

  start(config: TrainingConfig): { jobId: string; runId: string } {
    const runId = `run-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomUUID().slice(0, 6)}`
    const folder = path.join(this.modelsFolder, runId)
    let run: TrainingRun
    const update = (patch: Partial<TrainingRun>) => {
      run = { ...run, ...patch }
      this.runs.set(runId, run)
      this.onUpdate(run)
    }
    const workerData = toMethodConfig(config)
    const job = this.jobs.start('training', `Train ${config.method.toUpperCase()}, ${config.epochs} epoch(s)`, (ctx) =>
      new Promise<void>((resolve, reject) => {
        const worker = spawnWorker('training-worker', workerData)
        let saving = Promise.resolve()
        let hardCancel: ReturnType<typeof setTimeout> | undefined
        ctx.signal.addEventListener('abort', () => {
          worker.postMessage({ kind: 'cancel' })
          hardCancel = setTimeout(() => void worker.terminate(), HARD_CANCEL_MS)
        })
        const finish = (state: TrainingRun['state'], error: string | null) => {
          clearTimeout(hardCancel)
          // The backend may keep handles open in the worker; the run is over, so end the thread.
          void worker.terminate()
          update({ state, endedAt: Date.now(), error, progress: state === 'done' ? null : run.progress })
          this.track(saving.then(() => this.saveRun(folder, run, null)))
        }
        worker.on('message', (msg: FromTrainingWorker) => {
          switch (msg.kind) {
            case 'start': {
              const backend = `${msg.start.backend.name}${msg.start.backend.simd ? ' (SIMD)' : ''}`
              this.onBackend(backend)
              update({ backend, dataHash: msg.start.dataHash })
              break
            }
            case 'progress': {
              const p = msg.progress
              const fraction = (p.epoch - 1 + p.batch / Math.max(1, p.batches)) / Math.max(1, p.epochs)
              ctx.progress({ fraction, message: `epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(3)}` })
              update({ progress: { ...p } })
              break
            }
            case 'epoch': {
              const m = msg.metrics
              update({ history: [...run.history, { ...m, testAccuracy: Number.isFinite(m.testAccuracy) ? m.testAccuracy : null }] })
              break
            }
            case 'checkpoint':
              saving = this.track(saving.then(() => this.saveRun(folder, run, msg.checkpoint)))
              break
            case 'done':
              finish('done', null)
              void saving.then(resolve, reject)
              break
            case 'cancelled':
              finish('cancelled', null)
              void saving.then(() => reject(new CancelledError()), reject)
              break
            case 'failed':
              finish('failed', msg.message)
              reject(new SpikelabError('training-failed', msg.message))
              break
          }
        })
        worker.on('error', (err) => {
          finish('failed', err.message)
          reject(err)
        })
        worker.on('exit', (code) => {
          if (run.state !== 'running') return
          if (ctx.signal.aborted) {
            finish('cancelled', null)
            reject(new CancelledError())
          } else {
            finish('failed', `the training worker exited with code ${code}`)
            reject(new SpikelabError('training-failed', `the training worker exited with code ${code}`))
          }
        })
      }),
    )
    run = {
      id: runId, jobId: job.id, method: config.method, state: 'running', config, backend: null, dataHash: null,
      startedAt: Date.now(), endedAt: null, progress: null, history: [], folder, error: null, host: 'local',
    }
    this.runs.set(runId, run)
    this.store.save(run)
    this.onUpdate(run)
    return { jobId: job.id, runId }
  }

  /** Confusion matrix, firing rates and one digit's rasters of a run's last checkpoint, computed in a worker. */
  async inspect(runId: string, digits: number, sampleIndex: number): Promise<ModelInspection> {
    const run = this.runs.get(runId) ?? this.store.get(runId)?.run
    if (!run) throw new SpikelabError('not-found', `no training run '${runId}'`, { field: 'runId' })
    if (!INSPECTABLE_METHODS.includes(run.method)) {
      throw new SpikelabError('SNN_INSPECT_UNSUPPORTED', `inspection covers BPTT and coarse-LIF runs; '${run.method}' runs show their metrics only`, { field: 'runId' })
    }
    const data: InspectWorkerData = { folder: run.folder, digits, sampleIndex }
    const worker = spawnWorker('inspect-worker', data)
    try {
      const reply = await new Promise<FromInspectWorker>((resolve, reject) => {
        worker.once('message', resolve)
        worker.once('error', reject)
        worker.once('exit', (code) => reject(new SpikelabError('SNN_INSPECT_FAILED', `the inspect worker exited with code ${code}`)))
      })
      if (reply.kind === 'failed') throw new SpikelabError('SNN_INSPECT_FAILED', reply.message, { file: run.folder })
      return reply.inspection
    } finally {
      void worker.terminate()
    }
  }

  /** Resolves once every checkpoint and run record started so far is written. */
  async idle(): Promise<void> {
    while (this.saving.size) await Promise.allSettled([...this.saving])
  }

  private track(save: Promise<void>): Promise<void> {
    this.saving.add(save)
    void save.finally(() => this.saving.delete(save)).catch(() => undefined)
    return save
  }

  /** Writes run.json (and weights.bin when a checkpoint is given), each via a temporary file and rename. */
  private async saveRun(folder: string, run: TrainingRun, checkpoint: Checkpoint<unknown> | null): Promise<void> {
    await mkdir(folder, { recursive: true })
    const runFile = path.join(folder, 'run.json')
    let tensors: Array<{ name: string; shape: readonly number[]; byteOffset: number; byteLength: number }> | undefined
    let meta: Record<string, unknown> | undefined
    if (checkpoint) {
      let offset = 0
      tensors = checkpoint.tensors.map((t) => {
        const entry = { name: t.name, shape: t.shape, byteOffset: offset, byteLength: t.data.byteLength }
        offset += t.data.byteLength
        return entry
      })
      const weights = Buffer.concat(checkpoint.tensors.map((t) => Buffer.from(t.data)))
      await writeFile(path.join(folder, 'weights.bin.tmp'), weights)
      await rename(path.join(folder, 'weights.bin.tmp'), path.join(folder, 'weights.bin'))
      meta = { format: checkpoint.format, version: checkpoint.version, method: checkpoint.method, config: checkpoint.config, backend: checkpoint.backend, dataHash: checkpoint.dataHash, epoch: checkpoint.epoch, batch: checkpoint.batch, metrics: checkpoint.metrics }
    } else {
      const previous = await readFile(runFile, 'utf8').then((t) => JSON.parse(t) as { checkpoint?: Record<string, unknown>; tensors?: typeof tensors }, () => null)
      meta = previous?.checkpoint
      tensors = previous?.tensors
    }
    await writeFile(`${runFile}.tmp`, JSON.stringify({ run, checkpoint: meta ?? null, tensors: tensors ?? [] }, null, 2))
    await rename(`${runFile}.tmp`, runFile)
    this.store.save(
      run,
      checkpoint
        ? { epoch: checkpoint.epoch, batch: checkpoint.batch, metrics: checkpoint.metrics, backend: `${checkpoint.backend.name}${checkpoint.backend.simd ? ' (SIMD)' : ''}`, dataHash: checkpoint.dataHash }
        : undefined,
    )
  }
}

function spawnWorker(name: 'training-worker' | 'inspect-worker', workerData: TrainingWorkerData | InspectWorkerData): Worker {
  return spawnModuleWorker(import.meta.url, name, workerData)
}
