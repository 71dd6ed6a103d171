import { createRequire } from 'node:module'
import { compress as lz4Compress } from 'lz4js'
import { isLz4Frame, lz4DecompressFrame, Lz4FormatError } from './lz4-frame.js'
import { corruptError } from './decode-errors.js'
import { SpikelabError } from '../../common/errors.js'
import type * as ZstdWasm from '@bokuweb/zstd-wasm'

/** AEDAT 4 IOHeader compression codes (event-formats.md §3.3). */
export const Compression = { NONE: 0, LZ4: 1, LZ4_HIGH: 2, ZSTD: 3, ZSTD_HIGH: 4 } as const
export type CompressionName = 'none' | 'lz4' | 'zstd'

export function compressionName(code: number): CompressionName | undefined {
  if (code === 0) return 'none'
  if (code === 1 || code === 2) return 'lz4'
  if (code === 3 || code === 4) return 'zstd'
  return undefined
}

export function isZstdFrame(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd
}

/**
 * Frame_Content_Size of a ZSTD frame (RFC 8878 §3.1.1.1): a number, undefined when the header
 * omits it, or null when the header is malformed (reserved bit set, too short).
 */
function zstdContentSize(b: Uint8Array): number | undefined | null {
  if (b.length < 6) return null
  const fhd = b[4]
  if (fhd & 0x08) return null
  const fcsFlag = fhd >> 6
  const single = (fhd >> 5) & 1
  const dictBytes = [0, 1, 2, 4][fhd & 3]
  const fcsBytes = [single ? 1 : 0, 2, 4, 8][fcsFlag]
  let at = 5 + (single ? 0 : 1) + dictBytes
  if (at + fcsBytes > b.length) return null
  if (fcsBytes === 0) return undefined
  let v = 0
  for (let i = 0; i < fcsBytes; i++) v += b[at++] * 2 ** (8 * i)
  return fcsBytes === 2 ? v + 256 : v
}

/** Output room for a ZSTD frame that does not state its size (DV's packets are far smaller). */
const ZSTD_UNKNOWN_SIZE_ROOM = 16 << 20

/** Decompresses one AEDAT 4 payload; `at` is its absolute offset for error messages. */
export function decompressPayload(codec: CompressionName, payload: Uint8Array, at: number, maxOutput: number): Uint8Array {
  if (codec === 'none') return payload
  try {
    if (codec === 'lz4') return lz4DecompressFrame(payload, maxOutput)
    if (!isZstdFrame(payload)) throw corruptError('AEDAT 4.0', at, 'payload', 'payload is not a ZSTD frame')
    if (!zstdWasm) throw new SpikelabError('ZSTD_NOT_LOADED', 'call loadZstd() before decoding ZSTD-compressed AEDAT 4', { byteOffset: at })
    const size = zstdContentSize(payload)
    if (size === null) throw corruptError('AEDAT 4.0', at, 'payload', 'malformed ZSTD frame header')
    // the reference decoder (WebAssembly) allocates the declared size: refuse sizes no packet reaches
    if (size !== undefined && (size > maxOutput || size > Math.max(1 << 20, payload.length * 4096))) {
      throw corruptError('AEDAT 4.0', at, 'payload', `ZSTD content size ${size} exceeds the limit`)
    }
    const out = zstdWasm.decompress(payload, { defaultHeapSize: Math.min(maxOutput, ZSTD_UNKNOWN_SIZE_ROOM) })
    if (size !== undefined && out.length !== size) throw corruptError('AEDAT 4.0', at, 'payload', `ZSTD frame decoded to ${out.length} bytes, not ${size}`)
    return out
  } catch (err) {
    if (err instanceof SpikelabError) throw err
    const where = err instanceof Lz4FormatError ? at + err.at : at
    throw corruptError('AEDAT 4.0', where, 'payload', `cannot decompress ${codec} payload: ${(err as Error).message}`)
  }
}

let zstdWasm: typeof ZstdWasm | undefined

/**
 * Loads the ZSTD codec (the reference library as WebAssembly); needed once before reading or
 * writing ZSTD-compressed AEDAT 4. (A pure-JS decoder was rejected: it loops forever on some
 * corrupt frames.)
 */
export async function loadZstd(): Promise<void> {
  if (zstdWasm) return
  const mod = await import('@bokuweb/zstd-wasm')
  await mod.init()
  zstdWasm = mod
}

interface Lz4Native {
  compressFrameSync(data: Buffer): Buffer
}

/**
 * LZ4 frames are written by lz4-napi (an optional dependency: Rust lz4_flex, about 15× faster than
 * lz4js, which kept a live recording's event loop busy) when it loads on this platform, else by
 * lz4js. SPIKELAB_LZ4=js forces lz4js. Both write standard LZ4 frames; reading always goes through
 * our bounded decoder (lz4-frame.ts), which refuses corrupt or oversized frames.
 */
function loadLz4Native(): Lz4Native | undefined {
  if (process.env.SPIKELAB_LZ4 === 'js') return undefined
  try {
    const mod = createRequire(import.meta.url)('lz4-napi') as Partial<Lz4Native>
    return typeof mod.compressFrameSync === 'function' ? (mod as Lz4Native) : undefined
  } catch {
    return undefined
  }
}

const lz4Native = loadLz4Native()

/** Which LZ4 encoder this process uses: 'lz4-napi' (native) or 'lz4js'. */
export const lz4Encoder: 'lz4-napi' | 'lz4js' = lz4Native ? 'lz4-napi' : 'lz4js'

export function compressPayload(codec: CompressionName, data: Uint8Array): Uint8Array {
  if (codec === 'none') return data
  if (codec === 'lz4') return lz4Native ? lz4Native.compressFrameSync(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) : lz4Compress(data)
  if (!zstdWasm) throw new SpikelabError('ZSTD_NOT_LOADED', 'call loadZstd() before writing ZSTD-compressed AEDAT 4')
  return zstdWasm.compress(data, 3)
}

export function isCompressedFrame(b: Uint8Array): boolean {
  return isLz4Frame(b) || isZstdFrame(b)
}
