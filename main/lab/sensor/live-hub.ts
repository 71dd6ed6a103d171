/**
 * Fans the sensor's event batches out to live viewers at display rate. Batches are coalesced per
 * viewer and flushed every `intervalMs`.
 *
 * Flow control is per viewer, credit-based: a viewer that acknowledges its frames ('sensor.liveAck')
 * has at most `MAX_FRAMES_IN_FLIGHT` unacknowledged frames, so the display lags by a few frames at
 * most; one that never acknowledges is limited by its connection alone (a frame the connection
 * refuses is congestion). While a viewer is held back (no credit, or congested) its events are kept
 * and coalesced for the next flush, and its limit on held events halves; every frame sent doubles
 * it again, up to `maxEventsPerFlush`. When a viewer holds more than its limit, its *oldest* events
 * are decimated (a live display wants the newest), and the count of what it missed is kept so the
 * UI can show it. A client that keeps up therefore gets every event, however bursty the sensor.
 * The recorder does not go through here: it gets every event.
 *
 * A viewer that gives bin settings (`LiveBinSettings`: its decay and raster time per column) gets
 * pre-binned updates instead of events (`live-bins.ts`): its events are folded as they are published,
 * so holding it back costs no memory beyond its bins, and nothing is ever decimated for it — every
 * event is represented in the update that follows (counted as delivered when that update is sent).
 */
import { LiveBinner, type LiveBinSettings } from '../../../common/contract/live-bins.js'
import { concatEventBatches, sliceEventBatch, type EventBatch } from '../../../common/event-batch.js'

export interface LiveViewer {
  /** Sends one coalesced batch; returns false when the connection is congested (frame not sent). */
  send(batch: EventBatch): boolean
  /** Sends the binned update (`bins.encode`) of a viewer added with bin settings; false when congested. */
  sendBins?(bins: LiveBinner): boolean
}

export interface LiveViewerHandle {
  /** The viewer consumed `frames` more frames (credit for as many new ones). */
  ack(frames: number): void
  /** New bin settings for a binned viewer (from its next update on). */
  configure(settings: LiveBinSettings): void
  remove(): void
}

/** Unacknowledged frames an acknowledging viewer may have: ~4 display frames of lag at most. */
export const MAX_FRAMES_IN_FLIGHT = 4

interface ViewerState {
  viewer: LiveViewer
  pending: EventBatch[]
  pendingEvents: number
  /** Events this viewer may hold before the oldest are decimated (adapts to how it keeps up). */
  limit: number
  delivered: number
  decimated: number
  framesSent: number
  /** Frames acknowledged; -1 while the viewer has never acknowledged (no credit control). */
  framesAcked: number
  /** A binned viewer's next update (then `pending` stays empty). */
  bins: LiveBinner | null
}

export class LiveHub {
  private readonly viewers = new Map<number, ViewerState>()
  private nextId = 1
  private timer: ReturnType<typeof setInterval> | null = null

  /**
   * @param maxEventsPerFlush ceiling of a viewer's limit (1 M events is 4 MB packed on the wire)
   * @param minEventsPerFlush floor the limit of a congested viewer shrinks to
   */
  constructor(
    private readonly intervalMs = 16,
    private readonly maxEventsPerFlush = 1_000_000,
    private readonly minEventsPerFlush = Math.min(16_384, maxEventsPerFlush),
  ) {}

  /** Adds a viewer; with `bins` (and `viewer.sendBins`) it gets binned updates instead of events. */
  add(viewer: LiveViewer, bins?: LiveBinSettings): LiveViewerHandle {
    const id = this.nextId++
    const limit = Math.max(this.minEventsPerFlush, Math.min(250_000, this.maxEventsPerFlush))
    const binner = bins && viewer.sendBins ? new LiveBinner(bins) : null
    const state: ViewerState = { viewer, pending: [], pendingEvents: 0, limit, delivered: 0, decimated: 0, framesSent: 0, framesAcked: -1, bins: binner }
    this.viewers.set(id, state)
    this.timer ??= setInterval(() => this.flush(), this.intervalMs)
    return {
      ack: (frames) => {
        state.framesAcked = Math.min(state.framesSent, Math.max(0, state.framesAcked) + frames)
      },
      configure: (settings) => binner?.configure(settings),
      remove: () => {
        this.viewers.delete(id)
        if (this.viewers.size === 0 && this.timer) {
          clearInterval(this.timer)
          this.timer = null
        }
      },
    }
  }

  publish(batch: EventBatch): void {
    if (batch.t.length === 0) return
    for (const s of this.viewers.values()) {
      if (s.bins) {
        s.bins.fold(batch)
        continue
      }
      s.pending.push(batch)
      s.pendingEvents += batch.t.length
      if (s.pendingEvents > s.limit) dropOldest(s, s.pendingEvents - s.limit)
    }
  }

  /** Events delivered to and decimated for all viewers, summed. */
  counts(): { delivered: number; decimated: number } {
    let delivered = 0
    let decimated = 0
    for (const s of this.viewers.values()) {
      delivered += s.delivered
      decimated += s.decimated
    }
    return { delivered, decimated }
  }

  flush(): void {
    for (const s of this.viewers.values()) {
      const noCredit = s.framesAcked >= 0 && s.framesSent - s.framesAcked >= MAX_FRAMES_IN_FLIGHT
      if (s.bins) {
        // Held back, a binned viewer's events stay folded for the next update: nothing to decimate.
        if (s.bins.events > 0 && !noCredit && s.viewer.sendBins!(s.bins)) {
          s.delivered += s.bins.events
          s.framesSent++
          s.bins.reset()
        }
        continue
      }
      if (s.pendingEvents === 0) continue
      const batch = s.pending.length === 1 ? s.pending[0] : concatEventBatches(s.pending)
      if (!noCredit && s.viewer.send(batch)) {
        s.delivered += batch.t.length
        s.framesSent++
        s.pending = []
        s.pendingEvents = 0
        s.limit = Math.min(this.maxEventsPerFlush, s.limit * 2)
      } else {
        // Held back: keep the (coalesced) events for the next flush, but hold fewer from now on.
        s.pending = [batch]
        s.limit = Math.max(this.minEventsPerFlush, Math.floor(s.limit / 2))
        if (s.pendingEvents > s.limit) dropOldest(s, s.pendingEvents - s.limit)
      }
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.viewers.clear()
  }
}

/** Decimates the `count` oldest held events of a viewer (counted, never silent). */
function dropOldest(s: ViewerState, count: number): void {
  let left = count
  while (left > 0 && s.pending.length > 0) {
    const first = s.pending[0]
    const n = first.t.length
    if (n <= left) {
      s.pending.shift()
      left -= n
    } else {
      s.pending[0] = sliceEventBatch(first, left, n)
      left = 0
    }
  }
  const dropped = count - left
  s.pendingEvents -= dropped
  s.decimated += dropped
}
