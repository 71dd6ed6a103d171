/**
 * A `.nir` file written by Spikelab, read back with h5wasm directly (not with main/nir's reader) and
 * checked against nir.md: §2 node types, dataset names, dtypes (float32, int64) and shapes; §4 layout
 * (datasets only, /version, edges [E, 2]); §5.1 τ/r convention; §5.5 OIHW and the Flatten permutation;
 * §2 "type check": along every edge the source's output shape equals the target's input shape.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FloatNetwork } from '../../../main/deploy/float-network.js'
import { writeNir, type NirExport } from '../../../main/nir/index.js'
import { loadH5, type H5 } from './hand-nir.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'nir-export-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, k) => Math.fround(Math.sin(k * 1.7 + seed) * 0.8))

// [5, 5, 2] → conv 3×3 pad 1 → lif (subtract) → avg pool 2×2 s1 → sum pool 2×2 s2 → flatten [2, 2, 3]
// → scale → dense+bias → lif with β = 1 (IF) → dense without bias → recurrent lif → output.
const net: FloatNetwork = {
  inputShape: [5, 5, 2],
  dtSeconds: 1e-3,
  source: 'test network',
  warnings: [],
  labels: ['a', 'b', 'c'],
  layers: [
    { kind: 'conv2d', inShape: [5, 5, 2], filters: 3, kernel: [3, 3], stride: [1, 1], padding: [1, 1], weight: values(3 * 3 * 2 * 3, 1), bias: values(3, 2) },
    { kind: 'lif', size: 75, beta: new Float32Array(75).fill(0.9), threshold: Float32Array.from({ length: 75 }, (_, k) => 0.5 + k / 100), reset: 'subtract' },
    { kind: 'pool', mode: 'avg', inShape: [5, 5, 3], window: [2, 2], stride: [1, 1], padding: [0, 0] },
    { kind: 'pool', mode: 'sum', inShape: [4, 4, 3], window: [2, 2], stride: [2, 2], padding: [0, 0] },
    { kind: 'flatten', inShape: [2, 2, 3] },
    { kind: 'scale', scale: Float32Array.from({ length: 12 }, (_, k) => 1 + k / 10) },
    { kind: 'dense', inFeatures: 12, outFeatures: 5, weight: values(60, 3), bias: values(5, 4) },
    { kind: 'lif', size: 5, beta: new Float32Array(5).fill(1), threshold: new Float32Array(5).fill(1.5), reset: 'zero' },
    { kind: 'dense', inFeatures: 5, outFeatures: 3, weight: values(15, 5), bias: null },
    { kind: 'lif', size: 3, beta: Float32Array.from([0.95, 0.8, 0.5]), threshold: new Float32Array(3).fill(1), reset: 'zero', recurrent: values(9, 6) },
  ],
}

const DT = 1e-4
let h5: H5
let file: string
let exported: NirExport
let f: InstanceType<H5['File']>
beforeAll(async () => {
  h5 = await loadH5()
  file = path.join(dir, 'net.nir')
  exported = await writeNir(net, file, { dtSeconds: DT })
  f = new h5.File(file, 'r')
})
afterAll(() => f?.close())

type Ds = InstanceType<H5['Dataset']>
const ds = (p: string): Ds => {
  const d = f.get(p)
  if (!d || !('shape' in d)) throw new Error(`${p} is not a dataset`)
  return d as Ds
}
const num = (p: string) => Array.from(ds(p).value as ArrayLike<number | bigint>, Number)

/** Per node type: its datasets as nir.md §2 lists them, with dtype and shape (N = neuron shape). */
const F = '<f'
const Q = '<q'
const expectedNodes: Record<string, { type: string; datasets: Record<string, [string, number[]]> }> = {
  input: { type: 'Input', datasets: { shape: [Q, [3]] } },
  conv1: {
    type: 'Conv2d',
    datasets: { weight: [F, [3, 2, 3, 3]], stride: [Q, [2]], padding: [Q, [2]], dilation: [Q, [2]], groups: [Q, []], bias: [F, [3]], input_shape: [Q, [2]] },
  },
  lif1: { type: 'LIF', datasets: { tau: [F, [3, 5, 5]], r: [F, [3, 5, 5]], v_leak: [F, [3, 5, 5]], v_threshold: [F, [3, 5, 5]], v_reset: [F, [3, 5, 5]] } },
  pool1: { type: 'AvgPool2d', datasets: { kernel_size: [Q, [2]], stride: [Q, [2]], padding: [Q, [2]] } },
  pool2: { type: 'SumPool2d', datasets: { kernel_size: [Q, [2]], stride: [Q, [2]], padding: [Q, [2]] } },
  flatten1: { type: 'Flatten', datasets: { start_dim: [Q, []], end_dim: [Q, []], input_type: [Q, [3]] } },
  scale1: { type: 'Scale', datasets: { scale: [F, [12]] } },
  fc1: { type: 'Affine', datasets: { weight: [F, [5, 12]], bias: [F, [5]] } },
  lif2: { type: 'IF', datasets: { r: [F, [5]], v_threshold: [F, [5]], v_reset: [F, [5]] } },
  fc2: { type: 'Linear', datasets: { weight: [F, [3, 5]] } },
  lif3: { type: 'LIF', datasets: { tau: [F, [3]], r: [F, [3]], v_leak: [F, [3]], v_threshold: [F, [3]], v_reset: [F, [3]] } },
  lif3_rec: { type: 'Linear', datasets: { weight: [F, [3, 3]] } },
  output: { type: 'Output', datasets: { shape: [Q, [1]] } },
}

describe('NIR export: structure per nir.md (read back with h5wasm directly)', () => {
  it('root: /version string and /node a NIRGraph; no attributes anywhere in a graph file', () => {
    expect(f.keys().sort()).toEqual(['node', 'version'])
    expect(ds('version').value).toBe('1.0.7')
    expect(ds('node/type').value).toBe('NIRGraph')
    expect(Object.keys(f.attrs)).toEqual([])
    expect(Object.keys((f.get('node') as InstanceType<H5['Group']>).attrs)).toEqual([])
  })

  it('every node has exactly the datasets of its type, with float32/int64 dtypes and the spec shapes', () => {
    const nodes = f.get('node/nodes') as InstanceType<H5['Group']>
    expect(nodes.keys().sort()).toEqual(Object.keys(expectedNodes).sort())
    for (const [name, spec] of Object.entries(expectedNodes)) {
      expect(ds(`node/nodes/${name}/type`).value, name).toBe(spec.type)
      const g = f.get(`node/nodes/${name}`) as InstanceType<H5['Group']>
      // No extra datasets: the reference reader passes every dataset to the node's constructor (§2).
      const datasets = g.keys().filter((k) => k !== 'metadata' && k !== 'type')
      expect(datasets.sort(), name).toEqual(Object.keys(spec.datasets).sort())
      for (const [key, [dtype, shape]] of Object.entries(spec.datasets)) {
        const d = ds(`node/nodes/${name}/${key}`)
        expect(d.dtype, `${name}/${key}`).toBe(dtype)
        expect(d.shape, `${name}/${key}`).toEqual(shape)
      }
    }
  })

  it('integer parameters hold the layer geometry; Input/Output shapes are channel-first', () => {
    expect(num('node/nodes/input/shape')).toEqual([2, 5, 5])
    expect(num('node/nodes/conv1/stride')).toEqual([1, 1])
    expect(num('node/nodes/conv1/padding')).toEqual([1, 1])
    expect(num('node/nodes/conv1/dilation')).toEqual([1, 1])
    expect(Number(ds('node/nodes/conv1/groups').value)).toBe(1)
    expect(num('node/nodes/conv1/input_shape')).toEqual([5, 5])
    expect(num('node/nodes/pool1/kernel_size')).toEqual([2, 2])
    expect(num('node/nodes/pool1/stride')).toEqual([1, 1])
    expect(num('node/nodes/pool2/stride')).toEqual([2, 2])
    expect(num('node/nodes/pool2/padding')).toEqual([0, 0])
    // Flatten counts non-batch dims: 0..-1 flattens all of [C, H, W] (§5.5).
    expect(Number(ds('node/nodes/flatten1/start_dim').value)).toBe(0)
    expect(Number(ds('node/nodes/flatten1/end_dim').value)).toBe(-1)
    expect(num('node/nodes/flatten1/input_type')).toEqual([3, 2, 2])
    expect(num('node/nodes/output/shape')).toEqual([3])
  })

  it('weights are transposed to NIR layouts: conv OIHW, Affine [out, in] with the Flatten permutation of §5.5', () => {
    const conv = num('node/nodes/conv1/weight')
    const hwio = net.layers[0].kind === 'conv2d' ? net.layers[0].weight : new Float32Array()
    const [cout, cin, kh, kw] = [3, 2, 3, 3]
    for (let o = 0; o < cout; o++)
      for (let i = 0; i < cin; i++)
        for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) expect(conv[((o * cin + i) * kh + y) * kw + x]).toBe(hwio[((y * kw + x) * cin + i) * cout + o])
    // W_nir[o][c·H·W + h·W + w] = K_tf[(h·W + w)·C + c][o], here H = W = 2, C = 3, 5 outputs.
    const fc = num('node/nodes/fc1/weight')
    const K = net.layers[6].kind === 'dense' ? net.layers[6].weight : new Float32Array()
    for (let o = 0; o < 5; o++)
      for (let c = 0; c < 3; c++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) expect(fc[o * 12 + c * 4 + h * 2 + w]).toBe(K[((h * 2 + w) * 3 + c) * 5 + o])
    // Scale sits after the Flatten, so it is permuted the same way.
    const scale = num('node/nodes/scale1/scale')
    for (let c = 0; c < 3; c++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) expect(scale[c * 4 + h * 2 + w]).toBe(Math.fround(1 + ((h * 2 + w) * 3 + c) / 10))
    // Linear [out, in] = transpose of our [in, out].
    const fc2 = num('node/nodes/fc2/weight')
    const K2 = net.layers[8].kind === 'dense' ? net.layers[8].weight : new Float32Array()
    for (let o = 0; o < 3; o++) for (let i = 0; i < 5; i++) expect(fc2[o * 5 + i]).toBe(K2[i * 3 + o])
    // Recurrent Linear: weight[to][from] = ours[from·n + to].
    const rec = num('node/nodes/lif3_rec/weight')
    const R = net.layers[9].kind === 'lif' && net.layers[9].recurrent ? net.layers[9].recurrent : new Float32Array()
    for (let to = 0; to < 3; to++) for (let from = 0; from < 3; from++) expect(rec[to * 3 + from]).toBe(R[from * 3 + to])
  })

  it('neurons: τ = dt/(1 − β), r = 1/(1 − β), v_leak = v_reset = 0, v_threshold = θ in [C, H, W] order (§5.1)', () => {
    const tau = num('node/nodes/lif3/tau')
    const r = num('node/nodes/lif3/r')
    ;[0.95, 0.8, 0.5].forEach((beta, k) => {
      const b = Math.fround(beta)
      expect(tau[k]).toBeCloseTo(Math.fround(DT / (1 - b)), 12)
      expect(r[k] / Math.fround(1 / (1 - b))).toBeCloseTo(1, 6)
    })
    expect(num('node/nodes/lif3/v_leak')).toEqual([0, 0, 0])
    expect(num('node/nodes/lif3/v_reset')).toEqual([0, 0, 0])
    // Thresholds after the conv: NIR [c][h][w] = ours[(h·W + w)·C + c].
    const th = num('node/nodes/lif1/v_threshold')
    for (let c = 0; c < 3; c++) for (let h = 0; h < 5; h++) for (let w = 0; w < 5; w++) expect(th[(c * 5 + h) * 5 + w]).toBe(Math.fround(0.5 + ((h * 5 + w) * 3 + c) / 100))
    // β = 1 everywhere is an integrate-and-fire layer: IF with r = 1.
    expect(num('node/nodes/lif2/r')).toEqual([1, 1, 1, 1, 1])
    expect(num('node/nodes/lif2/v_threshold')).toEqual([1.5, 1.5, 1.5, 1.5, 1.5])
  })

  it('edges: a string dataset [E, 2]; the chain plus the explicit recurrent loop', () => {
    const e = ds('node/edges')
    expect(e.dtype).toBe('S')
    expect(e.shape).toEqual([13, 2])
    const flat = e.value as string[]
    const pairs = Array.from({ length: 13 }, (_, k) => `${flat[2 * k]}→${flat[2 * k + 1]}`).sort()
    const chain = ['input', 'conv1', 'lif1', 'pool1', 'pool2', 'flatten1', 'scale1', 'fc1', 'lif2', 'fc2', 'lif3', 'output']
    const want = [...chain.slice(1).map((b, k) => `${chain[k]}→${b}`), 'lif3→lif3_rec', 'lif3_rec→lif3'].sort()
    expect(pairs).toEqual(want)
  })

  it('type check (nir.md §2) computed here: along every edge, source output shape = target input shape', () => {
    const flat = ds('node/edges').value as string[]
    const type = (n: string) => ds(`node/nodes/${n}/type`).value as string
    const shapeOf = (n: string, key: string) => ds(`node/nodes/${n}/${key}`).shape as number[]
    const out = new Map<string, number[]>()
    const inp = new Map<string, number[]>()
    const order = ['input', 'conv1', 'lif1', 'pool1', 'pool2', 'flatten1', 'scale1', 'fc1', 'lif2', 'fc2', 'lif3', 'lif3_rec', 'output']
    for (const n of order) {
      const t = type(n)
      let i: number[]
      let o: number[]
      if (t === 'Input' || t === 'Output') i = o = num(`node/nodes/${n}/shape`)
      else if (t === 'Affine' || t === 'Linear') {
        const [wo, wi] = shapeOf(n, 'weight')
        i = [wi]
        o = [wo]
      } else if (t === 'Conv2d') {
        const [co, ci, kh, kw] = shapeOf(n, 'weight')
        const [h, w] = num(`node/nodes/${n}/input_shape`)
        const [s0, s1] = num(`node/nodes/${n}/stride`)
        const [p0, p1] = num(`node/nodes/${n}/padding`)
        i = [ci, h, w]
        o = [co, Math.floor((h + 2 * p0 - kh) / s0) + 1, Math.floor((w + 2 * p1 - kw) / s1) + 1]
      } else if (t === 'SumPool2d' || t === 'AvgPool2d') {
        const prev = out.get(order[order.indexOf(n) - 1]) as number[]
        const [k0, k1] = num(`node/nodes/${n}/kernel_size`)
        const [s0, s1] = num(`node/nodes/${n}/stride`)
        i = prev
        o = [prev[0], Math.floor((prev[1] - k0) / s0) + 1, Math.floor((prev[2] - k1) / s1) + 1]
      } else if (t === 'Flatten') {
        i = num(`node/nodes/${n}/input_type`)
        o = [i.reduce((a, b) => a * b, 1)]
      } else {
        const key = t === 'Scale' ? 'scale' : 'v_threshold'
        i = o = shapeOf(n, key)
      }
      inp.set(n, i)
      out.set(n, o)
    }
    for (let k = 0; k < flat.length; k += 2) expect(out.get(flat[k]), `${flat[k]} → ${flat[k + 1]}`).toEqual(inp.get(flat[k + 1]))
  })

  it('metadata only in metadata groups: dt (the dt τ encodes), training dt, comparison, reset per neuron node, labels', () => {
    expect(ds('node/metadata/dt').value).toBe(DT)
    expect(ds('node/metadata/training_dt').value).toBe(1e-3)
    expect(ds('node/metadata/threshold_comparison').value).toBe('>')
    expect(ds('node/metadata/labels').value).toEqual(['a', 'b', 'c'])
    expect(ds('node/nodes/lif1/metadata/reset').value).toBe('subtract')
    expect(ds('node/nodes/lif3/metadata/reset').value).toBe('zero')
  })

  it('arrays are gzip-compressed in chunks, as the reference writer does (§4)', () => {
    const w = ds('node/nodes/fc1/weight')
    expect(w.metadata.chunks).toEqual([5, 12])
    expect(w.filters.some((x) => x.id === 1)).toBe(true) // H5Z_FILTER_DEFLATE
  })

  it('reset by subtraction is written as reset to zero and reported (nir.md §5.2); so is AvgPool2d', () => {
    expect(exported.warnings.some((w) => w.includes('lif1') && w.includes('reset by subtraction'))).toBe(true)
    expect(exported.warnings.some((w) => w.includes('AvgPool2d'))).toBe(true)
    expect(exported.warnings).toHaveLength(2)
  })
})

describe('NIR export: what cannot be written', () => {
  const base: FloatNetwork = {
    inputShape: [4, 4, 1],
    dtSeconds: 1e-3,
    source: 't',
    warnings: [],
    layers: [
      { kind: 'pool', mode: 'max', inShape: [4, 4, 1], window: [2, 2], stride: [2, 2], padding: [0, 0] },
      { kind: 'flatten', inShape: [2, 2, 1] },
      { kind: 'dense', inFeatures: 4, outFeatures: 2, weight: values(8, 1), bias: null },
      { kind: 'lif', size: 2, beta: new Float32Array(2).fill(0.9), threshold: new Float32Array(2).fill(1), reset: 'zero' },
    ],
  }

  it('max pooling has no NIR primitive: refused naming the layer, and an existing file is left untouched', async () => {
    const target = path.join(dir, 'existing.nir')
    writeFileSync(target, 'previous contents')
    await expect(writeNir(base, target)).rejects.toMatchObject({ code: 'nir.export', location: { field: 'layers[0]' } })
    expect(readFileSync(target, 'utf8')).toBe('previous contents')
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([])
  })

  it('a folder that does not exist is reported as such, not as a failed rename', async () => {
    const ok: FloatNetwork = { ...base, layers: base.layers.slice(1).map((l) => (l.kind === 'flatten' ? { kind: 'flatten', inShape: [4, 4, 1] } : l.kind === 'dense' ? { ...l, inFeatures: 16, weight: values(32, 1) } : l)) as FloatNetwork['layers'] }
    await expect(writeNir(ok, path.join(dir, 'missing', 'x.nir'))).rejects.toMatchObject({ code: 'nir.write' })
    await expect(writeNir(ok, path.join(dir, 'ok.nir'))).resolves.toBeTruthy()
  })

  it('a layer whose input does not match the one before is refused with its index', async () => {
    const bad: FloatNetwork = { ...base, layers: [{ kind: 'flatten', inShape: [4, 4, 1] }, { ...base.layers[2], inFeatures: 5 } as FloatNetwork['layers'][number], base.layers[3]] }
    await expect(writeNir(bad, path.join(dir, 'bad.nir'))).rejects.toMatchObject({ code: 'nir.export', location: { field: 'layers[1]' } })
    expect(existsSync(path.join(dir, 'bad.nir'))).toBe(false)
  })
})
