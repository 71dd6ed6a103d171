import { createHash } from 'node:crypto'

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Content address (§8.1): the first 8 bytes of the SHA-256 as u64 LE. */
export function deployIdOf(sha: Uint8Array): bigint {
  return new DataView(sha.buffer, sha.byteOffset, 8).getBigUint64(0, true)
}
