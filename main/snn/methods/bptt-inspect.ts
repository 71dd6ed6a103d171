/**
 * The dashboard's look inside a trained BPTT network (inspection.ts): confusion matrix on test digits,
 * each LIF layer's firing rates, one digit's rasters.
 */
import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../common/errors.js'
import { initBackend } from '../backend.js'
import { restoreParameters, type Checkpoint } from '../checkpoint.js'
import { latencyEncode, rateEncode } from '../data/encoding.js'
import { SpikingNetwork } from '../network.js'
import { SeededRandom } from '../random.js'
import { bpttConfig, EVAL_SEED_OFFSET, mnistSplit, type BpttConfig } from './bptt.js'
import { inspectNetwork, type InspectOptions, type ModelInspection } from './inspection.js'

export async function inspectBpttCheckpoint(checkpoint: Checkpoint<BpttConfig>, options: InspectOptions = {}): Promise<ModelInspection> {
  if (checkpoint.format !== 'spikelab.snn.checkpoint' || checkpoint.method !== 'bptt') {
    throw new SpikelabError('SNN_CHECKPOINT_MISMATCH', 'not a BPTT checkpoint', { field: 'method' })
  }
  const config = bpttConfig(checkpoint.config)
  await initBackend(config.backend)
  const { test } = mnistSplit(config)
  if (test.count === 0) throw new SpikelabError('SNN_NO_TEST_SET', 'the run kept no test digits to inspect', { field: 'data.testCount' })
  const digits = Math.min(options.digits ?? 500, test.count)
  const sampleIndex = Math.min(options.sampleIndex ?? 0, digits - 1)
  const network = new SpikingNetwork(config.inputShape, config.architecture, new SeededRandom(0))
  try {
    restoreParameters(network.parameters, checkpoint.tensors)
    const rng = new SeededRandom(options.seed ?? config.seed + EVAL_SEED_OFFSET)
    const pixels = test.images.length / test.count
    const lifLayers = config.architecture.filter((s) => s.type === 'lif').length
    return inspectNetwork(
      {
        labels: test.labels,
        classes: network.outputSize,
        steps: config.steps,
        batchSize: config.evalBatchSize,
        layerNames: Array.from({ length: lifLayers }, (_, k) => (k === lifLayers - 1 ? 'output' : `hidden ${k + 1}`)),
        runBatch: (indices) => {
          const input = config.encoding === 'rate' ? rateEncode(test.images, pixels, indices, config.steps, rng) : latencyEncode(test.images, pixels, indices, config.steps)
          const out = network.forward(input)
          return { predicted: tf.argMax(tf.sum(out.spikes, 0), -1).dataSync() as Int32Array, layerSpikes: out.layerSpikes }
        },
      },
      digits,
      sampleIndex,
    )
  } finally {
    network.dispose()
  }
}
