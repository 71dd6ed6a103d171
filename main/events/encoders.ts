import type { SensorGeometry } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'
import type { Aedat2Layout } from './aedat2-decoder.js'
import { Aedat2Encoder } from './aedat2-encoder.js'
import { Aedat3Encoder } from './aedat3-encoder.js'
import { Aedat4Encoder } from './aedat4-encoder.js'
import { DatEncoder } from './dat-encoder.js'
import type { Evt21Order } from './evt21-decoder.js'
import { Evt21Encoder } from './evt21-encoder.js'
import { Evt2Encoder } from './evt2-encoder.js'
import { Evt3Encoder } from './evt3-encoder.js'
import { NmnistEncoder } from './nmnist-encoder.js'
import type { CompressionName } from './payload-codec.js'
import type { EventEncoder, EventFormat } from './types.js'

export interface EncoderOptions {
  geometry: SensorGeometry
  evt21Order?: Evt21Order
  aedat2Layout?: Aedat2Layout
  compression?: CompressionName
}

/** Every format Spikelab can write (all that it reads). */
export const WRITABLE_FORMATS: readonly EventFormat[] = ['evt2', 'evt21', 'evt3', 'dat', 'nmnist', 'aedat2', 'aedat3', 'aedat4']

export function createEncoder(format: EventFormat, options: EncoderOptions): EventEncoder {
  const geometry = options.geometry
  switch (format) {
    case 'evt2':
      return new Evt2Encoder({ geometry })
    case 'evt21':
      return new Evt21Encoder({ geometry, order: options.evt21Order })
    case 'evt3':
      return new Evt3Encoder({ geometry })
    case 'dat':
      return new DatEncoder({ geometry })
    case 'nmnist':
      return new NmnistEncoder()
    case 'aedat2':
      return new Aedat2Encoder({ layout: options.aedat2Layout ?? (geometry.width <= 128 && geometry.height <= 128 ? 'dvs128' : 'davis') })
    case 'aedat3':
      return new Aedat3Encoder({ geometry })
    case 'aedat4':
      return new Aedat4Encoder({ geometry, compression: options.compression })
    default:
      throw new SpikelabError('UNKNOWN_FORMAT', `cannot write event format '${String(format)}'`)
  }
}
