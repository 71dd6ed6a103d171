/**
 * Progress throttling and cooperative cancellation for long analysis jobs: progress reaches the
 * caller at most 10 times a second, and the loop yields to the event loop so an AbortSignal can fire.
 */
import { CancelledError } from '../../common/errors.js'

export interface JobProgress {
  readonly phase: string
  /** 0…1 within the whole job. */
  readonly fraction: number
  readonly message?: string
}

export interface JobHooks {
  readonly onProgress?: (p: JobProgress) => void
  readonly signal?: AbortSignal
}

const PROGRESS_INTERVAL_MS = 100
const YIELD_INTERVAL_MS = 50

export class JobControl {
  private lastProgress = -Infinity
  private lastYield = Date.now()
  constructor(private readonly hooks: JobHooks = {}) {}

  throwIfCancelled(): void {
    if (this.hooks.signal?.aborted) throw new CancelledError('classification cancelled')
  }

  /** Reports progress if 100 ms have passed since the last report; `final` (the 100 % report) always goes out. */
  progress(phase: string, fraction: number, final = false): void {
    const now = Date.now()
    if (!this.hooks.onProgress || (!final && now - this.lastProgress < PROGRESS_INTERVAL_MS)) return
    this.lastProgress = now
    this.hooks.onProgress({ phase, fraction: Math.min(1, Math.max(0, fraction)) })
  }

  /** Yields to the event loop every 50 ms so an abort can be delivered; then checks it. */
  async checkpoint(): Promise<void> {
    const now = Date.now()
    if (now - this.lastYield >= YIELD_INTERVAL_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      this.lastYield = Date.now()
    }
    this.throwIfCancelled()
  }
}
