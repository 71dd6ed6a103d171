/**
 * The main side of LabApi, shared by both shells. A shell hands each connection's raw messages to
 * a LabSession; the session validates the envelope and the params against the contract's schemas
 * before any service sees them, and validates results before they leave.
 */
import type { z } from 'zod'
import { SpikelabError, CancelledError } from '../../common/errors.js'
import {
  eventSchemas,
  isRequestName,
  requestSchemas,
  type EventData,
  type EventName,
  type ParsedParams,
  type RequestName,
  type RequestResult,
} from '../../common/contract/schemas.js'
import { ClientRequest, describeIssues, toSchemaIssues, type ServerMessage, type WireError } from '../../common/contract/wire.js'

/** What a handler may know about the connection that called it. */
export interface SessionContext {
  /** Registers a binary stream owned by this connection; returns its id. */
  openStream(close: () => void): { streamId: number; send(frame: ArrayBuffer): boolean }
  closeStream(streamId: number): boolean
}

export type RequestHandlers = {
  [M in RequestName]: (params: ParsedParams<M>, session: SessionContext) => Promise<RequestResult<M>>
}

/** The handlers of one area's methods ('recordings' → every 'recordings.*'), written in that area's folder. */
export type AreaHandlers<Area extends string> = Pick<RequestHandlers, Extract<RequestName, `${Area}.${string}`>>

/** One connection's outbound side, provided by the shell. */
export interface SessionSink {
  message(message: ServerMessage): void
  /** Sends a binary frame; returns false when the connection is congested and the frame was dropped. */
  binary(frame: ArrayBuffer): boolean
}

export class LabServer {
  private readonly sessions = new Set<LabSession>()

  constructor(private readonly handlers: RequestHandlers) {}

  connect(sink: SessionSink): LabSession {
    const session = new LabSession(this.handlers, sink, () => this.sessions.delete(session))
    this.sessions.add(session)
    return session
  }

  /** Pushes an event to every connection; the data is validated against its schema first. */
  broadcast<E extends EventName>(event: E, data: EventData<E>): void {
    const checked = (eventSchemas[event] as z.ZodType).parse(data)
    for (const session of this.sessions) session.send({ type: 'event', event, data: checked })
  }

  get connectionCount(): number {
    return this.sessions.size
  }
}

export class LabSession implements SessionContext {
  private readonly streams = new Map<number, () => void>()
  private nextStreamId = 1
  private closed = false

  constructor(
    private readonly handlers: RequestHandlers,
    private readonly sink: SessionSink,
    private readonly onClose: () => void,
  ) {}

  send(message: ServerMessage): void {
    if (!this.closed) this.sink.message(message)
  }

  /** Handles one JSON text message (WebSocket). Never throws: every fault becomes an error reply. */
  async handleText(text: string): Promise<void> {
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (err) {
      this.reply(null, { code: 'schema', message: `message is not valid JSON: ${(err as Error).message}` })
      return
    }
    await this.handleMessage(raw)
  }

  /** Handles one already-deserialised message (Electron IPC structured clone, or parsed JSON). */
  async handleMessage(raw: unknown): Promise<void> {
    const envelope = ClientRequest.safeParse(raw)
    if (!envelope.success) {
      const issues = toSchemaIssues(envelope.error)
      this.reply(idOf(raw), { code: 'schema', message: `malformed message: ${describeIssues(issues)}`, issues })
      return
    }
    const { id, method, params } = envelope.data
    if (!isRequestName(method)) {
      this.reply(id, { code: 'unknown-method', message: `unknown method '${method}'`, issues: [{ path: 'method', message: 'not a LabApi method' }] })
      return
    }
    const schema = requestSchemas[method]
    const parsed = (schema.params as z.ZodType).safeParse(params ?? {})
    if (!parsed.success) {
      const issues = toSchemaIssues(parsed.error, ['params'])
      this.reply(id, { code: 'schema', message: `invalid params for ${method}: ${describeIssues(issues)}`, issues })
      return
    }
    try {
      const handler = this.handlers[method] as (p: unknown, s: SessionContext) => Promise<unknown>
      const result = (schema.result as z.ZodType).parse(await handler(parsed.data, this))
      this.send({ type: 'response', id, result })
    } catch (err) {
      this.reply(id, toWireError(err))
    }
  }

  openStream(close: () => void): { streamId: number; send(frame: ArrayBuffer): boolean } {
    const streamId = this.nextStreamId++
    this.streams.set(streamId, close)
    return { streamId, send: (frame) => !this.closed && this.streams.has(streamId) && this.sink.binary(frame) }
  }

  closeStream(streamId: number): boolean {
    const close = this.streams.get(streamId)
    if (!close) return false
    this.streams.delete(streamId)
    close()
    return true
  }

  /** Ends the connection: every stream it opened is closed. Idempotent. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const id of [...this.streams.keys()]) this.closeStream(id)
    this.onClose()
  }

  private reply(id: number | null, error: WireError): void {
    this.send({ type: 'response', id, error })
  }
}

function idOf(raw: unknown): number | null {
  if (typeof raw === 'object' && raw !== null && 'id' in raw) {
    const id = (raw as { id: unknown }).id
    if (typeof id === 'number' && Number.isInteger(id) && id >= 0) return id
  }
  return null
}

function toWireError(err: unknown): WireError {
  if (err instanceof CancelledError) return { code: 'cancelled', message: err.message }
  if (err instanceof SpikelabError) return { code: 'failed', message: err.message, errorCode: err.code }
  return { code: 'failed', message: err instanceof Error ? err.message : String(err) }
}
