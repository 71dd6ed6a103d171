import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { concatEventBatches, type EventBatch } from '../../../common/event-batch.js'
import { openEventFile } from '../../../main/events/open-event-file.js'
import { readAedat4DataTable } from '../../../main/events/aedat4-file.js'
import { repairAedat4 } from '../../../main/events/repair.js'
import { repoRoot } from '../../support/fixtures.js'
import { Aedat4Recorder } from '../../../main/events/recorder.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const dir = mkdtempSync(path.join(tmpdir(), 'spikelab-recorder-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function readAll(file: string, tolerateTruncation = false): Promise<EventBatch> {
  const f = await openEventFile(file, { aedat4: { tolerateTruncation } })
  const parts: EventBatch[] = []
  for await (const b of f.batches()) parts.push(b)
  return concatEventBatches(parts)
}

/** The child's deterministic stream, event i. */
function expectPrefix(b: EventBatch): void {
  for (let i = 0; i < b.t.length; i++) {
    if (b.t[i] !== 1_700_000_000_000_000 + 10 * i || b.x[i] !== i % 640 || b.y[i] !== (i >> 3) % 480 || b.p[i] !== i % 2) {
      throw new Error(`event ${i} is not the ${i}th recorded event`)
    }
  }
}

async function recordAndKill(file: string, compression: string, untilEvents: number): Promise<{ count: number; time: number }[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'recorder-child.ts'), file, compression], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const reports: { count: number; time: number }[] = []
  let buffered = ''
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)))
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const m = /^appended (\d+) (\d+)$/.exec(line)
        if (m) reports.push({ count: Number(m[1]), time: Number(m[2]) })
      }
      if (reports.length && reports[reports.length - 1].count >= untilEvents) {
        child.removeAllListeners('exit')
        child.kill('SIGKILL')
        child.on('exit', () => resolve())
      }
    })
  })
  return reports
}

describe('crash-safe AEDAT 4 recorder', () => {
  for (const compression of ['none', 'lz4']) {
    it(`a recording killed with SIGKILL reads back up to the last flush, and repair adds the table (${compression})`, async () => {
      const file = path.join(dir, `killed-${compression}.aedat4`)
      const reports = await recordAndKill(file, compression, 40_000)
      const last = reports[reports.length - 1]
      // everything appended at least 100 ms before the kill signal must be on disk
      const mustHave = reports.filter((r) => r.time <= last.time - 100).at(-1)?.count ?? 0
      expect(mustHave).toBeGreaterThan(0)

      const killed = await readAll(file, true)
      expectPrefix(killed)
      expect(killed.t.length).toBeGreaterThanOrEqual(mustHave)
      expect(await readAedat4DataTable(file)).toBeUndefined()

      const result = await repairAedat4(file)
      expect(result.repaired).toBe(true)
      expect(result.events).toBe(killed.t.length)
      const table = await readAedat4DataTable(file)
      expect(table?.reduce((s, e) => s + e.numElements, 0)).toBe(killed.t.length)
      // after repair the file reads strictly (no truncated packet left) with the same events
      const repaired = await readAll(file)
      expect(repaired.t.length).toBe(killed.t.length)
      expectPrefix(repaired)
      // repairing again is a no-op
      expect((await repairAedat4(file)).repaired).toBe(false)
    })
  }

  it('`spikelab repair` rebuilds the table of a killed recording, then finds nothing to do', async () => {
    const file = path.join(dir, 'killed-cli.aedat4')
    await recordAndKill(file, 'none', 20_000)
    const killed = await readAll(file, true)
    const cli = (args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/spikelab.js'), ...args], { encoding: 'utf8' })
    const first = cli(['repair', file])
    expect(first.status).toBe(0)
    expect(first.stdout).toContain(`${killed.t.length.toLocaleString('en-US')} events`)
    expect(first.stdout).toMatch(/^repaired /)
    expect((await readAedat4DataTable(file))?.reduce((s, e) => s + e.numElements, 0)).toBe(killed.t.length)
    const again = cli(['repair', file])
    expect(again.stdout).toMatch(/already has its FileDataTable/)
  })

  it('a closed recording has its FileDataTable', async () => {
    const file = path.join(dir, 'closed.aedat4')
    const rec = await Aedat4Recorder.open(file, { geometry: { width: 640, height: 480 }, maxPacketEvents: 1000 })
    const n = 2500
    const t = Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000_000 + 10 * i)
    const x = Uint16Array.from({ length: n }, (_, i) => i % 640)
    const y = Uint16Array.from({ length: n }, (_, i) => (i >> 3) % 480)
    const p = Uint8Array.from({ length: n }, (_, i) => i % 2)
    rec.append({ t, x, y, p })
    rec.close()
    const table = await readAedat4DataTable(file)
    expect(table?.map((e) => e.numElements)).toEqual([1000, 1000, 500])
    const back = await readAll(file)
    expect(back.t.length).toBe(n)
    expectPrefix(back)
  })
})
