/**
 * The live event frame: per-pixel ON and OFF activity that decays exponentially with time constant
 * `decayMs`, rendered as colours over a dark background into an RGBA pixel buffer.
 */
const BG = [20, 22, 26]
const ON = [78, 161, 255]
const OFF = [255, 140, 60]

export class EventFrame {
  readonly on: Float32Array
  readonly off: Float32Array
  readonly pixels: Uint8ClampedArray

  constructor(readonly width: number, readonly height: number) {
    this.on = new Float32Array(width * height)
    this.off = new Float32Array(width * height)
    this.pixels = new Uint8ClampedArray(width * height * 4)
  }

  add(x: Uint16Array, y: Uint16Array, p: Uint8Array): void {
    const { width, height, on, off } = this
    for (let i = 0; i < x.length; i++) {
      if (x[i] >= width || y[i] >= height) continue
      const k = y[i] * width + x[i]
      if (p[i]) on[k] = Math.min(on[k] + 0.5, 1)
      else off[k] = Math.min(off[k] + 0.5, 1)
    }
  }

  /** Decays by `elapsedMs` and renders into `pixels`. */
  render(elapsedMs: number, decayMs: number): void {
    const keep = Math.exp(-elapsedMs / Math.max(1, decayMs))
    const { on, off, pixels } = this
    for (let k = 0; k < on.length; k++) {
      const a = on[k] * keep
      const b = off[k] * keep
      on[k] = a
      off[k] = b
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
  }
}
