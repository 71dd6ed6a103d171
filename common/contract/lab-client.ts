/**
 * The LabApi client over any message transport (an Electron IPC bridge or a WebSocket). Plain
 * closures, no classes, so the object survives Electron's contextBridge (which drops prototypes).
 */
import { decodeFrame, type DecodedFrame } from './binary-frames.js'
import { LabRequestError, type ConnectionState, type LabApi, type Unsubscribe } from './lab-api.js'
import type { EventName, RequestName } from './schemas.js'
import type { ClientMessage, ServerMessage, WireError } from './wire.js'

export interface ClientTransport {
  send(message: ClientMessage): void
  /** Registers the single sink for everything the main side sends. */
  connect(sink: {
    message(message: ServerMessage): void
    binary(buffer: ArrayBuffer): void
    state(state: ConnectionState): void
  }): void
}

interface Pending {
  method: string
  resolve(value: unknown): void
  reject(error: Error): void
}

export function createLabClient(transport: ClientTransport): LabApi {
  let nextId = 1
  let state: ConnectionState = 'connecting'
  const pending = new Map<number, Pending>()
  const eventListeners = new Map<string, Set<(data: unknown) => void>>()
  const frameListeners = new Map<number, Set<(frame: DecodedFrame) => void>>()
  const connectionListeners = new Set<(state: ConnectionState) => void>()

  const failAllPending = (reason: string) => {
    for (const [id, p] of pending) {
      pending.delete(id)
      p.reject(new LabRequestError(p.method, { code: 'failed', message: reason }))
    }
  }

  transport.connect({
    message(message) {
      if (message.type === 'event') {
        for (const listener of eventListeners.get(message.event) ?? []) listener(message.data)
        return
      }
      if (message.id === null) return // a reply to a message the main side could not even read
      const p = pending.get(message.id)
      if (!p) return
      pending.delete(message.id)
      if ('error' in message) p.reject(new LabRequestError(p.method, message.error as WireError))
      else p.resolve(message.result)
    },
    binary(buffer) {
      const frame = decodeFrame(buffer)
      for (const listener of frameListeners.get(frame.streamId) ?? []) listener(frame)
    },
    state(next) {
      state = next
      if (next === 'closed') failAllPending('the connection to Spikelab closed')
      for (const listener of connectionListeners) listener(next)
    },
  })

  const subscribe = <K, L>(map: Map<K, Set<L>>, key: K, listener: L): Unsubscribe => {
    let set = map.get(key)
    if (!set) map.set(key, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) map.delete(key)
    }
  }

  return {
    request(method: RequestName, params: unknown) {
      const id = nextId++
      return new Promise((resolve, reject) => {
        pending.set(id, { method, resolve, reject })
        try {
          transport.send({ type: 'request', id, method, params })
        } catch (err) {
          pending.delete(id)
          reject(err instanceof Error ? err : new Error(String(err)))
        }
      })
    },
    on(event: EventName, listener: (data: never) => void) {
      return subscribe(eventListeners, event as string, listener as (data: unknown) => void)
    },
    onFrames(streamId, listener) {
      return subscribe(frameListeners, streamId, listener)
    },
    connection: () => state,
    onConnection(listener) {
      connectionListeners.add(listener)
      return () => connectionListeners.delete(listener)
    },
  } as LabApi
}
