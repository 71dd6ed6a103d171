import type { PortLister, PortMatch } from '../serial/discovery.js'
import { SerialTransport, type PortFactory, type TransportState } from '../serial/transport.js'
import type { ByteDuplex } from './duplex.js'

export interface RediscoveringDuplexOptions {
  /** The board's USB identity (vendor id, product id, serial number), looked up at every (re)open. */
  readonly match: PortMatch
  /** Path to use when listing finds nothing (e.g. a pty); the identity wins when it is listed. */
  readonly path?: string
  /** Default 2 000 000 (board-link.md §2; ptys ignore it). */
  readonly baudRate?: number
  readonly rtscts?: boolean
  /** Port listing every T_LIST (board-link.md §13: 500–1000 ms); default 500 ms. */
  readonly presenceIntervalMs?: number
  /** Backoff 250 ms doubling, cap 5 s (board-link.md §12.1 BACKOFF). */
  readonly backoffInitialMs?: number
  readonly backoffMaxMs?: number
  readonly lister?: PortLister
  readonly portFactory?: PortFactory
  /**
   * open() gives up (closing the transport) when the first connection takes longer, with the last
   * reason it could not open; default: keep looking until close().
   */
  readonly openTimeoutMs?: number
}

/**
 * The board link's byte stream over a serial device that may be unplugged and come back under
 * another path (board-link.md §12.1: BACKOFF → "rediscover by vendor id, product id, serial number
 * (not path)"). It is the eDVS transport's mechanism (SerialTransport with a USB match, periodic
 * listing, backoff); the duplex itself stays open across losses: writes while the device is away
 * are dropped (the link's own retransmission and heartbeats cover them), and `onLinkState` tells
 * the owner when to re-handshake (`BoardLinkClient.connect()` after 'connected').
 */
export class RediscoveringDuplex implements ByteDuplex {
  readonly transport: SerialTransport
  /** The identity the device is followed by. */
  readonly match: PortMatch
  private closeListener: ((err?: Error) => void) | undefined
  private closed = false
  private chain: Promise<void> = Promise.resolve()

  private constructor(options: RediscoveringDuplexOptions) {
    this.match = options.match
    this.transport = new SerialTransport({
      match: options.match,
      path: options.path,
      baudRate: options.baudRate ?? 2_000_000,
      rtscts: options.rtscts ?? false,
      reconnect: true,
      presenceIntervalMs: options.presenceIntervalMs ?? 500,
      backoffInitialMs: options.backoffInitialMs ?? 250,
      backoffMaxMs: options.backoffMaxMs ?? 5000,
      lister: options.lister,
      portFactory: options.portFactory,
    })
  }

  /** Resolves once the device is found and opened (it keeps looking until then, close(), or openTimeoutMs). */
  static async open(options: RediscoveringDuplexOptions): Promise<RediscoveringDuplex> {
    const duplex = new RediscoveringDuplex(options)
    const timeoutMs = options.openTimeoutMs
    if (timeoutMs === undefined) {
      await duplex.transport.open()
      return duplex
    }
    let lastReason = ''
    const offState = duplex.transport.onState((_state, reason) => {
      if (reason) lastReason = reason
    })
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      await Promise.race([
        duplex.transport.open(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(lastReason || `the port did not open within ${timeoutMs / 1000} s`)), timeoutMs)
        }),
      ])
    } catch (err) {
      duplex.close()
      throw err
    } finally {
      clearTimeout(timer)
      offState()
    }
    return duplex
  }

  /** The path in use (it may change after a replug). */
  get path(): string | undefined {
    return this.transport.path
  }

  write(bytes: Uint8Array): void {
    if (this.closed || (this.transport.state !== 'connected' && this.transport.state !== 'suspect')) return
    const copy = bytes.slice()
    this.chain = this.chain.then(() => this.transport.write(copy)).catch(() => {
      // lost mid-write: the transport reports the loss and reconnects; the link retransmits
    })
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.transport.onData(listener)
  }

  /** Only an explicit close() ends the duplex; losses are reported through onLinkState. */
  onClose(listener: (err?: Error) => void): void {
    this.closeListener = listener
  }

  /** 'lost' (with the reason) when the device goes away, 'connected' when it is found again. */
  onLinkState(listener: (state: TransportState, reason?: string) => void): () => void {
    return this.transport.onState(listener)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    void this.transport.close()
    this.closeListener?.()
  }
}

/** The part of BoardLinkClient that re-handshaking needs. */
interface Reconnectable {
  connect(): Promise<unknown>
  getCaps(): Promise<unknown>
  on(event: 'lost', listener: () => void): unknown
  off(event: 'lost', listener: () => void): unknown
}

/**
 * Re-handshakes `client` when the duplex finds its device again after a loss, and when the client
 * declares the link lost (heartbeats) while the port is open (board-link.md §12.1 BACKOFF →
 * OPENING → HANDSHAKE). Returns a function that stops doing so.
 */
export function rehandshakeOnReconnect(duplex: RediscoveringDuplex, client: Reconnectable, onError: (err: unknown) => void = () => {}): () => void {
  let portLost = false
  const offState = duplex.onLinkState((state) => {
    if (state === 'lost') portLost = true
    if (state === 'connected' && portLost) {
      portLost = false
      // The client may not have noticed the loss yet (its heartbeat timeout is longer than a quick
      // replug): a request makes the new device answer NO_SESSION, and the client re-handshakes.
      client
        .getCaps()
        .catch(() => client.connect())
        .catch(onError)
    }
  })
  const onClientLost = () => {
    if (duplex.transport.state === 'connected' || duplex.transport.state === 'suspect') client.connect().catch(onError)
  }
  client.on('lost', onClientLost)
  return () => {
    offState()
    client.off('lost', onClientLost)
  }
}
