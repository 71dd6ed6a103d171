import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import { runCli } from '../../../main/cli/main.js'
import { compileNetwork, floatNetworkFromCheckpoint, FloatSimulator, mnistSamples, previewModel, sampleCounts } from '../../../main/deploy/index.js'
import type { BpttConfig } from '../../../main/snn/index.js'
import { SeededRandom, SpikingNetwork, bpttConfig, mnistSplit, restoreParameters, train } from '../../../main/snn/index.js'
import { writeRunFolder } from '../../unit/deploy/run-folder.js'

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

/** 784-100-10 LIF (β 0.95, θ 1, subtract), T 25, rate coding: the reference net, smaller and briefer. */
const CONFIG: Partial<BpttConfig> = {
  epochs: 1,
  batchSize: 32,
  steps: 25,
  learningRate: 2e-3,
  inputShape: [784],
  architecture: [{ type: 'dense', units: 100 }, { type: 'lif', beta: 0.95 }, { type: 'dense', units: 10 }, { type: 'lif', beta: 0.95 }],
  data: { source: 'mnist', trainCount: 800, testCount: 500, splitSeed: 0 },
  backend: 'cpu',
  evalBatchSize: 250,
}

describe('MNIST FC network: float vs quantized RP1', () => {
  it('keeps quantized accuracy within 1 percentage point of float on the same held-out digits', async () => {
    const result = await train(CONFIG)
    const net = floatNetworkFromCheckpoint(result.checkpoint, 'test run')
    const { train: trainSet, test } = mnistSplit(bpttConfig(CONFIG))
    const samples = mnistSamples(test, { steps: 25, tickUs: 1000, seed: 1 })
    const calibration = mnistSamples(trainSet, { steps: 25, tickUs: 1000, seed: 2, count: 50 })

    // The plain-JS float simulator agrees with the tfjs network on identical spike inputs.
    const sim = new FloatSimulator(net)
    const probe = 60
    const inputs = samples.slice(0, probe).map((s) => sampleCounts(s, (a) => a, 784, 1, 1000))
    const host = new Uint8Array(25 * probe * 784)
    inputs.forEach((steps, b) => steps.forEach((x, t) => host.set(x, (t * probe + b) * 784)))
    const network = new SpikingNetwork([784], bpttConfig(CONFIG).architecture, new SeededRandom(0))
    restoreParameters(network.parameters, result.checkpoint.tensors)
    const tfCounts = tf.tidy(() => tf.sum(network.forward({ shape: [25, probe, 784], data: host }).spikes, 0).arraySync() as number[][])
    network.dispose()
    let same = 0
    inputs.forEach((steps, b) => {
      const counts = Array.from(sim.run(steps).outputCounts)
      if (counts.every((c, o) => c === tfCounts[b][o])) same++
    })
    expect(same / probe).toBeGreaterThanOrEqual(0.95) // float32 (tfjs) vs float64 (JS) may flip a borderline spike

    const { blob, report } = compileNetwork(net, { calibration })
    const preview = await previewModel({ blob }, samples, { float: net })
    console.log(`[deploy] MNIST 784-100-10, ${samples.length} held-out digits: float ${(100 * preview.floatAccuracy!).toFixed(1)} %, quantized ${(100 * preview.accuracy!).toFixed(1)} %, agreement ${(100 * preview.agreement!).toFixed(1)} %; shifts ${report.layers.map((l) => l.wShift[0]).join('/')}`)
    expect(preview.count).toBe(500)
    expect(preview.floatAccuracy!).toBeGreaterThan(0.6) // chance is 0.1
    expect(Math.abs(preview.accuracy! - preview.floatAccuracy!)).toBeLessThanOrEqual(0.01)
    expect(preview.disagreementCount).toBe(Math.round((1 - preview.agreement!) * preview.count))
    expect(preview.firingRates.map((r) => r.neurons)).toEqual([100, 10])
    for (const r of preview.firingRates) expect(r.spikesPerNeuronPerTick).toBeGreaterThan(0)
    expect(report.layers.map((l) => l.weightSaturated)).toEqual([0, 0])

    // The same through the CLI: compile a run folder, evaluate the blob on the host engine.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'deploy-mnist-'))
    dirs.push(dir)
    await writeRunFolder(path.join(dir, 'run'), result.checkpoint)
    const blobFile = path.join(dir, 'model.blob')
    const out: string[] = []
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) }
    expect(await runCli(['compile', path.join(dir, 'run'), '--out', blobFile, '--calibrate', '50'], io)).toBe(0)
    expect(await runCli(['evaluate', blobFile, '--count', '100', '--float', path.join(dir, 'run')], io)).toBe(0)
    const text = out.join('\n')
    const m = /accuracy ([\d.]+) % \((\d+)\/100\); float ([\d.]+) %/.exec(text)
    expect(m, text).not.toBeNull()
    expect(Math.abs(Number(m![1]) - Number(m![3]))).toBeLessThanOrEqual(3) // 100 digits: a few flips at most
  }, 120_000)
})
