/**
 * Export → import gives the same network (nir.md §7.5): weights bit-identical (float32 in, float32 out),
 * β and θ within float32 rounding, shapes, reset mode, dt and labels restored; forward runs identical.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { simulateFloatNetwork } from '../../../main/deploy/index.js'
import type { FloatLayer, FloatNetwork } from '../../../main/deploy/float-network.js'
import { readNir, writeNir } from '../../../main/nir/index.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'nir-rt-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let seed = 12345
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
  return seed / 2 ** 32
}
const weights = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale)

function spikes(steps: number, n: number, p: number): Uint8Array[] {
  return Array.from({ length: steps }, () => Uint8Array.from({ length: n }, () => (rand() < p ? 1 : 0)))
}

async function roundTrip(net: FloatNetwork, name: string): Promise<{ back: FloatNetwork; warnings: readonly string[] }> {
  const file = path.join(dir, name)
  await writeNir(net, file)
  const imp = await readNir(file)
  return { back: imp.network, warnings: imp.warnings }
}

/** Same kinds and geometry; float arrays equal within `tol` relative (0 = bit-identical). */
function expectSameLayers(a: readonly FloatLayer[], b: readonly FloatLayer[]): void {
  expect(b.map((l) => l.kind)).toEqual(a.map((l) => l.kind))
  a.forEach((la, i) => {
    const lb = b[i] as Record<string, unknown>
    for (const [k, va] of Object.entries(la)) {
      const vb = lb[k]
      if (va instanceof Float32Array) {
        expect(vb, `layers[${i}].${k}`).toBeInstanceOf(Float32Array)
        const fb = vb as Float32Array
        expect(fb.length, `layers[${i}].${k}`).toBe(va.length)
        // Weights pass through untouched; β goes through τ = dt/(1 − β) and back (§7.5: 1e-7 relative).
        const tol = k === 'beta' ? 1e-7 : 0
        for (let j = 0; j < va.length; j++) {
          if (Math.abs(fb[j] - va[j]) > tol * Math.abs(va[j])) expect.fail(`layers[${i}].${k}[${j}]: ${fb[j]} vs ${va[j]}`)
        }
      } else expect(vb, `layers[${i}].${k}`).toEqual(va)
    }
  })
}

describe('NIR round trip', () => {
  it('dense net (784-style: dense+bias → lif subtract → dense → lif zero) returns unchanged', async () => {
    const net: FloatNetwork = {
      inputShape: [40],
      dtSeconds: 1e-3,
      source: 'test',
      warnings: [],
      labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      layers: [
        { kind: 'dense', inFeatures: 40, outFeatures: 30, weight: weights(1200, 0.4), bias: weights(30, 0.1) },
        { kind: 'lif', size: 30, beta: new Float32Array(30).fill(0.95), threshold: new Float32Array(30).fill(1), reset: 'subtract' },
        { kind: 'dense', inFeatures: 30, outFeatures: 10, weight: weights(300, 0.5), bias: weights(10, 0.1) },
        { kind: 'lif', size: 10, beta: Float32Array.from({ length: 10 }, () => 0.5 + rand() * 0.49), threshold: Float32Array.from({ length: 10 }, () => 0.5 + rand()), reset: 'zero' },
      ],
    }
    const { back, warnings } = await roundTrip(net, 'dense.nir')
    expect(back.inputShape).toEqual(net.inputShape)
    expect(back.dtSeconds).toBe(net.dtSeconds)
    expect(back.labels).toEqual(net.labels)
    expectSameLayers(net.layers, back.layers)
    // The one warning: the subtract mode came back from Spikelab's metadata, not from NIR semantics.
    expect(warnings).toEqual([expect.stringContaining('reset by subtraction restored')])
    const input = spikes(25, 40, 0.3)
    const a = simulateFloatNetwork(net, input)
    const b = simulateFloatNetwork(back, input)
    expect(a.layerSpikes[0]).toBeGreaterThan(0)
    expect(b.outputSpikes).toEqual(a.outputSpikes)
    expect(b.layerSpikes).toEqual(a.layerSpikes)
  })

  it('conv net (conv+bias → lif → sum pool → flatten → dense → lif) returns unchanged', async () => {
    const net: FloatNetwork = {
      inputShape: [8, 8, 2],
      dtSeconds: 5e-4,
      source: 'test',
      warnings: [],
      layers: [
        { kind: 'conv2d', inShape: [8, 8, 2], filters: 4, kernel: [3, 3], stride: [1, 1], padding: [1, 1], weight: weights(3 * 3 * 2 * 4, 0.6), bias: weights(4, 0.1) },
        { kind: 'lif', size: 256, beta: new Float32Array(256).fill(0.9), threshold: new Float32Array(256).fill(0.8), reset: 'zero' },
        { kind: 'pool', mode: 'sum', inShape: [8, 8, 4], window: [2, 2], stride: [2, 2], padding: [0, 0] },
        { kind: 'flatten', inShape: [4, 4, 4] },
        { kind: 'dense', inFeatures: 64, outFeatures: 5, weight: weights(320, 0.4), bias: null },
        { kind: 'lif', size: 5, beta: new Float32Array(5).fill(0.85), threshold: new Float32Array(5).fill(1), reset: 'zero' },
      ],
    }
    const { back, warnings } = await roundTrip(net, 'conv.nir')
    expect(warnings).toEqual([])
    expect(back.inputShape).toEqual([8, 8, 2])
    expect(back.dtSeconds).toBe(5e-4)
    expectSameLayers(net.layers, back.layers)
    const input = spikes(20, 128, 0.25)
    const a = simulateFloatNetwork(net, input)
    expect(a.layerSpikes[0]).toBeGreaterThan(0)
    expect(simulateFloatNetwork(back, input).outputSpikes).toEqual(a.outputSpikes)
  })

  it('recurrent layer and scale layer return unchanged; a dt other than 1e-4 round-trips through metadata', async () => {
    const net: FloatNetwork = {
      inputShape: [6],
      dtSeconds: 1e-3,
      source: 'test',
      warnings: [],
      layers: [
        { kind: 'scale', scale: weights(6, 2) },
        { kind: 'dense', inFeatures: 6, outFeatures: 4, weight: weights(24, 0.8), bias: weights(4, 0.1) },
        { kind: 'lif', size: 4, beta: Float32Array.from([0.9, 0.7, 0.99, 0.2]), threshold: new Float32Array(4).fill(0.7), reset: 'zero', recurrent: weights(16, 0.5) },
      ],
    }
    const file = path.join(dir, 'rec.nir')
    await writeNir(net, file, { dtSeconds: 1e-3 })
    const imp = await readNir(file)
    expect(imp.dtSource).toBe('metadata')
    expect(imp.dtSeconds).toBe(1e-3)
    expectSameLayers(net.layers, imp.network.layers)
  })
})
