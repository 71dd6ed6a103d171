import { mkdirSync, mkdtempSync, renameSync, rmSync, existsSync, readdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { RecordingCatalog } from '../../../main/lab/recordings/catalog.js'
import { RecordingLibrary } from '../../../main/lab/recordings/library.js'
import { fixturePath } from '../../support/fixtures.js'

// Expected values: shared/fixtures/events/MANIFEST.md.
const EXPECTED: Record<string, { format: string; events: number; on: number; first: number; last: number }> = {
  'evt2_sample.raw': { format: 'evt2', events: 539_481, on: 367_855, first: 1_317_888, last: 1_367_888 },
  'sample_nmnist.bin': { format: 'nmnist', events: 4_325, on: 2_145, first: 654, last: 311_175 },
  'sample_ncars.dat': { format: 'dat', events: 2_009, on: 1_350, first: 0, last: 99_952 },
  'IMU_rotDisk.aedat': { format: 'aedat2', events: 374_296, on: 163_098, first: 341_678, last: 3_508_437 },
}

function library() {
  const lab = mkdtempSync(path.join(os.tmpdir(), 'spikelab-library-'))
  return { lab, lib: new RecordingLibrary(lab, new RecordingCatalog(path.join(lab, 'catalog.sqlite'))) }
}

describe('RecordingLibrary', () => {
  it('imports a folder by copy: every event file catalogued with the MANIFEST counts, other files skipped', async () => {
    const { lab, lib } = library()
    const progress: number[] = []
    const report = await lib.importPaths([fixturePath('events')], { copy: true, onProgress: (done) => progress.push(done) })
    expect(report.imported).toHaveLength(4)
    expect(report.skipped.map((s) => path.basename(s.path))).toEqual(['MANIFEST.md'])
    expect(progress.at(-1)).toBe(5)
    for (const entry of report.imported) {
      const name = path.basename(entry.path)
      const want = EXPECTED[name]
      expect(entry.path.startsWith(path.join(lab, 'recordings'))).toBe(true)
      expect({ format: entry.format, events: entry.eventCount, on: entry.onCount, off: entry.offCount, first: entry.firstTimestampUs, last: entry.lastTimestampUs }).toEqual({
        format: want.format, events: want.events, on: want.on, off: want.events - want.on, first: want.first, last: want.last,
      })
      expect(entry.durationUs).toBe(want.last - want.first)
      expect(entry.hasThumbnail).toBe(true)
    }
    expect(lib.catalog.byPath(path.join(lab, 'recordings', 'IMU_rotDisk.aedat'))!.sensor).toBe('DAVIS240C')
    expect(lib.catalog.byPath(path.join(lab, 'recordings', 'evt2_sample.raw'))!.sensor).toBe('gen3_fx3')
    // Importing the same files again reuses the copies instead of duplicating them.
    await lib.importPaths([fixturePath('events', 'sample_ncars.dat')], { copy: true })
    expect(readdirSync(path.join(lab, 'recordings')).sort()).toEqual(Object.keys(EXPECTED).sort())
  })

  it('re-scan finds a moved recording by its fingerprint and marks a deleted one missing', async () => {
    const { lab, lib } = library()
    await lib.importPaths([fixturePath('events', 'sample_nmnist.bin'), fixturePath('events', 'sample_ncars.dat')], { copy: true })
    const dir = path.join(lab, 'recordings')
    mkdirSync(path.join(dir, 'digits'))
    renameSync(path.join(dir, 'sample_nmnist.bin'), path.join(dir, 'digits', 'seven.bin'))
    rmSync(path.join(dir, 'sample_ncars.dat'))
    const report = await lib.rescan()
    expect(report.checked).toBe(2)
    expect(report.moved).toEqual([{ from: path.join(dir, 'sample_nmnist.bin'), to: path.join(dir, 'digits', 'seven.bin') }])
    expect(report.missing).toEqual([path.join(dir, 'sample_ncars.dat')])
    expect(lib.catalog.list().map((e) => path.basename(e.path))).toEqual(['seven.bin'])
    expect(lib.catalog.list({ includeMissing: true })).toHaveLength(2)
  })

  it('an unreadable file is skipped with the reason, the rest of the import goes on', async () => {
    const { lab, lib } = library()
    const bad = path.join(lab, 'broken.aedat4')
    const { writeFileSync } = await import('node:fs')
    writeFileSync(bad, '#!AER-DAT4.0\r\n' + 'garbage'.repeat(10))
    const report = await lib.importPaths([bad, fixturePath('events', 'sample_ncars.dat')])
    expect(report.imported.map((e) => path.basename(e.path))).toEqual(['sample_ncars.dat'])
    expect(report.skipped).toHaveLength(1)
    expect(report.skipped[0].reason.length).toBeGreaterThan(10)
    expect(existsSync(path.join(lab, 'recordings'))).toBe(false) // in-place import copies nothing
  })
})
