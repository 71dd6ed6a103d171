import { SpikelabError } from '../../common/errors.js'
import { ByteReader } from '../board-link/bytes.js'
import type { BlobHeader } from './blob-format.js'
import { BLOB_HEADER_SIZE, BLOB_MAGIC, PROFILE_RP1, Section } from './blob-format.js'
import type { InputMap, Rp1Layer, Rp1Model, SelfTestSpec, WeightMatrix } from './model.js'
import { INPUT_SOURCE, UNMAPPED_CHANNEL, UNUSED_SOURCE, sourceSize } from './model.js'

/**
 * Blob validation failures carry the board-link error code name (§11) as `code` and the context
 * value the device reports in `detail`; `byteOffset` locates the fault inside the blob.
 */
export class BlobError extends SpikelabError {
  constructor(code: BlobErrorCode, message: string, byteOffset: number, readonly detail = byteOffset, field?: string) {
    super(code, message, { byteOffset, field, file: 'model blob' })
  }
}

export type BlobErrorCode =
  | 'HEADER_INVALID'
  | 'SECTION_INVALID'
  | 'UNSUPPORTED_PROFILE'
  | 'UNSUPPORTED_MODEL'
  | 'UNSUPPORTED_QUANT'

const fail = (code: BlobErrorCode, msg: string, at: number, field?: string): never => {
  throw new BlobError(code, msg, at, at, field)
}

/** Reads and checks the 64-byte header (magic, versions, profile, reserved fields). */
export function decodeBlobHeader(bytes: Uint8Array): BlobHeader {
  if (bytes.length < BLOB_HEADER_SIZE) fail('HEADER_INVALID', `blob header needs 64 bytes, got ${bytes.length}`, 0)
  const r = new ByteReader(bytes, 0, 'blob header', 'HEADER_INVALID')
  for (let i = 0; i < 4; i++) if (bytes[i] !== BLOB_MAGIC[i]) fail('HEADER_INVALID', 'bad magic (want "NDLM")', i, 'magic')
  r.skip(4, 'magic')
  const h: BlobHeader = {
    hdrVer: r.u16('hdr_ver'), hdrSize: r.u16('hdr_size'), totalSize: r.u32('total_size'), flags: r.u32('flags'),
    uuid: r.bytesOf(16, 'model_uuid'), createdUnix: r.u64('created_unix'), tickUs: r.u32('tick_us'),
    nLayers: r.u16('n_layers'), nSections: r.u16('n_sections'), nNeurons: r.u32('n_neurons'),
    synapseBytes: r.u32('synapse_bytes'), nInputs: r.u16('n_inputs'), nOutputs: r.u16('n_outputs'),
    targetProfile: r.u8('target_profile'), profileVer: r.u8('profile_ver'), rsv: r.u16('rsv'),
  }
  if (h.hdrVer !== 1) fail('HEADER_INVALID', `hdr_ver ${h.hdrVer} (want 1)`, 4, 'hdr_ver')
  if (h.hdrSize !== BLOB_HEADER_SIZE) fail('HEADER_INVALID', `hdr_size ${h.hdrSize} (want 64)`, 6, 'hdr_size')
  if (h.flags !== 0) fail('HEADER_INVALID', `flags 0x${h.flags.toString(16)} must be 0`, 12, 'flags')
  if (h.rsv !== 0) fail('HEADER_INVALID', 'reserved header field must be 0', 62, 'rsv')
  if (h.targetProfile === 0) fail('HEADER_INVALID', 'target_profile 0 is invalid', 60, 'target_profile')
  if (h.targetProfile !== PROFILE_RP1 || h.profileVer !== 1) {
    fail('UNSUPPORTED_PROFILE', `profile ${h.targetProfile} v${h.profileVer} (supported: RP1 v1)`, 60, 'target_profile')
  }
  if (h.totalSize < BLOB_HEADER_SIZE) fail('HEADER_INVALID', `total_size ${h.totalSize} < 64`, 8, 'total_size')
  if (h.tickUs < 100 || h.tickUs > 1_000_000) fail('HEADER_INVALID', `tick_us ${h.tickUs} outside 100..1000000`, 40, 'tick_us')
  return h
}

interface RawSection {
  type: number
  index: number
  data: Uint8Array
  /** Blob offset of the section's data. */
  at: number
}

function splitSections(bytes: Uint8Array, h: BlobHeader): RawSection[] {
  const out: RawSection[] = []
  let pos = BLOB_HEADER_SIZE
  while (pos < h.totalSize) {
    if (pos + 8 > h.totalSize) fail('SECTION_INVALID', 'truncated section header', pos)
    const view = new DataView(bytes.buffer, bytes.byteOffset + pos, 8)
    const type = view.getUint16(0, true)
    const index = view.getUint16(2, true)
    const len = view.getUint32(4, true)
    const end = pos + 8 + len
    const padded = end + ((4 - (len % 4)) % 4)
    if (padded > h.totalSize) fail('SECTION_INVALID', `section 0x${type.toString(16)} runs past total_size`, pos)
    for (let i = end; i < padded; i++) if (bytes[i] !== 0) fail('SECTION_INVALID', 'non-zero section padding', i)
    out.push({ type, index, data: bytes.subarray(pos + 8, end), at: pos + 8 })
    pos = padded
  }
  return out
}

/** Sort key of the canonical order (§14.2): type, index, then WEIGHTS' src slot. */
function orderKey(s: RawSection): number {
  const src = s.type === Section.WEIGHTS && s.data.length > 0 ? s.data[0] : 0
  return s.type * 2 ** 24 + s.index * 2 ** 8 + src
}

/**
 * Decodes and validates a whole RP1 blob (§14, §16.2): header, canonical section order, required
 * sections, parameter ranges, CSR structure, and header totals against the sections. Capacity
 * against a device's limits is a separate check (`checkCapacity`).
 */
export function decodeModelBlob(bytes: Uint8Array): { header: BlobHeader; model: Rp1Model } {
  const h = decodeBlobHeader(bytes)
  if (h.totalSize !== bytes.length) fail('HEADER_INVALID', `total_size ${h.totalSize} ≠ blob length ${bytes.length}`, 8, 'total_size')
  const sections = splitSections(bytes, h)
  if (sections.length !== h.nSections) fail('HEADER_INVALID', `n_sections ${h.nSections} ≠ ${sections.length} found`, 46, 'n_sections')
  for (let i = 1; i < sections.length; i++) {
    if (orderKey(sections[i]) <= orderKey(sections[i - 1])) {
      fail('SECTION_INVALID', 'sections out of canonical order or duplicated', sections[i].at - 8)
    }
  }
  for (const s of sections) {
    if (s.type === Section.SIGNATURE) fail('UNSUPPORTED_MODEL', 'signed blobs are not supported by RP1 devices here', s.at - 8)
    const known = (Object.values(Section) as number[]).includes(s.type)
    if (!known && s.type < 0x8000) fail('UNSUPPORTED_MODEL', `unknown section type 0x${s.type.toString(16)}`, s.at - 8)
  }
  const of = (type: number) => sections.filter((s) => s.type === type)
  const nLayers = h.nLayers
  if (nLayers < 1) fail('HEADER_INVALID', 'n_layers must be ≥ 1', 44, 'n_layers')

  const descs = of(Section.LAYER_DESC)
  const quants = of(Section.QUANT)
  const params = of(Section.NEURON_PARAMS)
  for (const [name, list] of [['LAYER_DESC', descs], ['QUANT', quants], ['NEURON_PARAMS', params]] as const) {
    if (list.length !== nLayers || list.some((s, i) => s.index !== i)) {
      fail('SECTION_INVALID', `${name} must appear once per layer 0..${nLayers - 1}`, list[0]?.at ?? BLOB_HEADER_SIZE)
    }
  }
  const layers: Rp1Layer[] = descs.map((s, li) => parseLayerDesc(s, li, nLayers))
  quants.forEach((s, li) => parseQuant(s, layers[li]))
  const nInputs = h.nInputs
  const model: Rp1Model = {
    uuid: h.uuid, createdUnix: h.createdUnix, tickUs: h.tickUs, nInputs, layers,
    inputMap: { kind: 'table', countMax: 1, channels: new Uint16Array(0) }, outputMap: [],
  }
  const weightSecs = of(Section.WEIGHTS)
  layers.forEach((L, li) => {
    const mine = weightSecs.filter((s) => s.index === li)
    if (mine.length !== L.sources.length) fail('SECTION_INVALID', `layer ${li} needs ${L.sources.length} WEIGHTS sections`, mine[0]?.at ?? BLOB_HEADER_SIZE)
    L.weights = mine.map((s, q) => parseWeights(s, q, L.nNeurons, sourceSize(model, L.sources[q])))
  })
  params.forEach((s, li) => parseNeuronParams(s, layers[li]))
  const inMaps = of(Section.INPUT_MAP)
  const outMaps = of(Section.OUTPUT_MAP)
  if (inMaps.length !== 1) fail('SECTION_INVALID', 'INPUT_MAP missing', BLOB_HEADER_SIZE)
  if (outMaps.length !== 1) fail('SECTION_INVALID', 'OUTPUT_MAP missing', BLOB_HEADER_SIZE)
  if ([...inMaps, ...outMaps, ...of(Section.SELFTEST), ...of(Section.METADATA)].some((s) => s.index !== 0)) {
    fail('SECTION_INVALID', 'map, self-test and metadata sections have index 0', BLOB_HEADER_SIZE)
  }
  model.inputMap = parseInputMap(inMaps[0], nInputs)
  model.outputMap = parseOutputMap(outMaps[0], layers)
  const st = of(Section.SELFTEST)
  if (st.length === 1) model.selfTest = parseSelfTest(st[0])
  const meta = of(Section.METADATA)
  if (meta.length === 1) model.metadata = new TextDecoder().decode(meta[0].data)

  const nNeurons = layers.reduce((a, l) => a + l.nNeurons, 0)
  const synapseBytes = layers.reduce((a, l) => a + l.weights.reduce((b, w) => b + weightBytesOf(w), 0), 0)
  if (nNeurons !== h.nNeurons) fail('HEADER_INVALID', `n_neurons ${h.nNeurons} ≠ ${nNeurons} in sections`, 48, 'n_neurons')
  if (synapseBytes !== h.synapseBytes) fail('HEADER_INVALID', `synapse_bytes ${h.synapseBytes} ≠ ${synapseBytes}`, 52, 'synapse_bytes')
  if (model.outputMap.length !== h.nOutputs) fail('HEADER_INVALID', `n_outputs ${h.nOutputs} ≠ OUTPUT_MAP n`, 58, 'n_outputs')
  return { header: h, model }
}

function weightBytesOf(w: WeightMatrix): number {
  return w.format === 'dense' ? w.rows * w.cols : 4 * (w.rows + 1) + 3 * w.values.length
}

function reader(s: RawSection, what: string): ByteReader {
  const r = new ByteReader(s.data, 0, what, 'SECTION_INVALID')
  return r
}

/** Wraps a section parse so short data reports the blob offset, not the section-relative one. */
function within<T>(s: RawSection, parse: () => T): T {
  try {
    return parse()
  } catch (e) {
    if (e instanceof SpikelabError && !(e instanceof BlobError)) {
      return fail('SECTION_INVALID', e.message, s.at + (e.location.byteOffset ?? 0), e.location.field)
    }
    throw e
  }
}

function parseLayerDesc(s: RawSection, li: number, nLayers: number): Rp1Layer {
  return within(s, () => {
    const r = reader(s, `LAYER_DESC ${li}`)
    const kind = r.u8('kind')
    const neuronModel = r.u8('neuron_model')
    const nSrc = r.u8('n_src')
    const flags = r.u8('flags')
    const n = r.u16('n_neurons')
    const rsv = r.u16('rsv')
    const src = [r.u16('src'), r.u16('src'), r.u16('src'), r.u16('src')]
    const tail = r.bytesOf(16, 'rsv')
    if (kind !== 0 || neuronModel !== 0) fail('UNSUPPORTED_MODEL', `layer ${li}: kind ${kind} / neuron_model ${neuronModel}`, s.at, 'kind')
    if (flags !== 0 || rsv !== 0 || tail.some((b) => b !== 0)) fail('SECTION_INVALID', `layer ${li}: reserved fields must be 0`, s.at + 3)
    if (nSrc < 1 || nSrc > 4) fail('SECTION_INVALID', `layer ${li}: n_src ${nSrc} outside 1..4`, s.at + 2, 'n_src')
    if (n < 1) fail('SECTION_INVALID', `layer ${li}: no neurons`, s.at + 4, 'n_neurons')
    const sources = src.slice(0, nSrc)
    if (src.slice(nSrc).some((x) => x !== UNUSED_SOURCE)) fail('SECTION_INVALID', `layer ${li}: unused src must be 0xFFFF`, s.at + 8)
    sources.forEach((x, q) => {
      if (x !== INPUT_SOURCE && x >= nLayers) fail('SECTION_INVALID', `layer ${li}: src ${x} is not a layer`, s.at + 8 + 2 * q, 'src')
    })
    if (new Set(sources).size !== sources.length) fail('SECTION_INVALID', `layer ${li}: sources must be distinct`, s.at + 8, 'src')
    return {
      nNeurons: n, sources, wShift: [], decayKind: 0, resetKind: 0, weights: [],
      threshold: new Int16Array(0), bias: new Int16Array(0), leakShift: new Uint8Array(0), refractory: new Uint8Array(0),
    }
  })
}

function parseQuant(s: RawSection, L: Rp1Layer): void {
  within(s, () => {
    const r = reader(s, `QUANT ${s.index}`)
    const q = {
      weightBits: r.u8('weight_bits'), weightSigned: r.u8('weight_signed'), stateBits: r.u8('state_bits'),
      thresholdBits: r.u8('threshold_bits'), decayKind: r.u8('decay_kind'), resetKind: r.u8('reset_kind'),
      overflowKind: r.u8('overflow_kind'), rounding: r.u8('rounding'),
      wShift: [r.i8('w_shift'), r.i8('w_shift'), r.i8('w_shift'), r.i8('w_shift')], spikeKind: r.u8('spike_kind'),
    }
    const tail = r.bytesOf(3, 'rsv')
    const bad = (what: string) => fail('UNSUPPORTED_QUANT', `layer ${s.index}: ${what}`, s.at)
    if (q.weightBits !== 8 || q.weightSigned !== 1) bad('RP1 needs signed 8-bit weights')
    if (q.stateBits !== 16 || q.thresholdBits !== 16) bad('RP1 needs 16-bit state and threshold')
    if (q.decayKind > 1 || q.resetKind > 1) bad(`decay_kind ${q.decayKind} / reset_kind ${q.resetKind}`)
    if (q.overflowKind !== 1 || q.rounding !== 0 || q.spikeKind !== 0) bad('RP1 needs SATURATE, FLOOR and BINARY spikes')
    q.wShift.forEach((w, slot) => {
      if (slot < L.sources.length ? w < 0 || w > 7 : w !== 0) bad(`w_shift[${slot}] = ${w}`)
    })
    if (tail.some((b) => b !== 0)) fail('SECTION_INVALID', `layer ${s.index}: reserved QUANT bytes must be 0`, s.at + 13)
    L.decayKind = q.decayKind as 0 | 1
    L.resetKind = q.resetKind as 0 | 1
    L.wShift = q.wShift.slice(0, L.sources.length)
  })
}

function parseWeights(s: RawSection, slot: number, rows: number, cols: number): WeightMatrix {
  return within(s, () => {
    const r = reader(s, `WEIGHTS ${s.index}/${slot}`)
    const src = r.u8('src')
    const format = r.u8('format')
    const bits = r.u8('weight_bits')
    const rsv = r.u8('rsv')
    const wr = r.u16('rows')
    const wc = r.u16('cols')
    const nnz = r.u32('nnz')
    if (src !== slot) fail('SECTION_INVALID', `layer ${s.index}: WEIGHTS src ${src}, expected slot ${slot}`, s.at, 'src')
    if (format > 1) fail('UNSUPPORTED_MODEL', `layer ${s.index}: weight format ${format}`, s.at + 1, 'format')
    if (bits !== 8) fail('UNSUPPORTED_QUANT', `layer ${s.index}: ${bits}-bit weights`, s.at + 2, 'weight_bits')
    if (rsv !== 0) fail('SECTION_INVALID', 'reserved WEIGHTS byte must be 0', s.at + 3)
    if (wr !== rows || wc !== cols) fail('SECTION_INVALID', `layer ${s.index} slot ${slot}: ${wr}×${wc}, expected ${rows}×${cols}`, s.at + 4, 'rows')
    if (format === 0) {
      if (nnz !== rows * cols) fail('SECTION_INVALID', `DENSE nnz ${nnz} ≠ rows·cols`, s.at + 8, 'nnz')
      const v = r.bytesOf(rows * cols, 'values')
      return { format: 'dense', rows, cols, values: new Int8Array(v.buffer, v.byteOffset, v.length) }
    }
    const rowPtr = new Uint32Array(rows + 1)
    for (let i = 0; i <= rows; i++) rowPtr[i] = r.u32('row_ptr')
    if (rowPtr[0] !== 0 || rowPtr[rows] !== nnz) fail('SECTION_INVALID', 'CSR row_ptr must start at 0 and end at nnz', s.at + 12, 'row_ptr')
    const colIdx = new Uint16Array(nnz)
    for (let i = 0; i < nnz; i++) colIdx[i] = r.u16('col_idx')
    const v = r.bytesOf(nnz, 'values')
    for (let row = 0; row < rows; row++) {
      if (rowPtr[row + 1] < rowPtr[row]) fail('SECTION_INVALID', `CSR row_ptr decreases at row ${row}`, s.at + 12 + 4 * row, 'row_ptr')
      for (let k = rowPtr[row]; k < rowPtr[row + 1]; k++) {
        if (colIdx[k] >= cols || (k > rowPtr[row] && colIdx[k] <= colIdx[k - 1])) {
          fail('SECTION_INVALID', `CSR column ${colIdx[k]} in row ${row} out of range or not increasing`, s.at + 16 + 4 * rows + 2 * k, 'col_idx')
        }
      }
    }
    return { format: 'csr', rows, cols, rowPtr, colIdx, values: new Int8Array(v.buffer, v.byteOffset, v.length) }
  })
}

function parseNeuronParams(s: RawSection, L: Rp1Layer): void {
  within(s, () => {
    const r = reader(s, `NEURON_PARAMS ${s.index}`)
    const n = L.nNeurons
    L.threshold = new Int16Array(n)
    L.bias = new Int16Array(n)
    for (let i = 0; i < n; i++) L.threshold[i] = r.i16('threshold')
    for (let i = 0; i < n; i++) L.bias[i] = r.i16('bias')
    L.leakShift = r.bytesOf(n, 'leak_shift')
    L.refractory = r.bytesOf(n, 'refractory')
    for (let i = 0; i < n; i++) {
      const bad = (what: string) => fail('SECTION_INVALID', `layer ${s.index} neuron ${i}: ${what}`, s.at)
      if (L.threshold[i] < 1) bad(`threshold ${L.threshold[i]} outside 1..32767`)
      if (L.leakShift[i] > 15 || (L.decayKind === 0 && L.leakShift[i] !== 0)) bad(`leak_shift ${L.leakShift[i]}`)
      if (L.refractory[i] > 63) bad(`refractory ${L.refractory[i]} > 63`)
    }
  })
}

function parseInputMap(s: RawSection, nInputs: number): InputMap {
  return within(s, () => {
    const r = reader(s, 'INPUT_MAP')
    const kind = r.u8('kind')
    const countMax = r.u8('count_max')
    r.skip(2, 'rsv')
    if (countMax < 1 || countMax > 15) fail('SECTION_INVALID', `count_max ${countMax} outside 1..15`, s.at + 1, 'count_max')
    if (kind === 0) {
      const nAddr = r.u32('n_addr')
      const channels = new Uint16Array(nAddr)
      for (let i = 0; i < nAddr; i++) {
        channels[i] = r.u16('channel')
        if (channels[i] !== UNMAPPED_CHANNEL && channels[i] >= nInputs) {
          fail('SECTION_INVALID', `INPUT_MAP address ${i} → channel ${channels[i]} ≥ n_inputs ${nInputs}`, s.at + 8 + 2 * i, 'channel')
        }
      }
      return { kind: 'table', countMax, channels }
    }
    if (kind !== 1) fail('UNSUPPORTED_MODEL', `INPUT_MAP kind ${kind}`, s.at, 'kind')
    const m = {
      kind: 'dvs-pool' as const, countMax, sensorW: r.u16('sensor_w'), sensorH: r.u16('sensor_h'), xBits: r.u8('x_bits'),
      yBits: r.u8('y_bits'), poolShiftX: r.u8('pool_shift_x'), poolShiftY: r.u8('pool_shift_y'),
      splitPolarity: r.u8('split_polarity') as 0 | 1,
    }
    if (m.splitPolarity > 1 || m.xBits + m.yBits > 31) fail('SECTION_INVALID', 'DVS_POOL geometry', s.at)
    const pw = Math.ceil(m.sensorW / 2 ** m.poolShiftX)
    const ph = Math.ceil(m.sensorH / 2 ** m.poolShiftY)
    if (ph * pw * (1 + m.splitPolarity) !== nInputs) fail('SECTION_INVALID', `DVS_POOL gives ${ph * pw * (1 + m.splitPolarity)} channels, n_inputs ${nInputs}`, s.at)
    return m
  })
}

function parseOutputMap(s: RawSection, layers: Rp1Layer[]): { layer: number; neuron: number }[] {
  return within(s, () => {
    const r = reader(s, 'OUTPUT_MAP')
    const n = r.u16('n')
    r.skip(2, 'rsv')
    const out: { layer: number; neuron: number }[] = []
    for (let i = 0; i < n; i++) {
      const layer = r.u16('layer')
      const neuron = r.u16('neuron')
      if (layer >= layers.length || neuron >= layers[layer].nNeurons) {
        fail('SECTION_INVALID', `OUTPUT_MAP[${i}] = (${layer}, ${neuron}) names no neuron`, s.at + 4 + 4 * i, 'neuron')
      }
      out.push({ layer, neuron })
    }
    return out
  })
}

function parseSelfTest(s: RawSection): SelfTestSpec {
  return within(s, () => {
    const r = reader(s, 'SELFTEST')
    const nTicks = r.u32('n_ticks')
    const nEvents = r.u32('n_events')
    const expectedSpikeCount = r.u32('expected_spike_count')
    const flags = r.u32('flags')
    const spikeHash = r.bytesOf(32, 'spike_hash')
    const stateHash = r.bytesOf(32, 'state_hash')
    if (flags & ~1) fail('SECTION_INVALID', 'undefined SELFTEST flags', s.at + 12, 'flags')
    r.need(8 * nEvents, 'events')
    r.pos -= 8 * nEvents
    const tUs = new Uint32Array(nEvents)
    const addr = new Uint16Array(nEvents)
    for (let i = 0; i < nEvents; i++) {
      tUs[i] = r.u32('t_us')
      addr[i] = r.u16('addr')
      if (r.u16('rsv') !== 0) fail('SECTION_INVALID', 'reserved SELFTEST event field must be 0', r.pos - 2)
      if (i > 0 && tUs[i] < tUs[i - 1]) fail('SECTION_INVALID', `SELFTEST event ${i} not sorted by t_us`, s.at + 80 + 8 * i, 't_us')
    }
    return { nTicks, flags, expectedSpikeCount, spikeHash, stateHash, tUs, addr }
  })
}
