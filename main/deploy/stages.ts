import { SpikelabError } from '../../common/errors.js'
import type { FloatLayer, FloatNetwork } from './float-network.js'
import type { AffineMap } from './linear-map.js'
import { applyLinear, identityMap, linearOutputShape, size } from './linear-map.js'

type LifLayer = Extract<FloatLayer, { kind: 'lif' }>

/**
 * One population of LIF neurons with everything that feeds it: the composed affine map from the
 * previous population (or the input) and the optional recurrent matrix. A FloatNetwork is a chain of
 * stages; RP1 layer i is stage i.
 */
export interface LifStage {
  /** Index of the lif layer in `FloatNetwork.layers`. */
  readonly layerIndex: number
  readonly size: number
  readonly feed: AffineMap
  readonly lif: LifLayer
  /** Output shape of the population (for the next stage's shape checks). */
  readonly shape: readonly number[]
}

/** Splits a network into its LIF stages, composing the linear layers between them. */
export function lifStages(net: FloatNetwork): LifStage[] {
  if (net.layers.length === 0 || net.layers[net.layers.length - 1].kind !== 'lif') {
    throw new SpikelabError('UNSUPPORTED_MODEL', 'the last layer must be lif (its neurons are the outputs)', { field: 'layers' })
  }
  const stages: LifStage[] = []
  let shape: readonly number[] = net.inputShape
  let map = identityMap(size(shape))
  net.layers.forEach((layer, i) => {
    const field = `layers[${i}]`
    if (layer.kind !== 'lif') {
      const out = linearOutputShape(layer, shape, field)
      map = applyLinear(map, layer, shape, field)
      shape = out
      return
    }
    if (layer.size !== map.rows) throw new SpikelabError('UNSUPPORTED_MODEL', `lif of ${layer.size} neurons gets ${map.rows} inputs`, { field })
    for (const name of ['beta', 'threshold'] as const) {
      if (layer[name].length !== layer.size) throw new SpikelabError('UNSUPPORTED_MODEL', `${name} has ${layer[name].length} values for ${layer.size} neurons`, { field: `${field}.${name}` })
    }
    if (layer.recurrent && layer.recurrent.length !== layer.size * layer.size) {
      throw new SpikelabError('UNSUPPORTED_MODEL', `recurrent weights need ${layer.size}² values, got ${layer.recurrent.length}`, { field: `${field}.recurrent` })
    }
    stages.push({ layerIndex: i, size: layer.size, feed: map, lif: layer, shape })
    map = identityMap(layer.size)
  })
  return stages
}
