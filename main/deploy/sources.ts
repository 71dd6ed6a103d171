import { stat } from 'node:fs/promises'
import path from 'node:path'
import { SpikelabError } from '../../common/errors.js'
import type { BpttConfig } from '../snn/index.js'
import { bpttConfig, mnistSplit } from '../snn/index.js'
import { readNir } from '../nir/nir-import.js'
import type { FloatNetwork } from './float-network.js'
import { floatNetworkFromCheckpoint, loadCheckpointFromRun } from './from-checkpoint.js'
import type { InputSample } from './samples.js'
import { mnistSamples } from './samples.js'

/** The MNIST split and encoding a model was trained with, so its test digits can be found again. */
export interface MnistDataset {
  readonly source: 'mnist'
  readonly trainCount: number
  readonly testCount: number
  readonly splitSeed: number
  readonly steps: number
}

export interface LoadedNetwork {
  readonly network: FloatNetwork
  /** Present for training runs (their held-out digits are the natural evaluation set). */
  readonly dataset: MnistDataset | null
  /** Test accuracy the trainer measured (tfjs, float), when the source records one. */
  readonly floatAccuracy: number | null
}

/** A training run folder (or its run.json) or a `.nir` file, as a FloatNetwork. */
export async function loadFloatNetwork(file: string): Promise<LoadedNetwork> {
  const full = path.resolve(file)
  const info = await stat(full).catch((err: Error) => {
    throw new SpikelabError('MODEL_UNREADABLE', `cannot open: ${err.message}`, { file: full }, { cause: err })
  })
  if (info.isFile() && full.toLowerCase().endsWith('.nir')) {
    const nir = await readNir(full)
    return { network: nir.network, dataset: null, floatAccuracy: null }
  }
  const folder = info.isDirectory() ? full : path.basename(full) === 'run.json' ? path.dirname(full) : null
  if (!folder) throw new SpikelabError('MODEL_UNREADABLE', 'expected a training run folder, its run.json, or a .nir file', { file: full })
  const checkpoint = await loadCheckpointFromRun(folder)
  const config = bpttConfig(checkpoint.config as Partial<BpttConfig>)
  return {
    network: floatNetworkFromCheckpoint(checkpoint, `run ${path.basename(folder)}`),
    dataset: { source: 'mnist', trainCount: config.data.trainCount, testCount: config.data.testCount, splitSeed: config.data.splitSeed, steps: config.steps },
    floatAccuracy: typeof checkpoint.metrics.testAccuracy === 'number' && Number.isFinite(checkpoint.metrics.testAccuracy) ? checkpoint.metrics.testAccuracy : null,
  }
}

/** The reference configuration's split (8,000 / 2,000, seed 0, T 25) for models without a record of theirs. */
export const DEFAULT_MNIST_DATASET: MnistDataset = { source: 'mnist', trainCount: 8000, testCount: 2000, splitSeed: 0, steps: 25 }

/**
 * Rate-coded held-out digits of a dataset split (`which` = 'test'), or training digits ('train', for
 * calibration), `count` of them, encoded with `seed`.
 */
export function mnistTestSamples(dataset: MnistDataset, opts: { count: number; tickUs: number; seed?: number; which?: 'test' | 'train' }): InputSample[] {
  const config = bpttConfig({ data: { source: 'mnist', trainCount: dataset.trainCount, testCount: dataset.testCount, splitSeed: dataset.splitSeed } })
  const split = mnistSplit(config)
  return mnistSamples(opts.which === 'train' ? split.train : split.test, { steps: dataset.steps, tickUs: opts.tickUs, seed: opts.seed ?? 1, count: opts.count })
}
