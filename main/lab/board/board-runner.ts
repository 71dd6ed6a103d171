/**
 * Running the active model on the board (§9): the sensor's live events (or a recording, paced in
 * real time) go in as EVENTS_IN within the board's credits, SPIKES_OUT comes back to viewers as
 * spike frames, is decoded into a live label/score, and can be written to a spike CSV.
 *
 * Model time: tick k starts at T0 + k·tick_us after RUN (RESET_FIRST). An event's model time is its
 * sensor time relative to the first event, plus the wall time that had passed at that event and a
 * 30 ms lead (§9.2: timestamp ahead of the device clock), never decreasing.
 * When the sensor offers more than the link carries, the oldest waiting events are dropped and
 * counted (`hostDropped`), never silently (§9.3).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import path from 'node:path'
import type { EventBatch } from '../../../common/event-batch.js'
import { SpikelabError } from '../../../common/errors.js'
import type { BoardOutput, BoardStatus } from '../../../common/contract/schemas.js'
import type { BoardLinkClient, SpikesEvent } from '../../../native-bridge/board-link/index.js'
import { openEventFile } from '../../events/index.js'
import type { SensorSession } from '../sensor/sensor-session.js'
import type { BlobStore, ModelFacts } from './blob-store.js'
import type { BoardSession } from './board-session.js'

const LEAD_US = 60_000
/** A recording can be read ahead, so its events get more lead and reach the board before their tick. */
const REPLAY_LEAD_US = 150_000
const OUTPUT_WINDOW_MS = 250
const OUTPUT_EVERY_MS = 200
const MAX_PER_SEND = 4096

export interface SpikeViewer {
  send(tUs: Float64Array, id: Uint32Array): boolean
}

interface ActiveRun {
  source: 'sensor' | 'recording'
  client: BoardLinkClient
  facts: ModelFacts | null
  tickUs: number
  startedWall: number
  sensorT0: number | null
  offsetUs: number
  lastT: number
  pendingT: number[]
  pendingA: number[]
  stop: boolean
  unsubscribe: Array<() => void>
  csv: WriteStream | null
  csvPath: string | null
  eventsSent: number
  spikes: number
  pump: Promise<void>
  outputTimer: ReturnType<typeof setInterval>
  recent: { tick: number; id: number }[]
  lastTick: number
  /** When the newest SPIKES_OUT frame (which closes tick `lastTick`) arrived, ms. */
  lastTickAt: number
}

export class BoardRunner {
  private run: ActiveRun | null = null
  /** The numbers of the last run when it ended (the status shows `run: null` then). */
  lastRun: NonNullable<BoardStatus['run']> | null = null
  private readonly viewers = new Set<SpikeViewer>()

  constructor(
    private readonly session: BoardSession,
    private readonly sensor: SensorSession,
    private readonly blobs: BlobStore,
    private readonly recordingsFolder: string,
    private readonly onOutput: (out: BoardOutput) => void,
  ) {
    session.onSpikes((ev) => this.onSpikes(ev))
  }

  addViewer(viewer: SpikeViewer): () => void {
    this.viewers.add(viewer)
    return () => this.viewers.delete(viewer)
  }

  get running(): boolean {
    return this.run !== null
  }

  async start(options: { source: 'sensor' | 'recording'; path?: string; record?: boolean }): Promise<BoardStatus> {
    const client = this.session.requireClient()
    const caps = this.session.current().caps
    if (!caps || caps.runState === 'no-model' || !caps.activeSha256) throw new SpikelabError('board-no-model', 'the board has no active model: deploy one first')
    const sensorState = this.sensor.current().state
    // a suspect sensor is connected and read (only silent for now): the run waits for its events
    if (options.source === 'sensor' && sensorState !== 'streaming' && sensorState !== 'suspect') {
      throw new SpikelabError('sensor-not-streaming', 'connect a sensor first (Live or Devices), or run a recording', { field: 'source' })
    }
    if (options.source === 'recording' && !options.path) throw new SpikelabError('bad-params', 'give the recording to run', { field: 'path' })
    await this.stop()
    const facts = this.blobs.facts(caps.activeSha256)
    const tickUs = facts?.tickUs ?? caps.tickUsDefault
    if (caps.runState === 'running') await client.stop()
    let csv: WriteStream | null = null
    let csvPath: string | null = null
    if (options.record) {
      mkdirSync(this.recordingsFolder, { recursive: true })
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
      csvPath = path.join(this.recordingsFolder, `board-spikes-${stamp}.csv`)
      csv = createWriteStream(csvPath)
      csv.write('unit,time_us\n')
    }
    await client.run({ resetFirst: true })
    const run: ActiveRun = {
      source: options.source, client, facts, tickUs, startedWall: Date.now(), sensorT0: null, offsetUs: 0, lastT: 0,
      pendingT: [], pendingA: [], stop: false, unsubscribe: [], csv, csvPath, eventsSent: 0, spikes: 0, pump: Promise.resolve(),
      outputTimer: setInterval(() => this.emitOutput(), OUTPUT_EVERY_MS), recent: [], lastTick: 0, lastTickAt: 0,
    }
    this.run = run
    this.session.hostDropped = 0
    if (options.source === 'sensor') {
      run.unsubscribe.push(this.sensor.onEvents((batch) => this.enqueue(run, batch, true)))
      run.pump = this.pump(run)
    } else {
      run.pump = this.replay(run, options.path!)
    }
    this.session.setRun(this.info(run, options.path ?? null))
    return this.session.current()
  }

  async stop(): Promise<BoardStatus> {
    const run = this.run
    if (!run) return this.session.current()
    this.run = null
    run.stop = true
    for (const u of run.unsubscribe) u()
    clearInterval(run.outputTimer)
    await run.pump.catch(() => undefined)
    if (run.client === this.session.connectedClient) await run.client.stop().catch(() => undefined)
    if (run.csv) await new Promise<void>((r) => run.csv!.end(() => r()))
    this.lastRun = this.info(run, this.session.current().run?.path ?? null)
    this.session.setRun(null)
    return this.session.current()
  }

  /**
   * The board's model time now (§10 clock estimate): from the newest SPIKES_OUT frame (it closes a
   * tick, sent at least every 100 ms while running), else from the wall time since RUN.
   */
  private boardTimeUs(run: ActiveRun): number {
    const wall = (Date.now() - run.startedWall) * 1000
    if (run.lastTickAt === 0) return wall
    return (run.lastTick + 1) * run.tickUs + (Date.now() - run.lastTickAt) * 1000
  }

  /** Sensor coordinates → the sensor address the model's INPUT_MAP expects (§9.3: x | y<<7 | p<<14 for 128×128). */
  private addressOf(facts: ModelFacts | null): (x: number, y: number, p: number) => number {
    const m = facts?.inputMap
    const xBits = m?.kind === 'dvs-pool' ? m.xBits : 7
    const yBits = m?.kind === 'dvs-pool' ? m.yBits : 7
    return (x, y, p) => x | (y << xBits) | (p << (xBits + yBits))
  }

  private enqueue(run: ActiveRun, batch: EventBatch, dropOldest: boolean): void {
    if (run.stop || batch.t.length === 0) return
    const address = this.addressOf(run.facts)
    if (run.sensorT0 === null) {
      run.sensorT0 = batch.t[0]
      run.offsetUs = (Date.now() - run.startedWall) * 1000 + (run.source === 'recording' ? REPLAY_LEAD_US : LEAD_US)
    }
    if (run.source === 'sensor') {
      // The sensor's clock and arrival times drift from the board's ticks: re-anchor when the batch
      // would arrive late (< half the lead) or wait too long in the board's queue (> 3 leads).
      const nowUs = this.boardTimeUs(run)
      const first = batch.t[0] - run.sensorT0 + run.offsetUs
      if (first < nowUs + LEAD_US / 2 || first > nowUs + 3 * LEAD_US) run.offsetUs += nowUs + LEAD_US - first
    }
    for (let i = 0; i < batch.t.length; i++) {
      const t = Math.max(run.lastT, batch.t[i] - run.sensorT0 + run.offsetUs)
      run.lastT = t
      run.pendingT.push(t)
      run.pendingA.push(address(batch.x[i], batch.y[i], batch.p[i]))
    }
    // About 40 ms of a 2 Mbaud link: more waiting events would only arrive late (§9.2).
    const cap = Math.max(MAX_PER_SEND / 2, (this.session.current().caps?.limits.inQueue ?? 8192) / 4)
    if (dropOldest && run.pendingT.length > cap) {
      const excess = run.pendingT.length - cap
      run.pendingT.splice(0, excess)
      run.pendingA.splice(0, excess)
      this.session.hostDropped += excess
    }
  }

  /**
   * Sends waiting events within the board's credits and at most 80 % of the link rate (§5.2): the
   * credits alone would let a whole input queue of events (≈ 180 ms at 2 Mbaud) wait in the link,
   * and they would all arrive late. The excess waits on the host, where drops are counted.
   */
  private async pump(run: ActiveRun): Promise<void> {
    const baud = this.session.current().caps?.linkBaud ?? 0
    // ~4.2 bytes per event on the wire (4 B + frame overhead over ~240 events), 10 bits per byte.
    const eventsPerMs = baud > 0 ? (0.8 * baud) / 10 / 4.2 / 1000 : Infinity
    const depth = Number.isFinite(eventsPerMs) ? Math.max(64, eventsPerMs * 40) : Infinity
    let tokens = depth
    let refilled = Date.now()
    while (!run.stop) {
      const now = Date.now()
      tokens = Math.min(depth, tokens + (now - refilled) * eventsPerMs)
      refilled = now
      const credits = run.client.credits
      const n = Math.min(credits, run.pendingT.length, MAX_PER_SEND, Math.floor(tokens))
      if (n <= 0 || run.client.state !== 'CONNECTED') {
        await sleep(2)
        continue
      }
      tokens -= n
      const t = run.pendingT.splice(0, n)
      const a = run.pendingA.splice(0, n)
      try {
        await run.client.sendEvents(t, a, t[t.length - 1])
      } catch {
        // The link was lost mid-run: waiting events stay counted as dropped; the run resumes sending when it recovers.
        this.session.hostDropped += n
        continue
      }
      run.eventsSent += n
      this.session.eventsSent += n
    }
  }

  /** A recording, paced in real time: no drops (back-pressure instead), then the run stops by itself. */
  private async replay(run: ActiveRun, file: string): Promise<void> {
    const events = await openEventFile(file)
    const sender = this.pump(run)
    try {
      for await (const batch of events.batches()) {
        if (run.stop) break
        for (let from = 0; from < batch.t.length && !run.stop; from += MAX_PER_SEND) {
          const to = Math.min(batch.t.length, from + MAX_PER_SEND)
          this.enqueue(run, { t: batch.t.subarray(from, to), x: batch.x.subarray(from, to), y: batch.y.subarray(from, to), p: batch.p.subarray(from, to) }, false)
          // Keep about 100 ms ahead of the board, and never more than its queue holds.
          while (!run.stop && (run.pendingT.length > MAX_PER_SEND || run.lastT - (Date.now() - run.startedWall) * 1000 > REPLAY_LEAD_US + 50_000)) await sleep(5)
        }
      }
      while (!run.stop && run.pendingT.length > 0) await sleep(5)
      // Let the board reach the last event's tick before stopping: by its own tick count (a loaded
      // board runs behind the wall clock), from SPIKES_OUT (sent at least every 100 ms) or HEARTBEAT.
      const lastTick = Math.floor(run.lastT / run.tickUs) + 2
      const giveUp = Date.now() + 10_000
      while (!run.stop && Date.now() < giveUp && Math.max(run.lastTick, run.client.lastHeartbeat?.tick ?? 0) < lastTick) await sleep(5)
    } finally {
      if (!run.stop) void this.stop()
      await sender.catch(() => undefined)
    }
  }

  private onSpikes(ev: SpikesEvent): void {
    const run = this.run
    const n = ev.id.length
    if (run) {
      run.spikes += n
      if (ev.tickBase + ev.tickSpan - 1 >= run.lastTick) {
        run.lastTick = ev.tickBase + ev.tickSpan - 1
        run.lastTickAt = Date.now()
      }
      for (let i = 0; i < n; i++) run.recent.push({ tick: ev.tick[i], id: ev.id[i] })
      if (run.csv && n > 0) {
        let text = ''
        for (let i = 0; i < n; i++) text += `${ev.id[i]},${ev.tick[i] * run.tickUs}\n`
        run.csv.write(text)
      }
    }
    if (n === 0 || this.viewers.size === 0) return
    const tickUs = run?.tickUs ?? 1000
    const t = new Float64Array(n)
    const id = new Uint32Array(n)
    for (let i = 0; i < n; i++) {
      t[i] = ev.tick[i] * tickUs
      id[i] = ev.id[i]
    }
    for (const v of this.viewers) v.send(t, id)
  }

  private emitOutput(): void {
    const run = this.run
    if (!run) return
    const windowTicks = Math.max(1, Math.round((OUTPUT_WINDOW_MS * 1000) / run.tickUs))
    const from = run.lastTick - windowTicks
    run.recent = run.recent.filter((s) => s.tick > from)
    const nOut = run.facts?.nOutputs ?? Math.max(0, ...run.recent.map((s) => s.id + 1))
    const counts = new Array<number>(nOut).fill(0)
    for (const s of run.recent) if (s.id < nOut) counts[s.id]++
    let winner: number | null = null
    let total = 0
    for (let i = 0; i < nOut; i++) {
      total += counts[i]
      if (counts[i] > 0 && (winner === null || counts[i] > counts[winner])) winner = i
    }
    const labels = run.facts?.labels ?? []
    this.onOutput({
      tick: run.lastTick, windowMs: OUTPUT_WINDOW_MS, counts, winner,
      label: winner === null ? null : (labels[winner] ?? `output ${winner}`), score: winner === null || total === 0 ? 0 : counts[winner] / total,
    })
    this.session.setRun(this.info(run, this.session.current().run?.path ?? null))
  }

  private info(run: ActiveRun, file: string | null): NonNullable<BoardStatus['run']> {
    return { source: run.source, path: file, startedAt: run.startedWall, eventsSent: run.eventsSent, spikes: run.spikes, recordingPath: run.csvPath }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
