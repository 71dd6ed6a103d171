import * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../common/errors.js'
import { Conv2d } from './layers/conv2d.js'
import { Dense } from './layers/dense.js'
import { flatten } from './layers/flatten.js'
import type { HostSpikes } from './layers/host-spikes.js'
import { isHostSpikes } from './layers/host-spikes.js'
import type { Parameter } from './layers/parameter.js'
import { Pool2d } from './layers/pool.js'
import type { LifConfig } from './neurons/lif.js'
import { lifConfig, lifSequence } from './neurons/lif.js'
import type { SeededRandom } from './random.js'

/** One layer of a feed-forward spiking network; JSON-serialisable. */
export type LayerSpec =
  | { readonly type: 'dense'; readonly units: number }
  | {
      readonly type: 'conv2d'
      readonly filters: number
      readonly kernelSize: number
      readonly stride?: number
      readonly padding?: 'valid' | 'same'
    }
  | { readonly type: 'pool'; readonly mode: 'max' | 'avg' | 'sum'; readonly size: number; readonly stride?: number }
  | { readonly type: 'flatten' }
  | ({ readonly type: 'lif' } & Partial<LifConfig>)

type Layer =
  | { kind: 'dense'; layer: Dense }
  | { kind: 'conv2d'; layer: Conv2d }
  | { kind: 'pool'; layer: Pool2d }
  | { kind: 'flatten' }
  | { kind: 'lif'; config: LifConfig }

/** What a forward pass returns; every tensor is [T, B, ...]. */
export interface NetworkOutput {
  /** Output-layer spikes. */
  readonly spikes: tf.Tensor
  /** Output-layer membranes (returned, not yet reset). */
  readonly mem: tf.Tensor
  /** Spikes of every LIF layer, in order (the last is `spikes`). */
  readonly layerSpikes: tf.Tensor[]
}

/**
 * A feed-forward spiking network: weight layers, pooling and LIF layers in sequence, run on all T steps
 * at once per layer (feed-forward layers have no time dependence, so only the LIF recurrence is
 * sequential). The last layer must be LIF; its membranes feed the loss, its spike counts the prediction.
 */
export class SpikingNetwork {
  private readonly layers: Layer[] = []

  constructor(
    /** Shape of one input sample, e.g. [784] or [28, 28, 1]. */
    readonly inputShape: readonly number[],
    readonly specs: readonly LayerSpec[],
    rng: SeededRandom,
  ) {
    let shape = [...inputShape]
    specs.forEach((spec, i) => {
      const field = `architecture[${i}]`
      switch (spec.type) {
        case 'dense': {
          if (shape.length !== 1) throw badLayer(field, `dense needs a flat input, got shape [${shape.join(', ')}]; add a flatten layer`)
          positiveInt(spec.units, `${field}.units`)
          this.layers.push({ kind: 'dense', layer: new Dense(shape[0], spec.units, rng, `dense${i}`) })
          shape = [spec.units]
          break
        }
        case 'conv2d': {
          if (shape.length !== 3) throw badLayer(field, `conv2d needs an [H, W, C] input, got [${shape.join(', ')}]`)
          positiveInt(spec.filters, `${field}.filters`)
          positiveInt(spec.kernelSize, `${field}.kernelSize`)
          const conv = new Conv2d(shape[2], spec.filters, spec.kernelSize, rng, spec.stride ?? 1, spec.padding ?? 'valid', `conv${i}`)
          this.layers.push({ kind: 'conv2d', layer: conv })
          const out = (n: number) =>
            spec.padding === 'same' ? Math.ceil(n / conv.stride) : Math.floor((n - spec.kernelSize) / conv.stride) + 1
          shape = [out(shape[0]), out(shape[1]), spec.filters]
          break
        }
        case 'pool': {
          if (shape.length !== 3) throw badLayer(field, `pool needs an [H, W, C] input, got [${shape.join(', ')}]`)
          positiveInt(spec.size, `${field}.size`)
          const pool = new Pool2d(spec.mode, spec.size, spec.stride ?? spec.size)
          this.layers.push({ kind: 'pool', layer: pool })
          const out = (n: number) => Math.floor((n - pool.size) / pool.stride) + 1
          shape = [out(shape[0]), out(shape[1]), shape[2]]
          break
        }
        case 'flatten':
          this.layers.push({ kind: 'flatten' })
          shape = [shape.reduce((a, b) => a * b, 1)]
          break
        case 'lif': {
          const { type: _type, ...rest } = spec
          this.layers.push({ kind: 'lif', config: lifConfig(rest) })
          break
        }
        default:
          throw badLayer(field, `unknown layer type '${(spec as { type: string }).type}'`)
      }
      if (shape.some((n) => !(n >= 1))) throw badLayer(field, 'layer output would be empty')
    })
    if (this.layers.at(-1)?.kind !== 'lif') throw badLayer('architecture', 'the last layer must be lif')
  }

  /** Number of output classes (the last layer's width). */
  get outputSize(): number {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i]
      if (l.kind === 'dense') return l.layer.units
      if (l.kind === 'conv2d') return l.layer.filters
    }
    return this.inputShape.reduce((a, b) => a * b, 1)
  }

  /** Trainable tensors with their logical names ('dense0/kernel', …), in layer order. */
  get parameters(): Parameter[] {
    return this.layers.flatMap((l) => (l.kind === 'dense' || l.kind === 'conv2d' ? l.layer.parameters : []))
  }

  get variables(): tf.Variable[] {
    return this.parameters.map((p) => p.variable)
  }

  /**
   * The network as alternating dense and LIF layers (dense first, binary spikes between them), or null
   * when it has other layers or a relaxed LIF; such networks can train entirely on the host
   * (`fused/dense-lif-bptt.ts`).
   */
  denseLifStack(): { dense: Dense; lif: LifConfig }[] | null {
    const stack: { dense: Dense; lif: LifConfig }[] = []
    for (let i = 0; i < this.layers.length; i += 2) {
      const d = this.layers[i]
      const n = this.layers[i + 1]
      if (d.kind !== 'dense' || n?.kind !== 'lif' || n.config.forward !== 'spike') return null
      stack.push({ dense: d.layer, lif: n.config })
    }
    return stack.length > 0 ? stack : null
  }

  /** Frees the weights. */
  dispose(): void {
    this.variables.forEach((v) => v.dispose())
  }

  /** Runs the network on [T, B, ...inputShape] spikes (host) or any tensor of that shape. */
  forward(input: HostSpikes | tf.Tensor): NetworkOutput {
    let x: HostSpikes | tf.Tensor = input
    const layerSpikes: tf.Tensor[] = []
    let mem: tf.Tensor | null = null
    for (const l of this.layers) {
      if (l.kind === 'dense') {
        x = l.layer.apply(x, { inputGrad: !isHostSpikes(x) })
        continue
      }
      const t: tf.Tensor = isHostSpikes(x) ? this.toTensor(x) : x
      if (l.kind === 'conv2d' || l.kind === 'pool') x = l.layer.apply(t)
      else if (l.kind === 'flatten') x = flatten(t)
      else {
        const out = lifSequence(t, l.config)
        layerSpikes.push(out.spikes)
        mem = out.mem
        x = out.spikes
      }
    }
    if (mem === null || isHostSpikes(x)) throw new Error('unreachable: the constructor checks the last layer is lif')
    return { spikes: x, mem, layerSpikes }
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
