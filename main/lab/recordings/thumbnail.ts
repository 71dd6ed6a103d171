/**
 * The library's thumbnail: an event frame (ON and OFF counts per pixel) rendered to a small PNG.
 * Large sensors are binned down so the longer side is at most `maxSide` pixels.
 */
import { PNG } from 'pngjs'
import type { EventBatch } from '../../../common/event-batch.js'

const BACKGROUND = [20, 22, 26] as const
const ON_COLOUR = [78, 161, 255] as const
const OFF_COLOUR = [255, 140, 60] as const

export class EventFrameAccumulator {
  readonly binnedWidth: number
  readonly binnedHeight: number
  private readonly shift: number
  private readonly on: Uint32Array
  private readonly off: Uint32Array

  constructor(readonly width: number, readonly height: number, maxSide = 256) {
    let shift = 0
    while (Math.max(width, height) >> shift > maxSide) shift++
    this.shift = shift
    this.binnedWidth = Math.max(1, Math.ceil(width / (1 << shift)))
    this.binnedHeight = Math.max(1, Math.ceil(height / (1 << shift)))
    this.on = new Uint32Array(this.binnedWidth * this.binnedHeight)
    this.off = new Uint32Array(this.binnedWidth * this.binnedHeight)
  }

  add(batch: EventBatch): void {
    const { x, y, p } = batch
    const s = this.shift
    for (let i = 0; i < x.length; i++) {
      if (x[i] >= this.width || y[i] >= this.height) continue // outside the declared sensor: not drawn
      const k = (y[i] >> s) * this.binnedWidth + (x[i] >> s)
      if (p[i]) this.on[k]++
      else this.off[k]++
    }
  }

  /** RGBA pixels: the dominant polarity's colour, brightness by log count relative to the busiest pixel. */
  rgba(): Uint8Array {
    let max = 1
    for (let k = 0; k < this.on.length; k++) max = Math.max(max, this.on[k] + this.off[k])
    const scale = 1 / Math.log1p(max)
    const out = new Uint8Array(this.on.length * 4)
    for (let k = 0; k < this.on.length; k++) {
      const total = this.on[k] + this.off[k]
      const a = total === 0 ? 0 : Math.min(1, 0.25 + 0.75 * Math.log1p(total) * scale)
      const colour = this.on[k] >= this.off[k] ? ON_COLOUR : OFF_COLOUR
      for (let c = 0; c < 3; c++) out[k * 4 + c] = Math.round(BACKGROUND[c] + (colour[c] - BACKGROUND[c]) * a)
      out[k * 4 + 3] = 255
    }
    return out
  }

  png(): Buffer {
    const png = new PNG({ width: this.binnedWidth, height: this.binnedHeight })
    png.data = Buffer.from(this.rgba())
    return PNG.sync.write(png)
  }
}
