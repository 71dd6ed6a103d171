import type { ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SensorStatus } from '../../../common/contract/schemas.js'
import { SensorSession } from '../../../main/lab/sensor/sensor-session.js'
import { startSimEdvsProcess as startSim, unplug as killGroup } from '../../support/sim-process.js'

describe('the simulated eDVS as a separate process on a pty', () => {
  const link = path.join(mkdtempSync(path.join(os.tmpdir(), 'spikelab-sim-')), 'ttyEDVS')
  const children: ChildProcess[] = []
  const statuses: SensorStatus[] = []
  const session = new SensorSession((s) => statuses.push(s))
  let events = 0
  session.onEvents((b) => (events += b.t.length))

  afterAll(async () => {
    await session.disconnect()
    for (const c of children) killGroup(c)
  })

  it('streams over the pty; killing the sensor process shows the loss; restarting it recovers by itself', async () => {
    children.push(await startSim(link))
    const status = await session.connect({ device: link, rtscts: false, baud: 4_000_000 })
    expect(status.state).toBe('streaming')
    await expect.poll(() => events, { timeout: 15_000 }).toBeGreaterThan(50_000)

    killGroup(children[0]) // unplug: the sensor process and its pty vanish at once
    await expect.poll(() => session.current().state, { timeout: 15_000 }).toBe('lost')
    expect(session.current().losses).toBe(1)
    expect(session.current().lastError).toBeTruthy()

    const before = events
    children.push(await startSim(link))
    await expect.poll(() => session.current().state, { timeout: 30_000 }).toBe('streaming')
    await expect.poll(() => events, { timeout: 15_000 }).toBeGreaterThan(before + 50_000)
  })
})
