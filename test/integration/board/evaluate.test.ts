import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { compileNetwork, floatNetworkFromCheckpoint, mnistTestSamples, previewModel } from '../../../main/deploy/index.js'
import type { BpttConfig } from '../../../main/snn/index.js'
import { train } from '../../../main/snn/index.js'
import { JobRegistry } from '../../../main/lab/jobs.js'
import { createBoardServices, type BoardServices } from '../../../main/lab/board/index.js'
import { SensorSession } from '../../../main/lab/sensor/sensor-session.js'

const CONFIG: Partial<BpttConfig> = {
  epochs: 1,
  batchSize: 32,
  steps: 20,
  learningRate: 2e-3,
  inputShape: [784],
  architecture: [{ type: 'dense', units: 48 }, { type: 'lif', beta: 0.9 }, { type: 'dense', units: 10 }, { type: 'lif', beta: 0.9 }],
  data: { source: 'mnist', trainCount: 300, testCount: 40, splitSeed: 3 },
  backend: 'cpu',
}
const DATASET = { source: 'mnist' as const, trainCount: 300, testCount: 40, splitSeed: 3, steps: 20 }

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
})

async function jobResult(jobs: JobRegistry, id: string): Promise<void> {
  await expect.poll(() => jobs.get(id)?.state, { timeout: 90_000, interval: 100 }).not.toBe('running')
  expect(jobs.get(id)?.error ?? null).toBeNull()
  expect(jobs.get(id)?.state).toBe('done')
}

describe('evaluate on board from the lab (a compiled MNIST model that names its dataset)', () => {
  it('reports board accuracy next to the host preview, and they agree exactly (RP1 is bit-exact)', async () => {
    const { checkpoint } = await train(CONFIG)
    const net = floatNetworkFromCheckpoint(checkpoint)
    const calibration = mnistTestSamples(DATASET, { count: 5, tickUs: 1000, which: 'train' })
    const { blob } = compileNetwork(net, { calibration, dataset: DATASET, tickUs: 1000 })

    const labFolder = mkdtempSync(path.join(os.tmpdir(), 'spikelab-board-eval-'))
    const file = path.join(labFolder, 'mnist.blob')
    writeFileSync(file, blob)
    const jobs = new JobRegistry(() => {})
    const sensor = new SensorSession(() => {})
    const services: BoardServices = createBoardServices({
      labFolder, catalogFile: path.join(labFolder, 'catalog.sqlite'), recordingsFolder: path.join(labFolder, 'recordings'), jobs, sensor,
      listRuns: async () => [], broadcast: () => {}, session: { simBoard: { linkBaud: 0, flashTimeScale: 0 } },
    })
    cleanups.push(async () => {
      await jobs.cancelAll()
      await services.dispose()
      rmSync(labFolder, { recursive: true, force: true })
    })
    await services.session.connect('sim:board')
    const ref = `file:${file}`

    await jobResult(jobs, services.deploy.start(ref, { confirm: 'auto' }))
    const previewJob = services.evaluation.preview(ref)
    await jobResult(jobs, previewJob)
    const evalJob = services.evaluation.evaluate(ref)
    await jobResult(jobs, evalJob)

    // The expected numbers, computed here on the same held-out digits with the host engine.
    const samples = mnistTestSamples(DATASET, { count: 200, tickUs: 1000 })
    const expected = await previewModel({ blob }, samples)
    const preview = services.evaluation.result(previewJob)!
    const board = services.evaluation.result(evalJob)!
    expect(preview.samples).toBe(samples.length)
    expect(preview.previewAccuracy).toBe(expected.accuracy)
    expect(board.samples).toBe(samples.length)
    expect(board.previewAccuracy).toBe(expected.accuracy)
    expect(board.boardAccuracy).toBe(expected.accuracy)
    expect(board.detail).toContain(`board and preview agree on ${samples.length} of ${samples.length}`)
    expect(expected.accuracy!).toBeGreaterThan(0.3) // a trained net, not noise (chance 0.1)
  }, 180_000)
})
