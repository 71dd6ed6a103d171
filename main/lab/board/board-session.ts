/**
 * The connected board: the built-in simulated board (in process, board link v1 over an in-memory
 * byte pair, flash kept for the lab's lifetime) or a board on a serial port. One link client per
 * connection lives across unplugs (§12.1): when the transport is lost the session reopens it with
 * backoff and the same client re-handshakes, so a deploy in flight resumes (§12.2). CAPS and live
 * health are pushed twice a second. A board on a port the system lists with vendor id, product id
 * and serial number is opened as a RediscoveringDuplex instead: the port follows that identity
 * (even to a new path), reopens itself with backoff, and the same client re-handshakes when it is
 * back (board-link.md §12.1: rediscover by identity, not path).
 */
import { realpathSync } from 'node:fs'
import { SpikelabError } from '../../../common/errors.js'
import type { BoardCaps, BoardHealth, BoardStatus } from '../../../common/contract/schemas.js'
import { BoardLinkClient, CapsBit, HeartbeatFlag, RediscoveringDuplex, SerialDuplex, createMemoryDuplexPair, rehandshakeOnReconnect } from '../../../native-bridge/board-link/index.js'
import type { ByteDuplex, SpikesEvent } from '../../../native-bridge/board-link/index.js'
import type { Caps, DeviceHeartbeat } from '../../../native-bridge/board-link/index.js'
import { toHex } from '../../../native-bridge/engine/index.js'
import { listSerialPorts, type PortLister, type PortMatch } from '../../../native-bridge/serial/index.js'
import type { PortFactory } from '../../../native-bridge/serial/index.js'
import { SimBoard } from '../../../native-bridge/sim-board/index.js'
import type { SimBoardOptions } from '../../../native-bridge/sim-board/index.js'
import { SwitchableDuplex } from './switchable-duplex.js'

export const SIMULATED_BOARD_ID = 'sim:board'

/** Opens the byte transport for a device ('sim:board' or a path); tests wrap it to count or cut bytes. */
export type BoardLinkOpener = (device: string, baud: number | undefined) => Promise<ByteDuplex>

export interface BoardSessionOptions {
  readonly openLink?: BoardLinkOpener
  /** Options of the built-in simulated board (created on first use, kept across connections). */
  readonly simBoard?: SimBoardOptions
  /** Labels of a model by its SHA-256 (hex), when the lab knows the blob. */
  readonly labelsFor?: (sha256: string) => string[] | null
  readonly statusIntervalMs?: number
  /** How a board is followed by its USB identity; the lister and timings are for tests. */
  readonly rediscovery?: {
    readonly lister?: PortLister
    readonly portFactory?: PortFactory
    /** Port listing every T_LIST (board-link.md §13); default 500 ms. */
    readonly presenceIntervalMs?: number
    readonly backoffInitialMs?: number
    readonly backoffMaxMs?: number
  }
}

type SpikesListener = (ev: SpikesEvent) => void
type DeviceErrorListener = (e: { code: number; name: string; msg: string; detail: number }) => void

/** How long a first open may take before the person is told it failed. */
const OPEN_TIMEOUT_MS = 4000
const RECONNECT_FIRST_MS = 250
const RECONNECT_MAX_MS = 5000
const RATE_WINDOW_MS = 1000
const CAPS_BITS = Object.entries(CapsBit) as [string, number][]
const MODE_NAMES = ['test', 'confirmed', 'staged'] as const
const RUN_STATES = ['no-model', 'stopped', 'running', 'fault'] as const

export class BoardSession {
  private client: BoardLinkClient | null = null
  private duplex: SwitchableDuplex | null = null
  private sim: SimBoard | null = null
  private device: string | null = null
  private baud: number | undefined
  private status: BoardStatus = idleStatus()
  private lastHeartbeatAt: number | null = null
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private reconnectDelay = RECONNECT_FIRST_MS
  private ticker: ReturnType<typeof setInterval> | null = null
  private readonly spikesListeners = new Set<SpikesListener>()
  private readonly errorListeners = new Set<DeviceErrorListener>()
  private readonly linkWaiters = new Set<() => void>()
  private spikeCount = 0
  private rateSamples: { at: number; events: number; spikes: number }[] = []
  /** Counted by the runner: events sent as EVENTS_IN, and events dropped because the link was full. */
  eventsSent = 0
  hostDropped = 0
  private readonly openLink: BoardLinkOpener
  private closed = false
  /** The current link when it rediscovers its device by itself (then the session does not reopen it). */
  private rediscovering: RediscoveringDuplex | null = null
  private stopFollowing: (() => void) | null = null

  constructor(private readonly onStatus: (status: BoardStatus) => void, private readonly options: BoardSessionOptions = {}) {
    this.openLink = options.openLink ?? ((device, baud) => this.defaultOpen(device, baud))
  }

  current(): BoardStatus {
    return this.status
  }

  /** The built-in simulated board (tests reach its flash and state through it). */
  get simulatedBoard(): SimBoard {
    this.sim ??= new SimBoard({ boardId: 'spikelab-sim-rp1', ...this.options.simBoard })
    return this.sim
  }

  /** The link client while connected (CONNECTED or SUSPECT), else null. */
  get connectedClient(): BoardLinkClient | null {
    return this.client && (this.client.state === 'CONNECTED' || this.client.state === 'SUSPECT') ? this.client : null
  }

  /** The client of the current connection, whatever its state (a deploy keeps using it across a loss). */
  get linkClient(): BoardLinkClient | null {
    return this.client
  }

  requireClient(): BoardLinkClient {
    const c = this.connectedClient
    if (!c) throw new SpikelabError('board-not-connected', this.device ? `the board link is ${this.status.state}; wait for it to recover or reconnect` : 'connect a board first (Devices → Board)')
    return c
  }

  onSpikes(listener: SpikesListener): () => void {
    this.spikesListeners.add(listener)
    return () => this.spikesListeners.delete(listener)
  }

  onDeviceError(listener: DeviceErrorListener): () => void {
    this.errorListeners.add(listener)
    return () => this.errorListeners.delete(listener)
  }

  /** Resolves once the link is connected again (or at once); rejects after `timeoutMs` or on abort. */
  waitForLink(timeoutMs: number, signal?: AbortSignal): Promise<BoardLinkClient> {
    const ready = this.connectedClient
    if (ready) return Promise.resolve(ready)
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        this.linkWaiters.delete(onLink)
        signal?.removeEventListener('abort', onAbort)
      }
      const onLink = () => {
        const c = this.connectedClient
        if (!c) return
        done()
        resolve(c)
      }
      const onAbort = () => {
        done()
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'))
      }
      const timer = setTimeout(() => {
        done()
        reject(new SpikelabError('board-not-connected', `the board link did not recover within ${timeoutMs / 1000} s`))
      }, timeoutMs)
      this.linkWaiters.add(onLink)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  async connect(device: string, baud?: number): Promise<BoardStatus> {
    if (this.closed) throw new SpikelabError('board-closed', 'the lab is shutting down')
    await this.disconnect()
    this.device = device
    this.baud = baud
    this.status = { ...idleStatus(), state: 'connecting', device }
    this.push()
    const duplex = new SwitchableDuplex()
    const client = new BoardLinkClient(duplex, { hostName: 'spikelab' })
    this.duplex = duplex
    this.client = client
    this.wire(client)
    try {
      const link = await this.openLink(device, baud)
      duplex.attach(link, () => this.transportLost('the port closed'))
      if (link instanceof RediscoveringDuplex) this.follow(link, client)
      await client.connect()
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      this.teardown()
      this.status = { ...idleStatus(), device, lastError: message }
      this.push()
      throw new SpikelabError('board-connect-failed', `could not connect to the board on ${device}: ${message}`, { field: 'device' })
    }
    this.ticker = setInterval(() => this.tick(), this.options.statusIntervalMs ?? 500)
    return this.status
  }

  async disconnect(): Promise<BoardStatus> {
    const had = this.client !== null
    this.teardown()
    if (had) {
      this.status = { ...this.status, state: 'disconnected', health: { ...this.status.health, heartbeatAgeMs: null } }
      this.push()
    }
    return this.status
  }

  /**
   * Ends the current client and starts a fresh one on a reopened transport (a cancelled deploy:
   * nothing more is sent, the board keeps its journal, and the next deploy resumes).
   */
  async restartLink(): Promise<void> {
    const device = this.device
    if (!device || this.closed) return
    const { losses } = this.status
    await this.connect(device, this.baud).catch(() => undefined)
    this.status = { ...this.status, losses }
  }

  /** Asks the board for CAPS again (after a deploy, revert or confirm) and pushes the status. */
  async refreshCaps(): Promise<BoardCaps | null> {
    const c = this.connectedClient
    if (!c) return this.status.caps
    const caps = await c.getCaps()
    this.applyCaps(caps)
    return this.status.caps
  }

  /** Labels of the active model changed (a deploy stored its blob). */
  refreshLabels(): void {
    const sha = this.status.caps?.activeSha256
    this.status = { ...this.status, labels: sha ? (this.options.labelsFor?.(sha) ?? []) : [] }
    this.push()
  }

  setRun(run: BoardStatus['run']): void {
    this.status = { ...this.status, run }
    this.push()
  }

  close(): void {
    this.closed = true
    this.teardown()
    this.sim?.close()
    this.sim = null
  }

  private async defaultOpen(device: string, baud: number | undefined): Promise<ByteDuplex> {
    if (device === SIMULATED_BOARD_ID) {
      const pair = createMemoryDuplexPair()
      this.simulatedBoard.attach(pair.device)
      return pair.host
    }
    const r = this.options.rediscovery
    const identity = await usbIdentityOf(device, r?.lister)
    if (!identity) return SerialDuplex.open(device, baud ?? 2_000_000) // a pty or an unlisted port: by path
    // No fallback path: after an unplug another device may take the old name; only the identity counts.
    return RediscoveringDuplex.open({
      match: identity,
      baudRate: baud ?? 2_000_000,
      openTimeoutMs: OPEN_TIMEOUT_MS,
      lister: r?.lister,
      portFactory: r?.portFactory,
      presenceIntervalMs: r?.presenceIntervalMs,
      backoffInitialMs: r?.backoffInitialMs,
      backoffMaxMs: r?.backoffMaxMs,
    })
  }

  /**
   * The link reopens itself (by USB identity, with backoff): report its losses and reconnects, and
   * re-handshake the same client when it is back. A handshake that fails on the reopened port drops
   * it again, so the transport backs off and retries (§12.1 HANDSHAKE → BACKOFF).
   */
  private follow(link: RediscoveringDuplex, client: BoardLinkClient): void {
    const { vendorId, productId, serialNumber } = link.match
    this.rediscovering = link
    this.status = {
      ...this.status,
      rediscovery: { vendorId: vendorId ?? null, productId: productId ?? null, serialNumber: serialNumber ?? null, path: link.path ?? null, reconnects: 0 },
    }
    const offHandshake = rehandshakeOnReconnect(link, client, (err) => {
      if (client === this.client) link.transport.markLost(`handshake after reconnect failed: ${err instanceof Error ? err.message : String(err)}`)
    })
    let down = false
    const offState = link.onLinkState((state, reason) => {
      if (client !== this.client) return
      if (state === 'lost') {
        down = true
        this.transportLost(reason ?? 'the port was lost')
      } else if (state === 'connected' && down) {
        down = false
        const r = this.status.rediscovery
        if (r) this.status = { ...this.status, rediscovery: { ...r, path: link.path ?? null, reconnects: r.reconnects + 1 } }
        this.push()
      }
    })
    this.stopFollowing = () => {
      offHandshake()
      offState()
    }
  }

  private wire(client: BoardLinkClient): void {
    client.on('state', (s: string) => {
      if (client !== this.client) return
      if (s === 'CONNECTED') this.onConnected()
      // The port may be known lost before the client's heartbeat notices: lost stays lost.
      else if (s === 'SUSPECT' && this.status.state !== 'lost') this.setState('suspect')
      else if (s === 'HANDSHAKE') this.setState(this.status.state === 'lost' ? 'lost' : 'connecting')
    })
    client.on('caps', (caps: Caps) => {
      if (client === this.client) this.applyCaps(caps)
    })
    client.on('heartbeat', (hb: DeviceHeartbeat) => {
      if (client !== this.client) return
      this.lastHeartbeatAt = Date.now()
      this.applyHeartbeat(hb)
    })
    client.on('lost', (why: string) => {
      if (client !== this.client) return
      this.transportLost(why)
    })
    client.on('spikes', (ev: SpikesEvent) => {
      if (client !== this.client) return
      this.spikeCount += ev.id.length
      for (const l of this.spikesListeners) l(ev)
    })
    client.on('deviceError', (e: { code: number; name: string; msg: string; detail: number }) => {
      if (client !== this.client) return
      for (const l of this.errorListeners) l(e)
    })
  }

  private onConnected(): void {
    this.reconnectDelay = RECONNECT_FIRST_MS
    this.setState('connected', null)
    for (const w of [...this.linkWaiters]) w()
  }

  /**
   * The transport closed or went silent: report 'lost', drop it, and reopen with backoff — unless
   * the link rediscovers its device by itself (then `follow` re-handshakes when it is back).
   */
  private transportLost(why: string): void {
    if (!this.device || this.status.state === 'lost') return
    this.status = { ...this.status, state: 'lost', lastError: why, losses: this.status.losses + 1 }
    this.push()
    if (this.rediscovering) return
    this.duplex?.detach()
    this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || !this.device) return
    const delay = this.reconnectDelay
    this.reconnectDelay = Math.min(RECONNECT_MAX_MS, this.reconnectDelay * 2)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      void this.reconnect()
    }, delay)
  }

  private async reconnect(): Promise<void> {
    const { device, duplex, client } = this
    if (!device || !duplex || !client) return
    try {
      if (!duplex.attached) duplex.attach(await this.openLink(device, this.baud), () => this.transportLost('the port closed'))
      if (client !== this.client) return
      await client.connect()
      if (client === this.client) this.onConnected()
    } catch (err) {
      if (client !== this.client) return
      this.status = { ...this.status, lastError: err instanceof Error ? err.message : String(err) }
      this.push()
      duplex.detach()
      this.scheduleReconnect()
    }
  }

  private teardown(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    if (this.ticker) clearInterval(this.ticker)
    this.ticker = null
    this.stopFollowing?.()
    this.stopFollowing = null
    this.rediscovering = null
    const client = this.client
    this.client = null
    this.duplex = null
    client?.close()
    this.lastHeartbeatAt = null
    this.rateSamples = []
  }

  private setState(state: BoardStatus['state'], lastError?: string | null): void {
    if (this.status.state === state && lastError === undefined) return
    this.status = { ...this.status, state, lastError: lastError === undefined ? this.status.lastError : lastError }
    this.push()
  }

  private applyCaps(caps: Caps): void {
    const sha = caps.activeSlot === 0xff || caps.activeSha256.every((b) => b === 0) ? null : toHex(caps.activeSha256)
    const converted: BoardCaps = {
      protoVer: caps.protoVer,
      firmware: caps.fwVer,
      boardId: caps.boardId,
      serial: caps.serial,
      simulated: (Number(caps.caps) & CapsBit.SIMULATED) !== 0,
      bootCount: caps.bootCount,
      linkBaud: caps.linkBaud,
      maxFrame: caps.maxFrame,
      tickUsDefault: caps.tickUsDefault,
      limits: {
        maxNeurons: caps.maxNeurons, maxSynapseBytes: caps.maxSynapseBytes, maxLayers: caps.maxLayers, maxFanin: caps.maxFanin,
        maxFanout: caps.maxFanout, maxInputs: caps.maxInputs, maxOutputs: caps.maxOutputs, slotSize: caps.slotSize, nSlots: caps.nSlots,
        inQueue: caps.inQueue, outQueue: caps.outQueue, chunkMax: caps.chunkMax, pageSize: caps.pageSize,
      },
      features: CAPS_BITS.filter(([, bit]) => (Number(caps.caps) & bit) !== 0).map(([name]) => name),
      activeSlot: caps.activeSlot === 0xff ? null : caps.activeSlot,
      activeMode: MODE_NAMES[caps.activeMode] ?? 'none',
      activeModelSeq: caps.activeModelSeq,
      activeSha256: sha,
      runState: RUN_STATES[caps.runState] ?? 'fault',
      partial: caps.partialValid ? { deployId: `0x${caps.partialDeployId.toString(16).padStart(16, '0')}`, verifiedOffset: caps.partialVerifiedOffset, totalSize: caps.partialTotalSize } : null,
    }
    this.status = { ...this.status, caps: converted, labels: sha ? (this.options.labelsFor?.(sha) ?? []) : [] }
    this.push()
  }

  private applyHeartbeat(hb: DeviceHeartbeat): void {
    const caps = this.status.caps
    if (!caps) return
    // The heartbeat carries run state and the active model's sequence: keep the CAPS view current.
    const runState = RUN_STATES[hb.runState] ?? 'fault'
    if (runState !== caps.runState || hb.activeModelSeq !== caps.activeModelSeq) {
      this.status = { ...this.status, caps: { ...caps, runState } }
      if (hb.activeModelSeq !== caps.activeModelSeq) void this.refreshCaps().catch(() => undefined)
    }
  }

  private tick(): void {
    const now = Date.now()
    this.rateSamples.push({ at: now, events: this.eventsSent, spikes: this.spikeCount })
    while (this.rateSamples.length > 2 && now - this.rateSamples[0].at > RATE_WINDOW_MS) this.rateSamples.shift()
    const first = this.rateSamples[0]
    const span = (now - first.at) / 1000
    this.status = { ...this.status, health: this.health(span > 0 ? (this.eventsSent - first.events) / span : 0, span > 0 ? (this.spikeCount - first.spikes) / span : 0) }
    this.push()
  }

  private health(eventsInPerSecond: number, spikesOutPerSecond: number): BoardHealth {
    const c = this.client
    const hb = c?.lastHeartbeat ?? null
    const d = hb?.counters
    return {
      heartbeatAgeMs: this.lastHeartbeatAt === null ? null : Date.now() - this.lastHeartbeatAt,
      rxFrames: c?.counters.rxFrames ?? 0,
      crcErrors: c?.counters.rxBadFrames ?? 0,
      seqGaps: c?.counters.rxSeqGaps ?? 0,
      deviceCrcErrors: d?.rxBadFrames ?? 0,
      inLost: d?.inLost ?? 0,
      inDropped: d?.inDropped ?? 0,
      inLate: d?.inLate ?? 0,
      inUnmapped: d?.inUnmapped ?? 0,
      outDropped: d?.outDropped ?? 0,
      tickOverruns: d?.tickOverruns ?? 0,
      tick: hb?.tick ?? 0,
      testPending: hb ? (hb.flags & HeartbeatFlag.TEST_PENDING) !== 0 : false,
      hostDropped: this.hostDropped,
      eventsInPerSecond,
      spikesOutPerSecond,
    }
  }

  private push(): void {
    this.onStatus(this.status)
  }
}

/**
 * The USB identity of `device` when the system lists it (directly or through a symlink such as
 * /dev/serial/by-id/…) with vendor id, product id and serial number; else undefined (ptys, or
 * ports whose serial number is unknown, which could not be told apart from a twin).
 */
async function usbIdentityOf(device: string, lister?: PortLister): Promise<Required<PortMatch> | undefined> {
  const real = (p: string) => {
    try {
      return realpathSync(p)
    } catch {
      return p
    }
  }
  const { ports } = await listSerialPorts(lister)
  const target = real(device)
  const port = ports.find((p) => p.path === device || real(p.path) === target)
  if (!port?.vendorId || !port.productId || !port.serialNumber) return undefined
  return { vendorId: port.vendorId, productId: port.productId, serialNumber: port.serialNumber }
}

function idleStatus(): BoardStatus {
  return {
    state: 'disconnected', device: null, caps: null, labels: [], run: null, losses: 0, lastError: null, rediscovery: null,
    health: {
      heartbeatAgeMs: null, rxFrames: 0, crcErrors: 0, seqGaps: 0, deviceCrcErrors: 0, inLost: 0, inDropped: 0, inLate: 0,
      inUnmapped: 0, outDropped: 0, tickOverruns: 0, tick: 0, testPending: false, hostDropped: 0, eventsInPerSecond: 0, spikesOutPerSecond: 0,
    },
  }
}
