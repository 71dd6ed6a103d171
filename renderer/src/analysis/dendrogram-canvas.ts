/** Draws an AIB dendrogram: heights = information lost so far; branches inside a cluster at K in its colour. */
import type { ClassificationView } from '../../../common/contract/schemas'
import { AXIS_GREY, clusterColour } from './colours'
import { layoutDendrogram } from './dendrogram'

export function drawDendrogram(canvas: HTMLCanvasElement, r: ClassificationView): void {
  const ctx = canvas.getContext('2d')!
  const n = r.cells
  const layout = layoutDendrogram(n, r.merges, r.informationPlugin)
  const pad = { left: 40, right: 10, top: 10, bottom: 24 }
  const w = canvas.width - pad.left - pad.right
  const h = canvas.height - pad.top - pad.bottom
  const X = (slot: number) => pad.left + (n > 1 ? (slot / (n - 1)) * w : w / 2)
  const Y = (bits: number) => pad.top + h - (layout.maxHeight > 0 ? (bits / layout.maxHeight) * h : 0)
  ctx.clearRect(0, 0, canvas.width, canvas.height)
  ctx.lineWidth = 1
  // The cut at K leaves K subtrees: merges after the first N−K are drawn grey, those below in their cluster's colour.
  const clusterOf = new Map<number, number>()
  r.units.forEach((u, i) => clusterOf.set(i, u.cluster))
  r.merges.forEach((m, i) => {
    const ca = clusterOf.get(m.a)
    const cb = clusterOf.get(m.b)
    const within = i < n - r.k && ca !== undefined && ca === cb
    if (within) clusterOf.set(m.id, ca)
    ctx.strokeStyle = within ? clusterColour(ca) : AXIS_GREY
    const xa = X(layout.x.get(m.a)!)
    const xb = X(layout.x.get(m.b)!)
    const y = Y(layout.height.get(m.id)!)
    ctx.beginPath()
    ctx.moveTo(xa, Y(layout.height.get(m.a)!))
    ctx.lineTo(xa, y)
    ctx.lineTo(xb, y)
    ctx.lineTo(xb, Y(layout.height.get(m.b)!))
    ctx.stroke()
  })
  ctx.fillStyle = AXIS_GREY
  ctx.font = '10px system-ui'
  ctx.fillText(`${(layout.maxHeight * 1000).toFixed(0)} mbit lost`, 2, pad.top + 8)
  layout.order.forEach((leaf, i) => {
    ctx.fillStyle = clusterColour(r.units[leaf].cluster)
    ctx.fillRect(X(i) - 2, pad.top + h + 4, 4, 8)
  })
}

/** Leaf order of the dendrogram (cells left to right), for ordering rasters. */
export function dendrogramOrder(r: ClassificationView): number[] {
  return layoutDendrogram(r.cells, r.merges, r.informationPlugin).order
}

/** The 2-D divergence map: one filled dot per cell in its cluster's colour, axes scaled equally. */
export function drawDivergenceMap(canvas: HTMLCanvasElement, r: ClassificationView): void {
  const ctx = canvas.getContext('2d')!
  const { x, y } = r.map
  const pad = 14
  ctx.clearRect(0, 0, canvas.width, canvas.height)
  const minX = Math.min(...x)
  const maxX = Math.max(...x)
  const minY = Math.min(...y)
  const maxY = Math.max(...y)
  // One scale for both axes: distances on the map mean the same in every direction.
  const span = Math.max(maxX - minX, maxY - minY, 1e-12)
  const s = Math.min(canvas.width - 2 * pad, canvas.height - 2 * pad) / span
  const cx = (canvas.width - (maxX - minX) * s) / 2
  const cy = (canvas.height - (maxY - minY) * s) / 2
  ctx.strokeStyle = 'rgba(128,128,128,0.35)'
  ctx.strokeRect(0.5, 0.5, canvas.width - 1, canvas.height - 1)
  r.units.forEach((u, i) => {
    ctx.fillStyle = clusterColour(u.cluster)
    ctx.beginPath()
    ctx.arc(cx + (x[i] - minX) * s, canvas.height - (cy + (y[i] - minY) * s), 5, 0, 2 * Math.PI)
    ctx.fill()
  })
}
