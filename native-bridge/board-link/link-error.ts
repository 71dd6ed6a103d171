import { SpikelabError } from '../../common/errors.js'
import type { ErrorCodeName } from './message-types.js'
import { errorCodeName } from './message-types.js'

/** A board-link failure as seen by the host: `code` is the spec's error name (§11). */
export class BoardLinkError extends SpikelabError {
  constructor(
    code: ErrorCodeName | 'LINK_LOST' | 'DEVICE_RESET' | 'CLOSED' | 'VERIFY_FAILED',
    message: string,
    readonly detail = 0,
  ) {
    super(code, message, { field: 'board link' })
  }

  static fromWire(code: number, msg: string, detail: number): BoardLinkError {
    const name = errorCodeName(code)
    return new BoardLinkError(name, `device reported ${name} (0x${code.toString(16).padStart(4, '0')}): ${msg}`, detail)
  }
}
