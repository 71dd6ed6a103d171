// Public API of the SNN training engine. Other layers import from here only.
export type { BackendInfo, BackendPreference } from './backend.js'
export { describeBackend, initBackend } from './backend.js'
export type { Checkpoint, CheckpointTensor } from './checkpoint.js'
export { restoreParameters, snapshotParameters } from './checkpoint.js'
export { latencyEncode, rateEncode } from './data/encoding.js'
export type { LabeledImages } from './data/mnist.js'
export { loadMnist, MNIST_PIXELS, selectImages } from './data/mnist.js'
export { conv2dFilterGradient, registerConv2dBackpropFilter } from './kernels/conv2d-backprop-filter.js'
export { registerMissingWasmGradients } from './kernels/register-wasm-gradients.js'
export { Conv2d } from './layers/conv2d.js'
export { Dense } from './layers/dense.js'
export { flatten } from './layers/flatten.js'
export type { HostSpikes } from './layers/host-spikes.js'
export type { Parameter } from './layers/parameter.js'
export { Pool2d } from './layers/pool.js'
export type { BpttConfig, TrainOptions, TrainResult, TrainStart } from './methods/bptt.js'
export type { EpochMetrics, MethodId, RunOptions, RunResult, RunStart, TrainingMethod, TrainProgress } from './methods/run-types.js'
export { BPTT_DEFAULTS, bpttConfig, bpttMethod, dataHash, evaluate, evaluateCheckpoint, mnistSplit, train } from './methods/bptt.js'
export { trainingMethod, trainingMethods } from './methods/registry.js'
export { HostAdam } from './optim/adam.js'
export type { AdamOptions } from './optim/adam.js'
export type { LayerSpec, NetworkOutput } from './network.js'
export { SpikingNetwork } from './network.js'
export type { LifConfig } from './neurons/lif.js'
export { DEFAULT_LIF, lifBackward, lifConfig, lifForward, lifSequence, lifStep } from './neurons/lif.js'
export type { SurrogateSpec } from './neurons/surrogate.js'
export {
  DEFAULT_SURROGATE,
  relaxedSpike,
  spikeOp,
  surrogateDerivative,
  surrogateDerivativeTensor,
} from './neurons/surrogate.js'
export { SeededRandom } from './random.js'
