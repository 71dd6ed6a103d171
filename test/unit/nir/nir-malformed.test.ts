/** Malformed NIR files (written by hand with h5wasm) fail with errors that name the node and dataset. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SpikelabError } from '../../../common/errors.js'
import { readNir } from '../../../main/nir/index.js'
import { f32, i64, loadH5, writeHandNir, type HandGraph } from './hand-nir.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'nir-bad-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let serial = 0

const good = (): HandGraph => ({
  nodes: {
    input: { type: 'Input', params: { shape: i64([3]) } },
    fc1: { type: 'Affine', params: { weight: f32([1, 0, 0, 0, 1, 0], [2, 3]), bias: f32([0, 0]) } },
    lif1: { type: 'LIF', params: { tau: f32([1e-3, 1e-3]), r: f32([10, 10]), v_leak: f32([0, 0]), v_threshold: f32([1, 1]), v_reset: f32([0, 0]) } },
    output: { type: 'Output', params: { shape: i64([2]) } },
  },
  edges: [
    ['input', 'fc1'],
    ['fc1', 'lif1'],
    ['lif1', 'output'],
  ],
  metadata: { dt: 1e-4 },
})

async function failure(graph: HandGraph): Promise<SpikelabError> {
  const file = path.join(dir, `bad${serial++}.nir`)
  await writeHandNir(file, graph)
  try {
    await readNir(file)
  } catch (err) {
    expect(err).toBeInstanceOf(SpikelabError)
    expect((err as SpikelabError).location.file).toBe(file)
    return err as SpikelabError
  }
  throw new Error('readNir accepted a malformed file')
}

describe('NIR import: malformed files', () => {
  it('the well-formed base file imports (so each failure below is the one change)', async () => {
    const file = path.join(dir, 'good.nir')
    await writeHandNir(file, good())
    await expect(readNir(file)).resolves.toBeTruthy()
  })

  it('missing dataset: LIF without tau', async () => {
    const g = good()
    const { tau: _tau, ...rest } = g.nodes.lif1.params ?? {}
    const err = await failure({ ...g, nodes: { ...g.nodes, lif1: { type: 'LIF', params: rest } } })
    expect(err.code).toBe('nir.missing')
    expect(err.location.field).toBe('/node/nodes/lif1/tau')
    expect(err.message).toContain("node 'lif1' (LIF) lacks its 'tau' dataset")
  })

  it('wrong shape along an edge: Affine gives [2], LIF parameters are [3]', async () => {
    const g = good()
    const p = { tau: f32([1e-3, 1e-3, 1e-3]), r: f32([10, 10, 10]), v_leak: f32([0, 0, 0]), v_threshold: f32([1, 1, 1]), v_reset: f32([0, 0, 0]) }
    const err = await failure({ ...g, nodes: { ...g.nodes, lif1: { type: 'LIF', params: p } } })
    expect(err.code).toBe('nir.shape')
    expect(err.message).toContain("type mismatch on edge fc1 → lif1: 'fc1' (Affine) gives [2], 'lif1' (LIF) takes [3]")
    expect(err.location.field).toBe('/node/nodes/lif1/tau')
  })

  it('wrong shape within a node: one LIF parameter of another shape', async () => {
    const g = good()
    const err = await failure({ ...g, nodes: { ...g.nodes, lif1: { type: 'LIF', params: { ...g.nodes.lif1.params, v_threshold: f32([1, 1, 1]) } } } })
    expect(err.code).toBe('nir.shape')
    expect(err.location.field).toBe('/node/nodes/lif1/v_threshold')
  })

  it('wrong shape: Affine bias that does not match the weight', async () => {
    const g = good()
    const err = await failure({ ...g, nodes: { ...g.nodes, fc1: { type: 'Affine', params: { weight: f32([1, 0, 0, 0, 1, 0], [2, 3]), bias: f32([0, 0, 0]) } } } })
    expect(err.code).toBe('nir.shape')
    expect(err.location.field).toBe('/node/nodes/fc1/bias')
  })

  it('unknown node type, and a spec type Spikelab cannot import (Delay)', async () => {
    const g = good()
    const err = await failure({ ...g, nodes: { ...g.nodes, fc1: { type: 'Frobnicate', params: { weight: f32([1], [1, 1]) } } } })
    expect(err.code).toBe('nir.unsupported')
    expect(err.location.field).toBe('/node/nodes/fc1/type')
    expect(err.message).toContain("node 'fc1' has type 'Frobnicate'")
    const delay = await failure({ ...g, nodes: { ...g.nodes, fc1: { type: 'Delay', params: { delay: f32([1, 1, 1]) } } } })
    expect(delay.message).toContain("type 'Delay'")
  })

  it('dangling edge: an endpoint that is no node', async () => {
    const g = good()
    const err = await failure({ ...g, edges: [...g.edges, ['lif1', 'ghost']] })
    expect(err.code).toBe('nir.edge')
    expect(err.location.field).toBe('/node/edges')
    expect(err.message).toContain("edge 3 (lif1 → ghost) names target 'ghost'")
  })

  it('wrong dtype: a weight stored as integers', async () => {
    const g = good()
    const err = await failure({ ...g, nodes: { ...g.nodes, fc1: { type: 'Affine', params: { weight: [BigInt64Array.from([1n, 0n, 0n, 0n, 1n, 0n]), [2, 3], '<q'], bias: f32([0, 0]) } } } })
    expect(err.code).toBe('nir.dtype')
    expect(err.location.field).toBe('/node/nodes/fc1/weight')
  })

  it('a branch (one node feeding two) is not a chain', async () => {
    const g = good()
    const err = await failure({
      ...g,
      nodes: { ...g.nodes, out2: { type: 'Output', params: { shape: i64([2]) } } },
      edges: [...g.edges, ['fc1', 'out2']],
    })
    expect(err.code).toBe('nir.graph')
  })

  it('no path from input to output', async () => {
    const g = good()
    const err = await failure({ ...g, edges: [g.edges[0], g.edges[1]] })
    expect(err.code).toBe('nir.graph')
    expect(err.message).toContain("node 'lif1' leads nowhere")
  })

  it('edges not shaped [E, 2]', async () => {
    const file = path.join(dir, 'edges.nir')
    // A 1-D list of three names: edges that cannot be pairs.
    await writeHandNirWithRawEdges(file, ['input', 'fc1', 'lif1'])
    await expect(readNir(file)).rejects.toMatchObject({ code: 'nir.shape', location: { field: '/node/edges' } })
  })

  it('not an HDF5 file, and an HDF5 file without /node', async () => {
    const txt = path.join(dir, 'text.nir')
    writeFileSync(txt, 'not hdf5')
    await expect(readNir(txt)).rejects.toMatchObject({ code: 'nir.open' })
    const h5 = await loadH5()
    const empty = path.join(dir, 'empty.nir')
    const f = new h5.File(empty, 'w')
    f.create_dataset({ name: 'version', data: '1.0.7' })
    f.close()
    await expect(readNir(empty)).rejects.toMatchObject({ code: 'nir.missing', location: { field: '/node' } })
  })
})

async function writeHandNirWithRawEdges(file: string, edges: string[]): Promise<void> {
  const h5 = await loadH5()
  const base = good()
  const f = new h5.File(file, 'w')
  const g = f.create_group('node')
  g.create_dataset({ name: 'type', data: 'NIRGraph' })
  const nodes = g.create_group('nodes')
  for (const [name, node] of Object.entries(base.nodes)) {
    const n = nodes.create_group(name)
    n.create_dataset({ name: 'type', data: node.type })
    for (const [k, [data, shape, dtype]] of Object.entries(node.params ?? {})) n.create_dataset({ name: k, data, shape, dtype })
  }
  g.create_dataset({ name: 'edges', data: edges })
  f.close()
}
