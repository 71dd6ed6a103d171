import { describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { fixturePath } from '../../support/fixtures.js'
import { parseLongCsv, parseTrialEvents, readLongCsv } from '../../../main/spikes/long-csv.js'
import { matAt, matRasterToRecording, matSpikeVectorToRecording, parseMatV5, readMatV5 } from '../../../main/spikes/mat-v5.js'
import { npyFirstColumn, npyVector, parseNpy, writeNpy } from '../../../main/spikes/npy.js'
import { parseClusterTable, parsePhyParams } from '../../../main/spikes/phy-folder.js'
import { alignToTrials, unitTimes } from '../../../main/spikes/recording.js'
import { cv, cv2, fanoFactorOfCounts, isi, lv, lvr, meanFiringRate } from '../../../main/spikes/isi-statistics.js'
import { timeHistogram } from '../../../main/spikes/psth.js'
import { SpikelabError } from '../../../common/errors.js'

// Reference numbers from fixtures/spikes/MANIFEST.md.
describe('MAT v5 fixtures', () => {
  it('08_spikes-1: row vectors, compressed doubles; ISI statistics match the manifest', async () => {
    const m = await readMatV5(fixturePath('spikes', '08_spikes-1.mat'))
    const low = m.get('SpikesLow')!
    expect(low.dims).toEqual([1, 750])
    expect(low.data[0]).toBe(0.03987216368367961)
    expect(low.data[749]).toBe(29.991181729686687)
    const I = isi(low.data)
    expect(meanFiringRate(low.data, { tStart: 0, tStop: 30 })).toBe(25)
    expect(cv(I)).toBeCloseTo(0.964210403, 8)
    expect(cv2(I)).toBeCloseTo(0.7470798432, 9)
    expect(lv(I)).toBeCloseTo(0.5853723866, 9)
    expect(lvr(I, 0.005)).toBeCloseTo(0.75636412, 7)
    const high = m.get('SpikesHigh')!
    expect(high.data.length).toBe(969)
    expect(cv(isi(high.data))).toBeCloseTo(2.021791325, 8)
    expect(lvr(isi(high.data), 0.005)).toBeCloseTo(1.647548037, 8)
  })
  it('08_spikes-2 (row) and 08_spikes-3 (column vector)', async () => {
    const a = (await readMatV5(fixturePath('spikes', '08_spikes-2.mat'))).get('Spikes')!
    expect(a.data.length).toBe(700)
    expect(cv2(isi(a.data))).toBeCloseTo(1.006610046, 8)
    const b = (await readMatV5(fixturePath('spikes', '08_spikes-3.mat'))).get('Spikes')!
    expect(b.dims).toEqual([230, 1])
    const rec = matSpikeVectorToRecording(b, 'cell')
    expect(rec.batch.t[0]).toBe(0.515)
    expect(rec.batch.t[229]).toBe(29.803)
    expect(lv(isi(rec.batch.t))).toBeCloseTo(1.305233691, 8)
  })
  it('10_spikes-1: narrow storage types (uint8, int16), small-element name, column-major raster', async () => {
    const m = await readMatV5(fixturePath('spikes', '10_spikes-1.mat'))
    const train = m.get('train')!
    const t = m.get('t')!
    const dir = m.get('direction')!
    expect(train.dims).toEqual([50, 2000])
    expect(t.data[0]).toBe(-1000)
    expect(t.data[1999]).toBe(999)
    expect(dir.dims).toEqual([50, 1])
    const rec = matRasterToRecording(train, Float64Array.from(t.data, (ms) => ms / 1000), Array.from(dir.data, (d) => (d === 0 ? 'left' : 'right')))
    expect(rec.batch.t.length).toBe(4696)
    const counts = rec.trials!.map((tr) => unitTimes(rec, 0, tr.index).length)
    expect(counts.slice(0, 5)).toEqual([123, 73, 52, 64, 115])
    expect(counts[49]).toBe(74)
    const left = counts.filter((_, r) => dir.data[r] === 0)
    const right = counts.filter((_, r) => dir.data[r] === 1)
    expect(left.reduce((a, b) => a + b)).toBe(2933)
    expect(fanoFactorOfCounts(left)).toBeCloseTo(0.8174019774974429, 13)
    expect(fanoFactorOfCounts(right)).toBeCloseTo(0.6229381735677824, 13)
    expect(fanoFactorOfCounts(counts)).toBeCloseTo(6.574463373083476, 12)
    // trial 1, bin 13 (0-based 12): element at linear index r + 50·k
    expect(matAt(train, 0, 12)).toBe(train.data[0 + 50 * 12])
  })
  it('rejects non-MAT data and truncation with byte offsets', () => {
    expect(() => parseMatV5(new Uint8Array(200))).toThrow(/not a MATLAB 5.0/)
    const head = new Uint8Array(136)
    head.set(new TextEncoder().encode('MATLAB 5.0 MAT-file'))
    head[126] = 0x49
    head[127] = 0x4d
    new DataView(head.buffer).setUint32(128, 15, true)
    new DataView(head.buffer).setUint32(132, 1000, true)
    try {
      parseMatV5(head, 'x.mat')
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(SpikelabError)
      expect((e as SpikelabError).location.byteOffset).toBe(128)
    }
  })
})

describe('long-format CSV', () => {
  it('10_spikes-1_long.csv: trials, conditions and the PSTH of the manifest', async () => {
    const rec = await readLongCsv(fixturePath('spikes', '10_spikes-1_long.csv'))
    expect(rec.units).toEqual([{ id: 'stn_unit' }])
    expect(rec.timeBase).toBe('trial-relative')
    expect(rec.trials!.length).toBe(50)
    expect(rec.batch.t.length).toBe(4696)
    const trains = rec.trials!.map((tr) => unitTimes(rec, 0, tr.index))
    expect(trains.map((x) => x.length).slice(0, 4)).toEqual([123, 73, 52, 64])
    let before = 0
    for (const v of rec.batch.t) if (v < 0) before++
    expect(before).toBe(1948)
    // Times are bin left edges; shift by half a bin so float edges cannot move a spike between 100-ms bins.
    const shifted = trains.map((x) => Float64Array.from(x, (v) => v + 0.0005))
    const h = timeHistogram(shifted, { binSize: 0.1, tStart: -1, tStop: 1 })
    expect(Array.from(h.values)).toEqual([179, 174, 192, 175, 186, 200, 207, 213, 220, 202, 317, 290, 309, 238, 276, 252, 287, 259, 259, 261])
    const rate = timeHistogram(shifted, { binSize: 0.1, tStart: -1, tStop: 1, output: 'rate' })
    expect(rate.values[0]).toBeCloseTo(35.8, 10)
    const left = rec.trials!.filter((t) => t.condition === 'left').map((t) => trains[t.index].length)
    expect(fanoFactorOfCounts(left)).toBeCloseTo(0.8174019774974429, 13)
  })
  it('08_spikes-1_long.csv: (condition, trial) identifies a trial; times round-trip to the .mat values', async () => {
    const rec = await readLongCsv(fixturePath('spikes', '08_spikes-1_long.csv'))
    expect(rec.trials!.map((t) => [t.id, t.condition])).toEqual([
      ['1', 'low'],
      ['1', 'high'],
    ])
    const mat = (await readMatV5(fixturePath('spikes', '08_spikes-1.mat'))).get('SpikesLow')!
    expect(Array.from(unitTimes(rec, 0, 0))).toEqual(Array.from(mat.data))
  })
  it('units from suffixes, delimiter sniffing, ids kept as strings', () => {
    const rec = parseLongCsv('# comment\ncell;time_ms\n007;1500\n\n007;500\n8;2\n')
    expect(rec.units.map((u) => u.id)).toEqual(['007', '8'])
    expect(Array.from(unitTimes(rec, 0))).toEqual([0.5, 1.5])
    expect(rec.warnings.some((w) => w.includes('out of time order'))).toBe(true)
  })
  it('exact duplicates are removed and reported', () => {
    const rec = parseLongCsv('unit,time_s\na,1\na,1\na,2\n')
    expect(rec.batch.t.length).toBe(2)
    expect(rec.warnings).toContain('1 exact duplicate spike(s) removed')
  })
  it('a plain time column needs a declared unit; samples need a rate', () => {
    expect(() => parseLongCsv('unit,time\na,1\n')).toThrow(/no unit suffix/)
    expect(Array.from(parseLongCsv('unit,time\na,1\n', { timeUnit: 'us' }).batch.t)).toEqual([1e-6])
    expect(() => parseLongCsv('unit,time_samples\na,1\n')).toThrow(/sample rate/)
    expect(Array.from(parseLongCsv('unit,time_samples\na,300\n', { sampleRate: 30000 }).batch.t)).toEqual([0.01])
  })
  it('bad rows name line and column', () => {
    try {
      parseLongCsv('neuron,time_s\nn1,0.5\nn1,abc\nn1,\nn1,Inf\n', { file: 'bad.csv' })
      expect.unreachable()
    } catch (e) {
      const err = e as SpikelabError
      expect(err).toBeInstanceOf(SpikelabError)
      expect(err.location).toEqual({ file: 'bad.csv', row: 3, field: 'time_s' })
      expect(err.message).toContain('3 row(s)')
      expect(err.message).toContain('lines 3, 4, 5')
    }
    const skipped = parseLongCsv('neuron,time_s\nn1,0.5\nn1,abc\n', { invalidRows: 'skip' })
    expect(skipped.batch.t.length).toBe(1)
    expect(() => parseLongCsv('neuron,time_s\nn1,0.5,3\n')).toThrow(/row 2/)
    expect(() => parseLongCsv('id,time_s\nn1,0.5\n')).toThrow(/unit column/)
  })
  it('warns about integer-only seconds and sub-millisecond ISIs', () => {
    const rec = parseLongCsv('unit,time_s\na,1\na,2\na,3\n')
    expect(rec.warnings.some((w) => w.includes('sample indices'))).toBe(true)
    const close = parseLongCsv('unit,time_s\na,1\na,1.0005\na,2\n')
    expect(close.warnings.some((w) => w.includes('below 1 ms'))).toBe(true)
  })
  it('events file cuts absolute times into trials', () => {
    const rec = parseLongCsv('unit,time_s\na,0.5\na,10.2\na,11.9\na,25\n')
    const trials = parseTrialEvents('trial,start,stop,condition\n1,10,12,x\n2,20,30,y\n', { timeUnit: 's' })
    const b = alignToTrials(rec.batch, trials)
    expect(Array.from(b.trial!)).toEqual([0, 0, 1])
    expect(b.t[0]).toBeCloseTo(0.2, 12)
    expect(b.t[2]).toBe(5)
    expect(() => parseTrialEvents('trial,start,stop\n1,5,4\n', { timeUnit: 's' })).toThrow(/row 2/)
  })
})

describe('NPY', () => {
  it('v1 and v2 headers, (n,1) shapes, int64 values', () => {
    const v1 = parseNpy(writeNpy('<u8', [1, 2, 300], [3, 1]))
    expect(v1.shape).toEqual([3, 1])
    expect(Array.from(npyVector(v1))).toEqual([1, 2, 300])
    const v2 = parseNpy(writeNpy('<i4', [-5, 7], [2], 2))
    expect(Array.from(v2.data)).toEqual([-5, 7])
  })
  it('an unaligned 80-byte (16-aligned) header and big-endian data', () => {
    const header = "{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }".padEnd(69, ' ') + '\n'
    const bytes = new Uint8Array(10 + header.length + 4)
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0])
    new DataView(bytes.buffer).setUint16(8, header.length, true)
    bytes.set(new TextEncoder().encode(header), 10)
    bytes.set([0x01, 0x02, 0xff, 0xfe], 80)
    expect(Array.from(parseNpy(bytes).data)).toEqual([258, -2])
  })
  it('(n, 2) takes column 0; refuses object arrays', () => {
    expect(Array.from(npyFirstColumn(parseNpy(writeNpy('<i4', [1, 9, 2, 9, 3, 9], [3, 2]))))).toEqual([1, 2, 3])
    const bad = Buffer.from(writeNpy('<i4', [1]))
    bad.write("'|O' ", bad.indexOf("'<i4'"), 'latin1')
    expect(() => parseNpy(bad, 'ops.npy')).toThrow(/pickles/)
    expect(() => parseNpy(new Uint8Array([1, 2, 3]), 'x.npy')).toThrow(/magic/)
  })
})

describe('Phy params and cluster tables', () => {
  it('parses literals without executing anything', () => {
    const p = parsePhyParams("dat_path = r'C:\\data\\rec.bin'  # raw string\nn_channels_dat = 384\ndtype = 'int16'\noffset = 0\nsample_rate = 30000.\nhp_filtered = False\nextra = ['a.bin', \"b.bin\"]\nempty = []\n")
    expect(p).toEqual({ dat_path: 'C:\\data\\rec.bin', n_channels_dat: 384, dtype: 'int16', offset: 0, sample_rate: 30000, hp_filtered: false, extra: ['a.bin', 'b.bin'], empty: [] })
    expect(() => parsePhyParams("import os\n", 'params.py')).toThrow(/row 1/)
    expect(() => parsePhyParams("x = os.system('rm')\n", 'params.py')).toThrow(/unsupported value/)
  })
  it('cluster tables', () => {
    const t = parseClusterTable('cluster_id\tgroup\n0\tgood\n3\tnoise\n')
    expect(t.field).toBe('group')
    expect(t.values.get(3)).toBe('noise')
    expect(() => parseClusterTable('cluster_id\tgroup\nx\tgood\n', 'cluster_group.tsv')).toThrow(/row 2/)
  })
})

describe('fixture files are the manifest’s', () => {
  it('10_spikes-1.mat size', async () => {
    expect((await readFile(fixturePath('spikes', '10_spikes-1.mat'))).length).toBe(9982)
  })
})
