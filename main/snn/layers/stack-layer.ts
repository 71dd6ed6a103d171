import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../common/errors.js'
import type { SeededRandom } from '../random.js'
import { Conv2d } from './conv2d.js'
import { Dense } from './dense.js'
import { flatten } from './flatten.js'
import type { HostSpikes } from './host-spikes.js'
import { isHostSpikes } from './host-spikes.js'
import type { Parameter } from './parameter.js'
import { Pool2d } from './pool.js'

/**
 * The neuron-free layers of a feed-forward spiking network (weights, pooling, flatten), shared by the
 * LIF network and the coarse-scale network: each network adds its own neuron layer kind. Tensors are
 * [T, B, ...]; these layers have no time dependence, so each runs all T steps in one op.
 */
export type StackLayerSpec =
  /** `bias: false` keeps a zero bias that is not trained and not saved. */
  | { readonly type: 'dense'; readonly units: number; readonly bias?: boolean }
  | {
      readonly type: 'conv2d'
      readonly filters: number
      readonly kernelSize: number
      readonly stride?: number
      readonly padding?: 'valid' | 'same'
    }
  | { readonly type: 'pool'; readonly mode: 'max' | 'avg' | 'sum'; readonly size: number; readonly stride?: number }
  | { readonly type: 'flatten' }

/** A built layer with the per-sample shapes it maps between (the transfer check and deploy read them). */
export type StackLayer =
  | { readonly kind: 'dense'; readonly layer: Dense; readonly bias: boolean; readonly inShape: readonly number[]; readonly outShape: readonly number[] }
  | { readonly kind: 'conv2d'; readonly layer: Conv2d; readonly inShape: readonly number[]; readonly outShape: readonly number[] }
  | { readonly kind: 'pool'; readonly layer: Pool2d; readonly inShape: readonly number[]; readonly outShape: readonly number[] }
  | { readonly kind: 'flatten'; readonly inShape: readonly number[]; readonly outShape: readonly number[] }

/** Builds layer `index` of an architecture on per-sample input `shape`; errors name `architecture[index]…`. */
export function buildStackLayer(spec: StackLayerSpec, shape: readonly number[], index: number, rng: SeededRandom): StackLayer {
  const field = `architecture[${index}]`
  const inShape = [...shape]
  let built: StackLayer
  switch (spec.type) {
    case 'dense': {
      if (shape.length !== 1) throw badLayer(field, `dense needs a flat input, got shape [${shape.join(', ')}]; add a flatten layer`)
      positiveInt(spec.units, `${field}.units`)
      const layer = new Dense(shape[0], spec.units, rng, `dense${index}`)
      const bias = spec.bias ?? true
      if (!bias) tf.tidy(() => layer.bias.assign(tf.zerosLike(layer.bias)))
      built = { kind: 'dense', layer, bias, inShape, outShape: [spec.units] }
      break
    }
    case 'conv2d': {
      if (shape.length !== 3) throw badLayer(field, `conv2d needs an [H, W, C] input, got [${shape.join(', ')}]`)
      positiveInt(spec.filters, `${field}.filters`)
      positiveInt(spec.kernelSize, `${field}.kernelSize`)
      if (spec.padding !== undefined && spec.padding !== 'same' && spec.padding !== 'valid') {
        throw badLayer(`${field}.padding`, `unknown padding '${String(spec.padding)}'`)
      }
      positiveInt(spec.stride ?? 1, `${field}.stride`)
      const layer = new Conv2d(shape[2], spec.filters, spec.kernelSize, rng, spec.stride ?? 1, spec.padding ?? 'valid', `conv${index}`)
      const out = (n: number) => (layer.padding === 'same' ? Math.ceil(n / layer.stride) : Math.floor((n - spec.kernelSize) / layer.stride) + 1)
      built = { kind: 'conv2d', layer, inShape, outShape: [out(shape[0]), out(shape[1]), spec.filters] }
      break
    }
    case 'pool': {
      if (shape.length !== 3) throw badLayer(field, `pool needs an [H, W, C] input, got [${shape.join(', ')}]`)
      positiveInt(spec.size, `${field}.size`)
      if (!['max', 'avg', 'sum'].includes(spec.mode)) throw badLayer(`${field}.mode`, `unknown pool mode '${String(spec.mode)}'`)
      positiveInt(spec.stride ?? spec.size, `${field}.stride`)
      const layer = new Pool2d(spec.mode, spec.size, spec.stride ?? spec.size)
      const out = (n: number) => Math.floor((n - layer.size) / layer.stride) + 1
      built = { kind: 'pool', layer, inShape, outShape: [out(shape[0]), out(shape[1]), shape[2]] }
      break
    }
    case 'flatten':
      built = { kind: 'flatten', inShape, outShape: [shape.reduce((a, b) => a * b, 1)] }
      break
    default:
      throw badLayer(field, `unknown layer type '${(spec as { type: string }).type}'`)
  }
  if (built.outShape.some((n) => !(n >= 1))) throw badLayer(field, 'layer output would be empty')
  return built
}

/**
 * Runs a built layer. Dense layers take host spikes directly (binary input, no input gradient); the
 * others need a tensor, made by `toTensor`.
 */
export function applyStackLayer(l: StackLayer, x: HostSpikes | tf.Tensor, toTensor: (x: HostSpikes) => tf.Tensor): HostSpikes | tf.Tensor {
  if (l.kind === 'dense') return l.layer.apply(x, { inputGrad: !isHostSpikes(x) })
  const t = isHostSpikes(x) ? toTensor(x) : x
  return l.kind === 'flatten' ? flatten(t) : l.layer.apply(t)
}

/** The trained tensors of built layers ('dense0/kernel', …), in layer order; an untrained zero bias is left out. */
export function stackParameters(layers: readonly { readonly kind: string }[]): Parameter[] {
  return layers.flatMap((l) => {
    if (!isStackLayer(l)) return []
    if (l.kind === 'conv2d') return [...l.layer.parameters]
    if (l.kind === 'dense') return l.bias ? [...l.layer.parameters] : [l.layer.parameters[0]]
    return []
  })
}

/** Every weight variable of built layers, untrained zero biases included (to free them). */
export function stackVariables(layers: readonly { readonly kind: string }[]): tf.Variable[] {
  return layers.flatMap((l) => (isStackLayer(l) && (l.kind === 'dense' || l.kind === 'conv2d') ? l.layer.variables : []))
}

export function isStackLayer(l: { readonly kind: string }): l is StackLayer {
  return l.kind === 'dense' || l.kind === 'conv2d' || l.kind === 'pool' || l.kind === 'flatten'
}

/** Host spikes [T, B, ...] as a float tensor of the per-sample `inputShape`. */
export function hostSpikesTensor(x: HostSpikes, inputShape: readonly number[]): tf.Tensor {
  const [steps, batch] = x.shape
  return tf.tensor(Float32Array.from(x.data), [steps, batch, ...inputShape], 'float32')
}

export function positiveInt(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 1) throw badLayer(field, `must be a positive integer, got ${v}`)
}

export function badLayer(field: string, message: string): SpikelabError {
  return new SpikelabError('SNN_BAD_ARCHITECTURE', message, { field })
}
