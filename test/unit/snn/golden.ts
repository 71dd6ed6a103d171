import { readFileSync } from 'node:fs'
import { fixturePath } from '../../support/fixtures.js'

export interface NeuronVector {
  spk: number[]
  mem: number[]
}

/** snnTorch 0.9.4 reference vectors (fixtures/snn/README.md). */
export interface LifGolden {
  'leaky_subtract_beta0.9_thr1_in0.35': NeuronVector
  'leaky_zero_beta0.9_thr1_in0.35': NeuronVector
  reference_subtract: NeuronVector
  reference_zero: NeuronVector
  xs: number[]
  atan_alpha2: number[]
  fast_sigmoid_slope25: number[]
  sigmoid_slope25: number[]
  triangular_thr1: number[]
}

export function loadLifGolden(): LifGolden {
  return JSON.parse(readFileSync(fixturePath('snn', 'lif-golden.json'), 'utf8')) as LifGolden
}
