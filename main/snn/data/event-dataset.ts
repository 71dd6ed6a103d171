import { createHash } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import type { EventBatch, SensorGeometry } from '../../../common/event-batch.js'
import { concatEventBatches } from '../../../common/event-batch.js'
import { SpikelabError } from '../../../common/errors.js'
import { openEventFile } from '../../events/open-event-file.js'
import { SeededRandom } from '../random.js'
import type { EventRecording } from './dvs-emulator.js'

/**
 * Event datasets for training: labelled recordings (event files or emulator output) binned in time
 * into T frames per sample, split into train and test by recording.
 */
export interface FrameOptions {
  /** Frames per sample (the T of the network). */
  readonly steps: number
  /** Length of a sample in µs; default the whole recording (first to last event). */
  readonly windowUs?: number
  /** Cut each recording into consecutive windows of `windowUs`, one sample each (default: one sample per recording, its first window). */
  readonly windowsPerRecording?: 'first' | 'all'
  /** Spatial pooling factor: each frame pixel sums a pool×pool block of sensor pixels. */
  readonly pool?: number
  /** `split`: channel 0 = OFF, 1 = ON ([T, H, W, 2]); `merge`: one channel of both. */
  readonly polarity?: 'split' | 'merge'
  /** Clip counts to 1 (spike frames) instead of counting events. */
  readonly binary?: boolean
}

/** Samples as frames [count, T, H, W, C] with labels, like `LabeledImages` for images. */
export interface EventFrames {
  readonly frames: Float32Array
  readonly labels: Uint8Array
  readonly count: number
  /** [T, H, W, C] of one sample. */
  readonly frameShape: readonly [number, number, number, number]
  /** Recording id of every sample. */
  readonly recordingIds: readonly string[]
}

export interface EventDataset {
  readonly train: EventFrames
  readonly test: EventFrames
  /** Class names; label k is classes[k]. */
  readonly classes: readonly string[]
  /** SHA-256 of the classes, frames and labels of both splits, in order. */
  readonly hash: string
}

export interface SplitOptions {
  /** Fraction of recordings held out for testing. */
  readonly testFraction: number
  readonly seed: number
}

function bad(field: string, message: string, file?: string): SpikelabError {
  return new SpikelabError('EVENT_DATASET_INVALID', message, file === undefined ? { field } : { field, file })
}

/** Events of `batch` in [startUs, startUs + windowUs) binned into T frames [T, H, W, C]. */
export function binEvents(batch: EventBatch, geometry: SensorGeometry, startUs: number, windowUs: number, options: FrameOptions): Float32Array {
  const { steps } = options
  const pool = options.pool ?? 1
  const channels = (options.polarity ?? 'split') === 'split' ? 2 : 1
  const h = Math.ceil(geometry.height / pool)
  const w = Math.ceil(geometry.width / pool)
  const frames = new Float32Array(steps * h * w * channels)
  const binUs = windowUs / steps
  for (let i = 0; i < batch.t.length; i++) {
    const dt = batch.t[i] - startUs
    if (dt < 0 || dt >= windowUs) continue
    const x = batch.x[i]
    const y = batch.y[i]
    if (x >= geometry.width || y >= geometry.height) continue
    const t = Math.min(steps - 1, Math.floor(dt / binUs))
    const c = channels === 2 ? batch.p[i] : 0
    frames[((t * h + Math.floor(y / pool)) * w + Math.floor(x / pool)) * channels + c] += 1
  }
  if (options.binary) for (let i = 0; i < frames.length; i++) if (frames[i] > 1) frames[i] = 1
  return frames
}

function checkFrameOptions(options: FrameOptions): void {
  if (!Number.isInteger(options.steps) || options.steps < 1) throw bad('steps', `steps must be a positive integer, got ${options.steps}`)
  const pool = options.pool ?? 1
  if (!Number.isInteger(pool) || pool < 1) throw bad('pool', `pool must be a positive integer, got ${pool}`)
  if (options.windowUs !== undefined && !(options.windowUs > 0)) throw bad('windowUs', `windowUs must be positive, got ${options.windowUs}`)
  if (options.windowsPerRecording === 'all' && options.windowUs === undefined) throw bad('windowUs', "windowsPerRecording 'all' needs windowUs")
  if (options.polarity !== undefined && options.polarity !== 'split' && options.polarity !== 'merge') {
    throw bad('polarity', `unknown polarity mode '${String(options.polarity)}'`)
  }
}

/** Class names in natural order ('2' before '10'). */
function classNames(recordings: readonly EventRecording[]): string[] {
  return [...new Set(recordings.map((r) => r.label))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
}

/**
 * Splits recordings into train and test by recording: one seeded permutation of the distinct ids, the
 * first ⌈testFraction·N⌉ for testing. Samples cut from one recording never end up on both sides.
 */
export function splitByRecording(recordings: readonly EventRecording[], options: SplitOptions): { train: EventRecording[]; test: EventRecording[] } {
  if (!(options.testFraction >= 0 && options.testFraction < 1)) throw bad('testFraction', `testFraction must lie in [0, 1), got ${options.testFraction}`)
  const ids = [...new Set(recordings.map((r) => r.id))].sort()
  const order = new SeededRandom(options.seed).permutation(ids.length)
  const testCount = Math.ceil(options.testFraction * ids.length)
  const testIds = new Set(Array.from(order.subarray(0, testCount), (k) => ids[k]))
  return { train: recordings.filter((r) => !testIds.has(r.id)), test: recordings.filter((r) => testIds.has(r.id)) }
}

/** Bins recordings into samples; every recording must fit `geometry` (events outside are dropped). */
export function toFrames(recordings: readonly EventRecording[], classes: readonly string[], geometry: SensorGeometry, options: FrameOptions): EventFrames {
  checkFrameOptions(options)
  const pool = options.pool ?? 1
  const shape: [number, number, number, number] = [
    options.steps,
    Math.ceil(geometry.height / pool),
    Math.ceil(geometry.width / pool),
    (options.polarity ?? 'split') === 'split' ? 2 : 1,
  ]
  const size = shape.reduce((a, b) => a * b, 1)
  const samples: { frames: Float32Array; label: number; id: string }[] = []
  for (const r of recordings) {
    const label = classes.indexOf(r.label)
    if (label < 0) throw bad('label', `recording '${r.id}' has label '${r.label}', which is not a known class`)
    const n = r.events.t.length
    const first = n ? r.events.t[0] : 0
    const span = n ? r.events.t[n - 1] - first + 1 : 1
    const windowUs = options.windowUs ?? span
    const windows = options.windowsPerRecording === 'all' ? Math.max(1, Math.floor(span / windowUs)) : 1
    for (let k = 0; k < windows; k++) samples.push({ frames: binEvents(r.events, geometry, first + k * windowUs, windowUs, options), label, id: r.id })
  }
  const frames = new Float32Array(samples.length * size)
  samples.forEach((s, i) => frames.set(s.frames, i * size))
  return {
    frames,
    labels: Uint8Array.from(samples, (s) => s.label),
    count: samples.length,
    frameShape: shape,
    recordingIds: samples.map((s) => s.id),
  }
}

/**
 * A training set from labelled recordings: classes from their labels, a split by recording, T frames
 * per sample, and the data hash. The sensor size is the largest among the recordings.
 */
export function eventDataset(recordings: readonly EventRecording[], options: FrameOptions & SplitOptions): EventDataset {
  if (recordings.length === 0) throw bad('recordings', 'no recordings')
  checkFrameOptions(options)
  const classes = classNames(recordings)
  if (classes.length > 256) throw bad('label', `${classes.length} classes; at most 256 are supported`)
  const geometry = {
    width: recordings.reduce((m, r) => Math.max(m, r.geometry.width), 1),
    height: recordings.reduce((m, r) => Math.max(m, r.geometry.height), 1),
  }
  const split = splitByRecording(recordings, options)
  const train = toFrames(split.train, classes, geometry, options)
  const test = toFrames(split.test, classes, geometry, options)
  const hash = createHash('sha256')
  hash.update(JSON.stringify(classes))
  for (const set of [train, test]) {
    hash.update(new Uint8Array(set.frames.buffer, set.frames.byteOffset, set.frames.byteLength))
    hash.update(set.labels)
  }
  return { train, test, classes, hash: hash.digest('hex') }
}

/** An event file with its label (e.g. from a catalog tag). */
export interface LabelledFile {
  readonly path: string
  readonly label: string
}

/**
 * Reads labelled event files through `openEventFile` (format detected from content). The id of a
 * recording is its path; geometry comes from the file's header, else `fallbackGeometry`, else the
 * events' extent.
 */
export async function readEventRecordings(files: readonly LabelledFile[], fallbackGeometry?: SensorGeometry): Promise<EventRecording[]> {
  const recordings: EventRecording[] = []
  for (const f of files) {
    if (f.label === '') throw bad('label', 'empty label', f.path)
    const file = await openEventFile(f.path, { shiftToZero: true })
    const batches: EventBatch[] = []
    for await (const b of file.batches()) batches.push(b)
    const events = concatEventBatches(batches)
    let geometry = file.geometry ?? fallbackGeometry
    if (!geometry) {
      let width = 1
      let height = 1
      for (let i = 0; i < events.t.length; i++) {
        if (events.x[i] + 1 > width) width = events.x[i] + 1
        if (events.y[i] + 1 > height) height = events.y[i] + 1
      }
      geometry = { width, height }
    }
    recordings.push({ id: path.resolve(f.path), label: f.label, geometry, events })
  }
  return recordings
}

/**
 * Labelled files of a folder whose sub-folders are the classes (`root/<class>/**`); hidden files are
 * skipped. Every other file must be an event file.
 */
export async function labelledFilesInFolder(root: string): Promise<LabelledFile[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch((err: unknown) => {
    throw new SpikelabError('FILE_UNREADABLE', `cannot read dataset folder: ${(err as Error).message}`, { file: root })
  })
  const files: LabelledFile[] = []
  for (const dir of entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'))) {
    const walk = async (folder: string): Promise<void> => {
      for (const e of (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
        if (e.name.startsWith('.')) continue
        const full = path.join(folder, e.name)
        if (e.isDirectory()) await walk(full)
        else if (e.isFile()) files.push({ path: full, label: dir.name })
      }
    }
    await walk(path.join(root, dir.name))
  }
  if (files.length === 0) throw new SpikelabError('EVENT_DATASET_INVALID', 'no files in class sub-folders (expected root/<class>/<file>)', { file: root })
  return files.sort((a, b) => a.path.localeCompare(b.path))
}
