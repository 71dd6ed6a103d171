/**
 * Spike rasters on a canvas, drawn into one ImageData (one pass over the spikes, no per-spike
 * canvas calls), so hundreds of thousands of spikes draw in milliseconds.
 *
 * Rows come from a lookup table indexed by (unit, trial): "by neuron" puts the units of one trial in
 * rows, "by trial" puts the trials of one unit in rows, and the cluster raster orders units by cluster.
 */
import type { SpikeBatch } from '../../../common/spike-batch'

export interface RasterLayout {
  readonly nUnits: number
  /** Trials in the data (0 when the batch has none: every spike counts as trial 0). */
  readonly nTrials: number
  /** rowOf[unit · max(1, nTrials) + trial] = row, or −1 to leave the spike out. */
  readonly rowOf: Int32Array
  readonly rows: number
  /** Colour (r, g, b) of every row. */
  readonly colourOfRow: readonly (readonly [number, number, number])[]
}

function table(nUnits: number, nTrials: number): Int32Array {
  return new Int32Array(nUnits * Math.max(1, nTrials)).fill(-1)
}

/** Units in `order` as rows, spikes of one trial (or of every trial when `trial` is null, rows then = unit × trial). */
export function layoutByNeuron(nUnits: number, nTrials: number, order: readonly number[], trial: number | null, colourOf: (unit: number) => [number, number, number]): RasterLayout {
  const stride = Math.max(1, nTrials)
  const rowOf = table(nUnits, nTrials)
  const colourOfRow: [number, number, number][] = []
  if (trial !== null) {
    order.forEach((u, row) => {
      rowOf[u * stride + trial] = row
      colourOfRow.push(colourOf(u))
    })
  } else {
    let row = 0
    for (const u of order)
      for (let r = 0; r < stride; r++) {
        rowOf[u * stride + r] = row++
        colourOfRow.push(colourOf(u))
      }
  }
  return { nUnits, nTrials, rowOf, rows: colourOfRow.length, colourOfRow }
}

/** Trials of one unit as rows. */
export function layoutByTrial(nUnits: number, nTrials: number, unit: number, colour: [number, number, number]): RasterLayout {
  const stride = Math.max(1, nTrials)
  const rowOf = table(nUnits, nTrials)
  for (let r = 0; r < stride; r++) rowOf[unit * stride + r] = r
  return { nUnits, nTrials, rowOf, rows: stride, colourOfRow: Array.from({ length: stride }, () => colour) }
}

/** Draws the spikes in [tFrom, tTo) (s) and returns how many were drawn. */
export function drawRaster(canvas: HTMLCanvasElement, batch: SpikeBatch, layout: RasterLayout, tFrom: number, tTo: number): number {
  const ctx = canvas.getContext('2d')!
  const w = canvas.width
  const h = canvas.height
  const image = ctx.createImageData(w, h)
  const px = image.data
  const rows = Math.max(1, layout.rows)
  const rowH = h / rows
  const tick = Math.max(1, Math.floor(rowH * 0.8))
  const scale = w / (tTo - tFrom)
  const stride = Math.max(1, layout.nTrials)
  const { t, neuron } = batch
  const trial = batch.trial
  let drawn = 0
  for (let k = 0; k < t.length; k++) {
    const tr = trial ? trial[k] : 0
    if (tr < 0 || tr >= stride) continue
    const row = layout.rowOf[neuron[k] * stride + tr]
    if (row < 0 || t[k] < tFrom || t[k] >= tTo) continue
    const x = Math.floor((t[k] - tFrom) * scale)
    const y0 = Math.floor(row * rowH + (rowH - tick) / 2)
    const [r, g, b] = layout.colourOfRow[row]
    for (let y = y0; y < y0 + tick && y < h; y++) {
      const o = (y * w + x) * 4
      px[o] = r
      px[o + 1] = g
      px[o + 2] = b
      px[o + 3] = 255
    }
    drawn++
  }
  ctx.putImageData(image, 0, 0)
  return drawn
}
