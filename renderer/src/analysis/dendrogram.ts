/**
 * Dendrogram layout of an agglomerative merge list (ids 0…N−1 are leaves, merge i creates id N+i):
 * leaves ordered so that every merge's two branches are adjacent, heights = information lost so far.
 */
export interface MergeLike {
  readonly a: number
  readonly b: number
  readonly id: number
  readonly infoAfter: number
}

export interface DendrogramLayout {
  /** Leaf ids from left to right. */
  readonly order: number[]
  /** x (leaf slots, 0…N−1) and height (bits lost) of every node id. */
  readonly x: Map<number, number>
  readonly height: Map<number, number>
  readonly maxHeight: number
}

export function layoutDendrogram(nLeaves: number, merges: readonly MergeLike[], infoAll: number): DendrogramLayout {
  const children = new Map<number, [number, number]>()
  for (const m of merges) children.set(m.id, [m.a, m.b])
  const order: number[] = []
  const roots = merges.length ? [merges[merges.length - 1].id] : Array.from({ length: nLeaves }, (_, i) => i)
  const stack = [...roots].reverse()
  while (stack.length) {
    const id = stack.pop()!
    const kids = children.get(id)
    if (kids) stack.push(kids[1], kids[0])
    else order.push(id)
  }
  const x = new Map<number, number>()
  const height = new Map<number, number>()
  order.forEach((leaf, i) => {
    x.set(leaf, i)
    height.set(leaf, 0)
  })
  let maxHeight = 0
  for (const m of merges) {
    x.set(m.id, ((x.get(m.a) ?? 0) + (x.get(m.b) ?? 0)) / 2)
    const h = Math.max(infoAll - m.infoAfter, height.get(m.a) ?? 0, height.get(m.b) ?? 0)
    height.set(m.id, h)
    maxHeight = Math.max(maxHeight, h)
  }
  return { order, x, height, maxHeight }
}
