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
