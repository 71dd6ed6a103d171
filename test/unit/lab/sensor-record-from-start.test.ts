/**
 * `SensorSession.connect({ recordTo })` opens the recording before streaming starts, so a sensor
 * that floods the link at once (the unpaced simulator) has every event it delivers in the file —
 * none lost to the time the recorder (a worker thread) takes to open.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { concatEventBatches, type EventBatch } from '../../../common/event-batch.js'
import { Aedat4Decoder } from '../../../main/events/aedat4-decoder.js'
import { SensorSession } from '../../../main/lab/sensor/sensor-session.js'
import { EventStreamHasher } from '../../../native-bridge/sim-edvs/event-hash.js'

describe('recording from the first event', () => {
  it('the file holds exactly the events the session delivered, from the very first', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'spikelab-recfirst-')), 'first.aedat4')
    const session = new SensorSession(() => {})
    const delivered: EventBatch[] = []
    session.onEvents((b) => delivered.push({ t: b.t.slice(), x: b.x.slice(), y: b.y.slice(), p: b.p.slice() }))
    const status = await session.connect({ device: 'sim:edvs', baud: 0, eventsPerSecond: 2_000_000, recordTo: { path: file, compression: 'none' } })
    expect(status.recording?.path).toBe(file)
    await expect.poll(() => delivered.reduce((n, b) => n + b.t.length, 0), { timeout: 20_000 }).toBeGreaterThan(100_000)
    await session.disconnect()

    const all = concatEventBatches(delivered)
    const decoder = new Aedat4Decoder()
    const got = concatEventBatches([...decoder.push(readFileSync(file)), ...decoder.end()])
    expect(got.t.length).toBe(all.t.length)
    const hash = (b: EventBatch) => {
      const h = new EventStreamHasher(true)
      h.add(b)
      return h.digest()
    }
    expect(hash(got)).toBe(hash(all))
    expect(got.t[0]).toBe(all.t[0])
  }, 60_000)
})
