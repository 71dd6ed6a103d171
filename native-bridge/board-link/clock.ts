/** Injectable time source, so state machines can run on wall time or on a test clock. */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

export type TimerHandle = { readonly id: unknown }

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, Math.max(0, ms))
    t.unref?.()
    return { id: t }
  },
  clearTimeout: (h) => clearTimeout(h.id as ReturnType<typeof setTimeout>),
}

/** A one-shot timer slot that replaces its previous schedule (the common shape of protocol timers). */
export class Timer {
  private handle: TimerHandle | null = null

  constructor(
    private readonly clock: Clock,
    private readonly fn: () => void,
  ) {}

  get armed(): boolean {
    return this.handle !== null
  }

  start(ms: number): void {
    this.stop()
    this.handle = this.clock.setTimeout(() => {
      this.handle = null
      this.fn()
    }, ms)
  }

  /** Starts only when not already running. */
  ensure(ms: number): void {
    if (!this.handle) this.start(ms)
  }

  stop(): void {
    if (this.handle) this.clock.clearTimeout(this.handle)
    this.handle = null
  }
}
