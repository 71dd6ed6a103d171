import { mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SpikelabError } from '../../../common/errors.js'
import { decodeSpikesOut, encodeSpikesOut } from '../../../native-bridge/board-link/payloads.js'
import { boardSpikesToEvents, readEventSpikeFile, writeBoardSpikeFile } from '../../../main/spikes/board-spikes.js'
import { readNwbUnits } from '../../../main/spikes/nwb.js'
import { openSpikeFile } from '../../../main/spikes/open-spike-file.js'
import { unitTimes } from '../../../main/spikes/recording.js'

let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'spikelab-board-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("the board's recorded output spikes as a spike source", () => {
  // Two SPIKES_OUT payloads as the board sends them (board-link §9.4, fmt 0), decoded by the host's own decoder.
  const frames = [
    decodeSpikesOut(encodeSpikesOut({ tickBase: 100, tickSpan: 10, flags: 0, outDropped: 0, creditLimit: 0, tick: Uint32Array.from([100, 100, 103, 109]), id: Uint16Array.from([0, 2, 2, 1]) })),
    decodeSpikesOut(encodeSpikesOut({ tickBase: 110, tickSpan: 5, flags: 2, outDropped: 0, creditLimit: 0, tick: Uint32Array.from([110, 114]), id: Uint16Array.from([2, 0]) })),
  ]

  it('records become events at t = tick·tick_us, x = id, y = 0, p = 1', () => {
    const ev = boardSpikesToEvents(frames, 1000)
    expect(Array.from(ev.t)).toEqual([100_000, 100_000, 103_000, 109_000, 110_000, 114_000])
    expect(Array.from(ev.x)).toEqual([0, 2, 2, 1, 2, 0])
    expect(Array.from(ev.y)).toEqual([0, 0, 0, 0, 0, 0])
    expect(Array.from(ev.p)).toEqual([1, 1, 1, 1, 1, 1])
    expect(() => boardSpikesToEvents(frames, 0)).toThrow(/tick_us/)
  })

  it('an AEDAT 4 board spike file opens as one unit per output id with times in seconds', async () => {
    const file = path.join(dir, 'board.aedat4')
    expect(await writeBoardSpikeFile(file, frames, { tickUs: 1000, outputs: 3 })).toBe(6)
    expect((await readdir(dir)).filter((n) => n.includes('.part-'))).toEqual([])
    const rec = await openSpikeFile(file)
    expect(rec.sourceFormat).toBe('events')
    expect(rec.units.map((u) => u.id)).toEqual(['0', '1', '2'])
    expect(rec.timeBase).toBe('absolute')
    expect(Array.from(unitTimes(rec, 0))).toEqual([0.1, 0.114])
    expect(Array.from(unitTimes(rec, 1))).toEqual([0.109])
    expect(Array.from(unitTimes(rec, 2))).toEqual([0.1, 0.103, 0.11])
    expect(rec.warnings).toEqual([])
  })

  it('an id beyond the declared outputs is refused and nothing is left behind', async () => {
    const file = path.join(dir, 'bad.aedat4')
    await expect(writeBoardSpikeFile(file, frames, { tickUs: 1000, outputs: 2 })).rejects.toThrow(/id 2, but the board has 2 outputs/)
    expect((await readdir(dir)).filter((n) => n.startsWith('bad'))).toEqual([])
  })

  it('a 2-D event file maps address (x, y) to neuron y·width + x', async () => {
    const file = path.join(dir, 'two-d.aedat4')
    const { writeEventFile } = await import('../../../main/events/index.js')
    await writeEventFile(file, 'aedat4', [{ t: Float64Array.from([5, 7]), x: Uint16Array.from([3, 1]), y: Uint16Array.from([0, 2]), p: Uint8Array.from([1, 0]) }], { geometry: { width: 4, height: 3 } })
    const rec = await readEventSpikeFile(file)
    expect(rec.units.map((u) => u.id)).toEqual(['3', '9'])
    expect(rec.warnings.join(' ')).toMatch(/neuron id = y·4 \+ x/)
    expect(rec.warnings.join(' ')).toMatch(/1 events with polarity 0/)
  })
})

describe('NWB electrodes referenced by the units table', () => {
  /** Writes a minimal NWB units table with an electrodes region straight through h5wasm (not our writer). */
  async function writeWithElectrodes(file: string, region: number[], index: number[]): Promise<void> {
    const h5 = await import('h5wasm/node')
    await h5.ready
    const f = new h5.File(file, 'w')
    try {
      f.create_attribute('neurodata_type', 'NWBFile')
      const ephys = f.create_group('general').create_group('extracellular_ephys')
      const el = ephys.create_group('electrodes')
      el.create_attribute('neurodata_type', 'DynamicTable')
      el.create_dataset({ name: 'id', data: BigInt64Array.from([10n, 11n, 12n]) })
      el.create_dataset({ name: 'location', data: ['CA1', 'CA3', 'DG'] })
      el.create_dataset({ name: 'group_name', data: ['shank0', 'shank0', 'shank1'] })
      el.create_dataset({ name: 'x', data: Float64Array.from([1, 2, 3]) })
      const units = f.create_group('units')
      units.create_attribute('neurodata_type', 'Units')
      units.create_dataset({ name: 'id', data: BigInt64Array.from([0n, 1n]) })
      units.create_dataset({ name: 'spike_times', data: Float64Array.from([0.1, 0.2, 0.3]) })
      units.create_dataset({ name: 'spike_times_index', data: Uint8Array.from([2, 3]) })
      units.create_dataset({ name: 'electrodes', data: Int32Array.from(region) })
      units.create_dataset({ name: 'electrodes_index', data: Uint8Array.from(index) })
    } finally {
      f.close()
    }
  }

  it('each unit gets the table rows it refers to (id, location, group, position)', async () => {
    const file = path.join(dir, 'electrodes.nwb')
    // Unit 0 → rows 2 and 0; unit 1 → row 1.
    await writeWithElectrodes(file, [2, 0, 1], [2, 3])
    const rec = await readNwbUnits(file)
    expect(rec.units[0].electrodes).toEqual([
      { row: 2, id: 12, location: 'DG', group: 'shank1', x: 3 },
      { row: 0, id: 10, location: 'CA1', group: 'shank0', x: 1 },
    ])
    expect(rec.units[0].channel).toBe(12)
    expect(rec.units[1].electrodes).toEqual([{ row: 1, id: 11, location: 'CA3', group: 'shank0', x: 2 }])
  })

  it('a region row outside the table is an error naming the dataset and row', async () => {
    const file = path.join(dir, 'bad-electrodes.nwb')
    await writeWithElectrodes(file, [2, 5, 1], [2, 3])
    const err = await readNwbUnits(file).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SpikelabError)
    expect((err as SpikelabError).message).toMatch(/units\/electrodes\[1\] = 5 is not a row of the electrodes table \(3 rows\)/)
    expect((err as SpikelabError).location).toMatchObject({ field: '/units/electrodes', row: 2 })
  })

  it('files without an electrodes column read as before (no electrodes on units)', async () => {
    const file = path.join(dir, 'plain.nwb')
    const { writeNwbUnits } = await import('../../../main/spikes/nwb.js')
    await writeNwbUnits(file, { units: [{ id: '1' }], batch: { t: Float64Array.from([0.5]), neuron: Uint32Array.from([0]) } })
    const rec = await readNwbUnits(file)
    expect(rec.units[0].electrodes).toBeUndefined()
  })
})
