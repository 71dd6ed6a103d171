/**
 * Pieces every method's training loop shares: throttled progress with rate and ETA, a yield that
 * lets a cancel message reach the loop's AbortSignal, cancellable scoring, the end-of-epoch record
 * (metrics, hooks, checkpoint) and the checkpoint builder.
 */
import { CancelledError } from '../../../common/errors.js'
import type { BackendInfo } from '../backend.js'
import type { Checkpoint, CheckpointTensor } from '../checkpoint.js'
import type { EpochMetrics, RunOptions, RunResult, TrainProgress } from './run-types.js'

/** Progress is reported at most this often (ms). */
export const PROGRESS_INTERVAL_MS = 100

/** Counts trained samples and time spent training, and reports progress at most every 100 ms. */
export class ProgressMeter {
  private lastReport = 0
  private samples = 0
  private seconds = 0

  constructor(
    private readonly onProgress: ((p: TrainProgress) => void) | undefined,
    private readonly epochs: number,
    private readonly batches: number,
    /** Samples in a batch, for the ETA. */
    private readonly batchSize: number,
  ) {}

  /** One batch is done: `samples` trained in `seconds`; `epoch` and `batch` count from 0. */
  batchDone(epoch: number, batch: number, samples: number, seconds: number, loss: number, accuracy: number): void {
    this.samples += samples
    this.seconds += seconds
    const now = performance.now()
    if (!this.onProgress || now - this.lastReport < PROGRESS_INTERVAL_MS) return
    this.lastReport = now
    const rate = this.samples / this.seconds
    const remaining = (this.epochs - epoch - 1) * this.batches * this.batchSize + (this.batches - batch - 1) * this.batchSize
    this.onProgress({ epoch: epoch + 1, epochs: this.epochs, batch: batch + 1, batches: this.batches, loss, accuracy, samplesPerSecond: rate, etaSeconds: remaining / rate })
  }
}

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** An epoch's figures as one flat name → number record (a checkpoint's `metrics`). */
export function flatMetrics({ extra, ...fixed }: EpochMetrics): Record<string, number> {
  return { ...fixed, ...extra }
}

/** Batches trained per epoch: all of them, or at most `maxBatchesPerEpoch` when that is positive. */
export function batchesPerEpoch(samples: number, batchSize: number, maxBatchesPerEpoch: number): number {
  const full = Math.ceil(samples / batchSize)
  return maxBatchesPerEpoch > 0 ? Math.min(full, maxBatchesPerEpoch) : full
}

export type CheckpointMaker<Config> = (epoch: number, batch: number, metrics: Record<string, number>) => Checkpoint<Config>

/** A run's checkpoint builder: the fixed fields once, the weights (`tensors()`) read at each call. */
export function checkpointMaker<Config>(
  method: string,
  config: Config,
  backend: BackendInfo,
  dataHash: string,
  tensors: () => readonly CheckpointTensor[],
): CheckpointMaker<Config> {
  return (epoch, batch, metrics) => ({
    format: 'spikelab.snn.checkpoint',
    version: 1,
    method,
    config,
    backend: { name: backend.name, simd: backend.simd },
    dataHash,
    epoch,
    batch,
    metrics,
    tensors: tensors(),
  })
}

/**
 * Accuracy over `count` samples scored in batches (`correctIn(start)` counts the right answers of the
 * batch from `start`), yielding between batches so a cancel lands within one batch. NaN when empty.
 */
export async function accuracyInBatches(count: number, batchSize: number, signal: AbortSignal | undefined, correctIn: (start: number) => number): Promise<number> {
  if (count === 0) return Number.NaN
  let correct = 0
  for (let start = 0; start < count; start += batchSize) {
    await yieldToEventLoop()
    if (signal?.aborted) throw new CancelledError('training cancelled')
    correct += correctIn(start)
  }
  return correct / count
}

/** The checkpoints, hooks and history of a run's epochs, the same for every method: cancel between batches, scoring, the end of an epoch. */
export class EpochLog<Config> {
  readonly history: EpochMetrics[] = []

  constructor(
    private readonly options: RunOptions<Config>,
    private readonly checkpoint: CheckpointMaker<Config>,
  ) {}

  /**
   * A place the run may stop, e.g. before each batch (`epoch`, `batch` count from 0): yields so a
   * cancel message can reach the signal; on cancel saves the weights as they are (with the epoch's
   * loss so far) and stops the run with CancelledError.
   */
  async cancelPoint(epoch: number, batch: number, trainLoss: number): Promise<void> {
    await yieldToEventLoop()
    if (this.options.signal?.aborted) {
      this.options.onCheckpoint?.(this.checkpoint(epoch, batch, { trainLoss }))
      throw new CancelledError('training cancelled')
    }
  }

  /** Runs `evaluate` for the epoch just trained (0-based `epoch`); cancelled while scoring, the epoch's weights are still checkpointed. */
  async score(epoch: number, trainLoss: number, evaluate: () => Promise<number>): Promise<number> {
    try {
      return await evaluate()
    } catch (err) {
      if (err instanceof CancelledError) this.options.onCheckpoint?.(this.checkpoint(epoch + 1, 0, { trainLoss }))
      throw err
    }
  }

  /** Records a finished epoch: history, `onEpoch`, and its checkpoint. */
  finish(metrics: EpochMetrics): void {
    this.history.push(metrics)
    this.options.onEpoch?.(metrics)
    this.options.onCheckpoint?.(this.checkpoint(metrics.epoch, 0, flatMetrics(metrics)))
  }

  /** The run's result after `epochs` epochs, with the final checkpoint. */
  result(backend: BackendInfo, epochs: number): RunResult<Config> {
    const last = this.history.at(-1)
    return { backend, history: this.history, checkpoint: this.checkpoint(epochs, 0, last ? flatMetrics(last) : {}) }
  }
}
