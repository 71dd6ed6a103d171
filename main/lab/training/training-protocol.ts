/** Messages between the training service and its worker thread. */
import type { Checkpoint, EpochMetrics, ModelInspection, RunStart, TrainProgress } from '../../snn/index.js'

/** What a worker is started with: the method and its (partial) config, validated by the method in the worker. */
export interface TrainingWorkerData {
  readonly method: string
  readonly config: unknown
}

/** What the inspect worker is started with. */
export interface InspectWorkerData {
  readonly folder: string
  readonly digits: number
  readonly sampleIndex: number
}

export type FromInspectWorker = { readonly kind: 'done'; readonly inspection: ModelInspection } | { readonly kind: 'failed'; readonly message: string }

export type ToTrainingWorker = { readonly kind: 'cancel' }

export type FromTrainingWorker =
  | { readonly kind: 'start'; readonly start: RunStart<unknown> }
  | { readonly kind: 'progress'; readonly progress: TrainProgress }
  | { readonly kind: 'epoch'; readonly metrics: EpochMetrics }
  | { readonly kind: 'checkpoint'; readonly checkpoint: Checkpoint<unknown> }
  | { readonly kind: 'done' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed'; readonly message: string }
