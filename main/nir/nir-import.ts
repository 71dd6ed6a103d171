/**
 * NIR graph → FloatNetwork (nir.md §5, §7.4). The graph must be a chain from one Input to one Output
 * whose only cycles are recurrent Affine/Linear loops on a neuron node. Continuous-time neurons are
 * discretised with forward Euler at dt (metadata/dt, the caller's dt, snnTorch's τ/r, or 1 ms, in that
 * order): β = 1 − dt/τ, input gain r·dt/τ folded into the incoming weights, v_leak and v_reset folded
 * into a constant input and the threshold. Everything that changes behaviour becomes a warning.
 */
import path from 'node:path'
import { SpikelabError } from '../../common/errors.js'
import type { FloatLayer, FloatNetwork } from '../deploy/float-network.js'
import { checkNirGraph, convPadding, flattenRange, pair, type CheckedGraph, type FlatNode } from './nir-check.js'
import { readNirGraphFile } from './nir-file.js'
import { formatShape, sizeOf, type NirGraph, type NirMetadata } from './nir-graph.js'
import { fromNirOrder, hwcToChwPermutation, isIdentity, oihwToHwio } from './layout.js'

export interface ReadNirOptions {
  /**
   * Time step (s) to discretise with. It overrides the inference from τ/r but not a dt the file
   * states; without either, 1 ms (Norse's default) is assumed, with a warning (nir.md §5.1).
   */
  readonly dtSeconds?: number
}

export type DtSource = 'metadata' | 'option' | 'snntorch-convention' | 'default'

export interface NirImport {
  readonly network: FloatNetwork
  readonly warnings: readonly string[]
  /** dt used for β = 1 − dt/τ, and where it came from. */
  readonly dtSeconds: number
  readonly dtSource: DtSource
  /** The checked graph (nodes, edges, shapes), for summaries. */
  readonly graph: CheckedGraph
  /** `/version` of the file, when read from one. */
  readonly version?: string | null
}

export async function readNir(file: string, options: ReadNirOptions = {}): Promise<NirImport> {
  const { graph, version } = await readNirGraphFile(file)
  return { ...nirToFloatNetwork(graph, { ...options, file }), version }
}

const NEURON_TYPES = new Set(['LIF', 'IF', 'LI', 'CubaLIF'])
const TAU_TYPES = new Set(['LIF', 'LI', 'CubaLIF'])
/** A gain this close to 1 is 1: snnTorch's r = τ/dt rounded to float32 would otherwise nudge every weight. */
const GAIN_ONE_TOLERANCE = 4 * 2 ** -23

export function nirToFloatNetwork(raw: NirGraph, options: ReadNirOptions & { readonly file?: string } = {}): Omit<NirImport, 'version'> {
  const file = options.file
  const graph = checkNirGraph(raw, file)
  const warnings = [...graph.warnings]
  const err = (code: string, message: string, field?: string): never => {
    throw new SpikelabError(code, message, { file, field })
  }

  // Nested graphs' Input/Output nodes only pass values through: bridge over them.
  let edges = graph.edges.map(([a, b]) => [a, b] as [string, string])
  for (const node of graph.nodes.values()) {
    if (!node.boundary) continue
    const preds = edges.filter(([, b]) => b === node.name).map(([a]) => a)
    const succs = edges.filter(([a]) => a === node.name).map(([, b]) => b)
    edges = edges.filter(([a, b]) => a !== node.name && b !== node.name)
    for (const p of preds) for (const s of succs) edges.push([p, s])
  }
  edges = edges.filter(([a, b], k) => edges.findIndex(([c, d]) => c === a && d === b) === k)
  const nodeOf = (name: string) => graph.nodes.get(name) as FlatNode
  const succsOf = (name: string) => edges.filter(([a]) => a === name).map(([, b]) => b)
  const predsOf = (name: string) => edges.filter(([, b]) => b === name).map(([a]) => a)

  const top = [...graph.nodes.values()].filter((n) => !n.boundary)
  const inputs = top.filter((n) => n.type === 'Input')
  const outputs = top.filter((n) => n.type === 'Output')
  if (inputs.length !== 1) err('nir.graph', `the graph has ${inputs.length} Input nodes (${inputs.map((n) => n.name).join(', ')}); Spikelab networks have one input`, '/node/nodes')
  if (outputs.length !== 1) err('nir.graph', `the graph has ${outputs.length} Output nodes (${outputs.map((n) => n.name).join(', ')}); Spikelab networks have one output`, '/node/nodes')

  // Recurrent loops: neuron → Affine/Linear → the same neuron.
  const recurrentOf = new Map<string, FlatNode>()
  for (const n of graph.nodes.values()) {
    if (n.type !== 'Affine' && n.type !== 'Linear') continue
    const [p, s] = [predsOf(n.name), succsOf(n.name)]
    if (p.length === 1 && s.length === 1 && p[0] === s[0] && NEURON_TYPES.has(nodeOf(p[0]).type)) {
      if (recurrentOf.has(p[0])) err('nir.graph', `neuron node '${p[0]}' has two recurrent loops ('${recurrentOf.get(p[0])?.name}', '${n.name}')`, n.path)
      recurrentOf.set(p[0], n)
      edges = edges.filter(([a, b]) => a !== n.name && b !== n.name)
    }
  }

  // The chain from Input to Output.
  const chain: FlatNode[] = [inputs[0]]
  const seen = new Set([inputs[0].name])
  for (let cur = inputs[0]; cur.type !== 'Output'; ) {
    const succs = succsOf(cur.name)
    if (succs.length !== 1) {
      err('nir.graph', succs.length === 0 ? `node '${cur.name}' leads nowhere: there is no path from the input to the output` : `node '${cur.name}' feeds ${succs.length} nodes (${succs.join(', ')}); Spikelab networks are chains`, cur.path)
    }
    const next = nodeOf(succs[0])
    const preds = predsOf(next.name)
    if (preds.length !== 1) err('nir.graph', `node '${next.name}' receives from ${preds.length} nodes (${preds.join(', ')}); Spikelab networks are chains (a recurrent loop must be one Affine/Linear node back to the same neuron)`, next.path)
    if (seen.has(next.name)) err('nir.graph', `the path from the input returns to '${next.name}': a cycle that is not a recurrent Affine/Linear loop`, next.path)
    seen.add(next.name)
    chain.push(next)
    cur = next
  }
  if (succsOf(chain[chain.length - 1].name).length > 0) err('nir.graph', `output node '${chain[chain.length - 1].name}' feeds other nodes`, chain[chain.length - 1].path)
  for (const n of top) {
    if (!seen.has(n.name) && ![...recurrentOf.values()].includes(n)) warnings.push(`${n.name} (${n.type}): not on the path from the input to the output; ignored`)
  }

  const { dt, source: dtSource, trainingDt } = resolveDt(graph, chain, options.dtSeconds, warnings)

  // Walk the chain. `shape` is the NIR (channel-first) shape of the current activations; `perm` maps our
  // flat index to NIR's after a Flatten of [C, H, W] (nir.md §5.5).
  const layers: FloatLayer[] = []
  const inShape = chain[0].params.shape.data as number[]
  let shape: readonly number[] = inShape
  let perm: Int32Array | null = null
  const ourShape = (s: readonly number[], n: FlatNode): number[] => {
    if (s.length === 1) return [s[0]]
    if (s.length === 3) return [s[1], s[2], s[0]]
    return err('nir.unsupported', `node '${n.name}' (${n.type}) carries activations of shape ${formatShape(s)}; Spikelab layers take [n] or [C, H, W]`, n.path)
  }
  /** Values of an element-wise parameter in our order. */
  const ours = (values: ArrayLike<number>): Float64Array => toOurOrder(values, shape, perm)
  const inputShape = ourShape(inShape, chain[0])

  for (const node of chain.slice(1)) {
    const p = node.params
    const label = `${node.name} (${node.type})`
    switch (node.type) {
      case 'Output':
        break
      case 'Affine':
      case 'Linear': {
        if (p.weight.shape.length !== 2) err('nir.unsupported', `${label} has a ${p.weight.shape.length}-D weight ${formatShape(p.weight.shape)}; Spikelab reads [out, in]`, `${node.path}/weight`)
        if (shape.length !== 1) err('nir.unsupported', `${label} acts on activations of shape ${formatShape(shape)}; put a Flatten before it`, `${node.path}/weight`)
        const [out, inn] = p.weight.shape
        const w = p.weight.data as Float64Array
        const weight = new Float32Array(inn * out)
        for (let k = 0; k < inn; k++) for (let o = 0; o < out; o++) weight[k * out + o] = w[o * inn + (perm ? perm[k] : k)]
        layers.push({ kind: 'dense', inFeatures: inn, outFeatures: out, weight, bias: node.type === 'Affine' ? Float32Array.from(p.bias.data as Float64Array) : null })
        perm = null
        break
      }
      case 'Scale':
        layers.push({ kind: 'scale', scale: Float32Array.from(ours(p.scale.data as Float64Array)) })
        break
      case 'Conv2d': {
        const groups = p.groups ? (p.groups.data[0] as number) : 1
        if (groups !== 1) err('nir.unsupported', `${label} has groups = ${groups}; Spikelab convolutions are dense (groups = 1)`, `${node.path}/groups`)
        const [dh, dw] = pair(p.dilation, 1)
        if (dh !== 1 || dw !== 1) err('nir.unsupported', `${label} has dilation ${dh}×${dw}; Spikelab convolutions are not dilated`, `${node.path}/dilation`)
        const [cout, cin, kh, kw] = p.weight.shape
        layers.push({
          kind: 'conv2d',
          inShape: [shape[1], shape[2], shape[0]],
          filters: cout,
          kernel: [kh, kw],
          stride: pair(p.stride, 1),
          padding: convPadding(node, file),
          weight: oihwToHwio(p.weight.data as Float64Array, cout, cin, kh, kw),
          bias: p.bias ? Float32Array.from(p.bias.data as Float64Array) : null,
        })
        break
      }
      case 'SumPool2d':
      case 'AvgPool2d': {
        const window = pair(p.kernel_size, 1)
        const padding = pair(p.padding, 0)
        layers.push({ kind: 'pool', mode: node.type === 'SumPool2d' ? 'sum' : 'avg', inShape: [shape[1], shape[2], shape[0]], window, stride: pair(p.stride, window[0]), padding })
        break
      }
      case 'Flatten': {
        const [s, e] = flattenRange(node, shape.length, file)
        if (s === e) break
        if (shape.length !== 3 || s !== 0 || e !== 2) err('nir.unsupported', `${label} flattens dims ${s}..${e} of ${formatShape(shape)}, leaving ${shape.length - (e - s)}-D activations; Spikelab flattens everything`, `${node.path}/start_dim`)
        const [c, h, w] = shape
        layers.push({ kind: 'flatten', inShape: [h, w, c] })
        const pm = hwcToChwPermutation(h, w, c)
        perm = isIdentity(pm) ? null : pm
        break
      }
      default: {
        if (!NEURON_TYPES.has(node.type) && node.type !== 'Threshold') err('nir.unsupported', `node '${node.name}' has type '${node.type}', which Spikelab cannot place in a network`, `${node.path}/type`)
        layers.push(...neuronLayers(node, shape, perm, dt, layers, recurrentOf.get(node.name), warnings, err))
      }
    }
    shape = graph.shapes.get(node.name)?.out ?? shape
  }

  const last = layers[layers.length - 1]
  const beforeOutput = chain[chain.length - 2]
  if (!last || last.kind !== 'lif') {
    err('nir.unsupported', `the node before the output is '${beforeOutput.name}' (${beforeOutput.type}); Spikelab networks end in a spiking layer (LIF, IF, LI, CubaLIF or Threshold)`, beforeOutput.path)
  }
  if (perm) warnings.push(`output: the output neurons follow a Flatten of [C, H, W]; Spikelab numbers them channels-last ((h·W + w)·C + c), not as NIR does`)

  const md = graph.metadata
  const nOut = sizeOf(shape)
  const labels = Array.isArray(md.labels) && md.labels.length === nOut && md.labels.every((l) => typeof l === 'string') ? (md.labels as string[]) : undefined
  const network: FloatNetwork = {
    inputShape,
    dtSeconds: trainingDt ?? dt,
    layers,
    ...(labels ? { labels } : {}),
    source: file ? `nir ${path.basename(file)}` : 'nir graph',
    warnings,
  }
  return { network, warnings, dtSeconds: dt, dtSource, graph }
}

// ---------------------------------------------------------------------------------------------

function metaNumber(md: NirMetadata, key: string): number | undefined {
  const v = md[key]
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined
}

/** nir.md §5.1 import rule, with the caller's dt standing in for "ask the user". */
function resolveDt(graph: CheckedGraph, chain: readonly FlatNode[], optionDt: number | undefined, warnings: string[]): { dt: number; source: DtSource; trainingDt?: number } {
  const fileDt = metaNumber(graph.metadata, 'dt')
  const trainingDt = metaNumber(graph.metadata, 'training_dt')
  const tauNodes = chain.filter((n) => TAU_TYPES.has(n.type))
  if (fileDt !== undefined) {
    if (optionDt !== undefined && Math.abs(optionDt - fileDt) > 1e-12) warnings.push(`dt: the file states dt = ${fileDt} s in its metadata; that is used, not the ${optionDt} s asked for`)
    return { dt: fileDt, source: 'metadata', trainingDt }
  }
  if (tauNodes.length === 0) return { dt: optionDt ?? 1e-3, source: optionDt !== undefined ? 'option' : 'default', trainingDt }
  const taus = tauNodes.flatMap((n) => Array.from((n.params.tau ?? n.params.tau_mem).data as Float64Array))
  if (optionDt !== undefined) {
    warnOnMilliseconds(taus, warnings)
    return { dt: optionDt, source: 'option', trainingDt }
  }
  const ratios = tauNodes.flatMap((n) => {
    const tau = (n.params.tau ?? n.params.tau_mem).data as Float64Array
    const r = n.params.r.data as Float64Array
    return Array.from(tau, (t, k) => ({ t, r: r.length === 1 ? r[0] : r[k] }))
  })
  if (ratios.every(({ r }) => r !== 1)) {
    const dts = ratios.map(({ t, r }) => t / r)
    const dt = dts[0]
    if (dt > 0 && dts.every((d) => Math.abs(d - dt) <= 1e-4 * dt)) {
      warnings.push(`dt: the file states none; τ/r = ${fmt(dt)} s for every neuron, which is snnTorch's convention (r = τ/dt), so dt = ${fmt(dt)} s`)
      return { dt, source: 'snntorch-convention', trainingDt }
    }
  }
  warnings.push('dt: the file states none and τ/r follows no known convention; assumed 1e-3 s (Norse\'s default). Pass the dt the network was trained with (snnTorch writes 1e-4 s) to change it')
  warnOnMilliseconds(taus, warnings)
  return { dt: 1e-3, source: 'default', trainingDt }
}

function warnOnMilliseconds(taus: number[], warnings: string[]): void {
  if (taus.length > 0 && taus.every((t) => t >= 1)) warnings.push(`τ: every τ is ≥ 1 (${fmt(Math.min(...taus))}…${fmt(Math.max(...taus))}); read as seconds, but they look like milliseconds (nir.md §5.4)`)
}

function fmt(x: number): string {
  return Number(x.toPrecision(6)).toString()
}

type Fail = (code: string, message: string, field?: string) => never

/**
 * One neuron node as a `lif` layer (plus a `scale` layer in front when its input gain cannot be folded
 * into the layer before). Per neuron, in NIR order: β, gain g, constant input c, threshold θ'.
 * With u = v − v_reset, Euler gives u ← β·u + g·I + c, spike when u > θ − v_reset, reset u ← 0.
 */
function neuronLayers(
  node: FlatNode,
  shape: readonly number[],
  perm: Int32Array | null,
  dt: number,
  layers: FloatLayer[],
  recurrent: FlatNode | undefined,
  warnings: string[],
  err: Fail,
): FloatLayer[] {
  const n = sizeOf(shape)
  const label = `${node.name} (${node.type})`
  const param = (key: string, fallback: number): Float64Array => {
    const a = node.params[key]
    if (!a) return new Float64Array(n).fill(fallback)
    const d = a.data as Float64Array
    return d.length === 1 ? new Float64Array(n).fill(d[0]) : d
  }
  const beta = new Float64Array(n)
  const gain = new Float64Array(n)
  const constant = new Float64Array(n)
  const theta = new Float64Array(n)
  const checkTau = (tau: Float64Array, key: string) => {
    const bad = tau.findIndex((t) => !(t >= dt))
    if (bad >= 0) err('nir.value', `${label}: ${key}[${bad}] = ${tau[bad]} s is not ≥ dt = ${dt} s, so β = 1 − dt/τ would leave [0, 1] (check the units, nir.md §5.4)`, `${node.path}/${key}`)
  }
  const vReset = param('v_reset', 0)
  const vLeak = param('v_leak', 0)
  switch (node.type) {
    case 'LIF':
    case 'LI': {
      const tau = param('tau', 1)
      const r = param('r', 1)
      const vth = node.type === 'LIF' ? param('v_threshold', 1) : null
      checkTau(tau, 'tau')
      for (let k = 0; k < n; k++) {
        const a = dt / tau[k]
        beta[k] = 1 - a
        gain[k] = r[k] * a
        constant[k] = a * (vLeak[k] - (vth ? vReset[k] : 0))
        theta[k] = vth ? vth[k] - vReset[k] : Infinity
      }
      if (node.type === 'LI') warnings.push(`${label}: a non-spiking leaky readout; imported as a layer that never spikes (threshold +∞). NIR reads its membrane as the output, which a FloatNetwork does not expose`)
      break
    }
    case 'IF': {
      const r = param('r', 1)
      const vth = param('v_threshold', 1)
      for (let k = 0; k < n; k++) {
        beta[k] = 1
        gain[k] = r[k]
        theta[k] = vth[k] - vReset[k]
      }
      warnings.push(`${label}: integrate-and-fire read with r as the input gain per step (Sinabs' convention, r = 1); NIR's continuous dv/dt = R·I has no τ to carry a dt`)
      break
    }
    case 'CubaLIF': {
      const tauMem = param('tau_mem', 1)
      const tauSyn = param('tau_syn', 1)
      const r = param('r', 1)
      const wIn = param('w_in', 1)
      const vth = param('v_threshold', 1)
      checkTau(tauMem, 'tau_mem')
      checkTau(tauSyn, 'tau_syn')
      for (let k = 0; k < n; k++) {
        const a = dt / tauMem[k]
        beta[k] = 1 - a
        gain[k] = r[k] * a * ((wIn[k] * dt) / tauSyn[k])
        constant[k] = a * (vLeak[k] - vReset[k])
        theta[k] = vth[k] - vReset[k]
      }
      const alpha = 1 - dt / tauSyn[0]
      warnings.push(
        `${label}: the synaptic current filter (α = 1 − dt/τ_syn = ${fmt(alpha)}) has no FloatNetwork equivalent and was dropped: input reaches the membrane in the same step with gain w_in·dt/τ_syn, so responses are shorter than in NIR`,
      )
      break
    }
    case 'Threshold': {
      const th = param('threshold', 0)
      for (let k = 0; k < n; k++) {
        beta[k] = 0
        gain[k] = 1
        theta[k] = th[k]
      }
      break
    }
  }
  const badTheta = theta.findIndex((t) => !(t > 0))
  if (badTheta >= 0) {
    const key = node.type === 'Threshold' ? 'threshold' : 'v_threshold'
    err('nir.value', `${label}: threshold − v_reset = ${theta[badTheta]} at neuron ${badTheta}; Spikelab needs it > 0`, `${node.path}/${key}`)
  }
  for (let k = 0; k < n; k++) if (Math.abs(gain[k] - 1) <= GAIN_ONE_TOLERANCE) gain[k] = 1
  if (vLeak.some((v) => v !== 0) && node.type !== 'IF') warnings.push(`${label}: v_leak ≠ 0 becomes a constant input (dt/τ)·v_leak per step, added to the bias of the layer before`)
  if (vReset.some((v) => v !== 0)) {
    warnings.push(`${label}: v_reset ≠ 0; the membrane is measured from v_reset (threshold θ − v_reset, reset to 0); identical except that NIR starts at v = 0, i.e. ${-vReset[0]} below the reset level`)
  }

  // Recurrent loop: weights from neuron j (at t − 1) to neuron i, scaled by i's gain; an Affine bias is a constant input.
  let rec: Float64Array | null = null
  if (recurrent) {
    if (shape.length !== 1) err('nir.unsupported', `${label} has a recurrent loop but ${formatShape(shape)}-shaped neurons; only 1-D recurrent layers are supported`, `${recurrent.path}/weight`)
    const w = recurrent.params.weight.data as Float64Array
    rec = new Float64Array(n * n)
    const nirIndex = (k: number) => (perm ? perm[k] : k)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) rec[j * n + i] = w[nirIndex(i) * n + nirIndex(j)] * gain[nirIndex(i)]
    if (recurrent.type === 'Affine') {
      const b = recurrent.params.bias.data as Float64Array
      for (let i = 0; i < n; i++) constant[i] += gain[i] * b[i]
    }
  }

  const g = toOurOrder(gain, shape, perm)
  const c = toOurOrder(constant, shape, perm)
  const out: FloatLayer[] = []
  const prev = layers[layers.length - 1]
  const needsGain = g.some((v) => v !== 1)
  const needsConstant = c.some((v) => v !== 0)
  const folded = (needsGain || needsConstant) && prev !== undefined && (prev.kind === 'dense' || prev.kind === 'conv2d') && foldInto(layers, prev, g, c)
  if (!folded) {
    if (needsConstant) {
      err('nir.unsupported', `${label}: v_leak/v_reset/recurrent bias make a constant input, which needs an Affine or Conv2d with a bias right before the neuron`, `${node.path}/${node.params.v_leak ? 'v_leak' : 'v_reset'}`)
    }
    if (needsGain) out.push({ kind: 'scale', scale: Float32Array.from(g) })
  }
  out.push({
    kind: 'lif',
    size: n,
    beta: Float32Array.from(toOurOrder(beta, shape, perm)),
    threshold: Float32Array.from(toOurOrder(theta, shape, perm)),
    reset: node.metadata.reset === 'subtract' ? 'subtract' : 'zero',
    ...(rec ? { recurrent: Float32Array.from(rec) } : {}),
  })
  if (node.metadata.reset === 'subtract') warnings.push(`${label}: reset by subtraction restored from Spikelab's metadata; NIR itself says reset to v_reset, as other tools will`)
  return out
}

/** Per-neuron values in NIR order → ours. */
function toOurOrder(values: ArrayLike<number>, shape: readonly number[], perm: Int32Array | null): Float64Array {
  const p = shape.length === 3 ? hwcToChwPermutation(shape[1], shape[2], shape[0]) : perm
  return fromNirOrder(values, p, sizeOf(shape))
}

/**
 * Folds a per-neuron gain g and constant c into the dense or conv layer before: W'[·, o] = g[o]·W[·, o],
 * b'[o] = g[o]·b[o] + c[o]. A conv layer shares weights across positions, so both must be uniform per channel.
 */
function foldInto(layers: FloatLayer[], prev: FloatLayer, g: Float64Array, c: Float64Array): boolean {
  const nOut = prev.kind === 'dense' ? prev.outFeatures : prev.kind === 'conv2d' ? prev.filters : 0
  if (nOut === 0) return false
  for (let k = nOut; k < g.length; k++) if (g[k] !== g[k % nOut] || c[k] !== c[k % nOut]) return false
  if (prev.kind !== 'dense' && prev.kind !== 'conv2d') return false
  const weight = Float32Array.from(prev.weight, (w, k) => w * g[k % nOut])
  const bias = Float32Array.from({ length: nOut }, (_, o) => (prev.bias ? prev.bias[o] : 0) * g[o] + c[o])
  const keepNullBias = prev.bias === null && c.every((v) => v === 0)
  layers[layers.length - 1] = { ...prev, weight, bias: keepNullBias ? null : bias }
  return true
}
