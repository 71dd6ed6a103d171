/**
 * A file's fingerprint: SHA-256 over its size, first MiB and last MiB. Cheap on a 10 GB recording
 * and enough to recognise the same recording after it was moved or renamed.
 */
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'

const EDGE_BYTES = 1 << 20

export async function fingerprintFile(path: string): Promise<string> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    const hash = createHash('sha256').update(`size:${size};`)
    const head = Buffer.alloc(Math.min(EDGE_BYTES, size))
    await handle.read(head, 0, head.length, 0)
    hash.update(head)
    if (size > EDGE_BYTES) {
      const tailLength = Math.min(EDGE_BYTES, size - EDGE_BYTES)
      const tail = Buffer.alloc(tailLength)
      await handle.read(tail, 0, tailLength, size - tailLength)
      hash.update(tail)
    }
    return hash.digest('hex')
  } finally {
    await handle.close()
  }
}
