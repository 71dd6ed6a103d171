import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { generateSyntheticRetina, syntheticToRecording, syntheticToCsv } from '../../../main/spikes/synthetic-retina.js'
import { readNwbAligned, readNwbUnits, writeNwbUnits } from '../../../main/spikes/nwb.js'
import { readPhyFolder } from '../../../main/spikes/phy-folder.js'
import { writeNpy } from '../../../main/spikes/npy.js'
import { parseLongCsv } from '../../../main/spikes/long-csv.js'
import { SpikelabError } from '../../../common/errors.js'

let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'spikelab-spikes-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('NWB round trip of the synthetic generator', () => {
  const retina = generateSyntheticRetina({ types: 4, cellsPerType: 2, jitter: 0.1, repeats: 6, seed: 1 })
  const rec = syntheticToRecording(retina)
  it('reads back identically: units, labels, every spike time, trials', async () => {
    const file = path.join(dir, 'synth.nwb')
    await writeNwbUnits(file, rec)
    const back = await readNwbUnits(file)
    expect(back.units).toEqual(rec.units)
    expect(back.batch.t.length).toBe(rec.batch.t.length)
    expect(Array.from(back.batch.neuron)).toEqual(Array.from(rec.batch.neuron))
    expect(Array.from(back.batch.t)).toEqual(Array.from(rec.batch.t))
    expect(back.trials).toEqual(rec.trials)
    expect(back.warnings).toEqual([])
    // aligned to /intervals/trials: the generator's repeat-relative times come back exactly
    const aligned = await readNwbAligned(file)
    for (let i = 0; i < retina.spikes.length; i++)
      for (let r = 0; r < 6; r++) {
        const got: number[] = []
        for (let k = 0; k < aligned.batch.t.length; k++) if (aligned.batch.neuron[k] === i && aligned.batch.trial![k] === r) got.push(aligned.batch.t[k])
        expect(got.length).toBe(retina.spikes[i][r].length)
        got.forEach((v, q) => expect(Math.abs(v - retina.spikes[i][r][q])).toBeLessThan(1e-12))
      }
  })
  it('CSV export of the generator reads back with the same trials', () => {
    const csv = parseLongCsv(syntheticToCsv(retina))
    expect(csv.batch.t.length).toBe(rec.batch.t.length)
    expect(csv.trials!.length).toBe(6)
  })
  it('string unit ids and a wide index survive', async () => {
    const file = path.join(dir, 'names.nwb')
    const n = 300 // > 255 spikes: spike_times_index needs uint16
    const t = Float64Array.from({ length: n }, (_, k) => k * 0.01)
    await writeNwbUnits(file, { units: [{ id: 'cell-A' }, { id: '007' }], batch: { t, neuron: Uint32Array.from({ length: n }, (_, k) => (k < 100 ? 0 : 1)) } })
    const back = await readNwbUnits(file)
    expect(back.units.map((u) => u.id)).toEqual(['cell-A', '007'])
    expect(back.batch.t.length).toBe(n)
    expect(back.trials).toBeUndefined()
  })
  it.each([
    [100, 'uint8'],
    [70_000, 'uint32'],
  ])('%i spikes: spike_times_index stored as %s reads back', async (n) => {
    const file = path.join(dir, `width-${n}.nwb`)
    const t = Float64Array.from({ length: n }, (_, k) => k * 1e-3)
    await writeNwbUnits(file, { units: [{ id: '1' }, { id: '2' }], batch: { t, neuron: Uint32Array.from({ length: n }, (_, k) => k % 2) } })
    const back = await readNwbUnits(file)
    expect(back.batch.t.length).toBe(n)
    expect(back.batch.t[1]).toBe(2e-3) // unit 1 holds the even-indexed spikes
  })
  it('a file that is not HDF5 and a missing units table give errors naming the file/field', async () => {
    const bad = path.join(dir, 'bad.nwb')
    await writeFile(bad, 'not hdf5')
    await expect(readNwbUnits(bad)).rejects.toBeInstanceOf(SpikelabError)
    const empty = path.join(dir, 'empty.nwb')
    await writeNwbUnits(empty, { units: [], batch: { t: new Float64Array(), neuron: new Uint32Array() } })
    await expect(readNwbUnits(empty, { unitsPath: '/processing/none' })).rejects.toThrow(/no Units table/)
  })
})

describe('Phy folder', () => {
  async function phyFolder(name: string, files: Record<string, string | Uint8Array>): Promise<string> {
    const d = path.join(dir, name)
    await mkdir(d)
    for (const [f, content] of Object.entries(files)) await writeFile(path.join(d, f), content)
    return d
  }
  it('reads samples, curated clusters and group labels', async () => {
    const d = await phyFolder('good', {
      'params.py': "dat_path = 'rec.bin'\nn_channels_dat = 4\ndtype = 'int16'\noffset = 0\nsample_rate = 30000.0\nhp_filtered = False\n",
      'spike_times.npy': writeNpy('<u8', [30, 60, 90, 30000], [4, 1]),
      'spike_clusters.npy': writeNpy('<i4', [7, 2, 7, 2]),
      'cluster_group.tsv': 'cluster_id\tgroup\n2\tgood\n7\tmua\n',
      'cluster_info.tsv': 'cluster_id\tgroup\n2\tnoise\n',
    })
    const rec = await readPhyFolder(d)
    expect(rec.units).toEqual([
      { id: '2', label: 'good' },
      { id: '7', label: 'mua' },
    ])
    expect(Array.from(rec.batch.neuron)).toEqual([0, 0, 1, 1])
    expect(Array.from(rec.batch.t)).toEqual([0.002, 1, 0.001, 0.003])
    expect(rec.sampleRate).toBe(30000)
  })
  it('falls back to spike_templates (n, 2) with a warning', async () => {
    const d = await phyFolder('templates', {
      'params.py': 'sample_rate = 1000\n',
      'spike_times.npy': writeNpy('<i8', [1, 2]),
      'spike_templates.npy': writeNpy('<i4', [5, 0, 6, 0], [2, 2]),
    })
    const rec = await readPhyFolder(d)
    expect(rec.units.map((u) => u.id)).toEqual(['5', '6'])
    expect(rec.warnings[0]).toMatch(/spike_templates/)
  })
  it('precise errors: length mismatch, missing params, bad params line', async () => {
    const d1 = await phyFolder('mismatch', { 'params.py': 'sample_rate = 1000\n', 'spike_times.npy': writeNpy('<i8', [1, 2, 3]), 'spike_clusters.npy': writeNpy('<i4', [1, 2]) })
    await expect(readPhyFolder(d1)).rejects.toThrow(/spike_clusters.npy has 2 entries but spike_times.npy has 3/)
    const d2 = await phyFolder('noparams', { 'spike_times.npy': writeNpy('<i8', [1]) })
    await expect(readPhyFolder(d2)).rejects.toThrow(/params.py is missing/)
    const d3 = await phyFolder('badparams', { 'params.py': "sample_rate = 1000\nexec('x')\n", 'spike_times.npy': writeNpy('<i8', [1]) })
    await expect(readPhyFolder(d3)).rejects.toThrow(/row 2/)
    const d4 = await phyFolder('badtsv', {
      'params.py': 'sample_rate = 1000\n',
      'spike_times.npy': writeNpy('<i8', [1]),
      'spike_clusters.npy': writeNpy('<i4', [1]),
      'cluster_group.tsv': 'cluster_id\tgroup\n1\tgood\nabc\tgood\n',
    })
    await expect(readPhyFolder(d4)).rejects.toThrow(/cluster_group.tsv, row 3/)
  })
})
