import type { SensorGeometry } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'
import { Aedat2Decoder, type Aedat2DecoderOptions } from './aedat2-decoder.js'
import { Aedat3Decoder, type Aedat3DecoderOptions } from './aedat3-decoder.js'
import { Aedat4Decoder, type Aedat4DecoderOptions } from './aedat4-decoder.js'
import { DatDecoder } from './dat-decoder.js'
import { Evt21Decoder, type Evt21Order } from './evt21-decoder.js'
import { Evt2Decoder } from './evt2-decoder.js'
import { Evt3Decoder } from './evt3-decoder.js'
import { NmnistDecoder } from './nmnist-decoder.js'
import { parseRawHeader } from './prophesee-header.js'
import type { EventDecoder, EventFormat } from './types.js'

const EXTENSION_HINTS: Record<string, EventFormat | 'raw'> = {
  '.raw': 'raw',
  '.dat': 'dat',
  '.bin': 'nmnist',
  '.aedat4': 'aedat4',
}

/**
 * Finds the format from the first bytes of a file (magic line or header keys). The file name's
 * extension is used only when the content has no signature (header-less N-MNIST, DAT or RAW).
 * Returns undefined when neither decides.
 */
export function detectEventFormat(head: Uint8Array, fileName?: string): EventFormat | undefined {
  const text = Buffer.from(head.subarray(0, Math.min(head.length, 1 << 16))).toString('latin1')
  if (text.startsWith('#!AER-DAT4.')) return 'aedat4'
  if (text.startsWith('#!AER-DAT3.')) return 'aedat3'
  if (text.startsWith('#!AER-DAT2.')) return 'aedat2'
  if (text.startsWith('% ')) {
    const lines: string[] = []
    for (const line of text.split('\n')) {
      if (!line.startsWith('% ')) break
      lines.push(line.replace(/\r$/, ''))
      if (line.trim() === '% end') break
    }
    if (lines.some((l) => /^% Data file containing/i.test(l))) return 'dat'
    const facts = parseRawHeader(lines)
    if (facts.encoding) return facts.encoding
    if (lines.some((l) => /^% Version \d/i.test(l))) return 'dat'
    return undefined
  }
  const ext = fileName ? /\.[^./\\]+$/.exec(fileName)?.[0].toLowerCase() : undefined
  const hint = ext ? EXTENSION_HINTS[ext] : undefined
  return hint === 'raw' ? undefined : hint
}

export interface DecoderOptions {
  /** Sensor size when the file does not state it. */
  geometry?: SensorGeometry
  /** EVT 2.1 half-word order when the header does not state it. */
  evt21Order?: Evt21Order
  aedat2?: Aedat2DecoderOptions
  aedat3?: Aedat3DecoderOptions
  aedat4?: Aedat4DecoderOptions
  /** Reuse output memory: batches stay valid only until the decoder's next push/end call. */
  reuseOutput?: boolean
}

export function createDecoder(format: EventFormat, options: DecoderOptions = {}): EventDecoder {
  const g = options.geometry
  const r = options.reuseOutput
  switch (format) {
    case 'evt2':
      return new Evt2Decoder({ geometry: g, reuseOutput: r })
    case 'evt21':
      return new Evt21Decoder({ geometry: g, order: options.evt21Order, reuseOutput: r })
    case 'evt3':
      return new Evt3Decoder({ geometry: g, reuseOutput: r })
    case 'dat':
      return new DatDecoder({ geometry: g, reuseOutput: r })
    case 'nmnist':
      return new NmnistDecoder({ geometry: g, reuseOutput: r })
    case 'aedat2':
      return new Aedat2Decoder({ reuseOutput: r, ...options.aedat2 })
    case 'aedat3':
      return new Aedat3Decoder({ geometry: g, reuseOutput: r, ...options.aedat3 })
    case 'aedat4':
      return new Aedat4Decoder({ reuseOutput: r, ...options.aedat4 })
    default:
      throw new SpikelabError('UNKNOWN_FORMAT', `unknown event format '${String(format)}'`)
  }
}
