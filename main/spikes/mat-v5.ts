/**
 * MATLAB v5 MAT-file reader for numeric arrays (spike-trains.md §5.6): compressed elements,
 * small-element tags, storage types narrower than the class, column-major data. Cell arrays,
 * structs, sparse and v7.3 (HDF5) files are out of scope and rejected by name.
 */
import { readFile } from 'node:fs/promises'
import { inflateSync } from 'node:zlib'
import { SpikelabError } from '../../common/errors.js'
import type { SpikeRecording } from './recording.js'

export interface MatArray {
  readonly name: string
  /** Dimensions (rows, cols, …). */
  readonly dims: readonly number[]
  /** mxClass id (6 = double). */
  readonly classId: number
  /** Real part converted to double, column-major. */
  readonly data: Float64Array
}

const MI_INT8 = 1
const MI_UINT8 = 2
const MI_INT16 = 3
const MI_UINT16 = 4
const MI_INT32 = 5
const MI_UINT32 = 6
const MI_SINGLE = 7
const MI_DOUBLE = 9
const MI_INT64 = 12
const MI_UINT64 = 13
const MI_MATRIX = 14
const MI_COMPRESSED = 15
const NUMERIC_CLASSES = new Set([6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
const CLASS_NAMES: Record<number, string> = { 1: 'cell array', 2: 'struct', 3: 'object', 4: 'char array', 5: 'sparse matrix' }

interface Element {
  type: number
  data: DataView
  /** Offset just past the element in its parent. */
  next: number
}

function readElement(view: DataView, offset: number, file: string | undefined, base: number): Element {
  if (offset + 8 > view.byteLength) throw new SpikelabError('mat.truncated', 'element tag runs past the end of the data', { file, byteOffset: base + offset })
  const first = view.getUint32(offset, true)
  const small = first >>> 16
  if (small !== 0) {
    // Small data element: ≤ 4 bytes inside the tag.
    const type = first & 0xffff
    return { type, data: new DataView(view.buffer, view.byteOffset + offset + 4, small), next: offset + 8 }
  }
  const nBytes = view.getUint32(offset + 4, true)
  if (offset + 8 + nBytes > view.byteLength) throw new SpikelabError('mat.truncated', `element of ${nBytes} bytes runs past the end of the data`, { file, byteOffset: base + offset })
  const data = new DataView(view.buffer, view.byteOffset + offset + 8, nBytes)
  // Compressed elements are not padded; all others are padded to 8 bytes.
  const padded = first === MI_COMPRESSED ? nBytes : Math.ceil(nBytes / 8) * 8
  return { type: first, data, next: offset + 8 + padded }
}

function toDoubles(el: Element, file: string | undefined, byteOffset: number): Float64Array {
  const d = el.data
  const n = (size: number): number => d.byteLength / size
  const out = (count: number, get: (i: number) => number): Float64Array => Float64Array.from({ length: count }, (_, i) => get(i))
  switch (el.type) {
    case MI_DOUBLE:
      return out(n(8), (i) => d.getFloat64(8 * i, true))
    case MI_SINGLE:
      return out(n(4), (i) => d.getFloat32(4 * i, true))
    case MI_INT8:
      return out(n(1), (i) => d.getInt8(i))
    case MI_UINT8:
      return out(n(1), (i) => d.getUint8(i))
    case MI_INT16:
      return out(n(2), (i) => d.getInt16(2 * i, true))
    case MI_UINT16:
      return out(n(2), (i) => d.getUint16(2 * i, true))
    case MI_INT32:
      return out(n(4), (i) => d.getInt32(4 * i, true))
    case MI_UINT32:
      return out(n(4), (i) => d.getUint32(4 * i, true))
    case MI_INT64:
      return out(n(8), (i) => Number(d.getBigInt64(8 * i, true)))
    case MI_UINT64:
      return out(n(8), (i) => Number(d.getBigUint64(8 * i, true)))
    default:
      throw new SpikelabError('mat.type', `unsupported storage type ${el.type} for numeric data`, { file, byteOffset })
  }
}

function parseMatrix(view: DataView, file: string | undefined, base: number): MatArray {
  const flags = readElement(view, 0, file, base)
  const classId = flags.data.getUint32(0, true) & 0xff
  const complex = (flags.data.getUint32(0, true) & 0x800) !== 0
  const dimsEl = readElement(view, flags.next, file, base)
  const dims = Array.from({ length: dimsEl.data.byteLength / 4 }, (_, i) => dimsEl.data.getInt32(4 * i, true))
  const nameEl = readElement(view, dimsEl.next, file, base)
  const name = new TextDecoder().decode(new Uint8Array(nameEl.data.buffer, nameEl.data.byteOffset, nameEl.data.byteLength))
  if (!NUMERIC_CLASSES.has(classId)) throw new SpikelabError('mat.class', `variable '${name}' is a ${CLASS_NAMES[classId] ?? `class ${classId} array`}, not a numeric array`, { file, field: name })
  if (complex) throw new SpikelabError('mat.complex', `variable '${name}' is complex; spike data must be real`, { file, field: name })
  const real = readElement(view, nameEl.next, file, base)
  const data = toDoubles(real, file, base + nameEl.next)
  const count = dims.reduce((a, b) => a * b, 1)
  if (data.length !== count) throw new SpikelabError('mat.size', `variable '${name}' has ${data.length} values for dimensions ${dims.join('×')}`, { file, field: name })
  return { name, dims, classId, data }
}

export function parseMatV5(bytes: Uint8Array, file?: string): Map<string, MatArray> {
  if (bytes.length < 128) throw new SpikelabError('mat.header', 'file is shorter than the 128-byte MAT header', { file, byteOffset: 0 })
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 116))
  if (bytes[0] === 0x89 && head.slice(1, 4) === 'HDF') throw new SpikelabError('mat.v73', 'MAT v7.3 files are HDF5 and not supported here', { file, byteOffset: 0 })
  if (!head.startsWith('MATLAB 5.0 MAT-file')) throw new SpikelabError('mat.header', 'not a MATLAB 5.0 MAT-file', { file, byteOffset: 0 })
  const endian = String.fromCharCode(bytes[126], bytes[127])
  if (endian !== 'IM') throw new SpikelabError('mat.endian', `endian indicator '${endian}': only little-endian files are supported`, { file, byteOffset: 126 })
  const view = new DataView(bytes.buffer, bytes.byteOffset + 128, bytes.length - 128)
  const vars = new Map<string, MatArray>()
  let offset = 0
  while (offset < view.byteLength) {
    const el = readElement(view, offset, file, 128)
    let matrix: DataView
    let base: number
    if (el.type === MI_COMPRESSED) {
      let inflated: Buffer
      try {
        inflated = inflateSync(new Uint8Array(el.data.buffer, el.data.byteOffset, el.data.byteLength))
      } catch (cause) {
        throw new SpikelabError('mat.zlib', 'compressed element does not inflate', { file, byteOffset: 128 + offset }, { cause })
      }
      const inner = readElement(new DataView(inflated.buffer, inflated.byteOffset, inflated.byteLength), 0, file, 128 + offset)
      if (inner.type !== MI_MATRIX) throw new SpikelabError('mat.type', `compressed element holds type ${inner.type}, expected miMATRIX`, { file, byteOffset: 128 + offset })
      matrix = inner.data
      base = 128 + offset
    } else if (el.type === MI_MATRIX) {
      matrix = el.data
      base = 128 + offset + 8
    } else throw new SpikelabError('mat.type', `top-level element of type ${el.type}, expected miMATRIX or miCOMPRESSED`, { file, byteOffset: 128 + offset })
    const arr = parseMatrix(matrix, file, base)
    vars.set(arr.name, arr)
    offset = el.next
  }
  return vars
}

export async function readMatV5(path: string): Promise<Map<string, MatArray>> {
  return parseMatV5(new Uint8Array(await readFile(path)), path)
}

/** Element (r, c) of a 2-D column-major array. */
export function matAt(a: MatArray, r: number, c: number): number {
  return a.data[r + a.dims[0] * c]
}

/** A spike-time vector (row or column) as a one-unit absolute-time recording. */
export function matSpikeVectorToRecording(a: MatArray, unitId = a.name): SpikeRecording {
  if (a.dims.length !== 2 || Math.min(a.dims[0], a.dims[1]) !== 1)
    throw new SpikelabError('mat.shape', `variable '${a.name}' is ${a.dims.join('×')}, expected a row or column vector of spike times`, { field: a.name })
  const t = Float64Array.from(a.data).sort()
  return { sourceFormat: 'mat', units: [{ id: unitId }], batch: { t, neuron: new Uint32Array(t.length) }, timeBase: 'absolute', warnings: [] }
}

/**
 * A trials × bins raster of spike counts (e.g. `train` in 10_spikes-1.mat) as a one-unit,
 * trial-relative recording: each count places that many spikes at the bin's left edge binTimes[k] (s).
 */
export function matRasterToRecording(raster: MatArray, binTimes: ArrayLike<number>, conditions?: readonly string[], unitId = raster.name): SpikeRecording {
  const [nTrials, nBins] = raster.dims
  if (raster.dims.length !== 2 || binTimes.length !== nBins)
    throw new SpikelabError('mat.shape', `raster '${raster.name}' is ${raster.dims.join('×')} but there are ${binTimes.length} bin times`, { field: raster.name })
  const t: number[] = []
  const trial: number[] = []
  for (let r = 0; r < nTrials; r++)
    for (let k = 0; k < nBins; k++) {
      const c = matAt(raster, r, k)
      if (!Number.isInteger(c) || c < 0) throw new SpikelabError('mat.raster', `raster value ${c} at trial ${r + 1}, bin ${k + 1} is not a spike count`, { field: raster.name, row: r + 1 })
      for (let q = 0; q < c; q++) {
        t.push(binTimes[k])
        trial.push(r)
      }
    }
  return {
    sourceFormat: 'mat',
    units: [{ id: unitId }],
    batch: { t: Float64Array.from(t), neuron: new Uint32Array(t.length), trial: Int32Array.from(trial) },
    timeBase: 'trial-relative',
    trials: Array.from({ length: nTrials }, (_, r) => ({ index: r, id: String(r + 1), start: 0, condition: conditions?.[r] })),
    warnings: [],
  }
}
