import { describe, expect, it } from 'vitest'
import { CancelledError } from '../../../common/errors.js'
import type { JobInfo } from '../../../common/contract/schemas.js'
import { JobRegistry } from '../../../main/lab/jobs.js'

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('JobRegistry', () => {
  it('reports progress at most 10 times a second and ends with done at 100 %', async () => {
    const updates: JobInfo[] = []
    const jobs = new JobRegistry((u) => updates.push(u))
    const { done } = jobs.start('convert', 'Convert', async (ctx) => {
      for (let i = 1; i <= 1000; i++) {
        ctx.progress({ fraction: i / 1000, message: `${i} of 1000` })
        if (i % 100 === 0) await tick(20)
      }
      return 'result'
    })
    const started = Date.now()
    await expect(done).resolves.toBe('result')
    const elapsedS = (Date.now() - started) / 1000
    const last = updates.at(-1)!
    expect(last.state).toBe('done')
    expect(last.progress).toBe(1)
    expect(last.endedAt).not.toBeNull()
    // start + final are forced; the rest is throttled to ≤ 10 Hz (plus one trailing emit).
    expect(updates.length).toBeLessThanOrEqual(2 + Math.ceil(elapsedS * 10) + 1)
    expect(updates.length).toBeLessThan(1000)
  })

  it('estimates the time left from progress so far', async () => {
    let now = 1_000_000
    const updates: JobInfo[] = []
    const jobs = new JobRegistry((u) => updates.push(u), () => now)
    let advance!: () => void
    const gate = new Promise<void>((r) => (advance = r))
    const { done } = jobs.start('x', 'x', async (ctx) => {
      now += 10_000 // 10 s in, a quarter done → 30 s left
      ctx.progress({ fraction: 0.25 })
      await gate
    })
    expect(updates.at(-1)!.etaSeconds).toBeCloseTo(30, 6)
    advance()
    await done
  })

  it('cancel aborts the signal and ends the job as cancelled, once', async () => {
    const updates: JobInfo[] = []
    const jobs = new JobRegistry((u) => updates.push(u))
    const { id, done } = jobs.start('train', 'Train', async (ctx) => {
      while (!ctx.signal.aborted) await tick(5)
      throw new CancelledError()
    })
    await tick(20)
    expect(jobs.cancel(id)).toBe(true)
    await expect(done).rejects.toBeInstanceOf(CancelledError)
    expect(jobs.get(id)!.state).toBe('cancelled')
    expect(jobs.cancel(id)).toBe(false)
    expect(jobs.cancel('no-such-job')).toBe(false)
    expect(updates.filter((u) => u.state === 'cancelled')).toHaveLength(1)
  })

  it('a job that ignores the signal but returns after cancel is still recorded as cancelled', async () => {
    const jobs = new JobRegistry(() => undefined)
    const { id, done } = jobs.start('x', 'x', async () => {
      await tick(30)
      return 1
    })
    jobs.cancel(id)
    await expect(done).rejects.toBeInstanceOf(CancelledError)
    expect(jobs.get(id)!.state).toBe('cancelled')
  })

  it('a failing job ends as failed with its message', async () => {
    const jobs = new JobRegistry(() => undefined)
    const { id, done } = jobs.start('x', 'x', async () => {
      throw new Error('disk full')
    })
    await expect(done).rejects.toThrow('disk full')
    expect(jobs.get(id)).toMatchObject({ state: 'failed', error: 'disk full' })
  })

  it('cancelAll stops every running job and waits for them', async () => {
    const jobs = new JobRegistry(() => undefined)
    const run = async (ctx: { signal: AbortSignal }) => {
      while (!ctx.signal.aborted) await tick(5)
    }
    jobs.start('a', 'a', run)
    jobs.start('b', 'b', run)
    await jobs.cancelAll()
    expect(jobs.list().map((j) => j.state)).toEqual(['cancelled', 'cancelled'])
  })
})
