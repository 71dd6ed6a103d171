/** Messages between the training service and its worker thread. */
import type { BpttConfig, Checkpoint, EpochMetrics, TrainProgress, TrainStart } from '../../snn/index.js'

export type ToTrainingWorker = { readonly kind: 'cancel' }

export type FromTrainingWorker =
  | { readonly kind: 'start'; readonly start: TrainStart }
  | { readonly kind: 'progress'; readonly progress: TrainProgress }
  | { readonly kind: 'epoch'; readonly metrics: EpochMetrics }
  | { readonly kind: 'checkpoint'; readonly checkpoint: Checkpoint<BpttConfig> }
  | { readonly kind: 'done' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed'; readonly message: string }
