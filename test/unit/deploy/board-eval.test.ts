import { afterEach, describe, expect, it } from 'vitest'
import type { FloatLayer, FloatNetwork, InputSample } from '../../../main/deploy/index.js'
import { compileNetwork, evaluateOnBoard, previewModel } from '../../../main/deploy/index.js'
import { BoardLinkClient, createMemoryDuplexPair } from '../../../native-bridge/board-link/index.js'
import { SimBoard } from '../../../native-bridge/sim-board/index.js'

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 4294967296
  }
}

function network(): FloatNetwork {
  const r = lcg(3)
  const lif = (n: number): FloatLayer => ({ kind: 'lif', size: n, beta: new Float32Array(n).fill(0.9), threshold: new Float32Array(n).fill(1), reset: 'subtract' })
  return {
    inputShape: [64], dtSeconds: 1e-3, source: 'test', warnings: [], labels: ['a', 'b', 'c', 'd'],
    layers: [
      { kind: 'dense', inFeatures: 64, outFeatures: 24, weight: Float32Array.from({ length: 64 * 24 }, () => r() * 0.6 - 0.2), bias: Float32Array.from({ length: 24 }, () => r() * 0.1) },
      lif(24),
      { kind: 'dense', inFeatures: 24, outFeatures: 4, weight: Float32Array.from({ length: 96 }, () => r() * 1.2 - 0.4), bias: null },
      lif(4),
    ],
  }
}

function samples(n: number): InputSample[] {
  const r = lcg(9)
  return Array.from({ length: n }, (_, s) => {
    const t: number[] = []
    const a: number[] = []
    for (let k = 0; k < 15; k++) for (let i = 0; i < 64; i++) if (r() < 0.15) { t.push(k * 1000); a.push(i) }
    return { nTicks: 15, tUs: Uint32Array.from(t), addr: Uint32Array.from(a), label: s % 4 }
  })
}

describe('evaluateOnBoard over an in-memory link to the simulated board', () => {
  it('reports the same spike trains as the host preview, even when the board idles before tick 0', async () => {
    const pair = createMemoryDuplexPair()
    const board = new SimBoard({ linkBaud: 0, flashTimeScale: 0 })
    board.attach(pair.device)
    const client = new BoardLinkClient(pair.host)
    cleanups.push(() => {
      client.close()
      board.close()
    })
    const { blob } = compileNetwork(network())
    await client.deploy(blob, { permanent: true })
    // Hold each sample's input back past the board's idle SPIKES_OUT period (100 ms): the run waits
    // for its first tick while the board sends idle frames.
    const send = client.sendEvents.bind(client)
    client.sendEvents = async (t, a, h) => {
      await new Promise((r) => setTimeout(r, 250))
      return send(t, a, h)
    }
    const input = samples(4)
    const preview = await previewModel({ blob }, input, { keepSpikes: true })
    const onBoard = await evaluateOnBoard(client, { blob }, input, { keepSpikes: true })
    expect(preview.outputSpikes).toBeGreaterThan(10)
    expect(onBoard.spikeTrains!.map((s) => [Array.from(s.tick), Array.from(s.id)])).toEqual(preview.spikeTrains!.map((s) => [Array.from(s.tick), Array.from(s.id)]))
    expect(onBoard.firingRates).toEqual(preview.firingRates)
    expect(onBoard.labels).toEqual(['a', 'b', 'c', 'd'])
  })

  it('refuses to evaluate a blob the board is not running', async () => {
    const pair = createMemoryDuplexPair()
    const board = new SimBoard({ linkBaud: 0, flashTimeScale: 0 })
    board.attach(pair.device)
    const client = new BoardLinkClient(pair.host)
    cleanups.push(() => {
      client.close()
      board.close()
    })
    const { blob } = compileNetwork(network())
    await expect(evaluateOnBoard(client, { blob }, samples(1))).rejects.toMatchObject({ code: 'BAD_STATE' })
  })
})
