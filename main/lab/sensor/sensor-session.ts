/**
 * The connected DVS sensor: the built-in simulated eDVS (in process, speaking real eDVS bytes over
 * an in-memory link) or an eDVS on a serial port. Events flow from the driver to the live hub (and,
 * later, the recorder); status (state, rate, counts, losses) is pushed twice a second. A serial
 * sensor that falls silent is first 'suspect' (port kept, nothing lost) and only 'lost' when the
 * port fails or vanishes, or the silence outlasts `lostAfterSilenceMs` (edvs-serial.md §10.4).
 */
import { statSync } from 'node:fs'
import type { EventBatch } from '../../../common/event-batch.js'
import { SpikelabError } from '../../../common/errors.js'
import type { SensorOrientation, SensorSettings, SensorStatus } from '../../../common/contract/schemas.js'
import { EdvsDriver, type EdvsGap } from '../../../native-bridge/edvs/index.js'
import { createMemoryLinkPair, LOST_AFTER_SILENCE_MS, SerialTransport } from '../../../native-bridge/serial/index.js'
import { movingBar, rotatingDot, SimEdvsDevice } from '../../../native-bridge/sim-edvs/index.js'
import { RecorderThread, type CompressionName, type EventRecorder } from '../../events/index.js'
import { LiveHub } from './live-hub.js'

export const SIMULATED_SENSOR_ID = 'sim:edvs'

export interface SensorConnectOptions {
  readonly device: string
  /** Serial only: silence (ms) after which the sensor is reported 'suspect' (port kept open); default 1000. */
  readonly silenceMs?: number
  /** Serial only: silence (ms) after which the sensor counts as hung and lost (port reopened); default 10 000. */
  readonly lostAfterSilenceMs?: number
  readonly baud?: number
  /** Simulated sensor only. */
  readonly scene?: 'moving-bar' | 'rotating-dot'
  readonly eventsPerSecond?: number
  /** Hardware flow control (eDVS boards use it at 4 Mbaud; pseudo-terminals have no modem lines). */
  readonly rtscts?: boolean
  /** `!E<n>` and the host-side orientation, passed to the driver. */
  readonly format?: number
  readonly orientation?: SensorOrientation
  /**
   * Record from the very first event: the file is opened before streaming starts (`E+`), so a
   * sensor that floods the link at once loses nothing to the time a recorder takes to open.
   */
  readonly recordTo?: { readonly path: string; readonly compression?: CompressionName }
}

/** How long a first connection may take before the person is told it failed. */
const OPEN_TIMEOUT_MS = 4000

interface Connection {
  driver: EdvsDriver
  close(): Promise<void>
}

const RATE_WINDOW_MS = 1000

export class SensorSession {
  readonly hub = new LiveHub()
  private connection: Connection | null = null
  private status: SensorStatus = idleStatus()
  private events = 0
  private rateSamples: Array<{ at: number; events: number }> = []
  private ticker: ReturnType<typeof setInterval> | null = null
  private readonly eventListeners = new Set<(batch: EventBatch) => void>()
  private recorder: { recorder: EventRecorder; startedAt: number } | null = null

  constructor(private readonly onStatus: (status: SensorStatus) => void) {}

  current(): SensorStatus {
    return this.status
  }

  /** Every event, in order, for the recorder (live viewers go through the hub instead). */
  onEvents(listener: (batch: EventBatch) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  async connect(options: SensorConnectOptions): Promise<SensorStatus> {
    await this.disconnect()
    this.events = 0
    this.rateSamples = []
    this.update({ ...idleStatus(), state: 'connecting', device: options.device })
    const onEvents = (batch: EventBatch) => {
      this.events += batch.t.length
      this.recorder?.recorder.append(batch)
      this.hub.publish(batch)
      for (const l of this.eventListeners) l(batch)
    }
    const callbacks = {
      onEvents,
      onGap: (gap: EdvsGap) => this.gap(gap),
      onLoss: (reason: string) => this.update({ ...this.status, state: 'lost', lastError: reason, losses: this.status.losses + 1 }),
      onResume: () => this.update({ ...this.status, state: 'streaming', lastError: null }),
      onSuspect: (reason: string) => {
        if (this.status.state === 'streaming') this.update({ ...this.status, state: 'suspect', lastError: reason, suspects: (this.status.suspects ?? 0) + 1 })
      },
      onAlive: () => {
        if (this.status.state === 'suspect') this.update({ ...this.status, state: 'streaming', lastError: null })
      },
    }
    try {
      this.connection = options.device === SIMULATED_SENSOR_ID ? await connectSimulated(options, callbacks) : await connectSerial(options, callbacks)
      const info = this.connection.driver.device
      if (options.recordTo) this.recorder = { recorder: await this.openRecorder(options.recordTo.path, options.recordTo.compression), startedAt: Date.now() }
      await this.connection.driver.start()
      this.update({
        ...this.status,
        state: 'streaming',
        firmware: info?.banner ?? null,
        format: info ? `!E${info.format.command}` : null,
        width: 128,
        height: 128,
        recording: this.recordingStatus(),
      })
      this.ticker = setInterval(() => this.tick(), 500)
    } catch (err) {
      if (this.recorder) this.stopRecording()
      await this.connection?.close().catch(() => undefined)
      this.connection = null
      const message = err instanceof Error ? err.message : String(err)
      this.update({ ...idleStatus(), device: options.device, lastError: message })
      throw new SpikelabError('sensor-connect-failed', `could not connect to ${options.device}: ${message}`, { field: 'device' })
    }
    return this.status
  }

  /** A hole in the stream: marked in the recording (before the events after it) and in the status. */
  private gap(gap: EdvsGap): void {
    this.recorder?.recorder.appendGap(gap)
    const { kind, durationUs, droppedBytes, lostEventsEstimate, reason } = gap
    this.update({ ...this.status, gaps: (this.status.gaps ?? 0) + 1, lastGap: { kind, durationUs, droppedBytes, lostEventsEstimate, reason } })
  }

  /** Starts writing every event to `path` (AEDAT 4, flushed at least every 50 ms). */
  async startRecording(path: string, compression: CompressionName = 'lz4'): Promise<SensorStatus> {
    if (!this.isStreaming()) throw new SpikelabError('sensor-not-streaming', 'connect a sensor before recording')
    if (this.recorder) throw new SpikelabError('already-recording', `already recording to ${this.recorder.recorder.path}`)
    const recorder = await this.openRecorder(path, compression)
    this.recorder = { recorder, startedAt: Date.now() }
    this.update({ ...this.status, recording: this.recordingStatus() })
    return this.status
  }

  private openRecorder(path: string, compression: CompressionName = 'lz4'): Promise<EventRecorder> {
    return RecorderThread.open(path, { geometry: { width: this.status.width ?? 128, height: this.status.height ?? 128 }, compression })
  }

  /** Closes the recording (writes its FileDataTable) and returns its path and event count. */
  stopRecording(): { path: string; events: number } {
    const current = this.recorder
    if (!current) throw new SpikelabError('not-recording', 'no recording is in progress')
    this.recorder = null
    current.recorder.close()
    this.update({ ...this.status, recording: null })
    return { path: current.recorder.path, events: current.recorder.eventsWritten }
  }

  /** Streaming, or streaming but momentarily silent (the port is open either way). */
  private isStreaming(): boolean {
    return this.status.state === 'streaming' || this.status.state === 'suspect'
  }

  private recordingStatus(): SensorStatus['recording'] {
    if (!this.recorder) return null
    const { recorder, startedAt } = this.recorder
    return { path: recorder.path, events: recorder.eventsWritten, bytes: statSync(recorder.path, { throwIfNoEntry: false })?.size ?? 0, elapsedS: (Date.now() - startedAt) / 1000 }
  }

  /** Whitelisted settings on the connected sensor: biases (then `!BF`) and the LED. */
  async configure(settings: SensorSettings): Promise<SensorStatus> {
    const driver = this.connection?.driver
    if (!driver || !this.isStreaming()) throw new SpikelabError('sensor-not-streaming', 'connect a sensor before changing its settings')
    for (const b of settings.biases ?? []) await driver.setBias(b.index, b.value)
    if (settings.biases) await driver.flushBiases()
    if (settings.led) await driver.setLed(settings.led)
    return this.status
  }

  async disconnect(): Promise<SensorStatus> {
    if (this.ticker) clearInterval(this.ticker)
    this.ticker = null
    const connection = this.connection
    this.connection = null
    // Stop streaming first: the events still in flight reach the recording before it closes.
    if (connection) await connection.driver.stop().catch(() => undefined)
    if (this.recorder) this.stopRecording()
    if (connection) {
      await connection.close()
      this.update({ ...this.status, state: 'disconnected', eventsPerSecond: 0 })
    }
    return this.status
  }

  private tick(): void {
    const now = Date.now()
    this.rateSamples.push({ at: now, events: this.events })
    while (this.rateSamples.length > 2 && now - this.rateSamples[0].at > RATE_WINDOW_MS) this.rateSamples.shift()
    const first = this.rateSamples[0]
    const rate = now > first.at ? ((this.events - first.events) * 1000) / (now - first.at) : 0
    const stats = this.connection?.driver.stats
    const { decimated } = this.hub.counts()
    this.update({
      ...this.status,
      events: this.events,
      eventsPerSecond: rate,
      droppedBytes: stats?.droppedBytes ?? 0,
      decimatedForDisplay: decimated,
      recording: this.recordingStatus(),
    })
  }

  private update(next: SensorStatus): void {
    this.status = next
    this.onStatus(next)
  }
}

function idleStatus(): SensorStatus {
  return {
    state: 'disconnected', device: null, firmware: null, format: null, width: null, height: null,
    events: 0, eventsPerSecond: 0, droppedBytes: 0, decimatedForDisplay: 0, losses: 0, lastError: null, recording: null,
    gaps: 0, lastGap: null, suspects: 0,
  }
}

type DriverCallbacks = Pick<ConstructorParameters<typeof EdvsDriver>[0], 'onEvents' | 'onLoss' | 'onResume' | 'onGap' | 'onSuspect' | 'onAlive'>

async function connectSimulated(options: SensorConnectOptions, callbacks: DriverCallbacks): Promise<Connection> {
  const [hostEnd, deviceEnd] = createMemoryLinkPair()
  const sceneOptions = { eventsPerSecond: options.eventsPerSecond ?? 200_000 }
  const source = options.scene === 'rotating-dot' ? rotatingDot(sceneOptions) : movingBar(sceneOptions)
  const device = new SimEdvsDevice(deviceEnd, { source, realtime: true, baud: options.baud ?? 12_000_000, resetDelayMs: 20 })
  const driver = new EdvsDriver({ link: hostEnd, ...callbacks, format: options.format, orientation: options.orientation, resetWaitMs: 60, commandGapMs: 2 })
  await driver.connect()
  return {
    driver,
    close: async () => {
      driver.close()
      await device.close()
    },
  }
}

async function connectSerial(options: SensorConnectOptions, callbacks: DriverCallbacks): Promise<Connection> {
  // A streaming eDVS sends continuously: a second of silence is suspect (a stalled host or an
  // unplug not yet noticed), ten seconds mean it hung. Only a loss reopens the port.
  const silenceMs = options.silenceMs ?? 1000
  const transport = new SerialTransport({
    path: options.device,
    baudRate: options.baud ?? 4_000_000,
    rtscts: options.rtscts ?? true,
    heartbeatTimeoutMs: silenceMs,
    lostAfterSilenceMs: options.lostAfterSilenceMs ?? Math.max(LOST_AFTER_SILENCE_MS, silenceMs),
  })
  // The transport keeps retrying until the device appears; a person pressing Connect wants an answer.
  let timer: ReturnType<typeof setTimeout> | undefined
  let lastReason = ''
  const offState = transport.onState((_state, reason) => {
    if (reason) lastReason = reason
  })
  try {
    await Promise.race([
      transport.open(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(lastReason || `the port did not open within ${OPEN_TIMEOUT_MS / 1000} s`)), OPEN_TIMEOUT_MS)
      }),
    ])
  } catch (err) {
    await transport.close()
    throw err
  } finally {
    clearTimeout(timer)
    offState()
  }
  const driver = new EdvsDriver({ link: transport, ...callbacks, format: options.format, orientation: options.orientation })
  try {
    await driver.connect()
  } catch (err) {
    await transport.close()
    throw err
  }
  return {
    driver,
    close: async () => {
      driver.close()
      await transport.close()
    },
  }
}
