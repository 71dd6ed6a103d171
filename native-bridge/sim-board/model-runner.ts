import type { Clock } from '../board-link/clock.js'
import { Timer } from '../board-link/clock.js'
import type { Rp1Model } from '../engine/model.js'
import { Rp1Engine } from '../engine/rp1-engine.js'
import { EventQueue, SpikeQueue } from './event-queue.js'

export interface RunParams {
  tickUs: number
  stepped: boolean
  monitorAll: boolean
  /** Ticks to run before stopping by itself; 0 = unlimited. */
  stopAfter: number
}

/** What a realtime tick over its compute budget does (§17 item 2). */
export type OverrunPolicy = 'stretch' | 'drop'

export interface RunnerCounters {
  inDropped: number
  inUnmapped: number
  inLate: number
  outDropped: number
  tickOverruns: number
}

export interface RunnerHooks {
  /** The run stopped (STOP, stop_after, session change, activation). */
  onStopped(): void
  /** A tick exceeded its compute budget (§17 item 2). */
  onOverrun(cost: number, budget: number): void
  /** Output spikes became available, or the run state changed. */
  onOutput(): void
}

/** Ticks a catch-up loop may run before yielding to the event loop. */
const MAX_TICKS_PER_SLICE = 64

/**
 * Runs the RP1 engine on the device: bounded input and output queues (§9.3–9.4), realtime ticks on
 * the wall clock with the STRETCH overrun policy, and stepped ticks gated by the input horizon.
 */
export class ModelRunner {
  readonly engine: Rp1Engine
  readonly inQueue: EventQueue
  readonly outQueue: SpikeQueue
  horizonUs = 0
  running = false
  params: RunParams | null = null
  overrunFlag = false
  counters: RunnerCounters = { inDropped: 0, inUnmapped: 0, inLate: 0, outDropped: 0, tickOverruns: 0 }
  /** Ticks whose spikes are all in `outQueue` (or dropped): the first tick not yet computed. */
  private ticksRun = 0
  private wallOriginMs = 0
  private stopTick = 0
  private readonly timer: Timer

  constructor(
    readonly model: Rp1Model,
    inQueueSize: number,
    outQueueSize: number,
    private readonly clock: Clock,
    private readonly budgetPerMs: number,
    private readonly hooks: RunnerHooks,
    private readonly overrunPolicy: OverrunPolicy = 'stretch',
  ) {
    this.engine = new Rp1Engine(model)
    this.inQueue = new EventQueue(inQueueSize)
    this.outQueue = new SpikeQueue(outQueueSize)
    this.timer = new Timer(clock, () => this.slice())
  }

  get tick(): number {
    return this.engine.tick
  }

  /** Queues one event; returns false if unmapped or dropped (counted). */
  pushEvent(tUs: number, addr: number): boolean {
    const ch = this.engine.channelOf(addr)
    if (ch < 0) {
      this.counters.inUnmapped++
      return false
    }
    if (!this.inQueue.push(tUs, ch)) {
      this.counters.inDropped++
      return false
    }
    return true
  }

  advanceHorizon(us: number): void {
    if (us > this.horizonUs) this.horizonUs = us
    if (this.running && this.params?.stepped) this.timer.ensure(0)
  }

  start(p: RunParams): void {
    this.params = p
    this.running = true
    this.overrunFlag = false
    this.stopTick = p.stopAfter > 0 ? this.engine.tick + p.stopAfter : Number.POSITIVE_INFINITY
    this.wallOriginMs = this.clock.now() - (this.engine.tick * p.tickUs) / 1000
    this.timer.start(p.stepped ? 0 : p.tickUs / 1000)
  }

  /** Stops at the tick boundary (every tick here is atomic). */
  stop(): void {
    if (!this.running) return
    this.running = false
    this.timer.stop()
    this.hooks.onStopped()
  }

  /** State reset (§16.3): zeroed network, tick 0, queues cleared. */
  resetState(): void {
    this.engine.reset()
    this.inQueue.clear()
    this.outQueue.clear()
    this.horizonUs = 0
  }

  clearQueues(): void {
    this.inQueue.clear()
    this.horizonUs = 0
  }

  shutdown(): void {
    this.running = false
    this.timer.stop()
  }

  private slice(): void {
    const p = this.params
    if (!this.running || !p) return
    for (let n = 0; n < MAX_TICKS_PER_SLICE && this.running; n++) {
      const k = this.engine.tick
      if (k >= this.stopTick) {
        this.stop()
        return
      }
      const endUs = (k + 1) * p.tickUs
      if (p.stepped) {
        if (this.horizonUs < endUs) return // resumed by advanceHorizon
        if (this.outQueue.free < this.model.outputMap.length || (p.monitorAll && this.outQueue.free < this.engine.nNeurons)) {
          this.timer.start(1) // waits for the link to drain instead of dropping
          return
        }
      } else if (this.clock.now() < this.wallOriginMs + endUs / 1000) {
        break
      }
      this.runTick(k, endUs, p)
    }
    if (!this.running) return
    if (p.stepped) this.timer.start(0)
    else this.timer.start(Math.max(0, this.wallOriginMs + ((this.engine.tick + 1) * p.tickUs) / 1000 - this.clock.now()))
  }

  private runTick(k: number, endUs: number, p: RunParams): void {
    const startUs = k * p.tickUs
    const q = this.inQueue
    const chans: number[] = []
    while (q.fill > 0 && q.peekTime() < endUs && (!p.stepped || chans.length < q.capacity)) {
      if (q.peekTime() < startUs) this.counters.inLate++
      chans.push(q.shift())
    }
    const budget = (this.budgetPerMs * p.tickUs) / 1000
    const keep = !p.stepped && this.overrunPolicy === 'drop' ? this.eventsWithinBudget(chans, budget, p.monitorAll) : chans.length
    this.counters.inDropped += chans.length - keep
    for (let i = 0; i < keep; i++) this.engine.applyChannel(chans[i])
    const ids = this.engine.step(p.monitorAll)
    for (const id of ids) if (!this.outQueue.push(k, id)) this.counters.outDropped++
    if (!p.stepped) {
      const cost = this.engine.lastCost
      if (cost > budget || keep < chans.length) {
        // STRETCH: the tick lasts tick_us·ceil(cost/budget) of wall time; numerics are unchanged.
        if (cost > budget) this.wallOriginMs += ((Math.ceil(cost / budget) - 1) * p.tickUs) / 1000
        this.counters.tickOverruns++
        this.overrunFlag = true
        this.hooks.onOverrun(cost, budget)
      }
    }
    this.hooks.onOutput()
  }

  /**
   * DROP policy (§17 item 2): the largest prefix of the tick's events (in arrival order, so the
   * latest are dropped first) whose tick fits the budget, found by trial ticks on a snapshot.
   */
  private eventsWithinBudget(chans: number[], budget: number, monitorAll: boolean): number {
    const snap = this.engine.snapshot()
    const costWith = (m: number) => {
      for (let i = 0; i < m; i++) this.engine.applyChannel(chans[i])
      this.engine.step(monitorAll)
      const c = this.engine.lastCost
      this.engine.restore(snap)
      return c
    }
    if (costWith(chans.length) <= budget) return chans.length
    let lo = 0
    let hi = chans.length - 1
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2)
      if (costWith(mid) <= budget) lo = mid
      else hi = mid - 1
    }
    return lo
  }
}
