import * as tf from '@tensorflow/tfjs'
import type { IdeConfig } from '../../main/snn/index.js'
import { HostSgd, ideConfig, ideNetwork, ideTrainStep, loadMnist, SeededRandom } from '../../main/snn/index.js'

/**
 * Peak tensor bytes (tf.profile) of one IDE training step on the first `batch` MNIST digits, after a
 * warm-up step (kernels, optimizer state), and the tensors it leaked. IDE's memory must not grow with T.
 */
export async function ideStepPeakBytes(overrides: Partial<IdeConfig>, batch: number): Promise<{ peak: number; leaked: number }> {
  const config = ideConfig({ backend: 'wasm', ...overrides, batchSize: batch })
  const net = ideNetwork(config)
  const sgd = new HostSgd(net.parameters, { momentum: config.momentum, weightDecay: config.weightDecay })
  const digits = loadMnist()
  const x = tf.tensor2d(digits.images.subarray(0, batch * 784), [batch, 784])
  const labels = digits.labels.subarray(0, batch)
  const rng = new SeededRandom(0)
  ideTrainStep(net, sgd, config, { kind: 'analog', x }, labels, config.learningRate, rng)
  const before = tf.memory().numTensors
  const info = await tf.profile(() => {
    ideTrainStep(net, sgd, config, { kind: 'analog', x }, labels, config.learningRate, rng)
  })
  const leaked = tf.memory().numTensors - before
  x.dispose()
  net.dispose()
  return { peak: info.peakBytes, leaked }
}
