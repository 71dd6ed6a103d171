import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { BoardOutput, BoardStatus } from '../../../common/contract/schemas.js'
import { createEventBatch } from '../../../common/event-batch.js'
import { createMemoryDuplexPair } from '../../../native-bridge/board-link/index.js'
import type { MemoryDuplexPair } from '../../../native-bridge/board-link/index.js'
import { writeEventFile } from '../../../main/events/write-event-file.js'
import { JobRegistry } from '../../../main/lab/jobs.js'
import { createBoardServices, type BoardServices } from '../../../main/lab/board/index.js'
import { SensorSession } from '../../../main/lab/sensor/sensor-session.js'

interface Rig {
  labFolder: string
  services: BoardServices
  jobs: JobRegistry
  sensor: SensorSession
  statuses: BoardStatus[]
  outputs: BoardOutput[]
  pairs: MemoryDuplexPair[]
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function rig(): Rig {
  const labFolder = mkdtempSync(path.join(os.tmpdir(), 'spikelab-board-run-'))
  const jobs = new JobRegistry(() => {})
  const sensor = new SensorSession(() => {})
  const statuses: BoardStatus[] = []
  const outputs: BoardOutput[] = []
  const pairs: MemoryDuplexPair[] = []
  const services: BoardServices = createBoardServices({
    labFolder, catalogFile: path.join(labFolder, 'catalog.sqlite'), recordingsFolder: path.join(labFolder, 'recordings'), jobs, sensor,
    listRuns: async () => [],
    broadcast: (event, data) => {
      if (event === 'board.status') statuses.push(data as BoardStatus)
      if (event === 'board.output') outputs.push(data as BoardOutput)
    },
    session: {
      statusIntervalMs: 100,
      openLink: async () => {
        const pair = createMemoryDuplexPair()
        services.session.simulatedBoard.attach(pair.device)
        pairs.push(pair)
        return pair.host
      },
    },
  })
  cleanups.push(async () => {
    await jobs.cancelAll()
    await services.dispose()
    await sensor.disconnect()
    sensor.hub.dispose()
    rmSync(labFolder, { recursive: true, force: true })
  })
  return { labFolder, services, jobs, sensor, statuses, outputs, pairs }
}

async function deployDemo(r: Rig): Promise<void> {
  const id = r.services.deploy.start('demo:bar-position', { confirm: 'auto' })
  await expect.poll(() => r.jobs.get(id)?.state, { timeout: 30_000 }).toBe('done')
}

describe('the board session: health, loss and recovery', () => {
  it('turns lost when the cable is pulled and recovers on its own; CAPS and heartbeat age come back', async () => {
    const r = rig()
    const connected = await r.services.session.connect('sim:board')
    expect(connected.state).toBe('connected')
    expect(connected.caps).toMatchObject({ boardId: 'spikelab-sim-rp1', simulated: true, activeSha256: null, runState: 'no-model' })
    await expect.poll(() => r.services.session.current().health.heartbeatAgeMs).not.toBeNull()

    r.pairs[0].device.close()
    await expect.poll(() => r.statuses.some((s) => s.state === 'lost')).toBe(true)
    await expect.poll(() => r.services.session.current().state).toBe('connected')
    expect(r.services.session.current().losses).toBe(1)
    expect(r.pairs).toHaveLength(2)
    await expect.poll(() => r.services.session.current().health.heartbeatAgeMs ?? Infinity).toBeLessThan(1000)
  })

  it('notices a silent link by its heartbeats (no close event), reports lost, and reconnects', async () => {
    const r = rig()
    await r.services.session.connect('sim:board')
    // The device keeps its port open but nothing reaches the host any more (§12.1: T_SUSPECT, T_LOST).
    r.pairs[0].device.faults.transform = () => new Uint8Array(0)
    const t0 = Date.now()
    await expect.poll(() => r.services.session.current().state, { timeout: 5000 }).toBe('lost')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900) // T_LOST = 1 s after the last frame
    await expect.poll(() => r.services.session.current().state, { timeout: 10_000 }).toBe('connected')
    expect(r.services.session.current().losses).toBe(1)
  })
})

describe('running the active model on the board', () => {
  it('a recording with a bar in column band 5 makes output 5 win; the spikes are written to CSV', async () => {
    const r = rig()
    await r.services.session.connect('sim:board')
    await deployDemo(r)
    await expect.poll(() => r.services.session.current().labels).toHaveLength(8)

    // 400 ms of events at x in [80, 96) (band 5 of the demo model), all rows, 20 per ms.
    const n = 8000
    const batch = createEventBatch(n)
    for (let i = 0; i < n; i++) {
      batch.t[i] = 1_000_000 + Math.floor(i / 20) * 1000 + (i % 20) * 40
      batch.x[i] = 80 + (i % 16)
      batch.y[i] = (i * 37) % 128
      batch.p[i] = i & 1
    }
    const file = path.join(r.labFolder, 'band5.aedat4')
    await writeEventFile(file, 'aedat4', [batch], { geometry: { width: 128, height: 128 } })

    await r.services.runner.start({ source: 'recording', path: file, record: true })
    const csvPath = r.services.session.current().run!.recordingPath!
    // The replay ends by itself once the board has passed the last event.
    await expect.poll(() => r.services.session.current().run, { timeout: 20_000 }).toBeNull()
    expect(existsSync(csvPath)).toBe(true)
    const rows = readFileSync(csvPath, 'utf8').trim().split('\n')
    expect(rows[0]).toBe('unit,time_us')
    const perUnit = new Array<number>(8).fill(0)
    for (const row of rows.slice(1)) perUnit[Number(row.split(',')[0])]++
    expect(perUnit[5]).toBeGreaterThan(20)
    expect(perUnit.filter((c, i) => i !== 5 && c > 0)).toEqual([])
    const last = r.services.runner.lastRun!
    expect(last.path).toBe(file)
    expect(last.spikes).toBe(rows.length - 1)
    expect(last.eventsSent).toBe(n)
    expect(r.outputs.some((o) => o.winner === 5 && o.label === 'x 80–95')).toBe(true)
  })

  it('streams the simulated sensor into the board within its credits; drops are counted, spikes come back', async () => {
    const r = rig()
    await r.services.session.connect('sim:board')
    await deployDemo(r)
    await r.sensor.connect({ device: 'sim:edvs', eventsPerSecond: 100_000 })
    await r.services.runner.start({ source: 'sensor' })
    await expect.poll(() => r.services.session.current().run?.spikes ?? 0, { timeout: 10_000 }).toBeGreaterThan(50)
    await expect.poll(() => r.services.session.current().health.eventsInPerSecond).toBeGreaterThan(1000)
    const status = r.services.session.current()
    // 100 k events/s offered into a 2 Mbaud link (≈ 47 k events/s at 4 B each, §2): the host drops and counts the excess.
    expect(status.health.hostDropped).toBeGreaterThan(0)
    expect(status.health.inLost).toBe(0)
    expect(status.caps!.runState).toBe('running')
    await r.services.runner.stop()
    expect(r.services.session.current().run).toBeNull()
    await expect.poll(() => r.services.session.current().caps?.runState).toBe('stopped')
  })

  it('refuses to run without a model, and says what to do', async () => {
    const r = rig()
    await r.services.session.connect('sim:board')
    await expect(r.services.runner.start({ source: 'recording', path: '/nonexistent.aedat4' })).rejects.toThrow(/no active model: deploy one first/)
  })
})
