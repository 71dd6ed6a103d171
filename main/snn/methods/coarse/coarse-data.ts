import { SpikelabError } from '../../../../common/errors.js'
import { emulateNmnist } from '../../data/dvs-emulator.js'
import type { EventFrames } from '../../data/event-dataset.js'
import { eventDataset, labelledFilesInFolder, readEventRecordings } from '../../data/event-dataset.js'
import type { LabeledImages } from '../../data/mnist.js'
import type { HostSpikes } from '../../layers/host-spikes.js'

/** Where a coarse run's samples come from. Event sources are binned into L binary frames per sample. */
export type CoarseDataSpec =
  | {
      readonly source: 'mnist'
      /** Digits for training and testing, from one seeded permutation of the 10,000 (as BPTT). */
      readonly trainCount: number
      readonly testCount: number
      readonly splitSeed: number
    }
  | {
      readonly source: 'emulated-nmnist'
      /** Digits filmed by the DVS emulator (three saccades, 34×34). */
      readonly count: number
      readonly testFraction: number
      readonly splitSeed: number
      /** Spatial pooling of the 34×34 sensor. */
      readonly pool: number
      /** Filled in by the run: [H, W, C] of one frame and the class names, so a checkpoint rebuilds its network. */
      readonly sampleShape?: readonly number[]
      readonly classNames?: readonly string[]
    }
  | {
      readonly source: 'event-folder'
      /** Folder with one sub-folder of event files per class. */
      readonly folder: string
      readonly testFraction: number
      readonly splitSeed: number
      readonly pool: number
      /** Sample length in µs (null: the whole recording). */
      readonly windowUs: number | null
      readonly sampleShape?: readonly number[]
      readonly classNames?: readonly string[]
    }

/** A split of a coarse dataset: labels, and the network input for any batch of its samples. */
export interface CoarseSamples {
  readonly count: number
  readonly labels: Uint8Array
}

/** Samples as binary event frames [count, L, H, W, C]. */
export interface FrameSamples extends CoarseSamples {
  readonly kind: 'frames'
  readonly frames: EventFrames
}

export interface ImageSamples extends CoarseSamples {
  readonly kind: 'images'
  readonly images: LabeledImages
}

export type CoarseSamplesOf = FrameSamples | ImageSamples

export interface LoadedEventData {
  readonly train: FrameSamples
  readonly test: FrameSamples
  readonly hash: string
  /** [H, W, C] of one frame. */
  readonly sampleShape: readonly number[]
  readonly classNames: readonly string[]
}

/** Loads and bins an event source into L-step binary frames, split by recording. */
export async function loadEventData(spec: Exclude<CoarseDataSpec, { source: 'mnist' }>, steps: number): Promise<LoadedEventData> {
  const recordings =
    spec.source === 'emulated-nmnist'
      ? emulateNmnist({ count: spec.count, seed: spec.splitSeed })
      : await readEventRecordings(await labelledFilesInFolder(spec.folder))
  const windowUs = spec.source === 'event-folder' && spec.windowUs !== null ? spec.windowUs : undefined
  const data = eventDataset(recordings, {
    steps,
    pool: spec.pool,
    binary: true,
    polarity: 'split',
    testFraction: spec.testFraction,
    seed: spec.splitSeed,
    windowUs,
    windowsPerRecording: windowUs === undefined ? 'first' : 'all',
  })
  if (data.classes.length < 2) {
    throw new SpikelabError('SNN_BAD_CONFIG', `the event data has ${data.classes.length} class; at least 2 are needed`, { field: 'data' })
  }
  const wrap = (frames: EventFrames): FrameSamples => ({ kind: 'frames', frames, count: frames.count, labels: frames.labels })
  return { train: wrap(data.train), test: wrap(data.test), hash: data.hash, sampleShape: data.train.frameShape.slice(1), classNames: data.classes }
}

/** Binary frames of the samples at `indices` as host spikes [L, B, H·W·C]. */
export function framesInput(samples: FrameSamples, indices: ArrayLike<number>): HostSpikes {
  const [steps, h, w, c] = samples.frames.frameShape
  const size = h * w * c
  const batch = indices.length
  const data = new Uint8Array(steps * batch * size)
  const frames = samples.frames.frames
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const src = (indices[b] * steps + t) * size
      const dst = (t * batch + b) * size
      for (let i = 0; i < size; i++) data[dst + i] = frames[src + i] > 0 ? 1 : 0
    }
  }
  return { shape: [steps, batch, size], data }
}
