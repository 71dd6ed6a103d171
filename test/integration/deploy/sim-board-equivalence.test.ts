import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { compileNetwork, evaluateOnBoard, floatNetworkFromCheckpoint, mnistSamples, previewModel } from '../../../main/deploy/index.js'
import type { BpttConfig } from '../../../main/snn/index.js'
import { bpttConfig, mnistSplit, train } from '../../../main/snn/index.js'
import { BoardLinkClient, SerialDuplex } from '../../../native-bridge/board-link/index.js'
import { repoRoot } from '../../support/fixtures.js'

const cleanup: (() => Promise<void> | void)[] = []
afterAll(async () => {
  for (const c of cleanup.reverse()) await c()
})

/** `spikelab sim board --pty --link PATH` as its own process group (socat goes with it). */
async function startSimBoard(link: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/spikelab.js'), 'sim', 'board', '--pty', '--link', link], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  cleanup.push(() => {
    try {
      process.kill(-child.pid!, 'SIGTERM')
    } catch {
      // already gone
    }
  })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim board did not start: ${err}`)), 20_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('ready on')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`sim board exited with ${code}: ${err}`)))
  })
  return child
}

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

describe('host preview vs the simulated board in its own process over a pty', () => {
  it('gives identical output spike trains, predictions, rates and accuracy on the same digits', async () => {
    const { checkpoint } = await train(CONFIG)
    const net = floatNetworkFromCheckpoint(checkpoint)
    const { test } = mnistSplit(bpttConfig(CONFIG))
    const samples = mnistSamples(test, { steps: 20, tickUs: 1000, seed: 5 })
    const { blob } = compileNetwork(net, { calibration: samples.slice(0, 5) })

    const dir = await mkdtemp(path.join(os.tmpdir(), 'deploy-sim-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const link = path.join(dir, 'board')
    await startSimBoard(link)
    const client = new BoardLinkClient(await SerialDuplex.open(link))
    cleanup.push(() => client.close())
    const deployed = await client.deploy(blob, { permanent: true })
    expect(deployed.confirmed).toBe(true)

    const preview = await previewModel({ blob }, samples, { keepSpikes: true, float: net })
    const board = await evaluateOnBoard(client, { blob }, samples, { keepSpikes: true })
    expect(board.target).toBe('board')
    expect(preview.outputSpikes).toBeGreaterThan(100) // the comparison is not between two silences
    expect(board.spikeTrains!.map((t) => [Array.from(t.tick), Array.from(t.id)])).toEqual(preview.spikeTrains!.map((t) => [Array.from(t.tick), Array.from(t.id)]))
    expect(board.predictions).toEqual(preview.predictions)
    expect(board.accuracy).toBe(preview.accuracy)
    expect(board.firingRates).toEqual(preview.firingRates)
    expect(preview.accuracy!).toBeGreaterThan(0.3) // a trained net, not noise (chance 0.1)
  }, 120_000)
})
