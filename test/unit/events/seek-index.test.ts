import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { concatEventBatches, createEventBatch, type EventBatch } from '../../../common/event-batch.js'
import {
  Aedat3Encoder, buildSeekIndex, createEncoder, openEventFile, parseSeekIndex, readIndexedWindow, segmentsFor, type EventFormat,
} from '../../../main/events/index.js'
import { fixturePath } from '../../support/fixtures.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'spikelab-seek-'))

/**
 * 60,000 events in time order across each format's timestamp wrap: EVT 2's 34-bit clock, EVT 3's
 * 24-bit one, the 32-bit clocks of DAT and AEDAT 2/3; N-MNIST's 23-bit time stays under its limit.
 */
function streamFor(format: EventFormat): { batch: EventBatch; width: number; height: number } {
  const n = 60_000
  const start = { evt2: 2 ** 34 - 3e6, evt21: 2 ** 34 - 3e6, evt3: 1e6, dat: 2 ** 32 - 3e6, aedat2: 2 ** 32 - 3e6, aedat3: 2 ** 32 - 3e6, nmnist: 0, aedat4: 0 }[format]
  const step = format === 'nmnist' ? 100 : 400
  const size = format === 'nmnist' ? 34 : 128
  const b = createEventBatch(n)
  let s = 12345
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    // bursts: several events share a timestamp now and then
    b.t[i] = start + Math.floor(i / 3) * step * 3 + (s % 3 === 0 ? 0 : (i % 3))
    b.x[i] = s % size
    b.y[i] = (s >>> 8) % size
    b.p[i] = (s >>> 16) & 1
  }
  return { batch: b, width: size, height: size }
}

function writeFile(format: EventFormat): string {
  const { batch, width, height } = streamFor(format)
  // AEDAT 3 resumes at packet boundaries: packets of 1,000 events, as jAER and DV write them
  const enc = format === 'aedat3' ? new Aedat3Encoder({ geometry: { width, height }, maxPacketEvents: 1000 }) : createEncoder(format, { geometry: { width, height } })
  const bytes = Buffer.concat([Buffer.from(enc.write(batch)), Buffer.from(enc.end())])
  for (const patch of enc.finalPatches()) bytes.set(patch.bytes, patch.offset)
  const file = path.join(dir, format === 'nmnist' ? 'stream.bin' : `stream.${format}`)
  writeFileSync(file, bytes)
  return file
}

/** The reference: a full decode from the start, filtered by time (no index involved). */
async function fullDecode(file: string): Promise<EventBatch> {
  const parts: EventBatch[] = []
  for await (const b of (await openEventFile(file)).batches()) parts.push(b)
  return concatEventBatches(parts)
}

function filterTime(b: EventBatch, from: number, to: number): number[][] {
  const out: number[][] = []
  for (let i = 0; i < b.t.length; i++) if (b.t[i] >= from && b.t[i] < to) out.push([b.t[i], b.x[i], b.y[i], b.p[i]])
  return out
}

function rows(batches: EventBatch[]): number[][] {
  const all = concatEventBatches(batches)
  return Array.from(all.t, (t, i) => [t, all.x[i], all.y[i], all.p[i]])
}

describe('sparse seek index for the formats without an index of their own', () => {
  for (const format of ['evt2', 'evt21', 'evt3', 'dat', 'aedat2', 'aedat3', 'nmnist'] as const) {
    it(`${format}: windows decoded from resume points equal a full decode, across the timestamp wrap`, async () => {
      const file = writeFile(format)
      const full = await fullDecode(file)
      expect(full.t.length).toBe(60_000)
      const index = await buildSeekIndex(file, { segmentEvents: 4000, chunkBytes: 4096 })
      expect(index.events).toBe(60_000)
      expect(index.segments.length).toBeGreaterThan(8)
      expect(index.segments.slice(1).every((s) => s.state !== null && s.offset > 0)).toBe(true)
      expect(index.segments.reduce((a, s) => a + s.events, 0)).toBe(60_000)

      // a stored index (JSON has no NaN or typed arrays) works the same
      const stored = parseSeekIndex(JSON.parse(JSON.stringify(index)))
      expect(stored).not.toBeNull()

      const t0 = full.t[0]
      const t1 = full.t[full.t.length - 1]
      let s = 7
      const windows: Array<[number, number]> = [[t0, t1 + 1], [t0 - 1000, t0 + 1], [t1, t1 + 5]]
      // the window that starts exactly on the third segment's first event
      windows.push([index.segments[3].minT, index.segments[3].minT + 50_000])
      for (let k = 0; k < 12; k++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0
        const from = t0 + (s % 1000) / 1000 * (t1 - t0)
        windows.push([from, from + 1 + (s % 200_000)])
      }
      for (const [from, to] of windows) {
        const expected = filterTime(full, from, to)
        expect(rows(await readIndexedWindow(file, index, from, to))).toEqual(expected)
        expect(rows(await readIndexedWindow(file, stored!, from, to))).toEqual(expected)
      }
      // a narrow window touches one or two segments, not the file
      const mid = full.t[30_000]
      const range = segmentsFor(index, mid, mid + 100)!
      expect(range.last - range.first).toBeLessThanOrEqual(1)
    })
  }

  it('a window of a real EVT 2.0 recording (fixture) equals the full decode', async () => {
    const file = fixturePath('events', 'evt2_sample.raw')
    const full = await fullDecode(file)
    const index = await buildSeekIndex(file, { segmentEvents: 20_000, chunkBytes: 16_384 })
    expect(index.events).toBe(full.t.length)
    expect(index.segments.length).toBeGreaterThan(2)
    const from = full.t[Math.floor(full.t.length * 0.4)]
    const to = full.t[Math.floor(full.t.length * 0.6)]
    expect(rows(await readIndexedWindow(file, index, from, to))).toEqual(filterTime(full, from, to))
  })

  it('refuses a window larger than the caller allows, instead of filling memory', async () => {
    const file = writeFile('evt3')
    const index = await buildSeekIndex(file, { segmentEvents: 4000, chunkBytes: 4096 })
    await expect(readIndexedWindow(file, index, 0, Number.MAX_SAFE_INTEGER, { maxEvents: 10_000 })).rejects.toThrow(/more than 10,000 events/)
  })
})
