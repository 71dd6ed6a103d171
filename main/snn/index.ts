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
export { inspectBpttCheckpoint } from './methods/bptt-inspect.js'
export { coarseLayerNames, inspectCoarseCheckpoint } from './methods/coarse/coarse-inspect.js'
export { inspectNetwork, RATE_BINS, type InspectionSource, type InspectOptions, type LayerActivity, type ModelInspection, type SampleRaster } from './methods/inspection.js'
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
export type { CoarseLifConfig } from './neurons/coarse-lif.js'
export { coarseConstants, coarseLifBackward, coarseLifConfig, coarseLifForward, coarseLifSequence, DEFAULT_COARSE_LIF } from './neurons/coarse-lif.js'
export type { CoarseLayer, CoarseLayerSpec, CoarseOutput } from './methods/coarse/coarse-network.js'
export { CoarseNetwork } from './methods/coarse/coarse-network.js'
export type { CoarseModel } from './methods/coarse/presets.js'
export { COARSE_MODEL_NUMBER, COARSE_MODELS, coarsePreset } from './methods/coarse/presets.js'
export type { CoarseReadout } from './methods/coarse/readout.js'
export { COARSE_READOUTS, readoutClasses } from './methods/coarse/readout.js'
export type { CoarseConfig } from './methods/coarse.js'
export {
  buildCoarseNetwork,
  COARSE_DEFAULTS,
  coarseArchitecture,
  coarseClasses,
  coarseConfig,
  coarseEvaluate,
  coarseEvaluationSeed,
  coarseInput,
  coarseLearningRate,
  coarseLoss,
  coarseMethod,
  coarsePredict,
  coarseSplit,
  evaluateCoarseCheckpoint,
  restoreCoarseNetwork,
  train as trainCoarse,
} from './methods/coarse.js'
export type { IdeArchitecture, IdeConfig, IdeInputGeometry, IdeStepResult, ImplicitGradients } from './methods/ide.js'
export {
  IDE_ARCHITECTURES,
  IDE_DEFAULTS,
  ideConfig,
  ideMethod,
  ideNetwork,
  idePredict,
  ideTrainStep,
  implicitGradients,
  MNIST_GEOMETRY,
  train as trainIde,
} from './methods/ide.js'
export type { AdjointSolution, AdjointSolver, VectorJacobianProduct } from './methods/ide/adjoint-solvers.js'
export { ADJOINT_SOLVERS, solveAdjoint } from './methods/ide/adjoint-solvers.js'
export type { FeedbackInput, FeedbackNetShape, NeuronConstants } from './methods/ide/feedback-net.js'
export { FeedbackNet } from './methods/ide/feedback-net.js'
export type { ConvFeedbackShape } from './methods/ide/conv-feedback-net.js'
export { CONV_64C5S, ConvFeedbackNet } from './methods/ide/conv-feedback-net.js'
export type { IdeNet } from './methods/ide/ide-net.js'
export { HostSgd } from './methods/ide/host-sgd.js'
export type { ContinuousRun } from './methods/coarse/continuous-lif.js'
export { ContinuousLif } from './methods/coarse/continuous-lif.js'
export type { TransferOptions, TransferResult } from './methods/coarse/transfer.js'
export { coarseTransferCheck } from './methods/coarse/transfer.js'
export type { PredictiveCodingSequence } from './data/predictive-coding.js'
export { BLOB_NEURONS, driftingBlob, patternCount, patternIndex, predictiveCodingSequence } from './data/predictive-coding.js'
export type { VdibConfig, VdibTask } from './methods/vdib.js'
export { SpikeWindow, train as trainVdib, VDIB_DEFAULTS, VDIB_RECONSTRUCTION_DEFAULTS, vdibConfig, vdibMethod, vdibModel } from './methods/vdib.js'
export { raisedCosineBasis } from './methods/vdib/basis.js'
export type { DecoderShape } from './methods/vdib/decoder.js'
export { VdibDecoder } from './methods/vdib/decoder.js'
export type { EncoderShape, EncoderStep, HostParameter } from './methods/vdib/encoder.js'
export { VdibEncoder } from './methods/vdib/encoder.js'
export type { SnnSgdOptions } from './methods/vdib/snn-sgd.js'
export { SnnSgd } from './methods/vdib/snn-sgd.js'
export type { DvsEmulatorOptions, DvsScene, EmulatedNmnistOptions, EventRecording, SaccadeOptions } from './data/dvs-emulator.js'
export { DVS_EMULATOR_DEFAULTS, dvsEmulatorOptions, emulateDvs, emulateNmnist, SACCADE_DEFAULTS, saccadeOffset, saccadeScene } from './data/dvs-emulator.js'
export type { EventDataset, EventFrames, FrameOptions, LabelledFile, SplitOptions } from './data/event-dataset.js'
export { binEvents, eventDataset, labelledFilesInFolder, readEventRecordings, splitByRecording, toFrames } from './data/event-dataset.js'
export type { CoarseDataSpec, CoarseSamplesOf, FrameSamples, ImageSamples, LoadedEventData } from './methods/coarse/coarse-data.js'
export { framesInput, loadEventData } from './methods/coarse/coarse-data.js'
export { coarseData, coarseDataShape } from './methods/coarse.js'
