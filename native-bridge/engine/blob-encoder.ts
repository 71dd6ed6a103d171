import { ByteWriter } from '../board-link/bytes.js'
import { BLOB_HEADER_SIZE, PROFILE_RP1, Section } from './blob-format.js'
import type { Rp1Model, WeightMatrix } from './model.js'
import { UNUSED_SOURCE, weightBytes } from './model.js'

interface SectionOut {
  type: number
  index: number
  data: Uint8Array
}

function layerDesc(layer: Rp1Model['layers'][number]): Uint8Array {
  const w = new ByteWriter(32).u8(0).u8(0).u8(layer.sources.length).u8(0).u16(layer.nNeurons).u16(0)
  for (let q = 0; q < 4; q++) w.u16(q < layer.sources.length ? layer.sources[q] : UNUSED_SOURCE)
  return w.zeros(16).finish()
}

function quant(layer: Rp1Model['layers'][number]): Uint8Array {
  const w = new ByteWriter(16).u8(8).u8(1).u8(16).u8(16).u8(layer.decayKind).u8(layer.resetKind).u8(1).u8(0)
  for (let q = 0; q < 4; q++) w.i8(q < layer.wShift.length ? layer.wShift[q] : 0)
  return w.u8(0).zeros(3).finish()
}

function weights(slot: number, m: WeightMatrix): Uint8Array {
  const nnz = m.values.length
  const w = new ByteWriter(12 + weightBytes(m))
    .u8(slot).u8(m.format === 'dense' ? 0 : 1).u8(8).u8(0).u16(m.rows).u16(m.cols).u32(nnz)
  if (m.format === 'csr') {
    for (const p of m.rowPtr) w.u32(p)
    for (const c of m.colIdx) w.u16(c)
  }
  return w.bytes(new Uint8Array(m.values.buffer, m.values.byteOffset, nnz)).finish()
}

function neuronParams(layer: Rp1Model['layers'][number]): Uint8Array {
  const w = new ByteWriter(6 * layer.nNeurons)
  for (const t of layer.threshold) w.i16(t)
  for (const b of layer.bias) w.i16(b)
  return w.bytes(layer.leakShift).bytes(layer.refractory).finish()
}

function inputMap(model: Rp1Model): Uint8Array {
  const m = model.inputMap
  const w = new ByteWriter().u8(m.kind === 'table' ? 0 : 1).u8(m.countMax).u16(0)
  if (m.kind === 'table') {
    w.u32(m.channels.length)
    for (const c of m.channels) w.u16(c)
  } else {
    w.u16(m.sensorW).u16(m.sensorH).u8(m.xBits).u8(m.yBits).u8(m.poolShiftX).u8(m.poolShiftY)
      .u8(m.splitPolarity).zeros(3)
  }
  return w.finish()
}

function outputMap(model: Rp1Model): Uint8Array {
  const w = new ByteWriter().u16(model.outputMap.length).u16(0)
  for (const o of model.outputMap) w.u16(o.layer).u16(o.neuron)
  return w.finish()
}

function selfTest(st: NonNullable<Rp1Model['selfTest']>): Uint8Array {
  const w = new ByteWriter(80 + 8 * st.tUs.length).u32(st.nTicks).u32(st.tUs.length).u32(st.expectedSpikeCount)
    .u32(st.flags).bytes(st.spikeHash).bytes(st.stateHash)
  for (let i = 0; i < st.tUs.length; i++) w.u32(st.tUs[i]).u16(st.addr[i]).u16(0)
  return w.finish()
}

/**
 * Encodes a model as a canonical blob (§14): sections in ascending (type, index, src), zero padded to
 * 4 bytes, so equal models give byte-identical blobs and therefore equal deploy ids.
 */
export function encodeModelBlob(model: Rp1Model): Uint8Array {
  const sections: SectionOut[] = []
  model.layers.forEach((l, i) => sections.push({ type: Section.LAYER_DESC, index: i, data: layerDesc(l) }))
  model.layers.forEach((l, i) => sections.push({ type: Section.QUANT, index: i, data: quant(l) }))
  model.layers.forEach((l, i) =>
    l.weights.forEach((m, q) => sections.push({ type: Section.WEIGHTS, index: i, data: weights(q, m) })),
  )
  model.layers.forEach((l, i) => sections.push({ type: Section.NEURON_PARAMS, index: i, data: neuronParams(l) }))
  sections.push({ type: Section.INPUT_MAP, index: 0, data: inputMap(model) })
  sections.push({ type: Section.OUTPUT_MAP, index: 0, data: outputMap(model) })
  if (model.selfTest) sections.push({ type: Section.SELFTEST, index: 0, data: selfTest(model.selfTest) })
  if (model.metadata !== undefined) {
    sections.push({ type: Section.METADATA, index: 0, data: new TextEncoder().encode(model.metadata) })
  }

  const body = new ByteWriter(1024)
  for (const s of sections) {
    body.u16(s.type).u16(s.index).u32(s.data.length).bytes(s.data).zeros((4 - (s.data.length % 4)) % 4)
  }
  const bodyBytes = body.finish()
  const nNeurons = model.layers.reduce((a, l) => a + l.nNeurons, 0)
  const synapseBytes = model.layers.reduce((a, l) => a + l.weights.reduce((b, m) => b + weightBytes(m), 0), 0)
  const uuid = new Uint8Array(16)
  uuid.set(model.uuid.subarray(0, 16))
  const header = new ByteWriter(BLOB_HEADER_SIZE).bytes(new TextEncoder().encode('NDLM')).u16(1).u16(BLOB_HEADER_SIZE)
    .u32(BLOB_HEADER_SIZE + bodyBytes.length).u32(0).bytes(uuid).u64(model.createdUnix).u32(model.tickUs)
    .u16(model.layers.length).u16(sections.length).u32(nNeurons).u32(synapseBytes).u16(model.nInputs)
    .u16(model.outputMap.length).u8(PROFILE_RP1).u8(1).u16(0).finish()
  const out = new Uint8Array(header.length + bodyBytes.length)
  out.set(header)
  out.set(bodyBytes, header.length)
  return out
}
