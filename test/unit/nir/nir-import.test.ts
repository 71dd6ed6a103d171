/**
 * NIR graphs written by hand with h5wasm (nir.md §4 layout) import as FloatNetworks whose spikes equal
 * the NIR equations discretised as nir.md §5.1 says (forward Euler at dt: v ← v + (dt/τ)(v_leak − v + R·I),
 * spike when v > v_threshold, then v ← v_reset), computed here independently, channel-first.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { compileNetwork, simulateFloatNetwork } from '../../../main/deploy/index.js'
import { readNir } from '../../../main/nir/index.js'
import { Rp1Engine } from '../../../native-bridge/engine/index.js'
import { f32, f64, fill, i64, i64s, writeHandNir, type HandGraph } from './hand-nir.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'nir-import-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let serial = 0
async function handFile(graph: HandGraph): Promise<string> {
  const file = path.join(dir, `g${serial++}.nir`)
  await writeHandNir(file, graph)
  return file
}

/** Deterministic 0/1 inputs (a small LCG, so the pattern is not periodic). */
function spikeTrain(steps: number, n: number, p: number, seed: number): number[][] {
  let s = seed >>> 0
  return Array.from({ length: steps }, () =>
    Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0
      return s / 2 ** 32 < p ? 1 : 0
    }),
  )
}

interface EulerNeurons {
  a: number[] // dt/τ per neuron (1 for IF-style integration handled separately)
  r: number[]
  vLeak: number[]
  vth: number[]
  vReset: number[]
}

/** Forward-Euler LIF on currents I[t][n]; returns spikes and the smallest |v − θ| seen (a margin). */
function eulerLif(I: number[][], p: EulerNeurons, v0: number[] = p.vReset.map(() => 0)): { spikes: number[][]; margin: number } {
  const v = [...v0]
  let margin = Infinity
  const spikes = I.map((cur) =>
    cur.map((i, n) => {
      v[n] = v[n] + p.a[n] * (p.vLeak[n] - v[n] + p.r[n] * i)
      margin = Math.min(margin, Math.abs(v[n] - p.vth[n]))
      if (v[n] > p.vth[n]) {
        v[n] = p.vReset[n]
        return 1
      }
      return 0
    }),
  )
  return { spikes, margin }
}

const affine = (W: number[][], b: number[], x: number[]) => W.map((row, o) => row.reduce((s, w, i) => s + w * x[i], b[o]))
const fr = (xs: number[]) => xs.map(Math.fround)

function runRp1(net: Parameters<typeof compileNetwork>[0], inputs: number[][]): number[][] {
  const { model } = compileNetwork(net)
  const engine = new Rp1Engine(model)
  const nOut = model.outputMap.length
  return inputs.map((x) => {
    x.forEach((v, i) => {
      for (let k = 0; k < v; k++) engine.applyEvent(i)
    })
    const fired = new Set(engine.step())
    return Array.from({ length: nOut }, (_, o) => (fired.has(o) ? 1 : 0))
  })
}

const asRows = (spikes: Uint8Array[]) => spikes.map((s) => Array.from(s))

describe('NIR import: Input[3] → Affine → LIF → Output built by hand', () => {
  const W = [
    [0.5, -0.25, 0.75],
    [0.25, 0.5, -0.5],
  ]
  const b = [0.125, 0]
  const tau = [8e-4, 4e-4]
  const r = [16, 4]
  const vLeak = [0, 0.4]
  const vth = [1, 0.9]
  const dt = 1e-4
  const graph: HandGraph = {
    nodes: {
      input: { type: 'Input', params: { shape: i64([3]) } },
      fc: { type: 'Affine', params: { weight: f32(W.flat(), [2, 3]), bias: f32(b) } },
      lif: { type: 'LIF', params: { tau: f32(tau), r: f32(r), v_leak: f32(vLeak), v_threshold: f32(vth), v_reset: f32([0, 0]) } },
      output: { type: 'Output', params: { shape: i64([2]) } },
    },
    // Edge order is not execution order (nir.md §4): shuffled on purpose.
    edges: [
      ['lif', 'output'],
      ['input', 'fc'],
      ['fc', 'lif'],
    ],
    metadata: { dt },
  }
  const inputs = spikeTrain(30, 3, 0.45, 7)
  const expected = eulerLif(
    inputs.map((x) => affine(W, b, x)),
    { a: fr(tau).map((t) => dt / t), r: fr(r), vLeak: fr(vLeak), vth: fr(vth), vReset: [0, 0] },
  )

  it('the hand computation is a real test: both neurons spike sometimes, never at a near-tie', () => {
    const counts = [0, 1].map((o) => expected.spikes.reduce((s, row) => s + row[o], 0))
    expect(Math.min(...counts)).toBeGreaterThan(2)
    expect(Math.max(...counts)).toBeLessThan(25)
    expect(expected.margin).toBeGreaterThan(1e-3)
  })

  it('imports with dt from metadata, β = 1 − dt/τ, and simulates to the Euler spikes', async () => {
    const imp = await readNir(await handFile(graph))
    expect(imp.dtSource).toBe('metadata')
    expect(imp.dtSeconds).toBe(dt)
    const net = imp.network
    expect(net.inputShape).toEqual([3])
    expect(net.layers.map((l) => l.kind)).toEqual(['dense', 'lif'])
    const lif = net.layers[1]
    if (lif.kind !== 'lif') throw new Error('lif expected')
    expect(lif.beta[0]).toBeCloseTo(1 - dt / tau[0], 6)
    expect(lif.beta[1]).toBeCloseTo(1 - dt / tau[1], 6)
    expect(lif.reset).toBe('zero')
    // v_leak ≠ 0 is a semantic change the user is told about.
    expect(imp.warnings.some((w) => w.includes('lif (LIF)') && w.includes('v_leak'))).toBe(true)
    expect(asRows(simulateFloatNetwork(net, inputs).outputSpikes)).toEqual(expected.spikes)
  })

  it('compiled for RP1 and run on the shared engine, it gives the same spikes', async () => {
    const { network } = await readNir(await handFile(graph))
    expect(runRp1(network, inputs)).toEqual(expected.spikes)
  })

  it('v_reset ≠ 0: spikes equal the Euler run that starts at v_reset (the one documented difference)', async () => {
    const vReset = [0.25, -0.25]
    const g: HandGraph = { ...graph, nodes: { ...graph.nodes, lif: { type: 'LIF', params: { tau: f32(tau), r: f32(r), v_leak: f32(vLeak), v_threshold: f32(vth), v_reset: f32(vReset) } } } }
    const exp = eulerLif(
      inputs.map((x) => affine(W, b, x)),
      { a: fr(tau).map((t) => dt / t), r: fr(r), vLeak: fr(vLeak), vth: fr(vth), vReset },
      vReset,
    )
    expect(exp.margin).toBeGreaterThan(1e-3)
    const imp = await readNir(await handFile(g))
    expect(imp.warnings.some((w) => w.includes('v_reset ≠ 0'))).toBe(true)
    expect(asRows(simulateFloatNetwork(imp.network, inputs).outputSpikes)).toEqual(exp.spikes)
  })
})

describe('NIR import: dt when the file states none (nir.md §5.1)', () => {
  const lifOnly = (tau: number, r: number, extra: Record<string, ReturnType<typeof f32>> = {}): HandGraph => ({
    nodes: {
      input: { type: 'Input', params: { shape: i64([1]) } },
      fc: { type: 'Affine', params: { weight: f32([1], [1, 1]), bias: f32([0]) } },
      lif: { type: 'LIF', params: { tau: f32([tau]), r: f32([r]), v_leak: f32([0]), v_threshold: f32([0.1]), ...extra } },
      output: { type: 'Output', params: { shape: i64([1]) } },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'lif'],
      ['lif', 'output'],
    ],
  })

  it("snnTorch's convention (r = τ/dt, uniform) gives dt = τ/r, with a warning", async () => {
    // snnTorch export of β = 0.9 at dt = 1e-4: τ = dt/(1 − β) = 1e-3, r = 1/(1 − β) = 10.
    const imp = await readNir(await handFile(lifOnly(1e-3, 10, { v_reset: f32([0]) })))
    expect(imp.dtSource).toBe('snntorch-convention')
    expect(imp.dtSeconds).toBeCloseTo(1e-4, 10)
    const lif = imp.network.layers[imp.network.layers.length - 1]
    if (lif.kind !== 'lif') throw new Error('lif expected')
    expect(lif.beta[0]).toBeCloseTo(0.9, 6)
    // The gain r·dt/τ = 1 leaves the weight as it was.
    const fc = imp.network.layers[0]
    if (fc.kind !== 'dense') throw new Error('dense expected')
    expect(fc.weight[0]).toBe(1)
    expect(imp.warnings.some((w) => w.startsWith('dt:') && w.includes('snnTorch'))).toBe(true)
  })

  it('lif_norse.nir-like content (τ = 0.0025, r = 1, no v_reset): 1 ms assumed with a warning; --dt overrides', async () => {
    const file = await handFile(lifOnly(0.0025, 1))
    const byDefault = await readNir(file)
    expect(byDefault.dtSource).toBe('default')
    expect(byDefault.dtSeconds).toBe(1e-3)
    expect(byDefault.warnings.some((w) => w.startsWith('dt:') && w.includes('1e-3'))).toBe(true)
    const lif = byDefault.network.layers[byDefault.network.layers.length - 1]
    if (lif.kind !== 'lif') throw new Error('lif expected')
    expect(lif.beta[0]).toBeCloseTo(1 - 1e-3 / 0.0025, 6)
    // r·dt/τ = 0.4 is folded into the incoming weight, not the threshold (nir.md §5.1).
    const fc = byDefault.network.layers[0]
    if (fc.kind !== 'dense') throw new Error('dense expected')
    expect(fc.weight[0]).toBeCloseTo(0.4, 6)
    expect(lif.threshold[0]).toBeCloseTo(0.1, 7)
    const withOption = await readNir(file, { dtSeconds: 1e-4 })
    expect(withOption.dtSource).toBe('option')
    const lif2 = withOption.network.layers[1]
    if (lif2.kind !== 'lif') throw new Error('lif expected')
    expect(lif2.beta[0]).toBeCloseTo(1 - 1e-4 / 0.0025, 6)
  })

  it('τ shorter than dt (β < 0) is refused, naming the dataset', async () => {
    await expect(readNir(await handFile(lifOnly(20, 1)), { dtSeconds: 50 })).rejects.toMatchObject({ code: 'nir.value', location: { field: '/node/nodes/lif/tau' } })
  })

  it('τ ≥ 1 everywhere is flagged as probably milliseconds (nir.md §5.4)', async () => {
    const imp = await readNir(await handFile(lifOnly(20, 1)))
    expect(imp.warnings.some((w) => w.startsWith('τ:') && w.includes('milliseconds'))).toBe(true)
  })
})

describe('NIR import: channel-first conv net (Conv2d → IF → SumPool2d → Flatten → Scale → Affine → LIF)', () => {
  const C = 2
  const H = 4
  const Wd = 4
  const CO = 3
  const K = 3
  const convW = Array.from({ length: CO * C * K * K }, (_, k) => (((k * 7) % 9) - 4) / 8) // OIHW
  const convB = [0.1, -0.1, 0.05]
  // Off the lattice of reachable membranes (multiples of 1/40), so no step sits on a tie.
  const ifTh = Array.from({ length: CO * H * Wd }, (_, k) => [0.513, 0.541, 0.562][k % 3]) // [3, 4, 4]
  const scale = Array.from({ length: 12 }, (_, k) => 1 + 0.1 * (k % 4))
  const fcW = Array.from({ length: 4 * 12 }, (_, k) => (((k * 5) % 11) - 4) / 6) // [4, 12]
  const fcB = [0, 0.1, -0.1, 0.2]
  const dt = 1e-4
  const graph: HandGraph = {
    nodes: {
      input: { type: 'Input', params: { shape: i64([C, H, Wd]) } },
      conv: {
        type: 'Conv2d',
        params: {
          weight: f32(convW, [CO, C, K, K]),
          stride: i64([1, 1]),
          padding: i64([1, 1]),
          dilation: i64([1, 1]),
          groups: i64s(1),
          bias: f32(convB),
          input_shape: i64([H, Wd]),
        },
      },
      if1: { type: 'IF', params: { r: f32(fill(48, 1), [CO, H, Wd]), v_threshold: f32(ifTh, [CO, H, Wd]), v_reset: f32(fill(48, 0), [CO, H, Wd]) } },
      pool: { type: 'SumPool2d', params: { kernel_size: i64([2, 2]), stride: i64([2, 2]), padding: i64([0, 0]) } },
      flat: { type: 'Flatten', params: { start_dim: i64s(0), end_dim: i64s(-1), input_type: i64([CO, 2, 2]) } },
      scale: { type: 'Scale', params: { scale: f32(scale) } },
      fc: { type: 'Affine', params: { weight: f32(fcW, [4, 12]), bias: f32(fcB) } },
      lif: { type: 'LIF', params: { tau: f32(fill(4, 1e-3)), r: f32(fill(4, 10)), v_leak: f32(fill(4, 0)), v_threshold: f32(fill(4, 1)), v_reset: f32(fill(4, 0)) } },
      output: { type: 'Output', params: { shape: i64([4]) } },
    },
    edges: [
      ['scale', 'fc'],
      ['input', 'conv'],
      ['pool', 'flat'],
      ['if1', 'pool'],
      ['conv', 'if1'],
      ['fc', 'lif'],
      ['flat', 'scale'],
      ['lif', 'output'],
    ],
    metadata: { dt },
  }
  const T = 25
  const inputsChw = spikeTrain(T, C * H * Wd, 0.3, 11) // x[t][c·H·W + h·W + w]

  /** The NIR graph evaluated directly in NIR's own layout. */
  function handRun() {
    const v1 = new Array(CO * H * Wd).fill(0)
    const lifV = [0, 0, 0, 0]
    let ifSpikes = 0
    let margin = Infinity
    const out: number[][] = []
    for (const x of inputsChw) {
      const s1 = new Array(CO * H * Wd).fill(0)
      for (let o = 0; o < CO; o++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < Wd; w++) {
            let acc = convB[o]
            for (let i = 0; i < C; i++)
              for (let kh = 0; kh < K; kh++)
                for (let kw = 0; kw < K; kw++) {
                  const y = h + kh - 1
                  const z = w + kw - 1
                  if (y < 0 || y >= H || z < 0 || z >= Wd) continue
                  acc += Math.fround(convW[((o * C + i) * K + kh) * K + kw]) * x[(i * H + y) * Wd + z]
                }
            const k = (o * H + h) * Wd + w
            v1[k] += acc // IF: r = 1 per step
            margin = Math.min(margin, Math.abs(v1[k] - Math.fround(ifTh[k])))
            if (v1[k] > Math.fround(ifTh[k])) {
              s1[k] = 1
              v1[k] = 0
              ifSpikes++
            }
          }
      const pooled: number[] = []
      for (let o = 0; o < CO; o++)
        for (let ph = 0; ph < 2; ph++)
          for (let pw = 0; pw < 2; pw++) {
            let s = 0
            for (let dh = 0; dh < 2; dh++) for (let dw = 0; dw < 2; dw++) s += s1[(o * H + 2 * ph + dh) * Wd + 2 * pw + dw]
            pooled.push(s) // flatten index o·4 + ph·2 + pw: NIR's c·H·W + h·W + w
          }
      const scaled = pooled.map((v, k) => v * Math.fround(scale[k]))
      const cur = [0, 1, 2, 3].map((o) => scaled.reduce((s, v, k) => s + Math.fround(fcW[o * 12 + k]) * v, Math.fround(fcB[o])))
      out.push(
        cur.map((i, n) => {
          lifV[n] += (dt / Math.fround(1e-3)) * (-lifV[n] + Math.fround(10) * i)
          margin = Math.min(margin, Math.abs(lifV[n] - 1))
          if (lifV[n] > 1) {
            lifV[n] = 0
            return 1
          }
          return 0
        }),
      )
    }
    return { out, ifSpikes, margin }
  }

  it('gives the spikes of the channel-first computation, through the channels-last FloatNetwork', async () => {
    const expected = handRun()
    expect(expected.ifSpikes).toBeGreaterThan(20)
    expect(expected.out.flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(3)
    expect(expected.margin).toBeGreaterThan(1e-4)
    const imp = await readNir(await handFile(graph))
    const net = imp.network
    expect(net.inputShape).toEqual([H, Wd, C])
    expect(net.layers.map((l) => l.kind)).toEqual(['conv2d', 'lif', 'pool', 'flatten', 'scale', 'dense', 'lif'])
    expect(imp.warnings.some((w) => w.startsWith('if1 (IF)'))).toBe(true)
    // Our input is channels-last: x_ours[(h·W + w)·C + c] = x_nir[c·H·W + h·W + w].
    const inputsHwc = inputsChw.map((x) => {
      const y = new Array(x.length)
      for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < Wd; w++) y[(h * Wd + w) * C + c] = x[(c * H + h) * Wd + w]
      return y
    })
    const run = simulateFloatNetwork(net, inputsHwc)
    expect(run.layerSpikes[0]).toBe(expected.ifSpikes)
    expect(asRows(run.outputSpikes)).toEqual(expected.out)
  })
})

describe('NIR import: recurrent loops (nested graph and dotted names)', () => {
  const W = [
    [0.75, 0, 0.5],
    [0, 0.75, 0.25],
    [0.5, 0.25, 0],
  ]
  const Wrec = [
    [0, -0.5, 0.25],
    [0.5, 0, -0.25],
    [0.25, 0.25, 0],
  ] // Wrec[to][from]
  const tau = fill(3, 5e-4)
  const r = fill(3, 5) // dt/τ = 0.2, gain r·dt/τ = 1
  const dt = 1e-4
  const lifParams = { tau: f32(tau), r: f32(r), v_leak: f32(fill(3, 0)), v_threshold: f32(fill(3, 0.6)), v_reset: f32(fill(3, 0)) }
  const inputs = spikeTrain(30, 3, 0.5, 3)

  function handRun(): { spikes: number[][]; margin: number } {
    const v = [0, 0, 0]
    let prev = [0, 0, 0]
    let margin = Infinity
    const spikes = inputs.map((x) => {
      const cur = [0, 1, 2].map((i) => W[i].reduce((s, w, j) => s + w * x[j], 0) + Wrec[i].reduce((s, w, j) => s + w * prev[j], 0))
      const s = cur.map((c, n) => {
        v[n] += 0.2 * (-v[n] + 5 * c)
        margin = Math.min(margin, Math.abs(v[n] - 0.6))
        if (v[n] > Math.fround(0.6)) {
          v[n] = 0
          return 1
        }
        return 0
      })
      prev = s
      return s
    })
    return { spikes, margin }
  }

  const nested: HandGraph = {
    nodes: {
      input: { type: 'Input', params: { shape: i64([3]) } },
      fc: { type: 'Linear', params: { weight: f32(W.flat(), [3, 3]) } },
      rnn: {
        type: 'NIRGraph',
        nodes: {
          input: { type: 'Input', params: { shape: i64([3]) } },
          lif: { type: 'LIF', params: lifParams },
          w_rec: { type: 'Linear', params: { weight: f32(Wrec.flat(), [3, 3]) } },
          output: { type: 'Output', params: { shape: i64([3]) } },
        },
        edges: [
          ['input', 'lif'],
          ['lif', 'w_rec'],
          ['w_rec', 'lif'],
          ['lif', 'output'],
        ],
      },
      output: { type: 'Output', params: { shape: i64([3]) } },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'rnn'],
      ['rnn', 'output'],
    ],
    metadata: { dt },
  }
  const dotted: HandGraph = {
    nodes: {
      input: { type: 'Input', params: { shape: i64([3]) } },
      fc: { type: 'Linear', params: { weight: f32(W.flat(), [3, 3]) } },
      'lif1.lif': { type: 'LIF', params: lifParams },
      'lif1.w_rec': { type: 'Linear', params: { weight: f32(Wrec.flat(), [3, 3]) } },
      output: { type: 'Output', params: { shape: i64([3]) } },
    },
    edges: [
      ['lif1.w_rec', 'lif1.lif'],
      ['input', 'fc'],
      ['lif1.lif', 'output'],
      ['fc', 'lif1.lif'],
      ['lif1.lif', 'lif1.w_rec'],
    ],
    metadata: { dt },
  }

  it('a nested NIRGraph with a lif → w_rec → lif loop imports with recurrent[from·n + to] = W_rec[to][from]', async () => {
    const expected = handRun()
    expect(expected.margin).toBeGreaterThan(1e-3)
    expect(expected.spikes.flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(5)
    const imp = await readNir(await handFile(nested))
    expect([...imp.graph.nodes.keys()].sort()).toEqual(['fc', 'input', 'output', 'rnn.input', 'rnn.lif', 'rnn.output', 'rnn.w_rec'])
    const lif = imp.network.layers[1]
    if (lif.kind !== 'lif' || !lif.recurrent) throw new Error('recurrent lif expected')
    for (let to = 0; to < 3; to++) for (let from = 0; from < 3; from++) expect(lif.recurrent[from * 3 + to]).toBe(Wrec[to][from])
    expect(asRows(simulateFloatNetwork(imp.network, inputs).outputSpikes)).toEqual(expected.spikes)
  })

  it('the same loop flattened to dotted names (older snnTorch exports) imports to the same network', async () => {
    const a = (await readNir(await handFile(nested))).network
    const b = (await readNir(await handFile(dotted))).network
    expect(b.layers).toEqual(a.layers)
  })
})

describe('NIR import: neuron types whose semantics differ', () => {
  const chain = (neuron: HandGraph['nodes'][string], n = 2): HandGraph => ({
    nodes: {
      input: { type: 'Input', params: { shape: i64([n]) } },
      fc: { type: 'Affine', params: { weight: f32(fill(n * n, 0).map((_, k) => (k % (n + 1) === 0 ? 1 : 0)), [n, n]), bias: f32(fill(n, 0)) } },
      neuron,
      output: { type: 'Output', params: { shape: i64([n]) } },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'neuron'],
      ['neuron', 'output'],
    ],
    metadata: { dt: 1e-3 },
  })

  it('CubaLIF: synapse dropped with a warning; β from τ_mem; float64 parameters accepted', async () => {
    const imp = await readNir(
      await handFile(
        chain({
          type: 'CubaLIF',
          params: { tau_syn: f64([5e-3, 5e-3]), tau_mem: f64([1e-2, 2e-2]), r: f64([1, 1]), v_leak: f64([0, 0]), v_threshold: f64([1, 1]), v_reset: f64([0, 0]), w_in: f64([5, 5]) },
        }),
      ),
    )
    const lif = imp.network.layers[imp.network.layers.length - 1]
    if (lif.kind !== 'lif') throw new Error('lif expected')
    expect(Array.from(lif.beta)).toEqual([Math.fround(1 - 1e-3 / 1e-2), Math.fround(1 - 1e-3 / 2e-2)])
    expect(imp.warnings.some((w) => w.startsWith('neuron (CubaLIF)') && w.includes('synaptic current filter'))).toBe(true)
    // gain = r·dt/τ_mem · w_in·dt/τ_syn = 0.1·1 and 0.05·1, folded into the identity weights
    const fc = imp.network.layers[0]
    if (fc.kind !== 'dense') throw new Error('dense expected')
    expect(fc.weight[0]).toBeCloseTo(0.1, 6)
    expect(fc.weight[3]).toBeCloseTo(0.05, 6)
  })

  it('LI: a non-spiking readout, imported as never-spiking with a warning', async () => {
    const imp = await readNir(await handFile(chain({ type: 'LI', params: { tau: f32([1e-2, 1e-2]), r: f32([1, 1]), v_leak: f32([0, 0]) } })))
    const lif = imp.network.layers[imp.network.layers.length - 1]
    if (lif.kind !== 'lif') throw new Error('lif expected')
    expect(Array.from(lif.threshold)).toEqual([Infinity, Infinity])
    expect(imp.warnings.some((w) => w.startsWith('neuron (LI)') && w.includes('non-spiking'))).toBe(true)
    const run = simulateFloatNetwork(imp.network, spikeTrain(10, 2, 1, 1))
    expect(Array.from(run.outputCounts)).toEqual([0, 0])
  })

  it('Threshold: z = H(x − θ) each step, no memory', async () => {
    const imp = await readNir(await handFile(chain({ type: 'Threshold', params: { threshold: f32([0.5, 1.5]) } })))
    const inputs = [
      [1, 1],
      [0, 1],
      [1, 0],
      [2, 2],
    ]
    // x > θ per step: neuron 0 fires on x ≥ 1, neuron 1 only on x = 2.
    expect(asRows(simulateFloatNetwork(imp.network, inputs).outputSpikes)).toEqual([
      [1, 0],
      [0, 0],
      [1, 0],
      [1, 1],
    ])
  })

  it('int32 shapes are accepted as well as int64 (nir.md §4)', async () => {
    const g = chain({ type: 'Threshold', params: { threshold: f32([0.5, 1.5]) } })
    const file = await handFile({ ...g, nodes: { ...g.nodes, input: { type: 'Input', params: { shape: [Int32Array.from([2]), [1], '<i'] } } } })
    expect((await readNir(file)).network.inputShape).toEqual([2])
  })
})

describe('NIR import: Sinabs-style conv files (no input_shape, string padding)', () => {
  const convParams = (padding: ReturnType<typeof i64> | [string, null], stride: number) => ({
    weight: f32(fill(4 * 2 * 3 * 3, 0.1), [4, 2, 3, 3]),
    stride: i64([stride, stride]),
    padding,
    dilation: i64([1, 1]),
    groups: i64s(1),
    bias: f32(fill(4, 0)),
  })
  const graph = (padding: ReturnType<typeof i64> | [string, null], stride: number, side: number): HandGraph => {
    const pooled = side / 2
    return {
      nodes: {
        input: { type: 'Input', params: { shape: i64([2, 8, 8]) } },
        conv: { type: 'Conv2d', params: convParams(padding, stride) },
        if1: { type: 'IF', params: { r: f32(fill(4 * side * side, 1), [4, side, side]), v_threshold: f32(fill(4 * side * side, 1), [4, side, side]) } },
        pool: { type: 'SumPool2d', params: { kernel_size: i64([2, 2]), stride: i64([2, 2]), padding: i64([0, 0]) } },
        flat: { type: 'Flatten', params: { start_dim: i64s(0), end_dim: i64s(-1), input_type: i64([4, pooled, pooled]) } },
        fc: { type: 'Affine', params: { weight: f32(fill(2 * 4 * pooled * pooled, 0.5), [2, 4 * pooled * pooled]), bias: f32([0, 0]) } },
        out: { type: 'IF', params: { r: f32([1, 1]), v_threshold: f32([1, 1]) } },
        output: { type: 'Output', params: { shape: i64([2]) } },
      },
      edges: [
        ['flat', 'fc'],
        ['pool', 'flat'],
        ['out', 'output'],
        ['conv', 'if1'],
        ['input', 'conv'],
        ['if1', 'pool'],
        ['fc', 'out'],
      ],
    }
  }

  it('stride 2, integer padding: the conv input shape comes from the graph; geometry carried over', async () => {
    const imp = await readNir(await handFile(graph(i64([1, 1]), 2, 4)))
    const [conv, , pool, flat, fc] = imp.network.layers
    expect(conv).toMatchObject({ kind: 'conv2d', inShape: [8, 8, 2], filters: 4, kernel: [3, 3], stride: [2, 2], padding: [1, 1] })
    expect(pool).toMatchObject({ kind: 'pool', mode: 'sum', inShape: [4, 4, 4], window: [2, 2], stride: [2, 2] })
    expect(flat).toMatchObject({ kind: 'flatten', inShape: [2, 2, 4] })
    expect(fc).toMatchObject({ kind: 'dense', inFeatures: 16, outFeatures: 2 })
    expect(imp.graph.shapes.get('conv')).toEqual({ in: [2, 8, 8], out: [4, 4, 4] })
  })

  it("padding 'same' at stride 1 is symmetric (1 for a 3×3 kernel); at stride 2 it is refused", async () => {
    const same: [string, null] = ['same', null]
    const imp = await readNir(await handFile(graph(same, 1, 8)))
    expect(imp.network.layers[0]).toMatchObject({ kind: 'conv2d', padding: [1, 1], stride: [1, 1] })
    await expect(readNir(await handFile(graph(same, 2, 4)))).rejects.toMatchObject({ code: 'nir.unsupported', location: { field: '/node/nodes/conv/padding' } })
  })
})
