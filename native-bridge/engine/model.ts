/** In-memory form of an RP1 model (board-link §14, §16): what the blob encodes and the engine runs. */

/** `LAYER_DESC.src` value naming the input channels. */
export const INPUT_SOURCE = 0xfffe
export const UNUSED_SOURCE = 0xffff
export const UNMAPPED_CHANNEL = 0xffff

export type WeightMatrix =
  | { format: 'dense'; rows: number; cols: number; values: Int8Array }
  | { format: 'csr'; rows: number; cols: number; rowPtr: Uint32Array; colIdx: Uint16Array; values: Int8Array }

export interface Rp1Layer {
  nNeurons: number
  /** Source per slot: a layer index or INPUT_SOURCE (1–4 slots). */
  sources: number[]
  /** Per-slot left shift applied to the slot's weighted sum, 0–7. */
  wShift: number[]
  /** 0 NONE, 1 SHIFT. */
  decayKind: 0 | 1
  /** 0 ZERO, 1 SUBTRACT. */
  resetKind: 0 | 1
  /** One matrix per slot, rows = this layer's neurons, cols = source size. */
  weights: WeightMatrix[]
  threshold: Int16Array
  bias: Int16Array
  leakShift: Uint8Array
  refractory: Uint8Array
}

export type InputMap =
  | { kind: 'table'; countMax: number; channels: Uint16Array }
  | {
      kind: 'dvs-pool'
      countMax: number
      sensorW: number
      sensorH: number
      xBits: number
      yBits: number
      poolShiftX: number
      poolShiftY: number
      splitPolarity: 0 | 1
    }

export interface SelfTestSpec {
  nTicks: number
  /** b0: check the state hash. */
  flags: number
  expectedSpikeCount: number
  spikeHash: Uint8Array
  stateHash: Uint8Array
  tUs: Uint32Array
  addr: Uint16Array
}

export interface Rp1Model {
  uuid: Uint8Array
  createdUnix: bigint
  tickUs: number
  nInputs: number
  inputMap: InputMap
  outputMap: { layer: number; neuron: number }[]
  layers: Rp1Layer[]
  selfTest?: SelfTestSpec
  /** UTF-8 JSON for the host (METADATA section). */
  metadata?: string
}

/** Synapse-memory accounting of §16.2. */
export function weightBytes(w: WeightMatrix): number {
  return w.format === 'dense' ? w.rows * w.cols : 4 * (w.rows + 1) + 3 * w.values.length
}

export function sourceSize(model: Pick<Rp1Model, 'nInputs' | 'layers'>, src: number): number {
  return src === INPUT_SOURCE ? model.nInputs : model.layers[src].nNeurons
}
