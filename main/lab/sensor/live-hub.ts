/**
 * Fans the sensor's event batches out to live viewers at display rate. Batches are coalesced per
 * viewer and flushed every `intervalMs`; a viewer that cannot keep up (its frame was refused, or a
 * flush would exceed `maxEventsPerFlush`) has events decimated, and the count of what it missed is
 * kept so the UI can show it. The recorder does not go through here: it gets every event.
 */
import { concatEventBatches, type EventBatch } from '../../../common/event-batch.js'

export interface LiveViewer {
  /** Sends one coalesced batch; returns false when the connection is congested (frame dropped). */
  send(batch: EventBatch): boolean
}

interface ViewerState {
  viewer: LiveViewer
  pending: EventBatch[]
  pendingEvents: number
  delivered: number
  decimated: number
}

export class LiveHub {
  private readonly viewers = new Map<number, ViewerState>()
  private nextId = 1
  private timer: ReturnType<typeof setInterval> | null = null

  constructor(private readonly intervalMs = 16, private readonly maxEventsPerFlush = 250_000) {}

  add(viewer: LiveViewer): () => void {
    const id = this.nextId++
    this.viewers.set(id, { viewer, pending: [], pendingEvents: 0, delivered: 0, decimated: 0 })
    this.timer ??= setInterval(() => this.flush(), this.intervalMs)
    return () => {
      this.viewers.delete(id)
      if (this.viewers.size === 0 && this.timer) {
        clearInterval(this.timer)
        this.timer = null
      }
    }
  }

  publish(batch: EventBatch): void {
    if (batch.t.length === 0) return
    for (const s of this.viewers.values()) {
      if (s.pendingEvents + batch.t.length > this.maxEventsPerFlush) {
        s.decimated += batch.t.length
        continue
      }
      s.pending.push(batch)
      s.pendingEvents += batch.t.length
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
      if (s.pendingEvents === 0) continue
      const batch = s.pending.length === 1 ? s.pending[0] : concatEventBatches(s.pending)
      if (s.viewer.send(batch)) s.delivered += batch.t.length
      else s.decimated += batch.t.length
      s.pending = []
      s.pendingEvents = 0
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.viewers.clear()
  }
}
