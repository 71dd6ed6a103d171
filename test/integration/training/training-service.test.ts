import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { JobInfo, TrainingConfig, TrainingRun } from '../../../common/contract/schemas.js'
import { JobRegistry } from '../../../main/lab/jobs.js'
import { ModelStore } from '../../../main/lab/training/model-store.js'
import { TrainingService } from '../../../main/lab/training/training-service.js'

const tiny: TrainingConfig = {
  method: 'bptt', epochs: 1, batchSize: 50, steps: 5, learningRate: 5e-3, hidden: 16, beta: 0.95, encoding: 'rate',
  trainCount: 200, testCount: 100, seed: 3, backend: 'cpu',
}

function service() {
  const lab = mkdtempSync(path.join(os.tmpdir(), 'spikelab-train-'))
  const updates: TrainingRun[] = []
  const jobUpdates: JobInfo[] = []
  let backend: string | null = null
  const jobs = new JobRegistry((j) => jobUpdates.push(j))
  const models = new ModelStore(path.join(lab, 'catalog.sqlite'))
  const training = new TrainingService(lab, jobs, (r) => updates.push(r), (b) => (backend = b), models)
  return { lab, jobs, training, models, updates, jobUpdates, backend: () => backend }
}

describe('training runs in a worker thread', () => {
  it('trains, reports progress and the backend, and saves a checkpoint the size of the 784-16-10 network', async () => {
    const { jobs, training, models, updates, backend } = service()
    const { jobId, runId } = training.start(tiny)
    await expect.poll(() => jobs.get(jobId)?.state, { timeout: 90_000 }).toBe('done')
    // the job is done when training returns; run.json and the catalog row are written after that
    await training.idle()
    const last = updates.filter((u) => u.id === runId).at(-1)!
    expect(last.state).toBe('done')
    expect(last.history).toHaveLength(1)
    expect(last.history[0].testAccuracy).not.toBeNull()
    expect(last.dataHash).toMatch(/^[0-9a-f]{64}$/)
    expect(backend()).toBe('cpu')
    // 784×16 + 16 + 16×10 + 10 float32 parameters.
    expect(statSync(path.join(last.folder, 'weights.bin')).size).toBe((784 * 16 + 16 + 16 * 10 + 10) * 4)
    const saved = JSON.parse(readFileSync(path.join(last.folder, 'run.json'), 'utf8')) as { run: TrainingRun; checkpoint: { epoch: number; dataHash: string }; tensors: Array<{ byteLength: number }> }
    expect(saved.run.state).toBe('done')
    expect(saved.checkpoint.dataHash).toBe(last.dataHash)
    expect(saved.tensors.reduce((n, t) => n + t.byteLength, 0)).toBe((784 * 16 + 16 + 16 * 10 + 10) * 4)
    expect((await training.list()).map((r) => r.id)).toEqual([runId])
    // the catalog row holds the config, data hash, backend and metrics of the last checkpoint
    const row = models.get(runId)!
    expect(row.run.state).toBe('done')
    expect(row.run.config).toEqual(tiny)
    expect(row.checkpoint).toMatchObject({ epoch: 1, dataHash: last.dataHash, backend: 'cpu' })
    expect(row.checkpoint!.metrics.testAccuracy).toBe(last.history[0].testAccuracy)
  })

  it('inspects a trained run: the confusion matrix agrees with the test accuracy, rasters with the prediction', async () => {
    const { jobs, training, updates } = service()
    const { jobId, runId } = training.start(tiny)
    await expect.poll(() => jobs.get(jobId)?.state, { timeout: 90_000 }).toBe('done')
    await training.idle()
    const last = updates.filter((u) => u.id === runId).at(-1)!
    // all 100 test digits, with the same seeded encoding stream the epoch's evaluation used
    const inspection = await training.inspect(runId, 100, 7)
    expect(inspection.digits).toBe(100)
    expect(inspection.confusion.flat().reduce((a, b) => a + b, 0)).toBe(100)
    const diagonal = inspection.confusion.reduce((a, row, k) => a + row[k], 0)
    expect(diagonal / 100).toBe(inspection.accuracy)
    expect(inspection.accuracy).toBeCloseTo(last.history[0].testAccuracy!, 10)
    expect(inspection.layers.map((l) => [l.name, l.neurons])).toEqual([['hidden 1', 16], ['output', 10]])
    for (const l of inspection.layers) expect(l.rateHistogram.reduce((a, b) => a + b, 0)).toBe(l.neurons)
    // the digit's output raster: the predicted class has the most spikes (first on ties, like argmax)
    const counts = new Array<number>(10).fill(0)
    for (const [t, n] of inspection.sample.layers[1].spikes) {
      expect(t).toBeLessThan(tiny.steps)
      counts[n]++
    }
    expect(counts.indexOf(Math.max(...counts))).toBe(inspection.sample.predicted)
    expect(inspection.sample.index).toBe(7)
  })

  it('inspects a coarse-LIF run the same way: its layers by name, its read-out, its own evaluation stream', async () => {
    const { jobs, training, updates } = service()
    // model 2 of the paper code: Conv 1→4, 5×5 stride 2 (4×14×14 coarse LIF neurons) → FC 784→10
    const config: TrainingConfig = { ...tiny, method: 'coarse', model: 'conv', dataset: 'mnist', steps: 4, learningRate: 2e-3, beta: Math.exp(-1 / 4), readout: 'count-then-drive' }
    const { jobId, runId } = training.start(config)
    await expect.poll(() => jobs.get(jobId)?.state, { timeout: 90_000 }).toBe('done')
    await training.idle()
    const last = updates.filter((u) => u.id === runId).at(-1)!
    const inspection = await training.inspect(runId, 100, 3)
    expect(inspection.confusion.flat().reduce((a, b) => a + b, 0)).toBe(100)
    expect(inspection.accuracy).toBeCloseTo(last.history[0].testAccuracy!, 10)
    expect(inspection.layers.map((l) => [l.name, l.neurons])).toEqual([['conv 1', 4 * 14 * 14], ['output', 10]])
    for (const l of inspection.layers) expect(l.rateHistogram.reduce((a, b) => a + b, 0)).toBe(l.neurons)
    // the predicted class has the top output count (ties are broken by input, so it need not be the first)
    const counts = new Array<number>(10).fill(0)
    for (const [, n] of inspection.sample.layers[1].spikes) counts[n]++
    expect(counts[inspection.sample.predicted]).toBe(Math.max(...counts))
    expect(inspection.sample.steps).toBe(4)
  })

  it('refuses to inspect a method whose network it cannot look inside, by name', async () => {
    const { jobs, training } = service()
    const { jobId, runId } = training.start({ ...tiny, method: 'ide', epochs: 1, trainCount: 100, testCount: 20, steps: 5 })
    await expect.poll(() => jobs.get(jobId)?.state, { timeout: 90_000 }).toBe('done')
    await training.idle()
    await expect(training.inspect(runId, 20, 0)).rejects.toMatchObject({ code: 'SNN_INSPECT_UNSUPPORTED', message: expect.stringContaining("'ide' runs show their metrics only") })
  })

  it('lists runs saved before the catalog had a models table (a run folder with run.json only)', async () => {
    const first = service()
    const { jobId, runId } = first.training.start(tiny)
    await expect.poll(() => first.jobs.get(jobId)?.state, { timeout: 90_000 }).toBe('done')
    await first.training.idle()
    first.models.remove(runId)
    first.models.close()
    // a later session over the same lab folder
    const models = new ModelStore(path.join(first.lab, 'catalog.sqlite'))
    const later = new TrainingService(first.lab, new JobRegistry(() => undefined), () => undefined, () => undefined, models)
    expect(models.list()).toEqual([])
    expect((await later.list()).map((r) => r.id)).toEqual([runId])
    expect(models.get(runId)?.run.state).toBe('done')
  })

  it('cancel stops the run within seconds and leaves its last checkpoint usable', async () => {
    const { jobs, training, updates } = service()
    const { jobId, runId } = training.start({ ...tiny, epochs: 50, trainCount: 2000, hidden: 64 })
    await expect.poll(() => updates.some((u) => u.id === runId && u.progress !== null), { timeout: 60_000 }).toBe(true)
    const asked = Date.now()
    jobs.cancel(jobId)
    await expect.poll(() => jobs.get(jobId)?.state, { timeout: 10_000 }).toBe('cancelled')
    expect(Date.now() - asked).toBeLessThan(5000)
    const last = updates.filter((u) => u.id === runId).at(-1)!
    expect(last.state).toBe('cancelled')
    await expect.poll(() => existsSync(path.join(last.folder, 'weights.bin')), { timeout: 5000 }).toBe(true)
    await expect.poll(() => (JSON.parse(readFileSync(path.join(last.folder, 'run.json'), 'utf8')) as { run: TrainingRun }).run.state, { timeout: 5000 }).toBe('cancelled')
  })
})
