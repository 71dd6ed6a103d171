import { describe, expect, it } from 'vitest'
import type { DecodedFrame } from '../../../common/contract/binary-frames.js'
import type { LabRequestError } from '../../../common/contract/lab-api.js'
import type { SensorStatus } from '../../../common/contract/schemas.js'
import { connectInMemoryLab } from '../../support/in-memory-lab.js'

function connect() {
  return connectInMemoryLab('spikelab-sensor-')
}

describe('the simulated sensor over LabApi', () => {
  it('connects, streams live event batches as binary frames, reports its rate, and disconnects', async () => {
    const { lab, client } = connect()
    const statuses: SensorStatus[] = []
    client.on('sensor.status', (s) => statuses.push(s))
    const status = await client.request('sensor.connect', { device: 'sim:edvs', scene: 'rotating-dot', eventsPerSecond: 100_000 })
    expect(status).toMatchObject({ state: 'streaming', device: 'sim:edvs', width: 128, height: 128 })
    expect(status.format).toMatch(/^!E\d$/)

    const frames: DecodedFrame[] = []
    const { streamId } = await client.request('sensor.live', {})
    client.onFrames(streamId, (f) => frames.push(f))
    await new Promise((r) => setTimeout(r, 1500))
    const events = frames.reduce((n, f) => n + (f.kind === 'events' ? f.batch.t.length : 0), 0)
    expect(events).toBeGreaterThan(20_000) // 1.5 s at 100 k events/s, allowing start-up and a loaded machine
    for (const f of frames) {
      if (f.kind !== 'events') continue
      for (let i = 0; i < f.batch.t.length; i++) {
        expect(f.batch.x[i]).toBeLessThan(128)
        expect(f.batch.y[i]).toBeLessThan(128)
      }
    }
    const last = statuses.at(-1)!
    expect(last.eventsPerSecond).toBeGreaterThan(30_000)
    expect(last.eventsPerSecond).toBeLessThan(150_000)

    expect(await client.request('streams.close', { streamId })).toEqual({ closed: true })
    const after = frames.length
    await new Promise((r) => setTimeout(r, 100))
    expect(frames.length).toBe(after)
    expect((await client.request('sensor.disconnect', {})).state).toBe('disconnected')
    await lab.dispose()
  })

  it('refuses device names that are not the simulator or a serial path', async () => {
    const { client } = connect()
    for (const device of ['P', '/dev/../etc/passwd', 'E+; rm -rf /']) {
      const err = await client.request('sensor.connect', { device }).catch((e: LabRequestError) => e)
      expect((err as LabRequestError).wire.issues?.[0].path).toBe('params.device')
    }
  })

  it('a serial port that does not exist fails with a clear error and leaves the sensor disconnected', async () => {
    const { client } = connect()
    const err = await client.request('sensor.connect', { device: '/dev/ttyUSB-spikelab-none' }).catch((e: LabRequestError) => e)
    expect((err as LabRequestError).message).toMatch(/could not connect to \/dev\/ttyUSB-spikelab-none: cannot open .*No such file/)
    expect((await client.request('sensor.status', {})).state).toBe('disconnected')
  })
})

describe('recording the simulated sensor', () => {
  it('records every event the sensor delivered into an AEDAT 4 file that enters the library with that count', async () => {
    const { lab, client } = connect()
    await client.request('sensor.connect', { device: 'sim:edvs', eventsPerSecond: 100_000 })
    // Counts what the sensor delivered while a recording was open (the session says so synchronously).
    let sent = 0
    lab.sensor.onEvents((b) => {
      if (lab.sensor.current().recording) sent += b.t.length
    })
    const started = await client.request('sensor.recordStart', {})
    expect(started.recording?.path).toMatch(/recordings\/rec-\d{8}-\d{6}\.aedat4$/)
    await new Promise((r) => setTimeout(r, 1000))
    const { recording, status } = await client.request('sensor.recordStop', {})
    expect(status.recording).toBeNull()
    expect(recording.format).toBe('aedat4')
    expect(recording.eventCount).toBeGreaterThan(20_000)
    // Every event delivered while recording is in the file, no more, no less.
    expect(recording.eventCount).toBe(sent)
    expect((await client.request('recordings.list', {})).entries.map((e) => e.id)).toContain(recording.id)
    await expect(client.request('sensor.recordStop', {})).rejects.toThrow(/no recording is in progress/)
    await lab.dispose()
  })
})
