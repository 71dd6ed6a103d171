import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { RecordingCatalog, type RecordingSummary } from '../../../main/lab/recordings/catalog.js'
import { EventFrameAccumulator } from '../../../main/lab/recordings/thumbnail.js'

const summary = (over: Partial<RecordingSummary> = {}): RecordingSummary => ({
  format: 'aedat4', sensor: 'DVS128', width: 128, height: 128, eventCount: 1000, onCount: 600, offCount: 400,
  firstTimestampUs: 5_000_000, lastTimestampUs: 7_500_000, ...over,
})
const facts = (fingerprint = 'f1') => ({ sizeBytes: 4096, modifiedAt: 1_700_000_000_000, fingerprint })

function catalog() {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'spikelab-catalog-')), 'catalog.sqlite')
  let now = 1000
  return { file, cat: new RecordingCatalog(file, () => now++) }
}

describe('RecordingCatalog', () => {
  it('stores what a recording is, with the duration from its raw timestamps', () => {
    const { cat } = catalog()
    const e = cat.upsert('/lab/a.aedat4', summary(), facts(), null)
    expect(e).toMatchObject({ path: '/lab/a.aedat4', format: 'aedat4', sensor: 'DVS128', width: 128, height: 128, eventCount: 1000, onCount: 600, offCount: 400 })
    expect(e.durationUs).toBe(2_500_000)
    expect(e.firstTimestampUs).toBe(5_000_000) // raw sensor time kept, not shifted to zero
    expect(e.tags).toEqual([])
    expect(e.missing).toBe(false)
  })

  it('re-importing the same path refreshes facts and keeps tags and notes', () => {
    const { cat } = catalog()
    const e = cat.upsert('/lab/a.aedat4', summary(), facts(), null)
    cat.setTags(e.id, ['saccade', 'digit-3'])
    cat.setNotes(e.id, 'lens cap half on')
    const again = cat.upsert('/lab/a.aedat4', summary({ eventCount: 2000 }), facts('f2'), null)
    expect(again.id).toBe(e.id)
    expect(again.eventCount).toBe(2000)
    expect(again.tags).toEqual(['digit-3', 'saccade'])
    expect(again.notes).toBe('lens cap half on')
  })

  it('searches by words across path, sensor, format, notes and tags, and filters by field', () => {
    const { cat } = catalog()
    const a = cat.upsert('/lab/bar-left.aedat4', summary(), facts('a'), null)
    const b = cat.upsert('/lab/dot.raw', summary({ format: 'evt3', sensor: 'IMX636', width: 1280, height: 720, eventCount: 50, firstTimestampUs: 0, lastTimestampUs: 100 }), facts('b'), null)
    cat.setTags(b.id, ['rotating'])
    cat.setNotes(a.id, 'Moving bar, fast')
    expect(cat.list({ text: 'BAR' }).map((e) => e.id)).toEqual([a.id])
    expect(cat.list({ text: 'rot imx' }).map((e) => e.id)).toEqual([b.id])
    expect(cat.list({ text: 'fast moving' }).map((e) => e.id)).toEqual([a.id])
    expect(cat.list({ format: 'evt3' }).map((e) => e.id)).toEqual([b.id])
    expect(cat.list({ tag: 'rotating' }).map((e) => e.id)).toEqual([b.id])
    expect(cat.list({ minDurationUs: 1000 }).map((e) => e.id)).toEqual([a.id])
    expect(cat.list({ maxDurationUs: 1000 }).map((e) => e.id)).toEqual([b.id])
    expect(cat.list({ minEvents: 100 }).map((e) => e.id)).toEqual([a.id])
    expect(cat.list({ sortBy: 'eventCount' }).map((e) => e.id)).toEqual([b.id, a.id])
    expect(cat.list({ sortBy: 'eventCount', descending: true }).map((e) => e.id)).toEqual([a.id, b.id])
    expect(cat.list({ text: "'; DROP TABLE recordings; --" })).toEqual([])
    expect(cat.list()).toHaveLength(2)
    expect(cat.distinct('format')).toEqual(['aedat4', 'evt3'])
    expect(cat.distinct('tag')).toEqual(['rotating'])
  })

  it('hides missing files unless asked, and removing an entry removes its tags', () => {
    const { cat } = catalog()
    const a = cat.upsert('/lab/a.aedat4', summary(), facts(), null)
    cat.setTags(a.id, ['x'])
    cat.setMissing(a.id, true)
    expect(cat.list()).toEqual([])
    expect(cat.list({ includeMissing: true })[0].missing).toBe(true)
    expect(cat.remove(a.id)).toBe(true)
    expect(cat.remove(a.id)).toBe(false)
    expect(cat.distinct('tag')).toEqual([])
  })

  it('rejects bad edits with the field named, and unknown ids', () => {
    const { cat } = catalog()
    const a = cat.upsert('/lab/a.aedat4', summary(), facts(), null)
    expect(() => cat.setTags(a.id, ['x'.repeat(65)])).toThrow(/tag.*64 characters.*field 'tags'/)
    expect(() => cat.setNotes(a.id, 'x'.repeat(10_001))).toThrow(/field 'notes'/)
    expect(() => cat.setTags(999, ['x'])).toThrow(/no recording with id 999/)
  })

  it('persists across re-opening, and refuses a catalog from a newer version', () => {
    const { file, cat } = catalog()
    cat.upsert('/lab/a.aedat4', summary(), facts(), Buffer.from([1, 2, 3]))
    cat.close()
    const again = new RecordingCatalog(file)
    expect(again.list()).toHaveLength(1)
    expect([...again.thumbnail(again.list()[0].id)!]).toEqual([1, 2, 3])
    again.close()
    const raw = new Database(file)
    raw.pragma('user_version = 99')
    raw.close()
    expect(() => new RecordingCatalog(file)).toThrow(/newer Spikelab \(schema 99/)
  })
})

describe('EventFrameAccumulator', () => {
  it('draws ON and OFF pixels in their colours on the background and bins large sensors', () => {
    const acc = new EventFrameAccumulator(4, 2)
    acc.add({ t: Float64Array.from([0, 1, 2]), x: Uint16Array.from([0, 0, 3]), y: Uint16Array.from([0, 0, 1]), p: Uint8Array.from([1, 1, 0]) })
    acc.add({ t: Float64Array.from([3]), x: Uint16Array.from([200]), y: Uint16Array.from([0]), p: Uint8Array.from([1]) }) // outside: ignored
    const rgba = acc.rgba()
    // Pixel (0,0): 2 ON events, the busiest pixel → full ON colour.
    expect([...rgba.subarray(0, 4)]).toEqual([78, 161, 255, 255])
    // Pixel (1,0): no events → background.
    expect([...rgba.subarray(4, 8)]).toEqual([20, 22, 26, 255])
    // Pixel (3,1): one OFF event → OFF colour at brightness 0.25 + 0.75·ln2/ln3.
    const a = 0.25 + (0.75 * Math.log(2)) / Math.log(3)
    expect([...rgba.subarray(7 * 4, 7 * 4 + 3)]).toEqual([20 + (255 - 20) * a, 22 + (140 - 22) * a, 26 + (60 - 26) * a].map(Math.round))

    const big = new EventFrameAccumulator(1280, 720)
    expect([big.binnedWidth, big.binnedHeight]).toEqual([160, 90])
    const png = PNG.sync.read(big.png())
    expect([png.width, png.height]).toEqual([160, 90])
  })
})
