/**
 * The live recorder runs on its own thread (recorder-thread.ts). Whatever thread writes it, a
 * recording must be byte-for-byte the file the in-thread recorder writes for the same calls —
 * events, gap markers at the right event index, FileDataTable — and a failing disk must surface as
 * an error naming the file, not as a silently short recording.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { EventBatch } from '../../../common/event-batch.js'
import { Aedat4Decoder } from '../../../main/events/aedat4-decoder.js'
import { readAedat4DataTable } from '../../../main/events/aedat4-file.js'
import { Aedat4Recorder } from '../../../main/events/recorder.js'
import { RecorderThread, type EventRecorder } from '../../../main/events/recorder-thread.js'

const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-rec-thread-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function batch(from: number, n: number): EventBatch {
  return {
    t: Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000_000 + 7 * (from + i)),
    x: Uint16Array.from({ length: n }, (_, i) => (from + i) % 128),
    y: Uint16Array.from({ length: n }, (_, i) => ((from + i) >> 7) % 128),
    p: Uint8Array.from({ length: n }, (_, i) => (from + i) % 3 === 0 ? 1 : 0),
  }
}

/** The same sequence of calls a sensor session makes: batches, a gap, more batches, close. */
function drive(rec: EventRecorder): void {
  let at = 0
  for (const n of [1, 4096, 70_000, 333]) {
    rec.append(batch(at, n))
    at += n
  }
  rec.appendGap({ kind: 'link-lost', afterUs: batch(at - 1, 1).t[0], durationUs: 1_500_000, droppedBytes: 12, lostEventsEstimate: 30_000, reason: 'port closed' })
  rec.append(batch(at, 20_000))
  rec.flush()
  rec.append(batch(at + 20_000, 5))
  rec.close()
}

const options = { geometry: { width: 128, height: 128 }, compression: 'lz4' as const, maxPacketEvents: 16_384, flushIntervalMs: 3_600_000 }

describe('RecorderThread', () => {
  it('writes the same file as the in-thread recorder, gap marker included', async () => {
    const inline = path.join(dir, 'inline.aedat4')
    const threaded = path.join(dir, 'threaded.aedat4')
    const a = await Aedat4Recorder.open(inline, options)
    drive(a)
    const b = await RecorderThread.open(threaded, options)
    drive(b)
    expect(b.eventsWritten).toBe(a.eventsWritten)
    expect(b.eventsWritten).toBe(1 + 4096 + 70_000 + 333 + 20_000 + 5)
    expect(b.gapsWritten).toBe(1)
    expect(readFileSync(threaded).equals(readFileSync(inline))).toBe(true)

    const decoder = new Aedat4Decoder()
    const events = [...decoder.push(readFileSync(threaded)), ...decoder.end()].reduce((s, e) => s + e.t.length, 0)
    expect(events).toBe(b.eventsWritten)
    expect(decoder.gaps.map((g) => g.eventIndex)).toEqual([1 + 4096 + 70_000 + 333])
    // The table lists the event packets (stream 0) and the gap marker's TRIG packet (stream 1).
    const table = (await readAedat4DataTable(threaded)) ?? []
    expect(table.filter((e) => e.streamId === 0).reduce((s, e) => s + e.numElements, 0)).toBe(b.eventsWritten)
    expect(table.filter((e) => e.streamId === 1).map((e) => e.numElements)).toEqual([1])
  })

  it('refuses a path it cannot create, naming it', async () => {
    const bad = path.join(dir, 'no-such-folder', 'x.aedat4')
    await expect(RecorderThread.open(bad, options)).rejects.toThrow(/no-such-folder/)
  })

  it.runIf(process.platform === 'linux')('reports a full disk with the file and the system error', async () => {
    // /dev/full accepts open() and fails every write with ENOSPC
    await expect(RecorderThread.open('/dev/full', options)).rejects.toThrow(/recording to \/dev\/full failed: .*ENOSPC/)
  })

  it('refuses events after close', async () => {
    const rec = await RecorderThread.open(path.join(dir, 'closed.aedat4'), options)
    rec.close()
    rec.close() // idempotent
    expect(() => rec.append(batch(0, 1))).toThrow(/closed/)
  })
})
