/**
 * FloatNetwork → NIR graph → `.nir` file (nir.md §5.1 export rule, §5.5 layouts, §7.3). Each layer
 * becomes one node in a chain Input → … → Output; a recurrent layer adds an explicit Linear loop
 * (`lif1 → lif1_rec → lif1`). Neurons: τ = dt_x/(1 − β), r = 1/(1 − β), v_leak = 0, v_threshold = θ,
 * v_reset = 0, all as arrays of the neuron shape (β = 1 everywhere gives an IF node). dt_x, the
 * training step, the reset mode and the threshold comparison go into metadata only.
 */
import { SpikelabError } from '../../common/errors.js'
import type { FloatLayer, FloatNetwork } from '../deploy/float-network.js'
import { checkNirGraph } from './nir-check.js'
import { writeNirGraphFile } from './nir-file.js'
import { floatArray, intArray, intScalar, sizeOf, type NirArray, type NirGraph, type NirMetadata, type NirNode } from './nir-graph.js'
import { hwcToChwPermutation, hwioToOihw, isIdentity, toNirOrder } from './layout.js'

export interface WriteNirOptions {
  /** The dt_x that τ encodes (s); 1e-4 by default for snnTorch compatibility (nir.md §5.1). */
  readonly dtSeconds?: number
  /** gzip-compress arrays (default true). */
  readonly compress?: boolean
}

export interface NirExport {
  readonly graph: NirGraph
  /** What other NIR tools will read differently (reset by subtraction, …). */
  readonly warnings: readonly string[]
}

export const DEFAULT_EXPORT_DT = 1e-4
/** β is capped here in a layer that is not IF throughout: τ = dt/(1 − β) must stay finite. */
const MAX_BETA = 1 - 1e-7

export async function writeNir(net: FloatNetwork, file: string, options: WriteNirOptions = {}): Promise<NirExport> {
  const exported = floatNetworkToNir(net, options)
  await writeNirGraphFile(exported.graph, file, { compress: options.compress })
  return exported
}

export function floatNetworkToNir(net: FloatNetwork, options: WriteNirOptions = {}): NirExport {
  const dt = options.dtSeconds ?? DEFAULT_EXPORT_DT
  if (!(dt > 0)) throw new SpikelabError('nir.export', `dt must be a positive number of seconds, got ${dt}`, { field: 'dtSeconds' })
  const warnings: string[] = []
  const nodes: Record<string, NirNode> = {}
  const edges: [string, string][] = []
  const counters = new Map<string, number>()
  const fail = (i: number, message: string): never => {
    throw new SpikelabError('nir.export', `layer ${i}: ${message}`, { field: `layers[${i}]` })
  }

  // `shape` is ours ([n] or [H, W, C]); `perm` maps our flat index to NIR's after a Flatten of [H, W, C].
  let shape: readonly number[] = [...net.inputShape]
  if (shape.length !== 1 && shape.length !== 3) throw new SpikelabError('nir.export', `input shape [${shape.join(', ')}] is neither [n] nor [H, W, C]`, { field: 'inputShape' })
  let perm: Int32Array | null = null
  const nirShape = (s: readonly number[]) => (s.length === 3 ? [s[2], s[0], s[1]] : [...s])
  /** Element-wise values (ours) in NIR order. */
  const nirOrder = (values: ArrayLike<number>): Float64Array => toNirOrder(values, shape.length === 3 ? hwcToChwPermutation(shape[0], shape[1], shape[2]) : perm)
  let last = 'input'
  const add = (prefix: string, type: string, params: Record<string, NirArray>, metadata: NirMetadata = {}): string => {
    const k = (counters.get(prefix) ?? 0) + 1
    counters.set(prefix, k)
    const name = prefix === 'input' || prefix === 'output' ? prefix : `${prefix}${k}`
    nodes[name] = { type, params, metadata }
    if (name !== 'input') edges.push([last, name])
    last = name
    return name
  }
  const flattenNode = () => {
    const [h, w, c] = shape
    add('flatten', 'Flatten', { start_dim: intScalar(0), end_dim: intScalar(-1), input_type: intArray([c, h, w]) })
    const pm = hwcToChwPermutation(h, w, c)
    perm = isIdentity(pm) ? null : pm
    shape = [h * w * c]
  }
  const sameAs = (i: number, what: string, expected: readonly number[]) => {
    if (expected.length !== shape.length || expected.some((v, k) => v !== shape[k])) fail(i, `${what} is [${expected.join(', ')}] but the layer before gives [${shape.join(', ')}]`)
  }

  add('input', 'Input', { shape: intArray(nirShape(shape)) })
  net.layers.forEach((layer: FloatLayer, i) => {
    switch (layer.kind) {
      case 'dense': {
        if (shape.length === 3 && sizeOf(shape) === layer.inFeatures) flattenNode()
        sameAs(i, 'its input', [layer.inFeatures])
        const { inFeatures: inn, outFeatures: out } = layer
        const w = new Float64Array(out * inn)
        for (let k = 0; k < inn; k++) for (let o = 0; o < out; o++) w[o * inn + (perm ? perm[k] : k)] = layer.weight[k * out + o]
        if (layer.bias) add('fc', 'Affine', { weight: floatArray(w, [out, inn]), bias: floatArray(layer.bias, [out]) })
        else add('fc', 'Linear', { weight: floatArray(w, [out, inn]) })
        perm = null
        shape = [out]
        break
      }
      case 'conv2d': {
        sameAs(i, 'its input', layer.inShape)
        const [h, w, cin] = layer.inShape
        const [kh, kw] = layer.kernel
        const [sh, sw] = layer.stride
        const [ph, pw] = layer.padding
        const cout = layer.filters
        add('conv', 'Conv2d', {
          weight: floatArray(hwioToOihw(layer.weight, kh, kw, cin, cout), [cout, cin, kh, kw]),
          stride: intArray([sh, sw]),
          padding: intArray([ph, pw]),
          dilation: intArray([1, 1]),
          groups: intScalar(1),
          bias: floatArray(layer.bias ?? new Float32Array(cout), [cout]),
          input_shape: intArray([h, w]),
        })
        shape = [Math.floor((h + 2 * ph - kh) / sh) + 1, Math.floor((w + 2 * pw - kw) / sw) + 1, cout]
        break
      }
      case 'pool': {
        sameAs(i, 'its input', layer.inShape)
        if (layer.mode === 'max') fail(i, 'max pooling has no NIR primitive (NIR pools are SumPool2d and AvgPool2d); retrain with sum or average pooling to export')
        if (layer.mode === 'avg') warnings.push(`layer ${i}: AvgPool2d is read only by snnTorch among NIR tools; SumPool2d with scaled weights travels further (nir.md §6)`)
        const [h, w, c] = layer.inShape
        const [kh, kw] = layer.window
        const [sh, sw] = layer.stride
        const [ph, pw] = layer.padding
        add('pool', layer.mode === 'sum' ? 'SumPool2d' : 'AvgPool2d', { kernel_size: intArray([kh, kw]), stride: intArray([sh, sw]), padding: intArray([ph, pw]) })
        shape = [Math.floor((h + 2 * ph - kh) / sh) + 1, Math.floor((w + 2 * pw - kw) / sw) + 1, c]
        break
      }
      case 'flatten':
        sameAs(i, 'its input', layer.inShape)
        if (shape.length === 3) flattenNode()
        break
      case 'scale':
        if (layer.scale.length !== sizeOf(shape)) fail(i, `scale has ${layer.scale.length} values for ${sizeOf(shape)} inputs`)
        add('scale', 'Scale', { scale: floatArray(nirOrder(layer.scale), nirShape(shape)) })
        break
      case 'lif':
        if (layer.size !== sizeOf(shape)) fail(i, `${layer.size} neurons for ${sizeOf(shape)} inputs`)
        addNeurons(i, layer)
        break
    }
  })
  if (net.layers[net.layers.length - 1]?.kind !== 'lif') throw new SpikelabError('nir.export', 'the last layer must be a lif layer (its spikes are the outputs)', { field: 'layers' })
  if (perm) warnings.push('output: the output neurons follow a Flatten of [H, W, C]; NIR numbers them channel-first, so their order differs from Spikelab\'s labels')
  add('output', 'Output', { shape: intArray(nirShape(shape)) })

  const metadata: Record<string, string | number | string[]> = {
    dt,
    training_dt: net.dtSeconds,
    threshold_comparison: '>',
    reset_timing: 'a spike at step t resets the membrane before step t + 1 integrates',
    writer: 'spikelab',
    source: net.source,
  }
  if (net.labels) metadata.labels = [...net.labels]
  const graph: NirGraph = { nodes, edges, metadata }
  checkNirGraph(graph)
  return { graph, warnings }

  function addNeurons(i: number, layer: Extract<FloatLayer, { kind: 'lif' }>): void {
    const n = layer.size
    const s = nirShape(shape)
    const beta = nirOrder(layer.beta)
    const theta = nirOrder(layer.threshold)
    const bad = beta.findIndex((b) => !(b >= 0 && b <= 1))
    if (bad >= 0) fail(i, `β[${bad}] = ${beta[bad]} is outside [0, 1]`)
    const badTheta = theta.findIndex((t) => !(t > 0 && Number.isFinite(t)))
    if (badTheta >= 0) fail(i, `threshold[${badTheta}] = ${theta[badTheta]} is not a positive number`)
    const zeros = new Float64Array(n)
    const metadata = { reset: layer.reset }
    let name: string
    if (beta.every((b) => b === 1)) {
      name = add('lif', 'IF', { r: floatArray(new Float64Array(n).fill(1), s), v_threshold: floatArray(theta, s), v_reset: floatArray(zeros, s) }, metadata)
    } else {
      if (beta.some((b) => b > MAX_BETA)) warnings.push(`layer ${i}: β = 1 (no leak) for some neurons but not all; written as β = ${MAX_BETA} so that τ stays finite`)
      const tau = Float64Array.from(beta, (b) => dt / (1 - Math.min(b, MAX_BETA)))
      const r = Float64Array.from(beta, (b) => 1 / (1 - Math.min(b, MAX_BETA)))
      name = add('lif', 'LIF', { tau: floatArray(tau, s), r: floatArray(r, s), v_leak: floatArray(zeros, s), v_threshold: floatArray(theta, s), v_reset: floatArray(zeros, s) }, metadata)
    }
    if (layer.reset === 'subtract') {
      warnings.push(
        `layer ${i} (${name}): trained with reset by subtraction, which NIR cannot express; written as reset to v_reset = 0, which other tools will use (nir.md §5.2). Retrain with reset 'zero' for an exact export; Spikelab restores the mode from metadata`,
      )
    }
    if (layer.recurrent) {
      if (shape.length !== 1) fail(i, 'recurrent weights on [H, W, C]-shaped neurons cannot be written as a NIR Linear loop')
      const w = new Float64Array(n * n)
      const at = (k: number) => (perm ? perm[k] : k)
      // ours: row j (from, t − 1) → column i (to); NIR Linear: weight[to][from].
      for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) w[at(k) * n + at(j)] = layer.recurrent[j * n + k]
      const rec = `${name}_rec`
      nodes[rec] = { type: 'Linear', params: { weight: floatArray(w, [n, n]) }, metadata: {} }
      edges.push([name, rec], [rec, name])
    }
  }
}
