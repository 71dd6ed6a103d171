import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../../common/errors.js'
import { Conv2d } from '../../layers/conv2d.js'
import { Dense } from '../../layers/dense.js'
import { flatten } from '../../layers/flatten.js'
import type { HostSpikes } from '../../layers/host-spikes.js'
import { isHostSpikes } from '../../layers/host-spikes.js'
import type { Parameter } from '../../layers/parameter.js'
import { Pool2d } from '../../layers/pool.js'
import type { CoarseLifConfig } from '../../neurons/coarse-lif.js'
import { coarseLifConfig, coarseLifSequence } from '../../neurons/coarse-lif.js'
import type { SeededRandom } from '../../random.js'

/** One layer of a coarse-scale network; JSON-serialisable. Every weight layer is followed by a coarse LIF layer. */
export type CoarseLayerSpec =
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
  | ({ readonly type: 'coarse-lif' } & Partial<CoarseLifConfig>)

/** A built layer, as the transfer check reads it. */
export type CoarseLayer =
  | { readonly kind: 'dense'; readonly layer: Dense; readonly bias: boolean; readonly inShape: readonly number[]; readonly outShape: readonly number[] }
  | { readonly kind: 'conv2d'; readonly layer: Conv2d; readonly inShape: readonly number[]; readonly outShape: readonly number[] }
  | { readonly kind: 'pool'; readonly layer: Pool2d; readonly inShape: readonly number[]; readonly outShape: readonly number[] }
  | { readonly kind: 'flatten'; readonly inShape: readonly number[]; readonly outShape: readonly number[] }
  | { readonly kind: 'coarse-lif'; readonly config: CoarseLifConfig; readonly inShape: readonly number[]; readonly outShape: readonly number[] }

export interface CoarseOutput {
  /** Output spikes [T, B, classes]. */
  readonly spikes: tf.Tensor
  /** Spikes of every coarse LIF layer [T, B, ...], in order (the last is `spikes`). */
  readonly layerSpikes: tf.Tensor[]
}

/**
 * A feed-forward coarse-scale spiking network (spec §B.5, §B.8). Tensors are [T, B, ...]. Weight and
 * pool layers have no time dependence, so each runs all T intervals in one op; only the coarse LIF
 * recurrence steps through time. Dense layers with `bias: false` keep a zero bias that is not trained
 * and not saved.
 */
export class CoarseNetwork {
  readonly layers: CoarseLayer[] = []
  readonly outputShape: readonly number[]

  constructor(
    readonly inputShape: readonly number[],
    readonly specs: readonly CoarseLayerSpec[],
    rng: SeededRandom,
  ) {
    let shape = [...inputShape]
    specs.forEach((spec, i) => {
      const field = `architecture[${i}]`
      const inShape = [...shape]
      switch (spec.type) {
        case 'dense': {
          if (shape.length !== 1) throw badLayer(field, `dense needs a flat input, got shape [${shape.join(', ')}]; add a flatten layer`)
          positiveInt(spec.units, `${field}.units`)
          const layer = new Dense(shape[0], spec.units, rng, `dense${i}`)
          const bias = spec.bias ?? true
          if (!bias) tf.tidy(() => layer.bias.assign(tf.zerosLike(layer.bias)))
          shape = [spec.units]
          this.layers.push({ kind: 'dense', layer, bias, inShape, outShape: [...shape] })
          break
        }
        case 'conv2d': {
          if (shape.length !== 3) throw badLayer(field, `conv2d needs an [H, W, C] input, got [${shape.join(', ')}]`)
          positiveInt(spec.filters, `${field}.filters`)
          positiveInt(spec.kernelSize, `${field}.kernelSize`)
          if (spec.padding !== undefined && spec.padding !== 'same' && spec.padding !== 'valid') {
            throw badLayer(`${field}.padding`, `unknown padding '${String(spec.padding)}'`)
          }
          const layer = new Conv2d(shape[2], spec.filters, spec.kernelSize, rng, spec.stride ?? 1, spec.padding ?? 'valid', `conv${i}`)
          positiveInt(layer.stride, `${field}.stride`)
          const out = (n: number) => (layer.padding === 'same' ? Math.ceil(n / layer.stride) : Math.floor((n - spec.kernelSize) / layer.stride) + 1)
          shape = [out(shape[0]), out(shape[1]), spec.filters]
          this.layers.push({ kind: 'conv2d', layer, inShape, outShape: [...shape] })
          break
        }
        case 'pool': {
          if (shape.length !== 3) throw badLayer(field, `pool needs an [H, W, C] input, got [${shape.join(', ')}]`)
          positiveInt(spec.size, `${field}.size`)
          if (!['max', 'avg', 'sum'].includes(spec.mode)) throw badLayer(`${field}.mode`, `unknown pool mode '${String(spec.mode)}'`)
          const layer = new Pool2d(spec.mode, spec.size, spec.stride ?? spec.size)
          positiveInt(layer.stride, `${field}.stride`)
          const out = (n: number) => Math.floor((n - layer.size) / layer.stride) + 1
          shape = [out(shape[0]), out(shape[1]), shape[2]]
          this.layers.push({ kind: 'pool', layer, inShape, outShape: [...shape] })
          break
        }
        case 'flatten':
          shape = [shape.reduce((a, b) => a * b, 1)]
          this.layers.push({ kind: 'flatten', inShape, outShape: [...shape] })
          break
        case 'coarse-lif': {
          const { type: _type, ...rest } = spec
          let config: CoarseLifConfig
          try {
            config = coarseLifConfig(rest)
          } catch (err) {
            if (err instanceof SpikelabError) {
              throw badLayer(`${field}.${err.location.field ?? ''}`, err.message.replace(/ \(field '[^']*'\)$/, ''))
            }
            throw err
          }
          this.layers.push({ kind: 'coarse-lif', config, inShape, outShape: [...shape] })
          break
        }
        default:
          throw badLayer(field, `unknown layer type '${(spec as { type: string }).type}'`)
      }
      if (shape.some((n) => !(n >= 1))) throw badLayer(field, 'layer output would be empty')
    })
    if (this.layers.at(-1)?.kind !== 'coarse-lif') throw badLayer('architecture', 'the last layer must be coarse-lif')
    if (shape.length !== 1) throw badLayer('architecture', `the output must be flat (one unit per class), got [${shape.join(', ')}]`)
    this.outputShape = shape
  }

  /** Number of output classes. */
  get outputSize(): number {
    return this.outputShape[0]
  }

  /** Trained tensors with their logical names ('dense0/kernel', …), in layer order. */
  get parameters(): Parameter[] {
    return this.layers.flatMap((l) => {
      if (l.kind === 'conv2d') return [...l.layer.parameters]
      if (l.kind === 'dense') return l.bias ? [...l.layer.parameters] : [l.layer.parameters[0]]
      return []
    })
  }

  get variables(): tf.Variable[] {
    return this.parameters.map((p) => p.variable)
  }

  /** Frees every weight, including untrained zero biases. */
  dispose(): void {
    for (const l of this.layers) if (l.kind === 'dense' || l.kind === 'conv2d') l.layer.variables.forEach((v) => v.dispose())
  }

  /** Runs the network on [T, B, ...inputShape] spikes (host) or any tensor of that shape (an analog image per step). */
  forward(input: HostSpikes | tf.Tensor): CoarseOutput {
    let x: HostSpikes | tf.Tensor = input
    const layerSpikes: tf.Tensor[] = []
    for (const l of this.layers) {
      if (l.kind === 'dense') {
        x = l.layer.apply(x, { inputGrad: !isHostSpikes(x) })
        continue
      }
      const t: tf.Tensor = isHostSpikes(x) ? this.toTensor(x) : x
      if (l.kind === 'conv2d' || l.kind === 'pool') x = l.layer.apply(t)
      else if (l.kind === 'flatten') x = flatten(t)
      else {
        x = coarseLifSequence(t, l.config).spikes
        layerSpikes.push(x)
      }
    }
    if (isHostSpikes(x)) throw new Error('unreachable: the constructor checks the last layer is coarse-lif')
    return { spikes: x, layerSpikes }
  }

  private toTensor(x: HostSpikes): tf.Tensor {
    const [steps, batch] = x.shape
    return tf.tensor(Float32Array.from(x.data), [steps, batch, ...this.inputShape], 'float32')
  }
}

function positiveInt(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 1) throw badLayer(field, `must be a positive integer, got ${v}`)
}

function badLayer(field: string, message: string): SpikelabError {
  return new SpikelabError('SNN_BAD_ARCHITECTURE', message, { field })
}
