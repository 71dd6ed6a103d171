// Sensor settings over LabApi: event format and orientation at connect, whitelisted biases/LED while
// streaming (edvs-serial.md §7, §8), and the unpaced simulator link used by the live benchmark.
import { afterEach, describe, expect, it } from 'vitest'
import type { DecodedFrame } from '../../../common/contract/binary-frames.js'
import type { LabRequestError } from '../../../common/contract/lab-api.js'
import { connectInMemoryLab } from '../../support/in-memory-lab.js'

function connect() {
  return connectInMemoryLab('spikelab-sensor-settings-').client
}

type Client = ReturnType<typeof connect>
let client: Client | null = null
afterEach(async () => {
  await client?.request('sensor.disconnect', {})
  client = null
})

/** Live frames for `ms` milliseconds. */
async function collect(c: Client, ms: number): Promise<DecodedFrame[]> {
  const frames: DecodedFrame[] = []
  const { streamId } = await c.request('sensor.live', {})
  c.onFrames(streamId, (f) => frames.push(f))
  await new Promise((r) => setTimeout(r, ms))
  await c.request('streams.close', { streamId })
  return frames
}

/** Median over frames of the spread (max − min) of x and of y within one ≤ 2 ms slice of event time. */
function medianSpreads(frames: DecodedFrame[]): { x: number; y: number } {
  const xs: number[] = []
  const ys: number[] = []
  for (const f of frames) {
    if (f.kind !== 'events' || f.batch.t.length < 50) continue
    const { t, x, y } = f.batch
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity
    for (let i = 0; i < t.length && t[i] - t[0] < 2000; i++) {
      minX = Math.min(minX, x[i]); maxX = Math.max(maxX, x[i])
      minY = Math.min(minY, y[i]); maxY = Math.max(maxY, y[i])
    }
    xs.push(maxX - minX)
    ys.push(maxY - minY)
  }
  const median = (a: number[]) => a.sort((p, q) => p - q)[Math.floor(a.length / 2)]
  return { x: median(xs), y: median(ys) }
}

describe('sensor settings', () => {
  it('uses the event format asked for', async () => {
    client = connect()
    expect((await client.request('sensor.connect', { device: 'sim:edvs', format: 0, eventsPerSecond: 20_000 })).format).toBe('!E0')
    expect((await client.request('sensor.connect', { device: 'sim:edvs', format: 3, eventsPerSecond: 20_000 })).format).toBe('!E3')
  })

  it('swapXY turns the moving bar (narrow in x, spread over y) into a horizontal one', async () => {
    client = connect()
    await client.request('sensor.connect', { device: 'sim:edvs', scene: 'moving-bar', eventsPerSecond: 100_000 })
    const upright = medianSpreads(await collect(client, 600))
    // The bar is 8 pixels wide (128/16) and its edges fire at random rows.
    expect(upright.x).toBeLessThan(20)
    expect(upright.y).toBeGreaterThan(80)
    await client.request('sensor.connect', { device: 'sim:edvs', scene: 'moving-bar', eventsPerSecond: 100_000, orientation: { swapXY: true } })
    const swapped = medianSpreads(await collect(client, 600))
    expect(swapped.y).toBeLessThan(20)
    expect(swapped.x).toBeGreaterThan(80)
  })

  it('applies whitelisted biases and the LED while streaming, and the stream continues', async () => {
    client = connect()
    await client.request('sensor.connect', { device: 'sim:edvs', eventsPerSecond: 50_000 })
    const status = await client.request('sensor.configure', { biases: [{ index: 0, value: 1992 }, { index: 11, value: 217 }], led: 'blink' })
    expect(status.state).toBe('streaming')
    const frames = await collect(client, 400)
    expect(frames.some((f) => f.kind === 'events' && f.batch.t.length > 0)).toBe(true)
  })

  it('rejects biases outside the whitelist ranges by field, and settings without a sensor', async () => {
    client = connect()
    const badIndex = (await client.request('sensor.configure', { biases: [{ index: 12, value: 1 }] }).catch((e: LabRequestError) => e)) as LabRequestError
    expect(badIndex.wire.issues?.[0]?.path).toBe('params.biases.0.index')
    const badValue = (await client.request('sensor.configure', { biases: [{ index: 1, value: 0x1000000 }] }).catch((e: LabRequestError) => e)) as LabRequestError
    expect(badValue.wire.issues?.[0]?.path).toBe('params.biases.0.value')
    const raw = (await client.request('sensor.configure', { command: 'P' } as never).catch((e: LabRequestError) => e)) as LabRequestError
    expect(raw.wire.code).toBe('schema')
    const idle = (await client.request('sensor.configure', { led: 'on' }).catch((e: LabRequestError) => e)) as LabRequestError
    expect(idle.wire.errorCode).toBe('sensor-not-streaming')
  })

  it('allows the unpaced link (baud 0) for the simulator only', async () => {
    client = connect()
    const serial = (await client.request('sensor.connect', { device: '/dev/ttyUSB0', baud: 0 }).catch((e: LabRequestError) => e)) as LabRequestError
    expect(serial.wire.issues?.[0]?.path).toBe('params.baud')
    expect((await client.request('sensor.connect', { device: 'sim:edvs', baud: 0, eventsPerSecond: 1_000_000 })).state).toBe('streaming')
  })
})
