import type { Page } from 'playwright-core'
import { PNG } from 'pngjs'

/** Pixels of a PNG screenshot that differ from `background` by more than `tolerance` in any channel. */
export function countPixelsUnlike(png: Buffer, background: readonly [number, number, number], tolerance = 24): number {
  const image = PNG.sync.read(png)
  let n = 0
  for (let i = 0; i < image.data.length; i += 4) {
    if (
      Math.abs(image.data[i] - background[0]) > tolerance ||
      Math.abs(image.data[i + 1] - background[1]) > tolerance ||
      Math.abs(image.data[i + 2] - background[2]) > tolerance
    ) n++
  }
  return n
}

/** Lit pixels inside an element (its 2-pixel border excluded), from a real screenshot of the page. */
export async function litPixelsOf(page: Page, testId: string, background: readonly [number, number, number]): Promise<number> {
  const box = await page.getByTestId(testId).boundingBox()
  if (!box) throw new Error(`${testId} is not visible`)
  return countPixelsUnlike(await page.screenshot({ clip: { x: box.x + 2, y: box.y + 2, width: box.width - 4, height: box.height - 4 } }), background)
}
