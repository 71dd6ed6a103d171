import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../main/cli/main.js'
import type { FloatLayer, FloatNetwork } from '../../../main/deploy/index.js'
import { compileNetwork, floatNetworkFromCheckpoint, loadFloatNetworkFromRun, modelMetadata, simulateFloatNetwork } from '../../../main/deploy/index.js'
import { RP1_LIMITS, Rp1Engine, decodeModelBlob, runSelfTest, toHex } from '../../../native-bridge/engine/index.js'
import { syntheticCheckpoint, writeRunFolder } from './run-folder.js'

const tmp: string[] = []
afterAll(async () => {
  for (const d of tmp) await rm(d, { recursive: true, force: true })
})

function lif(size: number, beta: number, threshold = 1, reset: 'subtract' | 'zero' = 'subtract'): FloatLayer {
  return { kind: 'lif', size, beta: new Float32Array(size).fill(beta), threshold: new Float32Array(size).fill(threshold), reset }
}

function net(layers: FloatLayer[], inputShape: number[]): FloatNetwork {
  return { inputShape, dtSeconds: 1e-3, layers, source: 'test', warnings: [] }
}

describe('float reference simulator', () => {
  it('follows the documented LIF recurrence (reset from the previous membrane, strict >)', () => {
    const dense: FloatLayer = { kind: 'dense', inFeatures: 1, outFeatures: 1, weight: Float32Array.of(0.8), bias: null }
    const input = [[1], [1], [1], [0]]
    // subtract, β 0.5, θ 1: U = 0.8; 0.4 + 0.8 = 1.2 (spike); 0.6 + 0.8 − 1 = 0.4; 0.2
    const sub = simulateFloatNetwork(net([dense, lif(1, 0.5)], [1]), input)
    expect(sub.outputSpikes.map((s) => s[0])).toEqual([0, 1, 0, 0])
    expect(sub.membraneMax[0]).toBeCloseTo(1.2, 6)
    // zero: the step after the spike starts from 0: 0 + 0.8 = 0.8; then 0.4
    const zero = simulateFloatNetwork(net([dense, lif(1, 0.5, 1, 'zero')], [1]), input)
    expect(zero.outputSpikes.map((s) => s[0])).toEqual([0, 1, 0, 0])
    expect(zero.membraneMax[0]).toBeCloseTo(1.2, 6)
  })
})

describe('compileNetwork', () => {
  const dense: FloatLayer = {
    kind: 'dense', inFeatures: 3, outFeatures: 2,
    // [in, out]: input 0 → (0.5, −0.25), input 1 → (0.1, 0.2), input 2 → (−0.4, 0.3)
    weight: Float32Array.of(0.5, -0.25, 0.1, 0.2, -0.4, 0.3), bias: Float32Array.of(0.01, -0.02),
  }
  const small = { ...net([dense, lif(2, 0.95)], [3]), labels: ['left', 'right'] }

  it('quantizes a dense layer as computed by hand and self-tests with the shared engine', () => {
    const { model, blob, report } = compileNetwork(small, { createdUnix: 1700000000n })
    // |w|max 0.5, headroom 4·θ: shift 5, S = 127·32/0.5 = 8128, factor 8128/32 = 254
    const L = model.layers[0]
    // Slot 1 makes the subtract reset exact: −(1 − 0.9375)·θ·S = −508 = −127 << 2 onto each neuron itself.
    expect(L.sources).toEqual([0xfffe, 0])
    expect(L.wShift).toEqual([5, 2])
    // 2×2 stores in fewer bytes DENSE (4) than CSR (4·3 + 3·2 = 18).
    expect(L.weights[1]).toMatchObject({ format: 'dense', rows: 2, cols: 2 })
    expect(Array.from(L.weights[1].values)).toEqual([-127, 0, 0, -127])
    expect(report.layers[0].resetCorrection).toBe(true)
    expect(report.layers[0].stateScale).toBe(8128)
    const w = L.weights[0]
    expect(w.format).toBe('dense')
    // rows = neurons, cols = inputs: 0.5·254 = 127, 0.1·254 = 25.4 → 25, −0.4·254 = −101.6 → −102, …
    expect(Array.from(w.values)).toEqual([127, 25, -102, -64, 51, 76])
    expect(Array.from(L.threshold)).toEqual([8129, 8129])
    expect(Array.from(L.bias)).toEqual([81, -163]) // 81.28, −162.56
    expect(Array.from(L.leakShift)).toEqual([4, 4])
    expect(L.decayKind).toBe(1)
    expect(L.resetKind).toBe(1)
    expect(model.inputMap).toEqual({ kind: 'table', countMax: 1, channels: Uint16Array.of(0, 1, 2) })
    expect(model.outputMap).toEqual([{ layer: 0, neuron: 0 }, { layer: 0, neuron: 1 }])
    expect(report.warnings.some((x) => x.includes('0.9500 is realised as 0.9375'))).toBe(true)
    // The blob round-trips, carries the labels, and its self-test matches the engine.
    const decoded = decodeModelBlob(blob).model
    expect(modelMetadata(decoded)?.labels).toEqual(['left', 'right'])
    const st = decoded.selfTest!
    const again = runSelfTest(decoded, st.nTicks, st.tUs, st.addr)
    expect(again.spikeCount).toBe(st.expectedSpikeCount)
    expect(toHex(again.spikeHash)).toBe(toHex(st.spikeHash))
    expect(toHex(again.stateHash)).toBe(toHex(st.stateHash))
    // Same network, same options → byte-identical blob (content-derived uuid).
    expect(toHex(compileNetwork(small, { createdUnix: 1700000000n }).blob)).toBe(toHex(blob))
  })

  it('expands a conv net to CSR and pools 128×128×2 DVS pixels onto its [H, W, 2] input', () => {
    const conv: FloatLayer = {
      kind: 'conv2d', inShape: [16, 16, 2], filters: 2, kernel: [3, 3], stride: [1, 1], padding: [1, 1],
      weight: Float32Array.from({ length: 36 }, (_, i) => ((i * 7) % 11) / 10 - 0.5), bias: null,
    }
    const { model, report } = compileNetwork(net([conv, lif(512, 0.9), { kind: 'flatten', inShape: [16, 16, 2] }, { kind: 'dense', inFeatures: 512, outFeatures: 4, weight: new Float32Array(2048).fill(0.01), bias: null }, lif(4, 0.9)], [16, 16, 2]), { input: { kind: 'dvs-pool' } })
    expect(model.layers[0].weights[0].format).toBe('csr') // 512 rows × 512 cols dense vs ≤ 18 entries per row
    expect(report.layers[0].leakShifts).toEqual([3])
    const im = model.inputMap
    expect(im).toMatchObject({ kind: 'dvs-pool', sensorW: 128, sensorH: 128, xBits: 7, yBits: 7, poolShiftX: 3, poolShiftY: 3, splitPolarity: 1 })
    const engine = new Rp1Engine(model)
    // x 17, y 9, p 1 → pooled (1, 2), channel ((9>>3)·16 + (17>>3))·2 + 1 = 37
    expect(engine.channelOf(17 | (9 << 7) | (1 << 14))).toBe(37)
  })

  it('refuses what the board would refuse, with its error codes', () => {
    const wide = net([{ kind: 'dense', inFeatures: 2, outFeatures: 4100, weight: new Float32Array(8200).fill(0.1), bias: null }, lif(4100, 0.9)], [2])
    expect(() => compileNetwork(wide)).toThrow(expect.objectContaining({ code: 'CAPACITY_NEURONS' }))
    const deep = net(Array.from({ length: 17 }, () => lif(2, 0.9)), [2])
    expect(() => compileNetwork(deep)).toThrow(expect.objectContaining({ code: 'CAPACITY_LAYERS' }))
    const recurrentWide = net([{ kind: 'dense', inFeatures: 4096, outFeatures: 10, weight: new Float32Array(40960).fill(0.01), bias: null }, { ...(lif(10, 0.9) as Extract<FloatLayer, { kind: 'lif' }>), recurrent: new Float32Array(100).fill(0.1) }], [4096])
    expect(() => compileNetwork(recurrentWide)).toThrow(expect.objectContaining({ code: 'CAPACITY_FANIN' }))
    // The board's own CAPS, when smaller than RP1's.
    expect(() => compileNetwork(small, { limits: { ...RP1_LIMITS, maxNeurons: 1 } })).toThrow(expect.objectContaining({ code: 'CAPACITY_NEURONS' }))
    expect(() => compileNetwork(small, { limits: { ...RP1_LIMITS, maxSynapseBytes: 5 } })).toThrow(expect.objectContaining({ code: 'CAPACITY_SYNAPSES' }))
  })

  it('reads a training run folder; `spikelab compile` of a model too big writes nothing and names the code', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'deploy-compile-'))
    tmp.push(dir)
    const ok = syntheticCheckpoint([{ type: 'dense', units: 2 }, { type: 'lif', beta: 0.95 }], [3], [
      { name: 'dense0/kernel', shape: [3, 2], values: Float32Array.of(0.5, -0.25, 0.1, 0.2, -0.4, 0.3) },
      { name: 'dense0/bias', shape: [2], values: Float32Array.of(0.01, -0.02) },
    ])
    await writeRunFolder(path.join(dir, 'ok'), ok)
    const loaded = await loadFloatNetworkFromRun(path.join(dir, 'ok'))
    expect(loaded).toEqual(floatNetworkFromCheckpoint(ok, 'run ok'))
    expect(Array.from(compileNetwork(loaded).model.layers[0].weights[0].values)).toEqual([127, 25, -102, -64, 51, 76])

    const big = syntheticCheckpoint([{ type: 'dense', units: 4100 }, { type: 'lif' }], [2], [
      { name: 'dense0/kernel', shape: [2, 4100], values: new Float32Array(8200).fill(0.1) },
      { name: 'dense0/bias', shape: [4100], values: new Float32Array(4100) },
    ])
    await writeRunFolder(path.join(dir, 'big'), big)
    const out = path.join(dir, 'big.blob')
    const err: string[] = []
    const code = await runCli(['compile', path.join(dir, 'big'), '--out', out], { out: () => {}, err: (t) => err.push(t) })
    expect(code).toBe(1)
    expect(err.join('\n')).toContain('CAPACITY_NEURONS')
    expect(existsSync(out)).toBe(false)

    const okOut = path.join(dir, 'ok.blob')
    const lines: string[] = []
    expect(await runCli(['compile', path.join(dir, 'ok'), '--out', okOut], { out: (t) => lines.push(t), err: () => {} })).toBe(0)
    expect(existsSync(okOut)).toBe(true)
    expect(lines.join('\n')).toMatch(/0\.9500→0\.9375/)
  })
})
