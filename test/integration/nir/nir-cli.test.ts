/**
 * `spikelab nir export` on a training run folder (run.json + weights.bin as the training service
 * writes them) and `spikelab nir info` on the result and on a hand-written file.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../main/cli/main.js'
import { readNir } from '../../../main/nir/index.js'
import { f32, i64, writeHandNir } from '../../unit/nir/hand-nir.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'nir-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** A run folder with a BPTT checkpoint: 6 → dense 4 → lif (zero) → dense 3 → lif (subtract). */
function makeRun(name: string, method = 'bptt'): { folder: string; tensors: Record<string, Float32Array> } {
  const folder = path.join(dir, name)
  mkdirSync(folder)
  const tensors: Record<string, Float32Array> = {
    'dense0/kernel': Float32Array.from({ length: 24 }, (_, k) => (k % 5) / 4 - 0.5),
    'dense0/bias': Float32Array.from([0.1, 0, -0.1, 0.2]),
    'dense2/kernel': Float32Array.from({ length: 12 }, (_, k) => (k % 3) / 2 - 0.25),
    'dense2/bias': Float32Array.from([0, 0.05, 0.1]),
  }
  const shapes: Record<string, number[]> = { 'dense0/kernel': [6, 4], 'dense0/bias': [4], 'dense2/kernel': [4, 3], 'dense2/bias': [3] }
  let offset = 0
  const entries = Object.entries(tensors).map(([n, t]) => {
    const e = { name: n, shape: shapes[n], byteOffset: offset, byteLength: t.byteLength }
    offset += t.byteLength
    return e
  })
  const config = {
    inputShape: [6],
    architecture: [
      { type: 'dense', units: 4 },
      { type: 'lif', beta: 0.9, threshold: 1, reset: 'zero' },
      { type: 'dense', units: 3 },
      { type: 'lif', beta: 0.8, threshold: 0.5, reset: 'subtract' },
    ],
  }
  const checkpoint = { format: 'spikelab.snn.checkpoint', version: 1, method, config, backend: { name: 'cpu', simd: false }, dataHash: 'x', epoch: 1, batch: 0, metrics: {} }
  writeFileSync(path.join(folder, 'run.json'), JSON.stringify({ run: { id: name }, checkpoint, tensors: entries }))
  writeFileSync(path.join(folder, 'weights.bin'), Buffer.concat(Object.values(tensors).map((t) => Buffer.from(t.buffer))))
  return { folder, tensors }
}

describe('spikelab nir', () => {
  it('export writes a .nir from a run folder that imports back to the checkpoint weights', async () => {
    const { folder, tensors } = makeRun('run-a')
    const out = path.join(dir, 'a.nir')
    const r = await cli('nir', 'export', folder, out)
    expect(r.code, r.err).toBe(0)
    expect(r.out).toContain('wrote')
    expect(r.err).toMatch(/warning: .*reset by subtraction/)
    const back = await readNir(out)
    const fc = back.network.layers[0]
    if (fc.kind !== 'dense') throw new Error('dense expected')
    expect(Array.from(fc.weight)).toEqual(Array.from(tensors['dense0/kernel']))
    const lif = back.network.layers[3]
    if (lif.kind !== 'lif') throw new Error('lif expected')
    expect(lif.reset).toBe('subtract')
    expect(lif.beta[0]).toBeCloseTo(0.8, 6)
  })

  it('info lists nodes, shapes along edges, the imported layers and the warnings', async () => {
    const out = path.join(dir, 'a.nir')
    const r = await cli('nir', 'info', out)
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/fc1\s+Affine\s+\[6\] → \[4\]/)
    expect(r.out).toMatch(/lif2\s+LIF\s+\[3\] → \[3\]/)
    expect(r.out).toContain('edges: ')
    expect(r.out).toMatch(/lif 3 neurons, β 0\.8, θ 0\.5, reset subtract/)
    const j = await cli('nir', 'info', out, '--json')
    const info = JSON.parse(j.out) as { nodes: { name: string; type: string; output: number[] }[]; dtSeconds: number; dtSource: string }
    expect(info.nodes.map((n) => n.type).sort()).toEqual(['Affine', 'Affine', 'Input', 'LIF', 'LIF', 'Output'])
    expect(info.dtSource).toBe('metadata')
    expect(info.dtSeconds).toBe(1e-4)
  })

  it('info on a file that cannot be imported says why and exits 1', async () => {
    const file = path.join(dir, 'delay.nir')
    await writeHandNir(file, {
      nodes: {
        input: { type: 'Input', params: { shape: i64([2]) } },
        d: { type: 'Delay', params: { delay: f32([1, 1]) } },
        output: { type: 'Output', params: { shape: i64([2]) } },
      },
      edges: [
        ['input', 'd'],
        ['d', 'output'],
      ],
    })
    const r = await cli('nir', 'info', file)
    expect(r.code).toBe(1)
    expect(r.err).toContain("node 'd' has type 'Delay'")
  })

  it('export of a VDIB run is refused with the reasons; nothing is written', async () => {
    const { folder } = makeRun('run-v', 'vdib')
    const out = path.join(dir, 'v.nir')
    const r = await cli('nir', 'export', folder, out)
    expect(r.code).toBe(1)
    expect(r.err).toContain('cannot be written as NIR')
    expect(existsSync(out)).toBe(false)
  })

  it('usage errors exit 2', async () => {
    expect((await cli('nir', 'frob', 'x')).code).toBe(2)
    expect((await cli('nir', 'info', 'a', 'b')).code).toBe(2)
    expect((await cli('nir', 'export', 'x', 'y', '--dt', '-1')).code).toBe(2)
  })
})
