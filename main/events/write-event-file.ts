import { open } from 'node:fs/promises'
import type { EventBatch } from '../../common/event-batch.js'
import { createEncoder, type EncoderOptions } from './encoders.js'
import { loadZstd } from './payload-codec.js'
import type { EventFormat } from './types.js'

/**
 * Writes batches to a file in `format`, streaming (one batch in memory at a time), and applies
 * the encoder's final patches (AEDAT 4's dataTablePosition). Returns the number of events.
 */
export async function writeEventFile(
  file: string,
  format: EventFormat,
  batches: AsyncIterable<EventBatch> | Iterable<EventBatch>,
  options: EncoderOptions,
): Promise<number> {
  if (format === 'aedat4' && options.compression === 'zstd') await loadZstd()
  const encoder = createEncoder(format, options)
  const fh = await open(file, 'w')
  let events = 0
  try {
    for await (const batch of batches) {
      events += batch.t.length
      const bytes = encoder.write(batch)
      if (bytes.length) await fh.write(bytes)
    }
    const tail = encoder.end()
    if (tail.length) await fh.write(tail)
    for (const patch of encoder.finalPatches()) await fh.write(patch.bytes, 0, patch.bytes.length, patch.offset)
  } finally {
    await fh.close()
  }
  return events
}
