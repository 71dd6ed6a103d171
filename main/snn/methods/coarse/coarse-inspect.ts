/**
 * The dashboard's look inside a trained coarse-scale LIF network (inspection.ts): the confusion
 * matrix under the run's read-out, each coarse LIF layer's firing rates, one test sample's rasters.
 */
import { SpikelabError } from '../../../../common/errors.js'
import type { Checkpoint } from '../../checkpoint.js'
import { SeededRandom } from '../../random.js'
import type { CoarseConfig } from '../coarse.js'
import { coarseBatchInput, coarseClasses, coarseData, coarseEvaluationSeed, restoreCoarseNetwork } from '../coarse.js'
import { inspectNetwork, type InspectOptions, type ModelInspection } from '../inspection.js'
import type { CoarseLayer } from './coarse-network.js'

/**
 * Names of the coarse LIF layers after the weight layer that drives each, numbered per kind:
 * LeNet-5 gives 'conv 1', 'conv 2', 'dense 1', 'dense 2', 'output'; a LIF layer with no weight layer
 * before it (model 5's analog input) is 'analog input'.
 */
export function coarseLayerNames(layers: readonly CoarseLayer[]): string[] {
  const names: string[] = []
  const numbered = { conv: 0, dense: 0 }
  const output = layers.findLastIndex((l) => l.kind === 'coarse-lif')
  let driver: 'conv' | 'dense' | null = null
  layers.forEach((l, i) => {
    if (l.kind === 'conv2d') driver = 'conv'
    if (l.kind === 'dense') driver = 'dense'
    if (l.kind !== 'coarse-lif') return
    names.push(i === output ? 'output' : driver === null ? 'analog input' : `${driver} ${++numbered[driver]}`)
    driver = null
  })
  return names
}

export async function inspectCoarseCheckpoint(checkpoint: Checkpoint<CoarseConfig>, options: InspectOptions = {}): Promise<ModelInspection> {
  const { network, config: stored } = await restoreCoarseNetwork(checkpoint)
  try {
    const { config, test } = await coarseData(stored)
    if (test.count === 0) throw new SpikelabError('SNN_NO_TEST_SET', 'the run kept no test samples to inspect', { field: 'data.testCount' })
    const digits = Math.min(options.digits ?? 500, test.count)
    const sampleIndex = Math.min(options.sampleIndex ?? 0, digits - 1)
    const rng = new SeededRandom(options.seed ?? coarseEvaluationSeed(config))
    return inspectNetwork(
      {
        labels: test.labels,
        classes: network.outputSize,
        steps: config.steps,
        batchSize: config.evalBatchSize,
        layerNames: coarseLayerNames(network.layers),
        runBatch: (indices) => {
          const out = network.forward(coarseBatchInput(config, network, test, indices, rng))
          return { predicted: coarseClasses(config, out), layerSpikes: out.layerSpikes }
        },
      },
      digits,
      sampleIndex,
    )
  } finally {
    network.dispose()
  }
}
