import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../../common/errors.js'
import type { Checkpoint } from '../../checkpoint.js'
import { rateEncode } from '../../data/encoding.js'
import type { LabeledImages } from '../../data/mnist.js'
import { SeededRandom } from '../../random.js'
import type { CoarseConfig } from '../coarse.js'
import { coarseClasses, restoreCoarseNetwork } from '../coarse.js'
import { ContinuousLif } from './continuous-lif.js'
import { readoutClasses } from './readout.js'

export interface TransferOptions {
  /** Test samples to simulate (the first ones of `set`); default all. */
  readonly samples?: number
  /** Fine steps per refractory period (dt = t_ref/K); default 20. */
  readonly substeps?: number
  /** Seed of the input spikes and of their times within each interval. */
  readonly seed?: number
  /** Batch size of the coarse pass. */
  readonly batchSize?: number
}

export interface TransferResult {
  readonly samples: number
  readonly substeps: number
  readonly coarseAccuracy: number
  readonly continuousAccuracy: number
  /** Fraction of samples on which both give the same prediction. */
  readonly agreement: number
  readonly coarsePredictions: Int32Array
  readonly continuousPredictions: Int32Array
}

/**
 * The transfer check of spec §B.7: a trained coarse network, run as a continuous-time LIF simulation
 * (fine dt, exact exponential decay, reset to 0, absolute refractory period t_ref), on the same input
 * spikes: each interval's Bernoulli spikes (p = min(1, scale·pixel)) are placed at a uniformly random
 * time within their interval. Both sides predict with the run's read-out (coarse/readout.ts): the output
 * spike counts, ties by summed synaptic input or by lowest index.
 */
export async function coarseTransferCheck(checkpoint: Checkpoint<CoarseConfig>, set: LabeledImages, options: TransferOptions = {}): Promise<TransferResult> {
  const { network, config } = await restoreCoarseNetwork(checkpoint)
  try {
    if (config.model === 'lenet5-analog' || config.encoding === 'analog') {
      throw new SpikelabError('SNN_TRANSFER_UNSUPPORTED', 'the transfer check needs spike input (encoding rate)', { field: 'encoding' })
    }
    const simulator = new ContinuousLif(network, options.substeps ?? 20)
    const count = Math.min(set.count, options.samples ?? set.count)
    const batchSize = options.batchSize ?? 250
    const rng = new SeededRandom(options.seed ?? 0)
    const pixels = set.images.length / set.count
    const images = config.inputScale === 1 ? set.images : set.images.map((p) => Math.min(1, config.inputScale * p))
    const coarsePredictions = new Int32Array(count)
    const continuousPredictions = new Int32Array(count)
    const L = config.steps
    for (let start = 0; start < count; start += batchSize) {
      const end = Math.min(count, start + batchSize)
      const batch = end - start
      const indices = Int32Array.from({ length: batch }, (_, k) => start + k)
      const input = rateEncode(images, pixels, indices, L, rng)
      coarsePredictions.set(tf.tidy(() => coarseClasses(config, network.forward(input))), start)
      const sample = new Uint8Array(L * pixels)
      const offsets = new Float32Array(L * pixels)
      for (let b = 0; b < batch; b++) {
        for (let t = 0; t < L; t++) {
          sample.set(input.data.subarray((t * batch + b) * pixels, (t * batch + b + 1) * pixels), t * pixels)
          for (let i = 0; i < pixels; i++) offsets[t * pixels + i] = rng.next()
        }
        const run = simulator.run(sample, offsets, L)
        continuousPredictions[start + b] = readoutClasses(run.counts, run.drive, 1, run.counts.length, config.readout)[0]
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
    let coarseCorrect = 0
    let continuousCorrect = 0
    let same = 0
    for (let i = 0; i < count; i++) {
      if (coarsePredictions[i] === set.labels[i]) coarseCorrect++
      if (continuousPredictions[i] === set.labels[i]) continuousCorrect++
      if (coarsePredictions[i] === continuousPredictions[i]) same++
    }
    return {
      samples: count,
      substeps: simulator.substeps,
      coarseAccuracy: coarseCorrect / count,
      continuousAccuracy: continuousCorrect / count,
      agreement: same / count,
      coarsePredictions,
      continuousPredictions,
    }
  } finally {
    network.dispose()
  }
}

