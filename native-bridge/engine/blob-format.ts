/** Model blob constants (board-link §14). */

export const BLOB_MAGIC = [0x4e, 0x44, 0x4c, 0x4d] // "NDLM"
export const BLOB_HEADER_SIZE = 64
export const PROFILE_RP1 = 1

export const Section = {
  LAYER_DESC: 0x0001,
  QUANT: 0x0002,
  WEIGHTS: 0x0003,
  NEURON_PARAMS: 0x0004,
  INPUT_MAP: 0x0010,
  OUTPUT_MAP: 0x0011,
  SELFTEST: 0x0020,
  METADATA: 0x8001,
  SIGNATURE: 0xffff,
} as const

/** The header fields a device checks at DEPLOY_BEGIN, before any erase (§8.2). */
export interface BlobHeader {
  hdrVer: number
  hdrSize: number
  totalSize: number
  flags: number
  uuid: Uint8Array
  createdUnix: bigint
  tickUs: number
  nLayers: number
  nSections: number
  nNeurons: number
  synapseBytes: number
  nInputs: number
  nOutputs: number
  targetProfile: number
  profileVer: number
  rsv: number
}
