import type * as tf from '@tensorflow/tfjs'
import { SpikelabError } from '../../../../common/errors.js'
import type { HostSpikes } from '../../layers/host-spikes.js'
import { isHostSpikes } from '../../layers/host-spikes.js'
import type { Parameter } from '../../layers/parameter.js'
import type { StackLayer, StackLayerSpec } from '../../layers/stack-layer.js'
import { applyStackLayer, badLayer, buildStackLayer, hostSpikesTensor, stackParameters, stackVariables } from '../../layers/stack-layer.js'
import type { CoarseLifConfig } from '../../neurons/coarse-lif.js'
import { coarseLifConfig, coarseLifSequence } from '../../neurons/coarse-lif.js'
import type { SeededRandom } from '../../random.js'

/** One layer of a coarse-scale network; JSON-serialisable. Every weight layer is followed by a coarse LIF layer. */
export type CoarseLayerSpec = StackLayerSpec | ({ readonly type: 'coarse-lif' } & Partial<CoarseLifConfig>)

/** A built layer, as the transfer check reads it. */
export type CoarseLayer =
  | StackLayer
  | { readonly kind: 'coarse-lif'; readonly config: CoarseLifConfig; readonly inShape: readonly number[]; readonly outShape: readonly number[] }

export interface CoarseOutput {
  /** Output spikes [T, B, classes]. */
  readonly spikes: tf.Tensor
  /** Spikes of every coarse LIF layer [T, B, ...], in order (the last is `spikes`). */
  readonly layerSpikes: tf.Tensor[]
  /** Synaptic input x[n] of the output neurons [T, B, classes], values only (the read-out's tie-break evidence). */
  readonly outputDrive: Float32Array
  /** Membrane potentials v[n] of the output neurons [T, B, classes], values only. */
  readonly outputMem: Float32Array
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
    let shape: readonly number[] = [...inputShape]
    specs.forEach((spec, i) => {
      if (spec.type !== 'coarse-lif') {
        const layer = buildStackLayer(spec, shape, i, rng)
        this.layers.push(layer)
        shape = layer.outShape
        return
      }
      const { type: _type, ...rest } = spec
      let config: CoarseLifConfig
      try {
        config = coarseLifConfig(rest)
      } catch (err) {
        if (err instanceof SpikelabError) {
          throw badLayer(`architecture[${i}].${err.location.field ?? ''}`, err.message.replace(/ \(field '[^']*'\)$/, ''))
        }
        throw err
      }
      this.layers.push({ kind: 'coarse-lif', config, inShape: shape, outShape: shape })
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
    return stackParameters(this.layers)
  }

  get variables(): tf.Variable[] {
    return this.parameters.map((p) => p.variable)
  }

  /** Frees every weight, including untrained zero biases. */
  dispose(): void {
    stackVariables(this.layers).forEach((v) => v.dispose())
  }

  /** Runs the network on [T, B, ...inputShape] spikes (host) or any tensor of that shape (an analog image per step). */
  forward(input: HostSpikes | tf.Tensor): CoarseOutput {
    let x: HostSpikes | tf.Tensor = input
    const layerSpikes: tf.Tensor[] = []
    let outputDrive: Float32Array = new Float32Array(0)
    let outputMem: Float32Array = new Float32Array(0)
    for (const l of this.layers) {
      if (l.kind !== 'coarse-lif') {
        x = applyStackLayer(l, x, (h) => hostSpikesTensor(h, this.inputShape))
        continue
      }
      const out = coarseLifSequence(isHostSpikes(x) ? hostSpikesTensor(x, this.inputShape) : x, l.config)
      x = out.spikes
      outputDrive = out.drive
      outputMem = out.mem
      layerSpikes.push(x)
    }
    if (isHostSpikes(x)) throw new Error('unreachable: the constructor checks the last layer is coarse-lif')
    return { spikes: x, layerSpikes, outputDrive, outputMem }
  }
}
