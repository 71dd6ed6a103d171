import { existsSync } from 'node:fs'
import { SerialPortStream } from '@serialport/stream'
import { SpikelabError } from '../../common/errors.js'
import { batchedReadBinding, threadReaderOf } from './batched-read-binding.js'
import type { ByteLink } from './byte-link.js'
import type { PortLister, PortMatch } from './discovery.js'
import { listSerialPorts, matchesPort, systemPortLister } from './discovery.js'
import type { ThreadParsedSink, ThreadParseRequest } from './reader-thread.js'

/** The part of a serialport stream the transport uses (SerialPort and SerialPortMock both fit). */
export interface SerialPortLike {
  readonly isOpen: boolean
  open(callback: (err: Error | null) => void): void
  write(data: Uint8Array): boolean
  close(callback?: (err: Error | null) => void): void
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  on(event: 'close', listener: (err?: Error | null) => void): unknown
  once(event: 'drain', listener: () => void): unknown
  removeAllListeners(): unknown
  /** The binding's port once open (SerialPortStream): carries the reader thread on Unix. */
  readonly port?: unknown
}

/** Parsing in the port's reader thread (SerialTransport.parseInThread); stop() returns to bytes. */
export interface ThreadParsing {
  stop(): Promise<void>
}

export interface PortOpenOptions {
  readonly path: string
  readonly baudRate: number
  readonly rtscts: boolean
}

export type PortFactory = (options: PortOpenOptions) => SerialPortLike

export interface SerialTransportOptions {
  /** Fixed path (ptys, or when the user picked a port). Either this or `match` is required. */
  readonly path?: string
  /** USB identity: the path is looked up in the port list at every (re)connect. */
  readonly match?: PortMatch
  readonly baudRate: number
  /** RTS/CTS hardware flow control, required by eDVS boards (edvs-serial.md §1). Default true. */
  readonly rtscts?: boolean
  /** Reconnect after a loss. Default true. */
  readonly reconnect?: boolean
  readonly backoffInitialMs?: number
  readonly backoffMaxMs?: number
  /**
   * Silence longer than this, while data is expected (setExpectData), makes the link 'suspect':
   * the port and its listeners are kept and reading goes on; the first data makes it 'connected'
   * again with nothing lost (edvs-serial.md §10.4). 0 = off.
   */
  readonly heartbeatTimeoutMs?: number
  /**
   * Silence longer than this, while data is expected, means the device hung: the link is 'lost',
   * the port is dropped and reopened (with the owner's handshake). Default 10 000 ms: long enough
   * that a stalled host or simulator (a loaded CI machine) never costs a reopen, short enough that a
   * hung board is retried within seconds. 0 = silence alone never loses the link.
   */
  readonly lostAfterSilenceMs?: number
  /** How often to check that the port still exists (list for `match`, the file for `path`). 0 = off. */
  readonly presenceIntervalMs?: number
  readonly lister?: PortLister
  readonly portFactory?: PortFactory
}

/**
 * 'suspect': the port is open but silent for longer than the heartbeat while data is expected;
 * it is kept and read, and returns to 'connected' (without a reopen) when data arrives.
 */
export type TransportState = 'idle' | 'connecting' | 'connected' | 'suspect' | 'lost' | 'closed'

/** Default of `lostAfterSilenceMs`. */
export const LOST_AFTER_SILENCE_MS = 10_000

export interface TransportStats {
  bytesIn: number
  bytesOut: number
  losses: number
  connects: number
  /** Times the link went 'suspect' (silence) — each one ended in 'connected' or 'lost'. */
  suspects: number
}

type StateListener = (state: TransportState, reason?: string, previous?: TransportState) => void

const binding = batchedReadBinding()
const defaultFactory: PortFactory = (o) =>
  new SerialPortStream({ binding, path: o.path, baudRate: o.baudRate, rtscts: o.rtscts, dataBits: 8, stopBits: 1, parity: 'none', autoOpen: false })

/**
 * A serial port that survives unplugging (edvs-serial.md §10.2–10.4), with the state machine
 * CONNECTED → SUSPECT (heartbeat late: port kept, reading goes on) → CONNECTED (data again, nothing
 * lost) or → LOST. Loss is a port error, 'close', the port vanishing, or silence longer than
 * `lostAfterSilenceMs`; then it drops the port, backs off (doubling up to a cap) and reopens the
 * same device, found again by USB identity or path. Writes honour backpressure, every received
 * chunk is copied out of serialport's shared pool, and close() is idempotent.
 */
export class SerialTransport implements ByteLink {
  readonly stats: TransportStats = { bytesIn: 0, bytesOut: 0, losses: 0, connects: 0, suspects: 0 }

  private readonly dataListeners = new Set<(chunk: Uint8Array) => void>()
  private readonly stateListeners = new Set<StateListener>()
  private readonly factory: PortFactory
  private readonly lister: PortLister
  private port: SerialPortLike | undefined
  private currentPath: string | undefined
  private stateValue: TransportState = 'idle'
  private backoffMs: number
  private retryTimer: NodeJS.Timeout | undefined
  private watchTimer: NodeJS.Timeout | undefined
  private expectData = false
  private lastDataAt = 0
  private presenceCheckRunning = false
  private firstConnect: { resolve: () => void; reject: (e: Error) => void } | undefined

  constructor(private readonly options: SerialTransportOptions) {
    if (options.path === undefined && options.match === undefined) {
      throw new SpikelabError('SERIAL_OPTIONS', 'a serial transport needs a path or a USB match', { field: 'path' })
    }
    if (!Number.isInteger(options.baudRate) || options.baudRate <= 0) {
      throw new SpikelabError('SERIAL_OPTIONS', `baud rate must be a positive integer, got ${options.baudRate}`, { field: 'baudRate' })
    }
    const { heartbeatTimeoutMs: heartbeat = 0, lostAfterSilenceMs: lostAfter } = options
    if (lostAfter !== undefined && !(lostAfter === 0 || (Number.isFinite(lostAfter) && lostAfter >= heartbeat && lostAfter > 0))) {
      throw new SpikelabError('SERIAL_OPTIONS', `lostAfterSilenceMs must be 0 (off) or at least heartbeatTimeoutMs (${heartbeat} ms), got ${lostAfter}`, { field: 'lostAfterSilenceMs' })
    }
    this.factory = options.portFactory ?? defaultFactory
    this.lister = options.lister ?? systemPortLister
    this.backoffMs = this.backoffInitial
  }

  get state(): TransportState {
    return this.stateValue
  }

  get path(): string | undefined {
    return this.currentPath
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    this.dataListeners.add(listener)
    return () => this.dataListeners.delete(listener)
  }

  /**
   * Every state change; 'lost' and 'suspect' carry the reason. 'connected' follows each (re)open
   * and the end of a suspect spell (same port, no reopen: `previous` is 'suspect').
   */
  onState(listener: StateListener): () => void {
    this.stateListeners.add(listener)
    return () => this.stateListeners.delete(listener)
  }

  /**
   * Opens the port; resolves on the first connection. With reconnect on, a failed first open is
   * retried with backoff and the promise waits; with it off, the promise rejects.
   */
  open(): Promise<void> {
    if (this.stateValue === 'closed') return Promise.reject(new SpikelabError('SERIAL_CLOSED', 'the transport was closed'))
    if (this.stateValue !== 'idle') return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.firstConnect = { resolve, reject }
      this.startWatch()
      void this.attempt()
    })
  }

  /** Heartbeat: while true, silence makes the link suspect, and much longer silence lost. */
  setExpectData(expect: boolean): void {
    this.expectData = expect
    this.lastDataAt = Date.now()
    if (!expect && this.stateValue === 'suspect') this.setState('connected', 'no data expected')
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.port
    if (!port || !this.isUp()) {
      throw new SpikelabError('SERIAL_NOT_CONNECTED', `cannot write: the port is ${this.stateValue}`, { file: this.currentPath })
    }
    this.stats.bytesOut += bytes.length
    if (port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) return
    await new Promise<void>((resolve, reject) => {
      const off = this.onState((s) => {
        if (s !== 'connected' && s !== 'suspect') {
          off()
          reject(new SpikelabError('SERIAL_LOST', 'the port was lost while waiting to write', { file: this.currentPath }))
        }
      })
      port.once('drain', () => {
        off()
        resolve()
      })
    })
  }

  /**
   * Runs a parser in the thread that reads this port (Unix ports; edvs-serial.md §10.2): from when
   * this resolves, every byte goes through it there and `sink` receives only its output. Its output
   * counts as data for the heartbeat and `stats.bytesIn`. Undefined when this port has no reader
   * thread (Windows, SPIKELAB_SERIAL_READ=pool|batched, mock ports): the caller parses itself.
   * Output from a port that was since lost is dropped.
   */
  async parseInThread(request: ThreadParseRequest, sink: ThreadParsedSink): Promise<ThreadParsing | undefined> {
    const port = this.port
    const reader = threadReaderOf(port?.port)
    if (!port || !reader || !this.isUp()) return undefined
    await reader.parse(request, (value, bytes) => {
      if (this.port !== port) return
      if (bytes > 0) this.received(bytes)
      sink(value, bytes)
    })
    return { stop: () => reader.unparse() }
  }

  /** Declares the link lost (e.g. the device stopped answering); reconnects if enabled. */
  markLost(reason: string): void {
    if (!this.isUp() && this.stateValue !== 'connecting') return
    this.lose(reason)
  }

  async close(): Promise<void> {
    if (this.stateValue === 'closed') return
    this.setState('closed')
    clearTimeout(this.retryTimer)
    clearInterval(this.watchTimer)
    this.firstConnect?.reject(new SpikelabError('SERIAL_CLOSED', 'the transport was closed before it connected', { file: this.currentPath }))
    this.firstConnect = undefined
    await this.dropPort()
  }

  /** The port is open (maybe silent): writes go through. */
  private isUp(): boolean {
    return this.stateValue === 'connected' || this.stateValue === 'suspect'
  }

  /** A method, not a field read, because close() can run while attempt() awaits. */
  private isClosed(): boolean {
    return this.stateValue === 'closed'
  }

  private get backoffInitial(): number {
    return this.options.backoffInitialMs ?? 250
  }

  private async attempt(): Promise<void> {
    if (this.stateValue === 'closed') return
    this.setState('connecting')
    let path: string | undefined
    try {
      path = await this.resolvePath()
      if (path === undefined) throw new Error('no matching device is listed')
      const port = this.factory({ path, baudRate: this.options.baudRate, rtscts: this.options.rtscts ?? true })
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())))
      if (this.isClosed()) {
        port.close()
        return
      }
      this.adopt(port, path)
    } catch (err) {
      if (this.isClosed()) return
      const message = `cannot open ${path ?? 'the device'}: ${err instanceof Error ? err.message : String(err)}`
      if (this.firstConnect && this.options.reconnect === false) {
        this.firstConnect.reject(new SpikelabError('SERIAL_OPEN', message, { file: path }, { cause: err }))
        this.firstConnect = undefined
        this.setState('idle')
        clearInterval(this.watchTimer)
        return
      }
      this.setState('lost', message)
      this.scheduleRetry()
    }
  }

  private async resolvePath(): Promise<string | undefined> {
    if (this.options.match) {
      const { ports } = await listSerialPorts(this.lister)
      return ports.find((p) => matchesPort(p, this.options.match as PortMatch))?.path ?? this.options.path
    }
    return this.options.path
  }

  private adopt(port: SerialPortLike, path: string): void {
    this.port = port
    this.currentPath = path
    this.backoffMs = this.backoffInitial
    this.lastDataAt = Date.now()
    port.on('data', (chunk: Uint8Array) => {
      if (this.port !== port) return
      this.received(chunk.length)
      const copy = new Uint8Array(chunk) // the chunk is a view into serialport's shared pool
      for (const l of this.dataListeners) l(copy)
    })
    port.on('error', (err: Error) => {
      if (this.port === port) this.lose(`port error: ${err.message}`)
    })
    port.on('close', (err?: Error | null) => {
      if (this.port === port) this.lose(err ? `port closed: ${err.message}` : 'port closed')
    })
    this.stats.connects++
    this.setState('connected')
    this.firstConnect?.resolve()
    this.firstConnect = undefined
  }

  /** Bytes came (as bytes or parsed in the reader thread): the heartbeat is satisfied. */
  private received(bytes: number): void {
    this.lastDataAt = Date.now()
    this.stats.bytesIn += bytes
    if (this.stateValue === 'suspect') this.setState('connected', 'data resumed')
  }

  private lose(reason: string): void {
    if (this.stateValue === 'closed' || this.stateValue === 'lost') return
    this.stats.losses++
    this.setState('lost', reason)
    void this.dropPort()
    if (this.options.reconnect === false) return
    this.scheduleRetry()
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer)
    const wait = this.backoffMs
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.backoffMaxMs ?? 4000)
    this.retryTimer = setTimeout(() => void this.attempt(), wait)
  }

  private async dropPort(): Promise<void> {
    const port = this.port
    this.port = undefined
    if (!port) return
    port.removeAllListeners()
    port.on('error', () => {}) // late errors from a dying port must not crash the process
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()))
  }

  /** Heartbeat (suspect, then lost) and presence checks on one timer. */
  private startWatch(): void {
    const heartbeat = this.options.heartbeatTimeoutMs ?? 0
    const lostAfter = heartbeat > 0 ? (this.options.lostAfterSilenceMs ?? LOST_AFTER_SILENCE_MS) : 0
    const presence = this.options.presenceIntervalMs ?? 1000
    const tick = Math.max(50, Math.min(heartbeat > 0 ? heartbeat / 4 : Infinity, presence > 0 ? presence : Infinity, 1000))
    let lastPresence = 0
    let lastTickAt = Date.now()
    this.watchTimer = setInterval(() => {
      const now = Date.now()
      const lag = now - lastTickAt - tick
      lastTickAt = now
      if (!this.isUp()) return
      // A late tick means this process was stalled (a loaded machine): data that came meanwhile is
      // still queued behind this timer, so silence measured now is not the device's.
      if (lag > tick) return
      const silence = now - this.lastDataAt
      if (heartbeat > 0 && this.expectData && lostAfter > 0 && silence > lostAfter) {
        this.lose(`no data for ${silence} ms: the device is treated as hung`)
        return
      }
      if (heartbeat > 0 && this.expectData && silence > heartbeat && this.stateValue === 'connected') {
        this.stats.suspects++
        this.setState('suspect', `no data for ${silence} ms`)
      }
      if (presence > 0 && now - lastPresence >= presence) {
        lastPresence = now
        void this.checkPresence()
      }
    }, tick)
    this.watchTimer.unref()
  }

  private async checkPresence(): Promise<void> {
    if (this.presenceCheckRunning) return
    this.presenceCheckRunning = true
    try {
      const path = this.currentPath
      if (this.options.match) {
        const { ports, error } = await listSerialPorts(this.lister)
        if (error === undefined && this.isUp() && !ports.some((p) => p.path === path && matchesPort(p, this.options.match as PortMatch))) {
          this.lose('the device is no longer listed')
        }
      } else if (path !== undefined && !existsSync(path) && this.isUp()) {
        this.lose(`${path} no longer exists`)
      }
    } finally {
      this.presenceCheckRunning = false
    }
  }

  private setState(state: TransportState, reason?: string): void {
    const previous = this.stateValue
    this.stateValue = state
    for (const l of this.stateListeners) l(state, reason, previous)
  }
}
