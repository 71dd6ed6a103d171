/**
 * Issue #4: a stalled sensor is not an unplugged one. The simulator process (and its socat pty) is
 * frozen with SIGSTOP for 2.5 s while recording with a 500 ms silence: the link goes 'suspect' and
 * back to 'streaming' with the port kept open — no loss, no gap, no reopen — and the recording holds
 * exactly what the simulator sent (count and hash, checked against the simulator's own digest and
 * an independent regeneration of its random scene).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SensorStatus } from '../../../common/contract/schemas.js'
import { concatEventBatches, sliceEventBatch } from '../../../common/event-batch.js'
import { Aedat4Decoder } from '../../../main/events/aedat4-decoder.js'
import { SensorSession } from '../../../main/lab/sensor/sensor-session.js'
import { EventStreamHasher } from '../../../native-bridge/sim-edvs/event-hash.js'
import { eventDigest, randomSceneEvents } from '../../support/simulated-scene.js'
import { startCli, type CliProcess } from '../edvs/cli-process.js'

const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-stall-'))
const sims: CliProcess[] = []
const session = new SensorSession(() => {})

afterAll(async () => {
  await session.disconnect()
  for (const s of sims) {
    s.killGroup('SIGCONT')
    s.killGroup('SIGKILL')
  }
  rmSync(dir, { recursive: true, force: true })
})

/** Events the simulator sends: its random scene (0–99 µs apart, about 20 k events/s paced). */
const COUNT = 160_000
const SEED = 11
const STALL_MS = 2500
const SILENCE_MS = 500

describe('sensor process stalled (SIGSTOP) while recording', () => {
  it('goes suspect and back to streaming without losing, reopening or marking anything', async () => {
    const link = path.join(dir, 'ttyEDVS')
    const file = path.join(dir, 'stall.aedat4')
    const hasher = new EventStreamHasher(true)
    let delivered = 0
    session.onEvents((b) => {
      delivered += b.t.length
      hasher.add(b)
    })
    const sim = startCli(['sim', 'edvs', '--pty', '--link', link, '--scene', 'random', '--seed', String(SEED), '--count', String(COUNT)])
    sims.push(sim)
    await sim.waitFor(/ready on/, 30_000, 'the simulator')

    const states: SensorStatus['state'][] = []
    const poll = setInterval(() => {
      const s = session.current().state
      if (states.at(-1) !== s) states.push(s)
    }, 5)
    try {
      await session.connect({ device: link, rtscts: false, baud: 4_000_000, format: 4, silenceMs: SILENCE_MS })
      await session.startRecording(file)
      const atStart = delivered
      await expect.poll(() => delivered - atStart, { timeout: 20_000 }).toBeGreaterThan(20_000)

      sim.killGroup('SIGSTOP') // the simulator and socat freeze; the pty stays open
      const stoppedAt = performance.now()
      await expect.poll(() => session.current().state, { timeout: STALL_MS - 200, interval: 10 }).toBe('suspect')
      const frozenAt = delivered
      await new Promise((r) => setTimeout(r, STALL_MS - (performance.now() - stoppedAt)))
      expect(session.current().state).toBe('suspect')
      expect(delivered).toBe(frozenAt) // it really was silent
      sim.killGroup('SIGCONT')
      await expect.poll(() => session.current().state, { timeout: 10_000, interval: 10 }).toBe('streaming')

      const done = await sim.waitFor(/^Sent (\d+) events \(!E(\d)\), sha256 ([0-9a-f]{64})$/, 60_000, 'the simulator to finish')
      expect(Number(done[1])).toBe(COUNT)
      await expect.poll(() => delivered, { timeout: 20_000 }).toBe(COUNT)
      const status = session.current()
      expect(status.losses).toBe(0)
      expect(status.gaps).toBe(0)
      expect(status.suspects).toBeGreaterThanOrEqual(1)
      expect(status.droppedBytes).toBe(0)
      await session.disconnect()

      // Everything the session delivered is what the simulator says it sent.
      expect(hasher.count).toBe(COUNT)
      expect(hasher.digest()).toBe(done[3])
      // The recording: no gap marker, and exactly the simulator's events from where it started.
      const decoder = new Aedat4Decoder()
      const got = concatEventBatches([...decoder.push(readFileSync(file)), ...decoder.end()])
      expect(decoder.gaps).toEqual([])
      expect(got.t.length).toBe(COUNT - atStart)
      const all = await randomSceneEvents(COUNT, SEED)
      expect(eventDigest(got)).toBe(eventDigest(sliceEventBatch(all, atStart, COUNT)))
      expect(eventDigest(all)).toBe(done[3])

      const suspectAt = states.indexOf('suspect')
      expect(suspectAt).toBeGreaterThan(0)
      expect(states.slice(0, suspectAt)).not.toContain('lost')
      expect(states[suspectAt + 1]).toBe('streaming')
      expect(states).not.toContain('lost')
    } finally {
      clearInterval(poll)
    }
  }, 120_000)
})
