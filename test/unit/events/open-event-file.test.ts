import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { concatEventBatches, type EventBatch } from '../../../common/event-batch.js'
import { SpikelabError } from '../../../common/errors.js'
import { fixturePath } from '../../support/fixtures.js'
import { detectEventFormat } from '../../../main/events/detect.js'
import { openEventFile } from '../../../main/events/open-event-file.js'
import { writeEventFile } from '../../../main/events/write-event-file.js'
import { readAedat4DataTable } from '../../../main/events/aedat4-file.js'
import { CsvExporter } from '../../../main/events/csv-export.js'
import { npyHeader, npyRecords } from '../../../main/events/npy-export.js'
import { batchOf, expectSameEvents, streamDigest } from './helpers.js'

const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-events-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function readAll(file: string, options = {}): Promise<{ batch: EventBatch; format: string; geometry: unknown; batches: number }> {
  const f = await openEventFile(file, options)
  const parts: EventBatch[] = []
  for await (const b of f.batches()) parts.push(b)
  return { batch: concatEventBatches(parts), format: f.format, geometry: f.geometry, batches: parts.length }
}

describe('format detection', () => {
  it('uses content, not the extension', () => {
    const text = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'))
    expect(detectEventFormat(text('#!AER-DAT4.0\r\n'), 'x.dat')).toBe('aedat4')
    expect(detectEventFormat(text('#!AER-DAT3.1\r\n'), 'x.aedat')).toBe('aedat3')
    expect(detectEventFormat(text('#!AER-DAT2.0\r\n'), 'x.aedat4')).toBe('aedat2')
    expect(detectEventFormat(text('% evt 3.0\n% end\n'), 'x.dat')).toBe('evt3')
    expect(detectEventFormat(text('% format EVT21;height=720;width=1280\n'), 'x.raw')).toBe('evt21')
    expect(detectEventFormat(text('% system_ID 21\n% plugin_name hal_plugin_gen3_fx3\n'))).toBe('evt2')
    expect(detectEventFormat(text('% Data file containing N9Chronocam7Event2dE events.\n% Version 2\n'), 'a.raw')).toBe('dat')
    // no signature: the extension is the only hint
    expect(detectEventFormat(Uint8Array.of(1, 2, 3, 4, 5), 'digit.bin')).toBe('nmnist')
    expect(detectEventFormat(Uint8Array.of(1, 2, 3, 4, 5), 'unknown.raw')).toBeUndefined()
  })
})

describe('openEventFile', () => {
  it('streams a fixture with header facts known before the first batch, in several batches', async () => {
    const { batch, format, geometry, batches } = await readAll(fixturePath('events', 'IMU_rotDisk.aedat'), { chunkBytes: 64 * 1024 })
    expect(format).toBe('aedat2')
    expect(geometry).toEqual({ width: 240, height: 180 })
    expect(batches).toBeGreaterThan(5)
    expect(streamDigest(batch)).toBe('799467b941761b9d67f12b5efa213d0f3d7f9724254cc8c7fe9d6ea20b8b9da9')
  })

  it('with reused output, each batch consumed before the next gives the MANIFEST stream', async () => {
    const f = await openEventFile(fixturePath('events', 'IMU_rotDisk.aedat'), { reuseOutput: true, chunkBytes: 64 * 1024 })
    const h = createHash('sha256')
    let n = 0
    for await (const b of f.batches()) {
      n += b.t.length
      const lines: string[] = []
      for (let i = 0; i < b.t.length; i++) lines.push(`${b.t[i]},${b.x[i]},${b.y[i]},${b.p[i]}\n`)
      h.update(lines.join(''))
    }
    expect(n).toBe(374296)
    expect(h.digest('hex')).toBe('799467b941761b9d67f12b5efa213d0f3d7f9724254cc8c7fe9d6ea20b8b9da9')
  })

  it('detects a renamed file by content', async () => {
    const renamed = path.join(dir, 'looks-like.bin')
    copyFileSync(fixturePath('events', 'sample_ncars.dat'), renamed)
    const { format, batch } = await readAll(renamed)
    expect(format).toBe('dat')
    expect(batch.t.length).toBe(2009)
  })

  it('keeps raw time by default and shifts to zero only when asked', async () => {
    const raw = await readAll(fixturePath('events', 'evt2_sample.raw'))
    expect(raw.batch.t[0]).toBe(1317888)
    const shifted = await readAll(fixturePath('events', 'evt2_sample.raw'), { shiftToZero: true })
    expect(shifted.batch.t[0]).toBe(0)
    // MANIFEST: last event at 1 367 888, first at 1 317 888
    expect(shifted.batch.t[shifted.batch.t.length - 1]).toBe(50000)
  })

  it('reports bad input with the file and byte offset', async () => {
    const truncated = path.join(dir, 'truncated.dat')
    writeFileSync(truncated, readFileSync(fixturePath('events', 'sample_ncars.dat')).subarray(0, 93 + 8 * 10 + 3))
    const err = await readAll(truncated).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SpikelabError)
    expect((err as SpikelabError).location).toMatchObject({ file: truncated, byteOffset: 93 + 80 })
    expect((err as SpikelabError).message).toBe(`DAT: input ends inside a 8-byte event (${truncated}, byte 173)`)
    const unknown = path.join(dir, 'mystery.xyz')
    writeFileSync(unknown, Uint8Array.of(1, 2, 3))
    await expect(openEventFile(unknown)).rejects.toMatchObject({ code: 'UNKNOWN_FORMAT' })
  })
})

describe('writeEventFile', () => {
  it('writes an AEDAT 4 file whose FileDataTable indexes every packet (DV payload offsets)', async () => {
    const src = await readAll(fixturePath('events', 'sample_nmnist.bin'))
    const file = path.join(dir, 'out.aedat4')
    const parts = [0, 1000, 2000, 4325].slice(1).map((end, i, a) => sliceOf(src.batch, i === 0 ? 0 : a[i - 1], end))
    await writeEventFile(file, 'aedat4', parts, { geometry: { width: 34, height: 34 }, compression: 'lz4' })
    const back = await readAll(file)
    expect(back.format).toBe('aedat4')
    expect(back.geometry).toEqual({ width: 34, height: 34 })
    expectSameEvents(back.batch, src.batch)
    const table = await readAedat4DataTable(file)
    expect(table?.map((e) => e.numElements)).toEqual([1000, 1000, 2325])
    // MANIFEST §2: first t 654, last t 311 175
    expect(table?.[0].tsStart).toBe(654)
    expect(table?.[2].tsEnd).toBe(311175)
  })
})

function sliceOf(b: EventBatch, from: number, to: number): EventBatch {
  return { t: b.t.subarray(from, to), x: b.x.subarray(from, to), y: b.y.subarray(from, to), p: b.p.subarray(from, to) }
}

describe('export for Python', () => {
  it('CSV: header then t,x,y,p lines', () => {
    const csv = new CsvExporter()
    expect(csv.write(batchOf([[1317888, 237, 121, 1]])) + csv.write(batchOf([[5, 6, 7, 0]]))).toBe('t,x,y,p\n1317888,237,121,1\n5,6,7,0\n')
  })
  it('NPY: v1.0 magic, 64-aligned header with the structured dtype, 13-byte packed records', () => {
    const header = npyHeader(2)
    expect(Array.from(header.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0])
    expect(header.length % 64).toBe(0)
    const dict = Buffer.from(header.subarray(10)).toString('latin1')
    expect(dict).toContain("'descr': [('t', '<i8'), ('x', '<u2'), ('y', '<u2'), ('p', '|u1')]")
    expect(dict).toContain("'shape': (2,)")
    expect(dict.endsWith('\n')).toBe(true)
    const rec = npyRecords(batchOf([[2 ** 40 + 3, 640, 480, 1], [1, 2, 3, 0]]))
    expect(rec.length).toBe(26)
    // t = 2^40 + 3 little-endian: 03 00 00 00 00 01 00 00; x 640 = 0x280; y 480 = 0x1E0
    expect(Array.from(rec.subarray(0, 13))).toEqual([3, 0, 0, 0, 0, 1, 0, 0, 0x80, 0x02, 0xe0, 0x01, 1])
  })
})
