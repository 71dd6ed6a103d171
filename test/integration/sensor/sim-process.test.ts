import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SensorStatus } from '../../../common/contract/schemas.js'
import { SensorSession } from '../../../main/lab/sensor/sensor-session.js'
import { repoRoot } from '../../support/fixtures.js'

/** `spikelab sim edvs --pty --link PATH` as a real child process; resolves once it says it is ready. */
async function startSim(link: string): Promise<ChildProcess> {
  // Its own process group, so that killing the group takes socat (the pty) with it, like an unplug.
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/spikelab.js'), 'sim', 'edvs', '--pty', '--link', link, '--rate', '100000'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  let err = ''
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim did not start: ${err}`)), 20_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('ready on')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`sim exited with ${code}: ${err}`)))
  })
  return child
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL')
  } catch {
    // already gone
  }
}

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
