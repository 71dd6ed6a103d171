/**
 * Training runs: each run is a job whose training loop runs in a worker thread. Progress (≤ 10 Hz)
 * and epoch metrics are pushed as `training.update`; every checkpoint is written to
 * `<lab>/models/<run>/` (run.json + weights.bin, each written to a temporary name and renamed), so
 * a cancelled or killed run leaves its last checkpoint usable.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import { CancelledError, SpikelabError } from '../../../common/errors.js'
import type { TrainingConfig, TrainingRun } from '../../../common/contract/schemas.js'
import type { BpttConfig, Checkpoint } from '../../snn/index.js'
import type { JobRegistry } from '../jobs.js'
import type { FromTrainingWorker } from './training-protocol.js'

const HARD_CANCEL_MS = 5000

/** The product's config → the engine's: a 784-H-10 LIF network on MNIST (BPTT baseline). */
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
  readonly modelsFolder: string

  constructor(
    labFolder: string,
    private readonly jobs: JobRegistry,
    private readonly onUpdate: (run: TrainingRun) => void,
    private readonly onBackend: (description: string) => void,
  ) {
    this.modelsFolder = path.join(labFolder, 'models')
  }

  /** Runs saved by earlier sessions (their run.json files), then this session's. */
  async list(): Promise<TrainingRun[]> {
    const saved: TrainingRun[] = []
    for (const name of await readdir(this.modelsFolder).catch(() => [] as string[])) {
      if (this.runs.has(name)) continue
      const text = await readFile(path.join(this.modelsFolder, name, 'run.json'), 'utf8').catch(() => null)
      if (text) saved.push((JSON.parse(text) as { run: TrainingRun }).run)
    }
    return [...saved, ...this.runs.values()].sort((a, b) => a.startedAt - b.startedAt)
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
    const job = this.jobs.start('training', `Train BPTT ${config.hidden} hidden, ${config.epochs} epoch(s)`, (ctx) =>
      new Promise<void>((resolve, reject) => {
        const worker = spawnTrainingWorker(toBpttConfig(config))
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
          void saving.then(() => this.saveRun(folder, run, null))
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
              saving = saving.then(() => this.saveRun(folder, run, msg.checkpoint))
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
      id: runId, jobId: job.id, method: 'bptt', state: 'running', config, backend: null, dataHash: null,
      startedAt: Date.now(), endedAt: null, progress: null, history: [], folder, error: null,
    }
    this.runs.set(runId, run)
    this.onUpdate(run)
    return { jobId: job.id, runId }
  }

  /** Writes run.json (and weights.bin when a checkpoint is given), each via a temporary file and rename. */
  private async saveRun(folder: string, run: TrainingRun, checkpoint: Checkpoint<BpttConfig> | null): Promise<void> {
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
  }
}

function spawnTrainingWorker(config: Partial<BpttConfig>): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./training-worker.js', import.meta.url), { workerData: { config } })
  // Under the test runner this module is TypeScript source: the worker registers tsx before loading its entry.
  const entry = new URL('./training-worker.ts', import.meta.url).href
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(bootstrap, { eval: true, workerData: { config } })
}
