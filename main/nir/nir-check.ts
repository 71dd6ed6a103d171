/**
 * What a NIR graph must satisfy before anything uses it (nir.md §2 "Rules", §7.3–7.4): nested graphs
 * flattened into dotted names, every edge endpoint a node, every node a known type with its
 * datasets of the right kind and rank, neuron parameters of one shape, and — like the reference
 * reader's type check — along every edge the source's output shape equals the target's input shape.
 * Errors name the node and the dataset; shapes here are NIR's (channel-first).
 */
import { SpikelabError } from '../../common/errors.js'
import { ELEMENTWISE_TYPES, formatShape, NODE_SPECS, sameShape, sizeOf, type NirArray, type NirGraph, type NirMetadata, type NirNode } from './nir-graph.js'

export interface FlatNode extends NirNode {
  readonly name: string
  readonly path: string
  /** The Input or Output node of a nested graph: it passes its input through unchanged. */
  readonly boundary: boolean
}

export interface FlatGraph {
  readonly nodes: ReadonlyMap<string, FlatNode>
  readonly edges: readonly (readonly [string, string])[]
  readonly metadata: NirMetadata
}

export interface NodeShapes {
  readonly in: readonly number[]
  readonly out: readonly number[]
}

export interface CheckedGraph extends FlatGraph {
  readonly shapes: ReadonlyMap<string, NodeShapes>
  /** Notes on what was accepted although not strictly per spec (ignored datasets, scalar parameters). */
  readonly warnings: readonly string[]
}

export const IMPORTABLE_TYPES = Object.keys(NODE_SPECS)

/** Flattens, validates and type-checks; throws SpikelabError('nir.*') naming the node and dataset. */
export function checkNirGraph(graph: NirGraph, file?: string): CheckedGraph {
  const flat = flattenGraph(graph, file)
  const warnings: string[] = []
  for (const node of flat.nodes.values()) validateNode(node, file, warnings)
  const top = [...flat.nodes.values()].filter((n) => !n.boundary)
  if (!top.some((n) => n.type === 'Input')) throw new SpikelabError('nir.graph', 'the graph has no Input node', { file, field: '/node/nodes' })
  if (!top.some((n) => n.type === 'Output')) throw new SpikelabError('nir.graph', 'the graph has no Output node', { file, field: '/node/nodes' })
  return { ...flat, shapes: inferShapes(flat, file), warnings }
}

// ---------------------------------------------------------------------------------------------
// Nested graphs → one flat graph with dotted names

export function flattenGraph(graph: NirGraph, file?: string): FlatGraph {
  const nodes = new Map<string, FlatNode>()
  const edges: [string, string][] = []

  const visit = (g: NirGraph, prefix: string, groupPath: string): void => {
    for (const [name, node] of Object.entries(g.nodes)) {
      const full = prefix + name
      const path = node.path ?? `${groupPath}/nodes/${name}`
      if (node.type === 'NIRGraph') {
        if (!node.graph) throw new SpikelabError('nir.node', `nested graph '${full}' has no nodes`, { file, field: path })
        visit(node.graph, `${full}.`, path)
      } else {
        if (nodes.has(full)) throw new SpikelabError('nir.node', `two nodes are both named '${full}' after flattening nested graphs`, { file, field: path })
        nodes.set(full, { ...node, name: full, path, boundary: prefix !== '' && (node.type === 'Input' || node.type === 'Output') })
      }
    }
    g.edges.forEach(([a, b], k) => {
      const where = `${groupPath}/edges`
      const sources = resolve(g, a, prefix, 'source', where, k, [a, b])
      const targets = resolve(g, b, prefix, 'target', where, k, [a, b])
      for (const s of sources) for (const t of targets) edges.push([s, t])
    })
  }

  const resolve = (g: NirGraph, name: string, prefix: string, end: 'source' | 'target', where: string, k: number, edge: readonly [string, string]): string[] => {
    const node = g.nodes[name]
    if (node && node.type !== 'NIRGraph') return [prefix + name]
    if (node?.graph) {
      // An edge to a nested graph enters at its Input nodes and leaves from its Output nodes.
      const want = end === 'target' ? 'Input' : 'Output'
      const inner = Object.entries(node.graph.nodes).filter(([, n]) => n.type === want)
      if (inner.length === 0) throw new SpikelabError('nir.edge', `edge ${k} (${edge[0]} → ${edge[1]}) uses nested graph '${prefix + name}', which has no ${want} node`, { file, field: where })
      return inner.flatMap(([n]) => resolve(node.graph as NirGraph, n, `${prefix}${name}.`, end, where, k, edge))
    }
    const dot = name.indexOf('.')
    if (dot > 0) {
      const head = g.nodes[name.slice(0, dot)]
      if (head?.graph) return resolve(head.graph, name.slice(dot + 1), `${prefix}${name.slice(0, dot)}.`, end, where, k, edge)
    }
    throw new SpikelabError('nir.edge', `edge ${k} (${edge[0]} → ${edge[1]}) names ${end} '${name}', which is not a node of the graph`, { file, field: where })
  }

  visit(graph, '', '/node')
  return { nodes, edges, metadata: graph.metadata }
}

// ---------------------------------------------------------------------------------------------
// Node datasets

function validateNode(node: FlatNode, file: string | undefined, warnings: string[]): void {
  const spec = NODE_SPECS[node.type]
  if (!spec) {
    throw new SpikelabError('nir.unsupported', `node '${node.name}' has type '${node.type}', which Spikelab cannot import (it reads ${IMPORTABLE_TYPES.join(', ')}, NIRGraph)`, {
      file,
      field: `${node.path}/type`,
    })
  }
  for (const [key, ps] of Object.entries(spec)) {
    const a = node.params[key]
    const field = `${node.path}/${key}`
    if (!a) {
      if (ps.required) throw new SpikelabError('nir.missing', `node '${node.name}' (${node.type}) lacks its '${key}' dataset`, { file, field })
      continue
    }
    const kindOk = a.kind === ps.kind || (ps.kind === 'int-or-string' && (a.kind === 'int' || a.kind === 'string'))
    if (!kindOk) throw new SpikelabError('nir.dtype', `dataset '${key}' of node '${node.name}' is ${a.kind}, expected ${ps.kind}`, { file, field })
    if (ps.ranks && !ps.ranks.includes(a.shape.length)) {
      throw new SpikelabError('nir.shape', `dataset '${key}' of node '${node.name}' has shape ${formatShape(a.shape)}, expected ${ps.ranks.map((r) => `${r}-D`).join(' or ')}`, { file, field })
    }
    if (a.kind !== 'string' && a.data.length !== sizeOf(a.shape)) throw new SpikelabError('nir.shape', `dataset '${key}' of node '${node.name}' holds ${a.data.length} values for shape ${formatShape(a.shape)}`, { file, field })
  }
  for (const key of Object.keys(node.params)) {
    if (!(key in spec)) warnings.push(`${node.name} (${node.type}): dataset '${key}' is not a ${node.type} parameter and was ignored`)
  }
  if (ELEMENTWISE_TYPES.has(node.type)) {
    const shape = neuronShape(node)
    for (const [key, a] of Object.entries(node.params)) {
      if (!(key in spec)) continue
      if (shape !== null && sizeOf(a.shape) !== 1 && !sameShape(a.shape, shape)) {
        throw new SpikelabError('nir.shape', `dataset '${key}' of node '${node.name}' has shape ${formatShape(a.shape)}, but the node's other parameters have ${formatShape(shape)}`, {
          file,
          field: `${node.path}/${key}`,
        })
      }
    }
    if (shape === null) warnings.push(`${node.name} (${node.type}): parameters are scalars; broadcast to the shape of its input (the reference reader rejects this, snnTorch #410)`)
  }
  if (node.type === 'Affine') {
    const w = node.params.weight
    const b = node.params.bias
    if (!sameShape(b.shape, w.shape.slice(0, -1))) {
      throw new SpikelabError('nir.shape', `bias of node '${node.name}' has shape ${formatShape(b.shape)}, expected ${formatShape(w.shape.slice(0, -1))} from its weight`, { file, field: `${node.path}/bias` })
    }
  }
  if (node.type === 'Conv2d' && node.params.bias && node.params.bias.shape[0] !== node.params.weight.shape[0]) {
    throw new SpikelabError('nir.shape', `bias of node '${node.name}' has ${node.params.bias.shape[0]} values for ${node.params.weight.shape[0]} output channels`, { file, field: `${node.path}/bias` })
  }
}

/** The shape shared by an element-wise node's parameters, or null when they are all scalars. */
export function neuronShape(node: NirNode): readonly number[] | null {
  const spec = NODE_SPECS[node.type] ?? {}
  for (const [key, a] of Object.entries(node.params)) if (key in spec && sizeOf(a.shape) !== 1) return a.shape
  for (const [key, a] of Object.entries(node.params)) if (key in spec && a.shape.length > 0) return a.shape
  return null
}

// ---------------------------------------------------------------------------------------------
// Shapes along edges

/** Spatial pair from an int dataset: a scalar applies to both dims. */
export function pair(a: NirArray | undefined, fallback: number): [number, number] {
  if (!a || a.kind !== 'int') return [fallback, fallback]
  return a.data.length === 1 ? [a.data[0], a.data[0]] : [a.data[0], a.data[1]]
}

export function convPadding(node: FlatNode, file: string | undefined): [number, number] {
  const p = node.params.padding
  if (!p) return [0, 0]
  if (p.kind === 'int') return pair(p, 0)
  const mode = String(p.data[0])
  if (mode === 'valid') return [0, 0]
  if (mode === 'same') {
    const [kh, kw] = [node.params.weight.shape[2], node.params.weight.shape[3]]
    const [sh, sw] = pair(node.params.stride, 1)
    const [dh, dw] = pair(node.params.dilation, 1)
    const eh = dh * (kh - 1)
    const ew = dw * (kw - 1)
    if (sh !== 1 || sw !== 1 || eh % 2 !== 0 || ew % 2 !== 0) {
      throw new SpikelabError('nir.unsupported', `node '${node.name}': padding 'same' with stride ${sh}×${sw} or an even kernel pads asymmetrically (nir.md §5.5); Spikelab needs symmetric padding`, {
        file,
        field: `${node.path}/padding`,
      })
    }
    return [eh / 2, ew / 2]
  }
  throw new SpikelabError('nir.dtype', `node '${node.name}': padding '${mode}' is neither 'same', 'valid' nor integers`, { file, field: `${node.path}/padding` })
}

function outSize(n: number, k: number, s: number, p: number, d = 1): number {
  return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1
}

/** Normalised [start, end] of a Flatten over an input of `rank` dims (NIR counts non-batch dims, §5.5). */
export function flattenRange(node: FlatNode, rank: number, file: string | undefined): [number, number] {
  const norm = (v: number) => (v < 0 ? v + rank : v)
  const start = norm(node.params.start_dim.data[0] as number)
  const end = norm(node.params.end_dim.data[0] as number)
  if (start < 0 || end >= rank || start > end) {
    throw new SpikelabError('nir.shape', `node '${node.name}': start_dim ${node.params.start_dim.data[0]}, end_dim ${node.params.end_dim.data[0]} do not fit an input of ${rank} dims`, {
      file,
      field: `${node.path}/start_dim`,
    })
  }
  return [start, end]
}

interface ShapeRule {
  /** Input shape the node's own datasets fix, and the dataset that fixes it. */
  readonly fixedIn: readonly number[] | null
  readonly inField: string
  /** Output shape for a given input shape (throws when the input cannot fit). */
  out(input: readonly number[]): readonly number[]
}

function shapeRule(node: FlatNode, file: string | undefined): ShapeRule {
  const p = node.params
  const fail = (key: string, msg: string): never => {
    throw new SpikelabError('nir.shape', `node '${node.name}' (${node.type}): ${msg}`, { file, field: `${node.path}/${key}` })
  }
  switch (node.type) {
    case 'Input':
    case 'Output':
      return { fixedIn: p.shape.data as number[], inField: `${node.path}/shape`, out: (x) => x }
    case 'Affine':
    case 'Linear': {
      const w = p.weight.shape
      return { fixedIn: [w[w.length - 1]], inField: `${node.path}/weight`, out: () => w.slice(0, -1) }
    }
    case 'Conv2d': {
      const w = p.weight.shape
      const groups = p.groups ? (p.groups.data[0] as number) : 1
      const cin = w[1] * groups
      const hw = p.input_shape?.data as number[] | undefined
      return {
        fixedIn: hw ? [cin, hw[0], hw[1]] : null,
        inField: `${node.path}/${hw ? 'input_shape' : 'weight'}`,
        out: (x) => {
          if (x.length !== 3) fail('weight', `takes [C, H, W], got ${formatShape(x)}`)
          if (x[0] !== cin) fail('weight', `weight has ${cin} input channels, its input has ${x[0]}`)
          const [ph, pw] = convPadding(node, file)
          const [sh, sw] = pair(p.stride, 1)
          const [dh, dw] = pair(p.dilation, 1)
          const out = [w[0], outSize(x[1], w[2], sh, ph, dh), outSize(x[2], w[3], sw, pw, dw)]
          if (out[1] < 1 || out[2] < 1) fail('weight', `kernel ${w[2]}×${w[3]} does not fit input ${formatShape(x)}`)
          return out
        },
      }
    }
    case 'SumPool2d':
    case 'AvgPool2d':
      return {
        fixedIn: null,
        inField: `${node.path}/kernel_size`,
        out: (x) => {
          if (x.length !== 3) fail('kernel_size', `takes [C, H, W], got ${formatShape(x)}`)
          const [kh, kw] = pair(p.kernel_size, 1)
          const [sh, sw] = pair(p.stride, kh)
          const [ph, pw] = pair(p.padding, 0)
          const out = [x[0], outSize(x[1], kh, sh, ph), outSize(x[2], kw, sw, pw)]
          if (out[1] < 1 || out[2] < 1) fail('kernel_size', `window ${kh}×${kw} does not fit input ${formatShape(x)}`)
          return out
        },
      }
    case 'Flatten':
      return {
        fixedIn: (p.input_type?.data as number[] | undefined) ?? null,
        inField: `${node.path}/input_type`,
        out: (x) => {
          const [s, e] = flattenRange(node, x.length, file)
          return [...x.slice(0, s), sizeOf(x.slice(s, e + 1)), ...x.slice(e + 1)]
        },
      }
    default: {
      // Element-wise: neurons, Scale, Threshold.
      const shape = neuronShape(node)
      const key = Object.keys(NODE_SPECS[node.type] ?? {}).find((k) => k in p) ?? 'type'
      return { fixedIn: shape, inField: `${node.path}/${key}`, out: (x) => x }
    }
  }
}

export function inferShapes(flat: FlatGraph, file?: string): Map<string, NodeShapes> {
  const rules = new Map([...flat.nodes.values()].map((n) => [n.name, shapeRule(n, file)]))
  const inputs = new Map<string, readonly number[]>()
  const outputs = new Map<string, readonly number[]>()
  for (const [name, rule] of rules) {
    if (rule.fixedIn) {
      inputs.set(name, rule.fixedIn)
      outputs.set(name, rule.out(rule.fixedIn))
    }
  }
  // Shapes flow along edges until nothing changes (cycles pass through Affine/Linear, whose shapes are fixed).
  for (let changed = true; changed; ) {
    changed = false
    for (const [a, b] of flat.edges) {
      const src = outputs.get(a)
      if (!src || inputs.has(b)) continue
      inputs.set(b, src)
      outputs.set(b, (rules.get(b) as ShapeRule).out(src))
      changed = true
    }
  }
  for (const [a, b] of flat.edges) {
    const src = outputs.get(a)
    const dst = inputs.get(b)
    if (src && dst && !sameShape(src, dst)) {
      const na = flat.nodes.get(a) as FlatNode
      const nb = flat.nodes.get(b) as FlatNode
      throw new SpikelabError('nir.shape', `type mismatch on edge ${a} → ${b}: '${a}' (${na.type}) gives ${formatShape(src)}, '${b}' (${nb.type}) takes ${formatShape(dst)}`, {
        file,
        field: (rules.get(b) as ShapeRule).inField,
      })
    }
  }
  const shapes = new Map<string, NodeShapes>()
  for (const node of flat.nodes.values()) {
    const i = inputs.get(node.name)
    const o = outputs.get(node.name)
    if (!i || !o) throw new SpikelabError('nir.shape', `cannot infer the input shape of node '${node.name}' (${node.type}): no edge brings it a known shape`, { file, field: node.path })
    shapes.set(node.name, { in: i, out: o })
  }
  return shapes
}
