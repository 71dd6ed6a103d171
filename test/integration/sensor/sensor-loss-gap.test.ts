/**
 * Issue #4, "must show": the sensor process killed and restarted mid-stream. The bridge reports the
 * loss, reconnects by itself, the recording goes on after a gap marker, and nothing recorded
 * before the kill is lost (count and hash of the part before the marker match what was sent).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SensorStatus } from '../../../common/contract/schemas.js'
import { concatEventBatches, sliceEventBatch } from '../../../common/event-batch.js'
import { Aedat4Decoder } from '../../../main/events/aedat4-decoder.js'
import { readAedat4Gaps } from '../../../main/events/aedat4-gaps.js'
import { SensorSession } from '../../../main/lab/sensor/sensor-session.js'
import { eventDigest, randomSceneEvents } from '../../support/simulated-scene.js'
import { startCli, type CliProcess } from '../edvs/cli-process.js'

const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-loss-'))
const sims: CliProcess[] = []
const session = new SensorSession(() => {})

afterAll(async () => {
  await session.disconnect()
  for (const s of sims) s.killGroup()
  rmSync(dir, { recursive: true, force: true })
})

async function startSim(link: string, seed: number): Promise<CliProcess> {
  // Paced by event time (about 20 k events/s) like a real sensor.
  const sim = startCli(['sim', 'edvs', '--pty', '--link', link, '--scene', 'random', '--seed', String(seed), '--count', '100000000'])
  sims.push(sim)
  await sim.waitFor(/ready on/, 30_000, 'the simulator')
  return sim
}

describe('sensor process killed and restarted while recording', () => {
  it('reports the loss, reconnects by itself, marks the gap, and keeps everything recorded before it', async () => {
    const link = path.join(dir, 'ttyEDVS')
    const file = path.join(dir, 'loss.aedat4')
    let delivered = 0
    let deliveredAtLoss = -1
    const states: SensorStatus['state'][] = []
    session.onEvents((b) => (delivered += b.t.length))

    const first = await startSim(link, 7)
    await session.connect({ device: link, rtscts: false, baud: 4_000_000, format: 4 })
    const offStatus = (s: SensorStatus) => {
      if (states.at(-1) !== s.state) states.push(s.state)
      if (s.state === 'lost' && deliveredAtLoss < 0) deliveredAtLoss = delivered
    }
    // SensorSession reports status through its constructor callback; poll it here instead.
    const poll = setInterval(() => offStatus(session.current()), 5)
    try {
      await session.startRecording(file)
      const atStart = delivered
      await expect.poll(() => delivered - atStart, { timeout: 20_000 }).toBeGreaterThan(20_000)

      first.killGroup('SIGKILL') // the sensor process and its pty vanish at once
      const killedAt = performance.now()
      await expect.poll(() => session.current().state, { timeout: 15_000 }).toBe('lost')
      expect(session.current().lastError).toBeTruthy()
      await new Promise((r) => setTimeout(r, 1500))
      const restartedAt = performance.now()
      await startSim(link, 8)
      await expect.poll(() => session.current().state, { timeout: 30_000 }).toBe('streaming')
      const afterResume = delivered
      await expect.poll(() => delivered - afterResume, { timeout: 20_000 }).toBeGreaterThan(20_000)
      const downUs = (restartedAt - killedAt) * 1000

      const status = session.current()
      expect(status.losses).toBe(1)
      expect(status.gaps).toBe(1)
      expect(status.lastGap?.kind).toBe('link-lost')
      expect(status.lastGap!.durationUs).toBeGreaterThan(downUs)
      await session.disconnect()

      const decoder = new Aedat4Decoder()
      const got = concatEventBatches([...decoder.push(readFileSync(file)), ...decoder.end()])
      expect(decoder.gaps).toHaveLength(1)
      const gap = decoder.gaps[0]
      expect(await readAedat4Gaps(file)).toEqual(decoder.gaps)
      expect(gap.kind).toBe('link-lost')
      expect(gap.durationUs).toBe(status.lastGap!.durationUs)

      // Before the marker: an unbroken prefix of what the first sensor sent, and every event the
      // session delivered before it reported the loss (recording started at event `atStart`).
      const before = sliceEventBatch(got, 0, gap.eventIndex)
      expect(gap.eventIndex).toBeGreaterThanOrEqual(deliveredAtLoss - atStart)
      const firstSent = await randomSceneEvents(atStart + gap.eventIndex, 7)
      expect(eventDigest(before)).toBe(eventDigest(sliceEventBatch(firstSent, atStart, atStart + gap.eventIndex)))
      expect(gap.afterUs).toBe(before.t[before.t.length - 1])

      // After it: the restarted sensor's events from its first, time continuing past the pause.
      const after = sliceEventBatch(got, gap.eventIndex, got.t.length)
      expect(after.t.length).toBeGreaterThan(20_000)
      const offset = after.t[0]
      expect(offset - gap.afterUs).toBe(gap.durationUs)
      const secondSent = await randomSceneEvents(after.t.length, 8)
      expect(eventDigest({ ...after, t: after.t.map((t) => t - offset) })).toBe(eventDigest(secondSent))
      expect(states).toEqual(expect.arrayContaining(['streaming', 'lost']))
    } finally {
      clearInterval(poll)
    }
  }, 120_000)
})
