/**
 * Long-running work (convert, import, training, classification): each job gets an id, reports
 * progress at most 10 times a second, can be cancelled through its AbortSignal, and ends in exactly
 * one of done / failed / cancelled. Finished jobs are kept (bounded) so the jobs panel can show them.
 */
import { randomUUID } from 'node:crypto'
import { CancelledError } from '../../common/errors.js'
import type { JobInfo } from '../../common/contract/schemas.js'

export interface JobProgress {
  /** Fraction done in [0, 1], or null when unknown. */
  fraction: number | null
  message?: string
}

export interface JobContext {
  readonly signal: AbortSignal
  progress(update: JobProgress): void
}

const PROGRESS_INTERVAL_MS = 100
const FINISHED_KEPT = 50

interface JobRecord {
  info: JobInfo
  controller: AbortController
  lastEmit: number
  pendingEmit: ReturnType<typeof setTimeout> | null
  done: Promise<unknown>
}

export class JobRegistry {
  private readonly jobs = new Map<string, JobRecord>()

  constructor(private readonly onUpdate: (info: JobInfo) => void, private readonly now: () => number = Date.now) {}

  /** Starts a job; the returned promise settles with its result (rejects on failure or cancel). */
  start<T>(kind: string, title: string, run: (ctx: JobContext) => Promise<T>): { id: string; done: Promise<T> } {
    const id = randomUUID()
    const controller = new AbortController()
    const record: JobRecord = {
      info: {
        id, kind, title, state: 'running', progress: 0, message: '', etaSeconds: null,
        startedAt: this.now(), endedAt: null, error: null,
      },
      controller,
      lastEmit: 0,
      pendingEmit: null,
      done: Promise.resolve(),
    }
    this.jobs.set(id, record)
    this.emit(record, true)
    const ctx: JobContext = {
      signal: controller.signal,
      progress: (update) => this.progress(record, update),
    }
    const done = (async () => {
      try {
        const result = await run(ctx)
        if (controller.signal.aborted) throw new CancelledError()
        this.finish(record, 'done', null)
        return result
      } catch (err) {
        if (controller.signal.aborted || err instanceof CancelledError) this.finish(record, 'cancelled', null)
        else this.finish(record, 'failed', err instanceof Error ? err.message : String(err))
        throw err
      }
    })()
    done.catch(() => undefined) // the registry reports failure through the job's state
    record.done = done
    return { id, done }
  }

  cancel(id: string): boolean {
    const record = this.jobs.get(id)
    if (!record || record.info.state !== 'running') return false
    record.controller.abort(new CancelledError())
    return true
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((r) => r.info)
  }

  get(id: string): JobInfo | undefined {
    return this.jobs.get(id)?.info
  }

  /** Resolves with the job's final info once it has ended (done, failed or cancelled). */
  async settled(id: string): Promise<JobInfo> {
    const record = this.jobs.get(id)
    if (!record) throw new Error(`no job ${id}`)
    await record.done.catch(() => undefined)
    return record.info
  }

  /** Cancels everything still running (shutdown) and waits for the jobs to settle. */
  async cancelAll(): Promise<void> {
    const running = [...this.jobs.values()].filter((r) => r.info.state === 'running')
    for (const r of running) r.controller.abort(new CancelledError())
    await Promise.allSettled(running.map((r) => r.done))
  }

  private progress(record: JobRecord, update: JobProgress): void {
    if (record.info.state !== 'running') return
    const fraction = update.fraction === null ? null : Math.min(1, Math.max(0, update.fraction))
    const elapsed = (this.now() - record.info.startedAt) / 1000
    const etaSeconds = fraction !== null && fraction > 0 && fraction < 1 ? (elapsed * (1 - fraction)) / fraction : null
    record.info = { ...record.info, progress: fraction, message: update.message ?? record.info.message, etaSeconds }
    this.emit(record, false)
  }

  private finish(record: JobRecord, state: JobInfo['state'], error: string | null): void {
    if (record.pendingEmit) clearTimeout(record.pendingEmit)
    record.pendingEmit = null
    record.info = {
      ...record.info, state, error, endedAt: this.now(), etaSeconds: null,
      progress: state === 'done' ? 1 : record.info.progress,
    }
    this.emit(record, true)
    this.prune()
  }

  /** Emits now if the last emit is old enough (or forced); otherwise coalesces into one trailing emit. */
  private emit(record: JobRecord, force: boolean): void {
    const wait = record.lastEmit + PROGRESS_INTERVAL_MS - this.now()
    if (force || wait <= 0) {
      record.lastEmit = this.now()
      this.onUpdate(record.info)
      return
    }
    if (record.pendingEmit) return
    record.pendingEmit = setTimeout(() => {
      record.pendingEmit = null
      record.lastEmit = this.now()
      this.onUpdate(record.info)
    }, wait)
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((r) => r.info.state !== 'running')
    for (const r of finished.slice(0, Math.max(0, finished.length - FINISHED_KEPT))) this.jobs.delete(r.info.id)
  }
}
