import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { createEventBatch, type EventBatch } from '../../../common/event-batch.js'
import { Aedat4Encoder, openEventFile, readAedat4Window } from '../../../main/events/index.js'

/** 60,000 events, one every 1 ms from t = 5 s (raw sensor time), in packets of 500. */
function stream(): EventBatch {
  const n = 60_000
  const b = createEventBatch(n)
  for (let i = 0; i < n; i++) {
    b.t[i] = 5_000_000 + i * 1000
    b.x[i] = i % 128
    b.y[i] = (i * 7) % 128
    b.p[i] = i % 2
  }
  return b
}

function writeAedat4(file: string, compression: 'none' | 'lz4', withTable: boolean): void {
  const enc = new Aedat4Encoder({ geometry: { width: 128, height: 128 }, compression, maxPacketEvents: 500 })
  const parts = [enc.write(stream())]
  if (withTable) parts.push(enc.end())
  const bytes = Buffer.concat(parts.map((p) => Buffer.from(p)))
  if (withTable) for (const patch of enc.finalPatches()) bytes.set(patch.bytes, patch.offset)
  writeFileSync(file, bytes)
}

async function filtered(file: string, from: number, to: number): Promise<number[]> {
  const t: number[] = []
  for await (const b of (await openEventFile(file)).batches()) for (const v of b.t) if (v >= from && v < to) t.push(v)
  return t
}

describe('readAedat4Window (seeking through the FileDataTable)', () => {
  for (const compression of ['none', 'lz4'] as const) {
    it(`returns exactly the events of [from, to), as a full decode would (${compression})`, async () => {
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'spikelab-window-')), `s-${compression}.aedat4`)
      writeAedat4(file, compression, true)
      for (const [from, to] of [[5_000_000, 5_010_000], [30_123_456, 31_000_000], [64_500_000, 70_000_000], [1, 2]]) {
        const got = await readAedat4Window(file, from, to)
        expect(got, `${from}–${to}`).toBeDefined()
        expect([...got!.t]).toEqual(await filtered(file, from, to))
      }
      // t = 5 s + i ms: the window holds i = 25,124 … 25,999, i.e. 876 events.
      expect((await readAedat4Window(file, 30_123_456, 31_000_000))!.t.length).toBe(876)
    })
  }

  it('says it cannot seek (undefined) in a file without its table, e.g. an interrupted recording', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'spikelab-window-')), 'killed.aedat4')
    writeAedat4(file, 'none', false)
    expect(readFileSync(file).length).toBeGreaterThan(0)
    expect(await readAedat4Window(file, 5_000_000, 6_000_000)).toBeUndefined()
  })
})
