/**
 * Issue #4, "must show": 10,000,000 events streamed from the simulated eDVS (`spikelab sim edvs
 * --pty`, a real process on a socat pty) into a recording (`spikelab record --port`, another real
 * process, AEDAT 4 through the crash-safe recorder), for every event format. The simulator hashes
 * what it sent; this test decodes the recording and hashes it independently. Packets are stored
 * uncompressed here to spare CI the LZ4 work (the sensor-loss test records with LZ4).
 * EDVS_TEST_EVENTS overrides the count (e.g. for a quick local run).
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Aedat4Decoder } from '../../../main/events/aedat4-decoder.js'
import { EventStreamHasher } from '../../../native-bridge/sim-edvs/event-hash.js'
import { startCli, type CliProcess } from './cli-process.js'

const COUNT = Number(process.env.EDVS_TEST_EVENTS ?? 10_000_000)
const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-10m-'))
const running: CliProcess[] = []
const rates: string[] = []

afterAll(() => {
  for (const p of running) p.killGroup()
  rmSync(dir, { recursive: true, force: true })
  if (rates.length) console.log(`10M-event runs:\n  ${rates.join('\n  ')}`)
})

async function decodeAndHash(file: string, withTime: boolean) {
  const decoder = new Aedat4Decoder({ reuseOutput: true })
  const hasher = new EventStreamHasher(withTime)
  let lastT = -Infinity
  let monotonic = true
  const take = (batches: ReturnType<Aedat4Decoder['push']>) => {
    for (const b of batches) {
      for (let i = 0; i < b.t.length; i++) {
        if (b.t[i] < lastT) monotonic = false
        lastT = b.t[i]
      }
      hasher.add(b)
    }
  }
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) take(decoder.push(chunk as Buffer))
  take(decoder.end())
  return { count: hasher.count, sha256: hasher.digest(), gaps: decoder.gaps, monotonic }
}

describe(`${COUNT.toLocaleString('en-US')} events: sim eDVS process → socat pty → record process → AEDAT 4`, () => {
  for (const format of [0, 1, 2, 3, 4]) {
    it(`!E${format}: the recording holds exactly the events sent (count and SHA-256)`, async () => {
      const link = path.join(dir, `tty-E${format}`)
      const out = path.join(dir, `rec-E${format}.aedat4`)
      const sim = startCli(['sim', 'edvs', '--pty', '--link', link, '--scene', 'random', '--count', String(COUNT), '--seed', String(100 + format), '--unpaced'])
      running.push(sim)
      await sim.waitFor(/ready on/, 30_000, 'the simulator')
      // The subject is count and content: a loaded CI machine can stall a process for over a second,
      // which the default 1 s silence would take for an unplugged sensor.
      const rec = startCli(['record', '--port', link, '--out', out, '--format', `E${format}`, '--compression', 'none', '--silence-ms', '10000'])
      running.push(rec)
      await rec.waitFor(/^recording /, 30_000, 'the recorder to start')
      const started = performance.now()
      const sent = await sim.waitFor(/^Sent (\d+) events \(!E(\d)\), sha256 ([0-9a-f]{64})$/, 200_000, 'the simulator to finish')
      expect(Number(sent[1])).toBe(COUNT)
      expect(Number(sent[2])).toBe(format)
      // The counter line (every 0.5 s) shows what is in the file; stop once everything is there.
      const counted = new RegExp(`\\s${COUNT.toLocaleString('en-US')} events\\s`)
      await rec.waitFor(counted, 30_000, 'the recording to hold every event')
      const seconds = (performance.now() - started) / 1000
      rec.child.kill('SIGINT')
      expect(await rec.exited).toBe(0)
      expect(rec.stdout.join('\n')).toMatch(new RegExp(`recorded ${COUNT} events`))
      sim.killGroup('SIGTERM')

      const got = await decodeAndHash(out, format !== 0)
      expect(got.count).toBe(COUNT)
      expect(got.sha256).toBe(sent[3])
      expect(got.monotonic).toBe(true)
      // No hole inside the stream (after the last event the silent simulator may be declared lost).
      expect(got.gaps.filter((g) => g.eventIndex < COUNT)).toEqual([])
      rates.push(`!E${format}: ${seconds.toFixed(1)} s, ${(COUNT / seconds / 1e6).toFixed(2)} M ev/s`)
    }, 300_000)
  }
})
