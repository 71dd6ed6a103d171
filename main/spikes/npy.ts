/**
 * NumPy .npy reader (numpy/lib/_format_impl.py; spike-trains.md §5.4): versions 1–3, any header
 * alignment, little/big endian, C or Fortran order. Object arrays (pickles) and structured dtypes
 * are refused.
 */
import { SpikelabError } from '../../common/errors.js'

export interface NpyArray {
  readonly descr: string
  readonly shape: readonly number[]
  readonly fortranOrder: boolean
  /** Values as numbers (64-bit integers checked against 2^53), in file order. */
  readonly data: Float64Array
}

const SIZES: Record<string, number> = { b1: 1, i1: 1, u1: 1, i2: 2, u2: 2, i4: 4, u4: 4, i8: 8, u8: 8, f2: 2, f4: 4, f8: 8 }

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1
  const e = (h >> 10) & 0x1f
  const f = h & 0x3ff
  if (e === 0) return s * 2 ** -14 * (f / 1024)
  if (e === 31) return f ? NaN : s * Infinity
  return s * 2 ** (e - 15) * (1 + f / 1024)
}

/** Parses the Python dict literal of the header without evaluating it. */
function parseHeader(text: string, file?: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)
  if (!descr || !fortran || !shape) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new SpikelabError('npy.dtype', 'structured dtypes are not supported', { file, field: 'descr' })
    throw new SpikelabError('npy.header', `malformed NPY header: ${text.trim().slice(0, 80)}`, { file, byteOffset: 10 })
  }
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const v = Number(s.replace(/L$/, ''))
      if (!Number.isInteger(v) || v < 0) throw new SpikelabError('npy.header', `bad shape entry '${s}'`, { file, field: 'shape' })
      return v
    })
  return { descr: descr[1], fortranOrder: fortran[1] === 'True', shape: dims }
}

export function parseNpy(bytes: Uint8Array, file?: string): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) throw new SpikelabError('npy.magic', 'not an NPY file (missing \\x93NUMPY magic)', { file, byteOffset: 0 })
  const major = bytes[6]
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let headerLen: number
  let headerStart: number
  if (major === 1) {
    headerLen = view.getUint16(8, true)
    headerStart = 10
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new SpikelabError('npy.header', 'truncated NPY header', { file, byteOffset: 8 })
    headerLen = view.getUint32(8, true)
    headerStart = 12
  } else throw new SpikelabError('npy.version', `unsupported NPY version ${major}.${bytes[7]}`, { file, byteOffset: 6 })
  const dataStart = headerStart + headerLen
  if (dataStart > bytes.length) throw new SpikelabError('npy.header', 'header length runs past the end of the file', { file, byteOffset: 8 })
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart))
  const { descr, fortranOrder, shape } = parseHeader(text, file)
  const order = descr[0]
  const code = descr.slice(1)
  if (descr.includes('O')) throw new SpikelabError('npy.dtype', 'object arrays are pickles and are refused', { file, field: 'descr' })
  if (!'<>|='.includes(order) || !(code in SIZES)) throw new SpikelabError('npy.dtype', `unsupported dtype '${descr}'`, { file, field: 'descr' })
  const little = order !== '>'
  const size = SIZES[code]
  const count = shape.reduce((a, b) => a * b, 1)
  if (dataStart + count * size > bytes.length)
    throw new SpikelabError('npy.truncated', `data for shape (${shape.join(', ')}) needs ${count * size} bytes, file has ${bytes.length - dataStart}`, { file, byteOffset: dataStart })
  const data = new Float64Array(count)
  // DataView reads avoid both the alignment requirement of typed views and manual byte swapping.
  for (let i = 0; i < count; i++) {
    const o = dataStart + i * size
    switch (code) {
      case 'b1':
      case 'u1':
        data[i] = view.getUint8(o)
        break
      case 'i1':
        data[i] = view.getInt8(o)
        break
      case 'i2':
        data[i] = view.getInt16(o, little)
        break
      case 'u2':
        data[i] = view.getUint16(o, little)
        break
      case 'i4':
        data[i] = view.getInt32(o, little)
        break
      case 'u4':
        data[i] = view.getUint32(o, little)
        break
      case 'f2':
        data[i] = halfToFloat(view.getUint16(o, little))
        break
      case 'f4':
        data[i] = view.getFloat32(o, little)
        break
      case 'f8':
        data[i] = view.getFloat64(o, little)
        break
      case 'i8':
      case 'u8': {
        const v = code === 'i8' ? view.getBigInt64(o, little) : view.getBigUint64(o, little)
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
          throw new SpikelabError('npy.range', `64-bit value ${v} at index ${i} exceeds 2^53`, { file, byteOffset: o })
        data[i] = Number(v)
        break
      }
    }
  }
  return { descr, shape, fortranOrder, data }
}

/** Flattens (n,), (n,1), (1,n) and scalar shapes; anything else names its shape. */
export function npyVector(a: NpyArray, file?: string): Float64Array {
  const s = a.shape
  if (s.length <= 1 || (s.length === 2 && (s[0] === 1 || s[1] === 1))) return a.data
  throw new SpikelabError('npy.shape', `expected a vector, found shape (${s.join(', ')})`, { file, field: 'shape' })
}

/** Column 0 of an (n, k) array (Kilosort 4's (n_spikes, 2) spike_templates), or the vector itself. */
export function npyFirstColumn(a: NpyArray, file?: string): Float64Array {
  const s = a.shape
  if (s.length === 2 && s[1] > 1 && s[0] > 1) {
    const [n, k] = s
    return Float64Array.from({ length: n }, (_, i) => (a.fortranOrder ? a.data[i] : a.data[i * k]))
  }
  return npyVector(a, file)
}

/** Writes a v1.0 NPY file (tests and round trips). */
export function writeNpy(descr: '<i8' | '<u8' | '<i4' | '<f8' | '<u4', values: ArrayLike<number>, shape: readonly number[] = [values.length], version: 1 | 2 = 1): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`
  const pre = version === 1 ? 10 : 12
  const total = Math.ceil((pre + header.length + 1) / 64) * 64
  header = header.padEnd(total - pre - 1, ' ') + '\n'
  const size = SIZES[descr.slice(1)]
  const out = new Uint8Array(total + values.length * size)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0])
  const v = new DataView(out.buffer)
  if (version === 1) v.setUint16(8, header.length, true)
  else v.setUint32(8, header.length, true)
  out.set(new TextEncoder().encode(header), pre)
  for (let i = 0; i < values.length; i++) {
    const o = total + i * size
    if (descr === '<i8') v.setBigInt64(o, BigInt(values[i]), true)
    else if (descr === '<u8') v.setBigUint64(o, BigInt(values[i]), true)
    else if (descr === '<i4') v.setInt32(o, values[i], true)
    else if (descr === '<u4') v.setUint32(o, values[i], true)
    else v.setFloat64(o, values[i], true)
  }
  return out
}
