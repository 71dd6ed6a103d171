import type { CoarseLayerSpec } from './coarse-network.js'

/**
 * The networks of the paper-era code (spec snn-methods.md §B.5, `spikingexamples.py --model 0..5`).
 * Every weight layer is followed by a coarse LIF layer; τ1 serves the first hidden stage(s) (the conv
 * layers, or model 1's hidden layer), τ2 the fully connected stages after them, τ0 model 5's analog
 * input layer.
 *
 * PyTorch's "5×5, stride 2, pad 2" on 28×28 is our 'same' padding (same 14×14 output; TensorFlow puts
 * the odd padding pixel at the bottom/right); "5×5, pad 2, stride 1" is exactly 'same'.
 */
export type CoarseModel = 'fc' | 'hidden' | 'conv' | 'conv2' | 'lenet5' | 'lenet5-analog' | 'custom'

export const COARSE_MODELS: readonly CoarseModel[] = ['fc', 'hidden', 'conv', 'conv2', 'lenet5', 'lenet5-analog', 'custom']

/** The code's `--model` number of each preset. */
export const COARSE_MODEL_NUMBER: Readonly<Record<Exclude<CoarseModel, 'custom'>, number>> = {
  fc: 0,
  hidden: 1,
  conv: 2,
  conv2: 3,
  lenet5: 4,
  'lenet5-analog': 5,
}

/**
 * The paper-era code's training budget: 10 epochs (`--epochs` default) over the 60,000 torchvision
 * MNIST training digits in batches of 64 (`--batch-size`), i.e. ⌈60,000/64⌉ = 938 Adam steps per epoch,
 * 9,380 in all (spec §B.5). The code has no learning-rate schedule.
 */
export const PAPER_TRAINING = { epochs: 10, trainingDigits: 60_000, batchSize: 64 } as const

/**
 * Epochs that give a smaller training set the paper's number of Adam steps, rounded to whole epochs.
 * The project's split has 8,000 training digits (125 batches of 64), so 10 paper epochs become
 * 9,380 / 125 ≈ 75 epochs: the same optimiser budget at the same learning rate. Ten epochs on 8,000
 * digits are only 1,250 steps, 13 % of the paper's, which is why LeNet-5 stopped near 95.7 %.
 */
export function paperEquivalentEpochs(trainingDigits: number, batchSize: number = PAPER_TRAINING.batchSize): number {
  if (!(Number.isInteger(trainingDigits) && trainingDigits >= 1)) throw new RangeError(`trainingDigits must be a positive integer, got ${trainingDigits}`)
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`)
  const paperSteps = PAPER_TRAINING.epochs * Math.ceil(PAPER_TRAINING.trainingDigits / PAPER_TRAINING.batchSize)
  return Math.max(1, Math.round(paperSteps / Math.ceil(trainingDigits / batchSize)))
}

export interface PresetOptions {
  readonly tau0: number
  readonly tau1: number
  readonly tau2: number
  /** Hidden width of `hidden` (model 1). */
  readonly hiddenUnits: number
  /** [H, W, C] of one sample: [28, 28, 1] for MNIST, [34, 34, 2] for N-MNIST-like events. */
  readonly sampleShape?: readonly number[]
  /** Output units (10 for digits). */
  readonly classes?: number
}

/**
 * Input shape and layers of a preset network; defined for 28×28 single-channel images, and applied
 * unchanged to other sample shapes (e.g. 34×34×2 event frames: the FC sizes follow).
 */
export function coarsePreset(
  model: Exclude<CoarseModel, 'custom'>,
  { tau0, tau1, tau2, hiddenUnits, sampleShape = [28, 28, 1], classes = 10 }: PresetOptions,
): { inputShape: number[]; architecture: CoarseLayerSpec[] } {
  const lif1: CoarseLayerSpec = { type: 'coarse-lif', tau: tau1 }
  const lif2: CoarseLayerSpec = { type: 'coarse-lif', tau: tau2 }
  const image = [...sampleShape]
  const flat = [sampleShape.reduce((a, b) => a * b, 1)]
  switch (model) {
    case 'fc':
      return { inputShape: flat, architecture: [{ type: 'dense', units: classes, bias: false }, lif1] }
    case 'hidden':
      return {
        inputShape: flat,
        architecture: [{ type: 'dense', units: hiddenUnits, bias: true }, lif1, { type: 'dense', units: classes, bias: false }, lif2],
      }
    case 'conv':
      return {
        inputShape: image,
        architecture: [
          { type: 'conv2d', filters: 4, kernelSize: 5, stride: 2, padding: 'same' },
          lif1,
          { type: 'flatten' },
          { type: 'dense', units: classes, bias: false },
          lif2,
        ],
      }
    case 'conv2':
      return {
        inputShape: image,
        architecture: [
          { type: 'conv2d', filters: 4, kernelSize: 5, stride: 2, padding: 'same' },
          lif1,
          { type: 'conv2d', filters: 6, kernelSize: 5, stride: 1, padding: 'valid' },
          lif1,
          { type: 'flatten' },
          { type: 'dense', units: classes, bias: false },
          lif2,
        ],
      }
    case 'lenet5':
    case 'lenet5-analog': {
      const lenet: CoarseLayerSpec[] = [
        { type: 'conv2d', filters: 6, kernelSize: 5, stride: 1, padding: 'same' },
        lif1,
        { type: 'pool', mode: 'max', size: 2 },
        { type: 'conv2d', filters: 16, kernelSize: 5, stride: 1, padding: 'valid' },
        lif1,
        { type: 'pool', mode: 'max', size: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 120, bias: false },
        lif2,
        { type: 'dense', units: 84, bias: false },
        lif2,
        { type: 'dense', units: classes, bias: false },
        lif2,
      ]
      if (model === 'lenet5') return { inputShape: image, architecture: lenet }
      return { inputShape: image, architecture: [{ type: 'coarse-lif', tau: tau0, variant: 'analog-input' }, ...lenet] }
    }
  }
}
