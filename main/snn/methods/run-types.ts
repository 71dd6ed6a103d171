/**
 * What every training method shares: progress, per-epoch metrics, start record, hooks and result.
 * A method module (bptt, coarse, ide, vdib) exports its config type, `<METHOD>_DEFAULTS` from the spec,
 * a `<method>Config(partial)` validator and `train(partial, options: RunOptions<Config>)`, and
 * registers itself as a `TrainingMethod` in `registry.ts`.
 */
import type { BackendInfo } from '../backend.js'
import type { Checkpoint } from '../checkpoint.js'

/** Progress of a run, emitted at most 10 times per second. */
export interface TrainProgress {
  readonly epoch: number
  readonly epochs: number
  readonly batch: number
  readonly batches: number
  /** Mean loss per sample over the current epoch so far. */
  readonly loss: number
  /** Training accuracy over the current epoch so far, in [0, 1]. */
  readonly accuracy: number
  readonly samplesPerSecond: number
  /** Estimated seconds to the end of training (excluding evaluation passes). */
  readonly etaSeconds: number
}

export interface EpochMetrics {
  readonly epoch: number
  readonly trainLoss: number
  readonly trainAccuracy: number
  /** NaN when there is no test split (or the method does not classify). */
  readonly testAccuracy: number
  /** Method-specific figures of the epoch (e.g. VDIB's reconstruction error), by name. */
  readonly extra?: Readonly<Record<string, number>>
  readonly samplesPerSecond: number
  readonly seconds: number
}

/** What a run is about to do; sent once before the first batch (log it with the run). */
export interface RunStart<Config> {
  readonly backend: BackendInfo
  readonly config: Config
  readonly trainCount: number
  readonly testCount: number
  readonly dataHash: string
}

export interface RunOptions<Config> {
  readonly onStart?: (s: RunStart<Config>) => void
  readonly onProgress?: (p: TrainProgress) => void
  readonly onEpoch?: (m: EpochMetrics) => void
  /** Receives a checkpoint after every epoch, and once more on cancel (so the last state is usable). */
  readonly onCheckpoint?: (c: Checkpoint<Config>) => void
  readonly signal?: AbortSignal
}

export interface RunResult<Config> {
  readonly backend: BackendInfo
  readonly history: readonly EpochMetrics[]
  readonly checkpoint: Checkpoint<Config>
}

export type MethodId = 'bptt' | 'coarse' | 'ide' | 'vdib'

export interface TrainingMethod<Config = unknown> {
  readonly id: MethodId
  readonly title: string
  /** The paper or reference the defaults come from. */
  readonly reference: string
  readonly defaults: Config
  /** Fills defaults and validates; throws SpikelabError naming the field. */
  configure(partial: unknown): Config
  train(partial: Partial<Config>, options?: RunOptions<Config>): Promise<RunResult<Config>>
}
