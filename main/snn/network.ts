import type * as tf from '@tensorflow/tfjs'
import type { Dense } from './layers/dense.js'
import type { HostSpikes } from './layers/host-spikes.js'
import { isHostSpikes } from './layers/host-spikes.js'
import type { Parameter } from './layers/parameter.js'
import type { StackLayer, StackLayerSpec } from './layers/stack-layer.js'
import { applyStackLayer, badLayer, buildStackLayer, hostSpikesTensor, stackParameters, stackVariables } from './layers/stack-layer.js'
import type { LifConfig } from './neurons/lif.js'
import { lifConfig, lifSequence } from './neurons/lif.js'
import type { SeededRandom } from './random.js'

/** One layer of a feed-forward spiking network; JSON-serialisable. */
export type LayerSpec = Exclude<StackLayerSpec, { readonly type: 'dense' }> | { readonly type: 'dense'; readonly units: number } | ({ readonly type: 'lif' } & Partial<LifConfig>)

type Layer = StackLayer | { readonly kind: 'lif'; readonly config: LifConfig }

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
    let shape: readonly number[] = [...inputShape]
    specs.forEach((spec, i) => {
      if (spec.type === 'lif') {
        const { type: _type, ...rest } = spec
        this.layers.push({ kind: 'lif', config: lifConfig(rest) })
        return
      }
      const layer = buildStackLayer(spec, shape, i, rng)
      this.layers.push(layer)
      shape = layer.outShape
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
    return stackParameters(this.layers)
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
    stackVariables(this.layers).forEach((v) => v.dispose())
  }

  /** Runs the network on [T, B, ...inputShape] spikes (host) or any tensor of that shape. */
  forward(input: HostSpikes | tf.Tensor): NetworkOutput {
    let x: HostSpikes | tf.Tensor = input
    const layerSpikes: tf.Tensor[] = []
    let mem: tf.Tensor | null = null
    for (const l of this.layers) {
      if (l.kind !== 'lif') {
        x = applyStackLayer(l, x, (h) => hostSpikesTensor(h, this.inputShape))
        continue
      }
      const out = lifSequence(isHostSpikes(x) ? hostSpikesTensor(x, this.inputShape) : x, l.config)
      layerSpikes.push(out.spikes)
      mem = out.mem
      x = out.spikes
    }
    if (mem === null || isHostSpikes(x)) throw new Error('unreachable: the constructor checks the last layer is lif')
    return { spikes: x, mem, layerSpikes }
  }
}
