/**
 * Pieces every method's training loop shares: throttled progress with rate and ETA, a yield that
 * lets a cancel message reach the loop's AbortSignal, and the flat metrics record of a checkpoint.
 */
import type { BackendInfo } from '../backend.js'
import type { Checkpoint, CheckpointTensor } from '../checkpoint.js'
import type { EpochMetrics, TrainProgress } from './run-types.js'

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

/** A run's checkpoint builder: the fixed fields once, the weights (`tensors()`) read at each call. */
export function checkpointMaker<Config>(
  method: string,
  config: Config,
  backend: BackendInfo,
  dataHash: string,
  tensors: () => readonly CheckpointTensor[],
): (epoch: number, batch: number, metrics: Record<string, number>) => Checkpoint<Config> {
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
