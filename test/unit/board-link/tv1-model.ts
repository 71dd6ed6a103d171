import type { Rp1Model } from '../../../native-bridge/engine/index.js'
import { INPUT_SOURCE, UNMAPPED_CHANNEL } from '../../../native-bridge/engine/index.js'

/** Test vector TV1 of board-link §16.7, transcribed from the spec. */
export const TV1_EVENTS: [number, number][] = [
  [0, 0], [250, 2], [900, 5], [1000, 1], [1500, 1], [1600, 3], [1700, 5], [1800, 3], [1900, 3], [2100, 0],
  [2200, 0], [2300, 0], [2400, 0], [3050, 4], [3100, 0], [3200, 0], [3300, 0], [4000, 2], [4001, 2], [4100, 0],
  [4200, 0], [4300, 0], [5999, 3], [7000, 2], [7000, 0], [7500, 2], [9500, 1], [11999, 3],
]

export const TV1_EXPECTED = {
  layer0Neuron1V: [1881, 12767, 9576, -17369, -32768],
  spikes: [[0, 0], [0, 2], [1, 1], [3, 0], [3, 2], [4, 0], [4, 1], [6, 0], [6, 2], [7, 0], [7, 1], [9, 0], [9, 2]],
  spikeHash: '72917aab4bed65ee0253838d6f9a243c5cdecb35433bae3160be8256701af078',
  finalV: [4175, 3432, 11640, 6, 99],
  finalR: [0, 0, 0, 0, 0],
  stateHash: '9cdfd45bff830d2e8ae78ee15c2e42d6cc3fb23310c026f9d21d38adb8e29116',
  blobSize: 704,
  nSections: 12,
  synapseBytes: 36,
  sha256: '44b2febb1e33524557f3723b76acdfc493673446bf83becdb3360176cabdb7eb',
  deployId: 0x4552331ebbfeb244n,
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))

export function tv1Model(withSelfTest = true): Rp1Model {
  const model: Rp1Model = {
    uuid: Uint8Array.from({ length: 16 }, (_, i) => i),
    createdUnix: 1700000000n,
    tickUs: 1000,
    nInputs: 4,
    inputMap: { kind: 'table', countMax: 3, channels: Uint16Array.from([0, 1, 2, 3, UNMAPPED_CHANNEL, 1]) },
    outputMap: [{ layer: 1, neuron: 0 }, { layer: 1, neuron: 1 }, { layer: 0, neuron: 2 }],
    layers: [
      {
        nNeurons: 3,
        sources: [INPUT_SOURCE],
        wShift: [6],
        decayKind: 1,
        resetKind: 1,
        weights: [{ format: 'dense', rows: 3, cols: 4, values: Int8Array.from([40, -20, 100, 7, -128, 127, 30, 60, 90, 90, -45, 12]) }],
        threshold: Int16Array.from([6000, 20000, 5000]),
        bias: Int16Array.from([0, 25, -10]),
        leakShift: Uint8Array.from([4, 2, 0]),
        refractory: Uint8Array.from([0, 1, 2]),
      },
      {
        nNeurons: 2,
        sources: [0, 1],
        wShift: [3, 2],
        decayKind: 1,
        resetKind: 0,
        weights: [
          { format: 'dense', rows: 2, cols: 3, values: Int8Array.from([100, -50, 80, 60, 120, -70]) },
          { format: 'csr', rows: 2, cols: 2, rowPtr: Uint32Array.from([0, 1, 2]), colIdx: Uint16Array.from([1, 0]), values: Int8Array.from([-40, 25]) },
        ],
        threshold: Int16Array.from([700, 600]),
        bias: Int16Array.from([3, 0]),
        leakShift: Uint8Array.from([3, 5]),
        refractory: Uint8Array.from([0, 0]),
      },
    ],
  }
  if (withSelfTest) {
    model.selfTest = {
      nTicks: 12,
      flags: 1,
      expectedSpikeCount: 13,
      spikeHash: hex(TV1_EXPECTED.spikeHash),
      stateHash: hex(TV1_EXPECTED.stateHash),
      tUs: Uint32Array.from(TV1_EVENTS.map((e) => e[0])),
      addr: Uint16Array.from(TV1_EVENTS.map((e) => e[1])),
    }
  }
  return model
}
