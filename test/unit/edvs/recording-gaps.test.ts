/** Gap markers in AEDAT 4 recordings (main/events/aedat4-gaps.ts): written in place, read back. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Aedat4Decoder } from '../../../main/events/aedat4-decoder.js'
import { GAP_TRIGGER_TYPE, readAedat4Gaps } from '../../../main/events/aedat4-gaps.js'
import { parseIoHeader } from '../../../main/events/aedat4-info.js'
import { Aedat4Recorder } from '../../../main/events/recorder.js'
import { readAedat4DataTable } from '../../../main/events/aedat4-file.js'
import { randomEvents } from './helpers.js'

const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-gaps-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('gap markers in recordings', () => {
  for (const compression of ['none', 'lz4'] as const) {
    it(`${compression}: events before and after a gap are intact and the marker sits between them with its counts`, async () => {
      const file = path.join(dir, `gaps-${compression}.aedat4`)
      const rec = await Aedat4Recorder.open(file, { geometry: { width: 128, height: 128 }, compression, maxPacketEvents: 1000 })
      const before = randomEvents(2500, 1)
      const after = randomEvents(1200, 2)
      const shift = before.t[before.t.length - 1] + 3_000_000
      rec.append(before)
      rec.appendGap({ kind: 'link-lost', afterUs: before.t[before.t.length - 1], durationUs: 3_000_000, droppedBytes: 17, lostEventsEstimate: 42_000, reason: 'no data for 1000 ms' })
      rec.append({ ...after, t: after.t.map((t) => t + shift) })
      rec.close()

      const decoder = new Aedat4Decoder()
      const batches = [...decoder.push(readFileSync(file)), ...decoder.end()]
      const t = batches.flatMap((b) => Array.from(b.t))
      expect(t.length).toBe(3700)
      expect(t.slice(0, 2500)).toEqual(Array.from(before.t))
      expect(t.slice(2500)).toEqual(Array.from(after.t, (x) => x + shift))
      const expected = { kind: 'link-lost', afterUs: before.t[2499], durationUs: 3_000_000, droppedBytes: 17, lostEventsEstimate: 42_000, eventIndex: 2500, reason: 'no data for 1000 ms' }
      expect(decoder.gaps).toEqual([expected])
      expect(await readAedat4Gaps(file)).toEqual([expected])
      // The TRIG stream is declared in the IOHeader, so AEDAT 4 readers that pick streams by type skip it.
      const bytes = readFileSync(file)
      const size = bytes.readUInt32LE(14)
      const header = parseIoHeader(new Uint8Array(bytes.subarray(18, 18 + size)), 18)
      expect(header.streams.map((s) => [s.id, s.typeIdentifier])).toEqual([[0, 'EVTS'], [1, 'TRIG']])
      // The FileDataTable lists the marker packet on stream 1 at the gap's time.
      const table = (await readAedat4DataTable(file))!
      const trig = table.filter((e) => e.streamId === 1)
      expect(trig).toHaveLength(1)
      expect(trig[0].tsStart).toBe(before.t[2499])
      expect(table.filter((e) => e.streamId === 0).reduce((n, e) => n + e.numElements, 0)).toBe(3700)
      expect(GAP_TRIGGER_TYPE).toBe(100)
    })
  }

  it('a file without markers has none', async () => {
    const file = path.join(dir, 'plain.aedat4')
    const rec = await Aedat4Recorder.open(file, { geometry: { width: 128, height: 128 } })
    rec.append(randomEvents(100, 3))
    rec.close()
    expect(await readAedat4Gaps(file)).toEqual([])
  })
})
