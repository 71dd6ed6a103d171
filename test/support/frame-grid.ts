// The event frame as the person sees it, on the sensor's 128 × 128 grid: sampled from a real
// screenshot of a canvas (border excluded) at the centre of each sensor pixel, so canvases shown at
// different sizes (Live, playback) compare pixel for pixel.
import type { Page } from 'playwright-core'
import { PNG } from 'pngjs'

export const GRID = 128
/** A pixel matches when every channel is within this many of 255 levels. */
export const CHANNEL_TOLERANCE = 4
export const BACKGROUND = [20, 22, 26]

export async function sensorGrid(page: Page, testId: string): Promise<Uint8Array> {
  const box = await page.getByTestId(testId).evaluate((el) => {
    const r = el.getBoundingClientRect()
    return { x: r.left + el.clientLeft, y: r.top + el.clientTop, width: el.clientWidth, height: el.clientHeight }
  })
  const png = PNG.sync.read(await page.screenshot({ clip: box }))
  const out = new Uint8Array(GRID * GRID * 3)
  for (let j = 0; j < GRID; j++) {
    for (let i = 0; i < GRID; i++) {
      const sx = Math.min(png.width - 1, Math.floor(((i + 0.5) * png.width) / GRID))
      const sy = Math.min(png.height - 1, Math.floor(((j + 0.5) * png.height) / GRID))
      for (let c = 0; c < 3; c++) out[(j * GRID + i) * 3 + c] = png.data[(sy * png.width + sx) * 4 + c]
    }
  }
  return out
}

/** Grid pixels visibly off the background. */
export function litCount(grid: Uint8Array): number {
  let n = 0
  for (let k = 0; k < GRID * GRID; k++) if ([0, 1, 2].some((c) => Math.abs(grid[k * 3 + c] - BACKGROUND[c]) > 24)) n++
  return n
}

/** Fraction of grid pixels whose channels all agree within CHANNEL_TOLERANCE. */
export function matchFraction(a: Uint8Array, b: Uint8Array): number {
  let same = 0
  for (let k = 0; k < GRID * GRID; k++) if ([0, 1, 2].every((c) => Math.abs(a[k * 3 + c] - b[k * 3 + c]) <= CHANNEL_TOLERANCE)) same++
  return same / (GRID * GRID)
}
