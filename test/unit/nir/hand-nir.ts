/**
 * Writes NIR files with h5wasm directly, in the layout of nir.md §4/§7.3, independent of
 * main/nir's writer, so import tests do not read back what our own code wrote.
 */
import type * as H5Module from 'h5wasm/node'

export type H5 = typeof H5Module

let h5: Promise<H5> | null = null
export function loadH5(): Promise<H5> {
  h5 ??= (async () => {
    const m = await import('h5wasm/node')
    await m.ready
    return m
  })()
  return h5
}

export type Param = [data: Float32Array | Float64Array | BigInt64Array | Int32Array | string | string[], shape: number[] | null, dtype?: string]
export const f32 = (a: readonly number[], shape: number[] = [a.length]): Param => [Float32Array.from(a), shape, '<f']
export const f64 = (a: readonly number[], shape: number[] = [a.length]): Param => [Float64Array.from(a), shape, '<d']
export const i64 = (a: readonly number[]): Param => [BigInt64Array.from(a.map((x) => BigInt(x))), [a.length], '<q']
export const i64s = (v: number): Param => [BigInt64Array.from([BigInt(v)]), [], '<q']
export const i32 = (a: readonly number[]): Param => [Int32Array.from(a), [a.length], '<i']
export const fill = (n: number, v: number) => Array.from({ length: n }, () => v)

export interface HandNode {
  readonly type: string
  readonly params?: Record<string, Param>
  readonly metadata?: Record<string, string | number>
  /** For type NIRGraph. */
  readonly nodes?: Record<string, HandNode>
  readonly edges?: [string, string][]
}

export interface HandGraph {
  readonly nodes: Record<string, HandNode>
  readonly edges: [string, string][]
  readonly metadata?: Record<string, string | number>
  /** Write '/version' (default true). */
  readonly version?: string | null
}

export async function writeHandNir(file: string, graph: HandGraph): Promise<void> {
  const h5 = await loadH5()
  const f = new h5.File(file, 'w')
  try {
    if (graph.version !== null) f.create_dataset({ name: 'version', data: graph.version ?? '1.0.7' })
    writeGraph(f.create_group('node'), graph.nodes, graph.edges, graph.metadata)
  } finally {
    f.close()
  }
}

function writeGraph(g: H5Module.Group, nodes: Record<string, HandNode>, edges: [string, string][], metadata?: Record<string, string | number>): void {
  g.create_dataset({ name: 'type', data: 'NIRGraph' })
  const ng = g.create_group('nodes')
  for (const [name, node] of Object.entries(nodes)) {
    const n = ng.create_group(name)
    if (node.type === 'NIRGraph') {
      writeGraph(n, node.nodes ?? {}, node.edges ?? [], node.metadata)
      continue
    }
    n.create_dataset({ name: 'type', data: node.type })
    for (const [k, [data, shape, dtype]] of Object.entries(node.params ?? {})) n.create_dataset({ name: k, data, shape, dtype })
    if (node.metadata) {
      const m = n.create_group('metadata')
      for (const [k, v] of Object.entries(node.metadata)) m.create_dataset({ name: k, data: v })
    }
  }
  g.create_dataset({ name: 'edges', data: edges.flat(), shape: [edges.length, 2] })
  if (metadata) {
    const m = g.create_group('metadata')
    for (const [k, v] of Object.entries(metadata)) m.create_dataset({ name: k, data: v })
  }
}
