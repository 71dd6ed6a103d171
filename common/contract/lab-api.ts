/**
 * LabApi: the one interface through which the renderer asks for everything. Electron's preload
 * provides it over IPC; in a browser it runs over the headless host's WebSocket. Nothing on the
 * renderer side knows which.
 */
import type { DecodedFrame } from './binary-frames.js'
import type { EventData, EventName, RequestName, RequestParams, RequestResult } from './schemas.js'
import type { WireError } from './wire.js'

export type ConnectionState = 'connecting' | 'open' | 'closed'
export type Unsubscribe = () => void

export interface LabApi {
  /** Calls a request method; rejects with a LabRequestError carrying the wire error. */
  request<M extends RequestName>(method: M, params: RequestParams<M>): Promise<RequestResult<M>>
  /** Listens to an event the main side pushes (job updates, device changes). */
  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): Unsubscribe
  /** Receives the binary frames of a stream opened by a request that returned its streamId. */
  onFrames(streamId: number, listener: (frame: DecodedFrame) => void): Unsubscribe
  /** Connection to the main side: always 'open' under Electron; follows the socket in a browser. */
  connection(): ConnectionState
  onConnection(listener: (state: ConnectionState) => void): Unsubscribe
}

/** The error a LabApi request rejects with: the wire error, kept whole for the detail view. */
export class LabRequestError extends Error {
  readonly wire: WireError
  constructor(method: string, wire: WireError) {
    super(`${method}: ${wire.message}`)
    this.name = 'LabRequestError'
    this.wire = wire
  }
}
