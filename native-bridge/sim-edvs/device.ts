import type { EventBatch } from '../../common/event-batch.js'
import { sliceEventBatch } from '../../common/event-batch.js'
import { SpikelabError } from '../../common/errors.js'
import { EdvsEncoder } from '../edvs/encoder.js'
import type { EdvsFormat, EdvsNumbering } from '../edvs/formats.js'
import { describeLayout, fixedStride, formatsOf, MAX_DELTA_BYTES } from '../edvs/formats.js'
import type { EdvsOrientation } from '../edvs/orientation.js'
import type { ByteLink } from '../serial/byte-link.js'
import type { SimFaults } from './faults.js'
import { FaultInjector } from './faults.js'
import { EventStreamHasher } from './event-hash.js'
import { movingBar } from './scenes.js'

export type SimFirmware = 'edvs4337' | 'medvs128' | 'lpc2106-v2.2'

export interface SimEdvsOptions {
  /** Which firmware to imitate: banner text and echo command (default eDVS4337). */
  readonly firmware?: SimFirmware
  /** `!E<n>` numbering the simulated firmware uses (default 'current'). */
  readonly numbering?: EdvsNumbering
  /** Line rate to imitate; bytes are paced at baud/10 per second. 0 = as fast as the link takes. */
  readonly baud?: number
  /** Pacing granularity, like an FTDI latency timer (default 16 ms). */
  readonly batchMs?: number
  /** Events to stream; default an endless moving bar. */
  readonly source?: AsyncIterable<EventBatch>
  /** Also pace by event time, as a real sensor would (default false: as fast as the baud allows). */
  readonly realtime?: boolean
  readonly orientation?: Partial<EdvsOrientation>
  readonly faults?: SimFaults
  /** Delay between `R` and the banner (default 50 ms). */
  readonly resetDelayMs?: number
  /** Keep a SHA-256 of every event sent (EventStreamHasher; see `sentDigest()`). */
  readonly hashSent?: boolean
}

export interface SimEdvsStats {
  eventsSent: number
  bytesSent: number
  /** Bytes the fault injector dropped or corrupted. */
  bytesDropped: number
  bytesCorrupted: number
  /** Every command line received, in order. */
  commands: string[]
}

const BANNERS: Record<SimFirmware, string> = {
  edvs4337: 'EDVS-4337 Spikelab simulated sensor, firmware SIM-1',
  medvs128: 'meDVS128 Spikelab simulated sensor, firmware SIM-1',
  'lpc2106-v2.2': 'EDVS128_LPC2106, V2.2 (Spikelab simulated sensor)',
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * The device side of an eDVS (edvs-serial.md §9): answers the handshake and commands like the chosen
 * firmware and, between `E+` and `E-`, streams events as real eDVS bytes in the selected format,
 * paced to the configured baud rate, with optional faults. Works over any ByteLink.
 */
export class SimEdvsDevice {
  readonly stats: SimEdvsStats = { eventsSent: 0, bytesSent: 0, bytesDropped: 0, bytesCorrupted: 0, commands: [] }
  /** Resolves once the source is exhausted and every event has been written. */
  readonly done: Promise<void>

  private readonly firmware: SimFirmware
  private readonly formats: EdvsFormat[]
  private readonly faults: FaultInjector
  private readonly iterator: AsyncIterator<EventBatch>
  private format: EdvsFormat
  private encoder: EdvsEncoder
  private echo = true
  private streaming = false
  private closed = false
  private bootloader = false
  private loop: Promise<void> | undefined
  private pending: EventBatch | undefined
  private origin: number | undefined
  private lineBuf = ''
  private writeChain: Promise<void> = Promise.resolve()
  private readonly biases = new Array<number>(12).fill(0)
  private hasher: EventStreamHasher | undefined
  /** `!E<n>` of the first hashed events. */
  private hashedFormat = 0
  private resolveDone!: () => void
  private readonly unsubscribe: () => void

  constructor(
    private readonly link: ByteLink,
    private readonly options: SimEdvsOptions = {},
  ) {
    this.firmware = options.firmware ?? 'edvs4337'
    this.formats = formatsOf(options.numbering ?? 'current')
    this.format = this.formats[0]
    this.encoder = new EdvsEncoder(this.format.layout, options.orientation)
    this.faults = new FaultInjector(options.faults)
    if (options.baud !== undefined && !(options.baud >= 0)) {
      throw new SpikelabError('SIM_OPTIONS', `baud must be ≥ 0, got ${options.baud}`, { field: 'baud' })
    }
    this.iterator = (options.source ?? movingBar())[Symbol.asyncIterator]()
    this.done = new Promise((r) => (this.resolveDone = r))
    this.unsubscribe = link.onData((chunk) => this.receive(chunk))
  }

  get currentFormat(): EdvsFormat {
    return this.format
  }

  get isStreaming(): boolean {
    return this.streaming
  }

  /**
   * SHA-256 (EventStreamHasher) of the events sent so far in device time, with timestamps unless the
   * format has none; undefined without `hashSent` or before the first `E+`.
   */
  sentDigest(): { events: number; sha256: string; withTime: boolean; format: number } | undefined {
    const h = this.hasher
    if (!h) return undefined
    return { events: h.count, sha256: h.digestSoFar(), withTime: h.withTime, format: this.hashedFormat }
  }

  /** Stops streaming and detaches from the link. */
  async close(): Promise<void> {
    this.closed = true
    this.streaming = false
    this.unsubscribe()
    await this.loop
    await this.iterator.return?.()
  }

  private receive(chunk: Uint8Array): void {
    if (this.bootloader) return
    for (const byte of chunk) {
      if (byte === 0x0a) {
        const line = this.lineBuf.replace(/\r$/, '')
        this.lineBuf = ''
        void this.command(line)
      } else if (this.lineBuf.length < 256) {
        this.lineBuf += String.fromCharCode(byte)
      }
    }
  }

  private async command(line: string): Promise<void> {
    if (line.length === 0) return
    this.stats.commands.push(line)
    if (this.echo && line !== 'R') await this.reply(line)
    let m: RegExpExecArray | null
    if (line === 'R') {
      await this.stopStreaming()
      this.echo = true
      this.setFormat(this.formats[0])
      await sleep(this.options.resetDelayMs ?? 50)
      await this.reply(`${BANNERS[this.firmware]}\r`)
    } else if (line === '??') {
      await this.reply(`${BANNERS[this.firmware]}\r`)
      await this.reply('E+/E- start/stop events, !Ex event format, ??E list formats, !ET0 reset time, !Bx=y bias, !BF flush, !Lx LED, R reset\r')
    } else if (line === '??E') {
      for (const f of this.formats) {
        const text = f.layout.kind === 'plain' ? 'binary 1yyyyyyy.pxxxxxxx' : `as above followed by ${describeLayout(f.layout).replace(/^\S+ bytes, /, '')}, 1us res`
        const bytes = fixedStride(f.layout) ?? `3..${2 + MAX_DELTA_BYTES}`
        await this.reply(`!E${f.command}   - ${bytes} bytes per event (${text})\r`)
      }
    } else if ((m = /^!U([012])$/.exec(line)) && this.firmware === 'edvs4337') {
      this.echo = m[1] !== '0'
    } else if ((m = /^!S([012])$/.exec(line)) && this.firmware === 'lpc2106-v2.2') {
      this.echo = m[1] !== '0'
    } else if ((m = /^!E(\d+)$/.exec(line))) {
      const f = this.formats.find((x) => x.command === Number(m?.[1]))
      if (f) this.setFormat(f)
      else await this.reply(`-E unknown format ${m[1]}\r`)
    } else if (line === 'E+') {
      this.startStreaming()
    } else if (line === 'E-') {
      await this.stopStreaming()
    } else if (line === '!ET0') {
      this.origin = undefined
      this.encoder.resetTime()
    } else if ((m = /^!B(\d+)=(\d+)$/.exec(line)) && Number(m[1]) < 12) {
      this.biases[Number(m[1])] = Number(m[2])
    } else if ((m = /^\?B(\d+)$/.exec(line)) && Number(m[1]) < 12) {
      await this.reply(`-B${m[1]}=${this.biases[Number(m[1])]}\r`)
    } else if (line === '!BF' || /^!L[012]$/.test(line) || /^[012]$/.test(line)) {
      // accepted silently, like the firmware with echo off
    } else if (line[0] === 'P' || line[0] === 'p') {
      // A real board enters its bootloader and stops answering (§8 rule 2); imitate that.
      this.bootloader = true
      await this.stopStreaming()
    } else {
      await this.reply(`? unknown command ${line}\r`)
    }
  }

  private setFormat(f: EdvsFormat): void {
    this.format = f
    this.encoder = new EdvsEncoder(f.layout, this.options.orientation)
    this.origin = undefined
  }

  private reply(text: string): Promise<void> {
    return this.write(new TextEncoder().encode(`${text}\n`))
  }

  /** Serialises writes so replies fall between whole event slices. */
  private write(bytes: Uint8Array): Promise<void> {
    const next = this.writeChain.then(() => this.link.write(bytes))
    this.writeChain = next.catch(() => {})
    return next
  }

  private startStreaming(): void {
    if (this.streaming || this.closed) return
    this.streaming = true
    this.loop = this.stream().catch(() => {
      this.streaming = false // the link went away; a real sensor would simply keep talking to nobody
    })
  }

  private async stopStreaming(): Promise<void> {
    this.streaming = false
    await this.loop
  }

  private async stream(): Promise<void> {
    const bytesPerSec = (this.options.baud ?? 0) / 10
    const batchMs = this.options.batchMs ?? 16
    const maxEventBytes = this.format.layout.kind === 'delta' ? 2 + MAX_DELTA_BYTES : (fixedStride(this.format.layout) ?? 6)
    const sliceEvents = Math.max(1, Math.floor(bytesPerSec > 0 ? (bytesPerSec * batchMs) / 1000 / maxEventBytes : 65536 / maxEventBytes))
    const started = performance.now()
    let sentThisRun = 0
    let firstEventT: number | undefined
    const prefix = this.faults.garbage()
    if (prefix.length > 0) await this.write(prefix)
    let sinceStall = 0
    const stallEvery = this.options.faults?.stallEveryBytes ?? 0
    // Unpaced, the next slice is encoded while the previous one is still being written, so the link
    // never waits for the encoder (at most two slices are queued: backpressure still holds).
    const overlap = bytesPerSec === 0 && !this.options.realtime && stallEvery === 0
    let inFlight: Promise<void> = Promise.resolve()
    while (this.streaming && !this.closed) {
      if (!this.pending || this.pending.t.length === 0) {
        const next = await this.iterator.next()
        if (next.done) {
          await inFlight
          this.streaming = false
          this.resolveDone()
          return
        }
        this.pending = next.value
        continue
      }
      const n = Math.min(sliceEvents, this.pending.t.length)
      const slice = this.deviceTime(n < this.pending.t.length ? sliceEventBatch(this.pending, 0, n) : this.pending)
      this.pending = n < this.pending.t.length ? sliceEventBatch(this.pending, n, this.pending.t.length) : undefined
      if (this.options.realtime && slice.t.length > 0) {
        firstEventT ??= slice.t[0]
        const due = started + (slice.t[0] - firstEventT) / 1000
        if (due > performance.now()) await sleep(due - performance.now())
      }
      const bytes = this.faults.apply(this.encoder.encode(slice))
      const sent = this.write(bytes).then(() => this.sent(slice, bytes))
      sent.catch(() => {}) // handled where it is awaited
      if (overlap) {
        await inFlight
        inFlight = sent
      } else {
        await sent
      }
      sentThisRun += bytes.length
      sinceStall += bytes.length
      if (stallEvery > 0 && sinceStall >= stallEvery) {
        sinceStall = 0
        await sleep(this.options.faults?.stallMs ?? 100)
      }
      if (bytesPerSec > 0) {
        const due = started + (sentThisRun / bytesPerSec) * 1000
        const wait = due - performance.now()
        if (wait > 1) await sleep(wait)
      }
    }
  }

  /** Counts (and hashes) a slice once its bytes are written. */
  private sent(slice: EventBatch, bytes: Uint8Array): void {
    if (this.options.hashSent) {
      if (!this.hasher) {
        this.hasher = new EventStreamHasher(this.format.layout.kind !== 'plain')
        this.hashedFormat = this.format.command
      }
      this.hasher.add(slice)
    }
    this.stats.eventsSent += slice.t.length
    this.stats.bytesSent += bytes.length
    this.stats.bytesDropped = this.faults.dropped
    this.stats.bytesCorrupted = this.faults.corrupted
  }

  /** Source time → device time: zero at the first event after `!ET0` or a format change. */
  private deviceTime(batch: EventBatch): EventBatch {
    if (batch.t.length === 0) return batch
    this.origin ??= batch.t[0]
    const origin = this.origin
    if (origin === 0) return batch
    return { ...batch, t: batch.t.map((t) => t - origin) }
  }
}
