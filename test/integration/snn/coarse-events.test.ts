import { describe, expect, it } from 'vitest'
import type { CoarseConfig, RunStart } from '../../../main/snn/index.js'
import { coarseConfig, evaluateCoarseCheckpoint, loadEventData, trainCoarse } from '../../../main/snn/index.js'

describe('coarse LIF on emulated N-MNIST events', () => {
  it('bins the emulator output into L binary frames and learns from it', async () => {
    const data = { source: 'emulated-nmnist', count: 300, testFraction: 0.2, splitSeed: 3, pool: 2 } as const
    const starts: RunStart<CoarseConfig>[] = []
    const result = await trainCoarse(
      { backend: 'wasm', model: 'fc', steps: 4, epochs: 4, batchSize: 16, data },
      { onStart: (s) => starts.push(s) },
    )
    expect(starts[0]).toMatchObject({ trainCount: 240, testCount: 60 })
    const resolved = result.checkpoint.config.data
    expect(resolved).toMatchObject({ source: 'emulated-nmnist', sampleShape: [17, 17, 2] })
    if (resolved.source === 'mnist') return
    expect(resolved.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
    expect(result.checkpoint.tensors[0].shape).toEqual([17 * 17 * 2, 10])
    const [first, , , last] = result.history
    expect(last.trainLoss).toBeLessThan(first.trainLoss)
    expect(last.testAccuracy).toBeGreaterThan(0.3) // chance is 0.1
    // the checkpoint rebuilds the network from its resolved config and scores the same frames identically
    const loaded = await loadEventData(resolved, 4)
    expect(await evaluateCoarseCheckpoint(result.checkpoint, loaded.test)).toBe(last.testAccuracy)
  }, 300_000)

  it('refuses analog input for event data and names missing folders', () => {
    expect(() => coarseConfig({ encoding: 'analog', data: { source: 'emulated-nmnist', count: 10, testFraction: 0.2, splitSeed: 0, pool: 1 } })).toThrow(/analog/)
    expect(() => coarseConfig({ data: { source: 'event-folder' } as never })).toThrow(/data.folder/)
    expect(() => coarseConfig({ data: { source: 'cifar' } as never })).toThrow(/data.source/)
  })
})
