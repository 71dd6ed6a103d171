import { open } from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import path from 'node:path'
import type { EventBatch, SensorGeometry } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'
import { createDecoder, detectEventFormat, type DecoderOptions } from './detect.js'
import { loadZstd } from './payload-codec.js'
import type { EventDecoder, EventFormat, EventStreamInfo } from './types.js'

export interface OpenEventFileOptions extends DecoderOptions {
  /** Format to use instead of detecting it. */
  format?: EventFormat
  /** Subtract the first event's timestamp from every event (raw sensor time is kept by default). */
  shiftToZero?: boolean
  /**
   * Read size in bytes (default 1 MiB); memory stays proportional to it, not to the file.
   * With `reuseOutput`, each yielded batch is valid only until the iterator is advanced.
   */
  chunkBytes?: number
  /** Called after each chunk is decoded with the bytes read so far (for progress bars and ETAs). */
  onBytesRead?: (bytesRead: number) => void
}

export interface EventFile {
  readonly path: string
  readonly format: EventFormat
  /** Header facts (geometry when known); filled before the first batch is yielded. */
  readonly info: EventStreamInfo
  readonly geometry: SensorGeometry | undefined
  readonly decoder: EventDecoder
  /** Decoded batches in file order; reads the file once, in constant memory. */
  batches(): AsyncIterableIterator<EventBatch>
}

/**
 * Opens an event file: detects the format from its content (extension only as a hint), reads the
 * header, and streams event batches. Decoding errors carry the file path and byte offset.
 */
export async function openEventFile(file: string, options: OpenEventFileOptions = {}): Promise<EventFile> {
  const chunkBytes = options.chunkBytes ?? 1 << 20
  const fh = await open(file, 'r').catch((err: unknown) => {
    throw new SpikelabError('FILE_UNREADABLE', `cannot open event file: ${(err as Error).message}`, { file })
  })
  const head = new Uint8Array(chunkBytes)
  let headLength = 0
  let offset = 0
  const pending: EventBatch[] = []
  let decoder: EventDecoder
  let format: EventFormat
  let eof = false
  try {
    headLength = (await fh.read(head, 0, head.length, 0)).bytesRead
    const detected = options.format ?? detectEventFormat(head.subarray(0, headLength), path.basename(file))
    if (!detected) {
      throw new SpikelabError('UNKNOWN_FORMAT', 'cannot tell the event format from the content or the file name', { file, byteOffset: 0 })
    }
    format = detected
    // ZSTD payloads are only known packet by packet, so have the codec ready for any AEDAT 4
    if (format === 'aedat4') await loadZstd()
    decoder = createDecoder(format, options)
    // read until the header is complete so geometry is known before the first batch
    let chunk = head.subarray(0, headLength)
    for (;;) {
      // batches from header-time pushes are held across pushes: copy them if memory is reused
      for (const b of withFile(file, () => decoder.push(chunk))) pending.push(options.reuseOutput ? copyBatch(b) : b)
      offset += chunk.length
      if (decoder.headerDone) break
      const r = await fh.read(head, 0, head.length, offset)
      if (r.bytesRead === 0) {
        eof = true
        break
      }
      chunk = head.subarray(0, r.bytesRead)
    }
  } finally {
    await fh.close()
  }
  let shift: number | undefined = options.shiftToZero ? undefined : 0
  const shifted = (b: EventBatch): EventBatch => {
    if (b.t.length === 0 || shift === 0) return b
    shift ??= b.t[0]
    const t = new Float64Array(b.t.length)
    for (let i = 0; i < t.length; i++) t[i] = b.t[i] - shift
    return { t, x: b.x, y: b.y, p: b.p }
  }
  const d = decoder
  async function* batches(): AsyncIterableIterator<EventBatch> {
    for (const b of pending.splice(0)) if (b.t.length) yield shifted(b)
    if (!eof) {
      const stream = createReadStream(file, { start: offset, highWaterMark: chunkBytes })
      let bytesRead = offset
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (const b of withFile(file, () => d.push(chunk))) if (b.t.length) yield shifted(b)
        bytesRead += chunk.length
        options.onBytesRead?.(bytesRead)
      }
    }
    for (const b of withFile(file, () => d.end())) if (b.t.length) yield shifted(b)
  }
  return {
    path: file,
    format,
    info: decoder.info,
    get geometry() {
      return d.info.geometry
    },
    decoder,
    batches,
  }
}

function copyBatch(b: EventBatch): EventBatch {
  return { t: b.t.slice(), x: b.x.slice(), y: b.y.slice(), p: b.p.slice() }
}

/** Re-throws a SpikelabError from a decoder with the file path added. */
function withFile<T>(file: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof SpikelabError && err.location.file === undefined) {
      throw new SpikelabError(err.code, err.message.replace(/ \((?:byte \d+|row \d+|field '[^']*')[^()]*\)$/, ''), { ...err.location, file }, { cause: err })
    }
    throw err
  }
}
