/**
 * The event frame: per-pixel ON and OFF activity that decays exponentially in *event time* with
 * time constant `decayUs`. Each pixel keeps its activity as of its last event, so the frame at time
 * T is Σ exp(−(T − tᵢ)/τ) over the events tᵢ ≤ T — the same picture however the events were split
 * into batches. That is what lets playback draw exactly the frame Live drew at the same time point.
 * One event alone gives half intensity; intensity saturates at 1.
 *
 * Live views get their events pre-binned by the host (`addBins`): per pixel the same sum folded as of
 * the pixel's newest event, which this frame folds in exactly as it would fold the events themselves.
 */
import type { LiveBins } from '../../../common/contract/live-bins.js'

const BG = [20, 22, 26]
const ON = [78, 161, 255]
const OFF = [255, 140, 60]
/** Intensity of one fresh event. */
const GAIN = 0.5
/**
 * Activity older than this many time constants is drawn as background without computing it: e^−40
 * ≈ 4e−18, below a colour step for any activity a pixel can reach (it would need ~10^15 events).
 */
const FADED_TAUS = 40

export class EventFrame {
  /** Activity per pixel as of `onAt`/`offAt` (µs of event time). */
  readonly on: Float32Array
  readonly off: Float32Array
  private readonly onAt: Float64Array
  private readonly offAt: Float64Array
  readonly pixels: Uint8ClampedArray
  /** Newest event time added, µs; -Infinity before the first. */
  newestUs = -Infinity

  constructor(readonly width: number, readonly height: number, public decayUs = 60_000) {
    this.on = new Float32Array(width * height)
    this.off = new Float32Array(width * height)
    this.onAt = new Float64Array(width * height).fill(-Infinity)
    this.offAt = new Float64Array(width * height).fill(-Infinity)
    this.pixels = new Uint8ClampedArray(width * height * 4)
  }

  add(t: Float64Array, x: Uint16Array, y: Uint16Array, p: Uint8Array, from = 0, to = t.length): void {
    const { width, height } = this
    const inv = 1 / Math.max(1, this.decayUs)
    let newest = this.newestUs
    for (let i = from; i < to; i++) {
      if (x[i] >= width || y[i] >= height) continue
      const k = y[i] * width + x[i]
      const ti = t[i]
      const value = p[i] ? this.on : this.off
      const at = p[i] ? this.onAt : this.offAt
      const dt = ti - at[k]
      if (dt >= 0) {
        value[k] = value[k] * Math.exp(-dt * inv) + 1
        at[k] = ti
      } else {
        value[k] += Math.exp(dt * inv) // an event older than the pixel's last one
      }
      if (ti > newest) newest = ti
    }
    this.newestUs = newest
  }

  /**
   * Folds a binned update in: each entry is Σ exp(−(t_new − tᵢ)/τ) over one pixel's events of one
   * polarity, as of its newest event t_new, which is what `add` would have made of those events.
   * (The host folds with the decay this view last sent it; right after a change, one or two updates
   * may still carry the previous decay.)
   */
  addBins(bins: LiveBins): void {
    const { width, height } = this
    const { keys, values, ages, stride, newestUs } = bins
    const inv = 1 / Math.max(1, this.decayUs)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]
      const pixel = key >>> 1
      const x = pixel % stride
      const y = (pixel - x) / stride
      if (x >= width || y >= height) continue
      const k = y * width + x
      const ti = newestUs - ages[i]
      const on = (key & 1) === 1
      const value = on ? this.on : this.off
      const at = on ? this.onAt : this.offAt
      const dt = ti - at[k]
      if (dt >= 0) {
        value[k] = value[k] * Math.exp(-dt * inv) + values[i]
        at[k] = ti
      } else {
        value[k] += values[i] * Math.exp(dt * inv)
      }
    }
    if (bins.events > 0 && newestUs > this.newestUs) this.newestUs = newestUs
  }

  /** Renders the frame as it is at event time `atUs` into `pixels`. */
  render(atUs: number): void {
    const { on, off, onAt, offAt, pixels } = this
    const inv = 1 / Math.max(1, this.decayUs)
    const faded = atUs - FADED_TAUS * Math.max(1, this.decayUs)
    for (let k = 0; k < on.length; k++) {
      const a = on[k] === 0 || onAt[k] < faded ? 0 : Math.min(1, GAIN * on[k] * Math.exp(Math.min(0, onAt[k] - atUs) * inv))
      const b = off[k] === 0 || offAt[k] < faded ? 0 : Math.min(1, GAIN * off[k] * Math.exp(Math.min(0, offAt[k] - atUs) * inv))
      const j = k * 4
      pixels[j] = BG[0] + (ON[0] - BG[0]) * a + (OFF[0] - BG[0]) * b
      pixels[j + 1] = BG[1] + (ON[1] - BG[1]) * a + (OFF[1] - BG[1]) * b
      pixels[j + 2] = BG[2] + (ON[2] - BG[2]) * a + (OFF[2] - BG[2]) * b
      pixels[j + 3] = 255
    }
  }

  clear(): void {
    this.on.fill(0)
    this.off.fill(0)
    this.onAt.fill(-Infinity)
    this.offAt.fill(-Infinity)
    this.newestUs = -Infinity
  }
}
