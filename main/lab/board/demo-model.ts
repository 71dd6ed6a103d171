/**
 * A built-in model so the Deploy view works before anything is trained: where a moving edge is.
 * The 128×128 DVS is pooled 16×16 (DVS_POOL, both polarities together) into 8×8 channels; output
 * neuron i sums the 8 channels of column band i, so the winning output follows a bar across the
 * sensor. Its SELFTEST comes from the host engine (rung 0), like any compiled model.
 */
import { INPUT_SOURCE, encodeModelBlob, withComputedSelfTest } from '../../../native-bridge/engine/index.js'
import type { Rp1Model } from '../../../native-bridge/engine/index.js'

export const DEMO_MODELS = [
  { ref: 'demo:bar-position', name: 'Demo: bar position (8 column bands)', description: 'Built in: 128×128 DVS pooled 16×16, one LIF layer of 8 outputs, one per column band. Deploys without training.' },
] as const

const BANDS = 8
const POOL_SHIFT = 4
const POOLED = 128 >> POOL_SHIFT

export function demoBarPositionModel(): Rp1Model {
  const weights = new Int8Array(BANDS * POOLED * POOLED)
  for (let band = 0; band < BANDS; band++) {
    for (let y = 0; y < POOLED; y++) weights[band * POOLED * POOLED + y * POOLED + band] = 20
  }
  const model: Rp1Model = {
    uuid: new TextEncoder().encode('spikelab-demo-01'),
    createdUnix: 1_767_225_600n,
    tickUs: 1000,
    nInputs: POOLED * POOLED,
    inputMap: { kind: 'dvs-pool', countMax: 15, sensorW: 128, sensorH: 128, xBits: 7, yBits: 7, poolShiftX: POOL_SHIFT, poolShiftY: POOL_SHIFT, splitPolarity: 0 },
    outputMap: Array.from({ length: BANDS }, (_, i) => ({ layer: 0, neuron: i })),
    layers: [
      {
        nNeurons: BANDS, sources: [INPUT_SOURCE], wShift: [2], decayKind: 1, resetKind: 1,
        weights: [{ format: 'dense', rows: BANDS, cols: POOLED * POOLED, values: weights }],
        threshold: new Int16Array(BANDS).fill(1000), bias: new Int16Array(BANDS), leakShift: new Uint8Array(BANDS).fill(2), refractory: new Uint8Array(BANDS).fill(3),
      },
    ],
    metadata: JSON.stringify({
      name: 'Demo: bar position',
      labels: Array.from({ length: BANDS }, (_, i) => `x ${i * 16}–${i * 16 + 15}`),
      provenance: 'spikelab built-in demo',
    }),
  }
  // A bar sweeping left to right over 8 ticks, one column band per tick.
  const tUs: number[] = []
  const addr: number[] = []
  for (let k = 0; k < 8; k++) {
    for (let j = 0; j < 16; j++) {
      const x = k * 16 + (j % 16)
      const y = (j * 8) % 128
      tUs.push(k * 1000 + j * 50)
      addr.push(x | (y << 7) | ((j & 1) << 14))
    }
  }
  return withComputedSelfTest(model, 12, Uint32Array.from(tUs), Uint16Array.from(addr))
}

export function demoBlob(ref: string): Uint8Array | null {
  return ref === 'demo:bar-position' ? encodeModelBlob(demoBarPositionModel()) : null
}
