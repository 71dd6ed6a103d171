import { SpikelabError } from '../../common/errors.js'

/** The input ended inside a word, record or packet. */
export function truncatedError(format: string, byteOffset: number, missing: string): SpikelabError {
  return new SpikelabError('EVENTS_TRUNCATED', `${format}: input ends inside ${missing}`, { byteOffset })
}

/** A field read from the data has a value the format does not allow. */
export function corruptError(format: string, byteOffset: number, field: string, detail: string): SpikelabError {
  return new SpikelabError('EVENTS_CORRUPT', `${format}: ${detail}`, { byteOffset, field })
}

/** An event cannot be written in the target format (coordinate or time out of its range). */
export function unrepresentableError(format: string, field: string, detail: string): SpikelabError {
  return new SpikelabError('EVENT_NOT_REPRESENTABLE', `${format}: ${detail}`, { field })
}
