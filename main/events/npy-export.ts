import type { EventBatch } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'

/** NumPy structured dtype written for events: t int64 µs, x/y uint16, p uint8 (packed, 13 bytes). */
export const NPY_DTYPE = "[('t', '<i8'), ('x', '<u2'), ('y', '<u2'), ('p', '|u1')]"
export const NPY_RECORD_BYTES = 13

/**
 * The `.npy` v1.0 header for `count` records. The count is known only at the end of a stream,
 * so the header is padded to a fixed size that `npyHeader` can be rewritten into in place.
 */
export function npyHeader(count: number): Uint8Array {
  const dict = `{'descr': ${NPY_DTYPE}, 'fortran_order': False, 'shape': (${count},), }`
  const total = 256 // magic(6)+version(2)+len(2)+dict padded; multiple of 64
  const body = dict.padEnd(total - 10 - 1, ' ') + '\n'
  if (body.length + 10 !== total) throw new SpikelabError('NPY_HEADER', 'npy header does not fit its fixed size')
  const out = new Uint8Array(total)
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0)
  out[8] = (total - 10) & 0xff
  out[9] = (total - 10) >> 8
  out.set(Buffer.from(body, 'latin1'), 10)
  return out
}

/** Records for one batch in the NPY_DTYPE layout. */
export function npyRecords(batch: EventBatch): Uint8Array {
  const n = batch.t.length
  const out = new Uint8Array(n * NPY_RECORD_BYTES)
  const dv = new DataView(out.buffer)
  for (let i = 0; i < n; i++) {
    const o = i * NPY_RECORD_BYTES
    dv.setBigInt64(o, BigInt(batch.t[i]), true)
    dv.setUint16(o + 8, batch.x[i], true)
    dv.setUint16(o + 10, batch.y[i], true)
    out[o + 12] = batch.p[i]
  }
  return out
}
