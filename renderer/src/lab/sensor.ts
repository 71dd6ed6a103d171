/** The sensor's status, kept current from the main side's pushes, and the connect/disconnect actions. */
import { reactive } from 'vue'
import type { RequestParams, SensorStatus } from '../../../common/contract/schemas'
import { lab } from './lab'

export const sensor = reactive({
  status: null as SensorStatus | null,
  busy: false,
  error: null as string | null,
  /** What the last finished recording became in the library. */
  lastSaved: null as { path: string; events: number } | null,
})

lab.on('sensor.status', (s) => (sensor.status = s))
lab.onConnection((state) => {
  if (state === 'open') void lab.request('sensor.status', {}).then((s) => (sensor.status = s))
})
if (lab.connection() === 'open') void lab.request('sensor.status', {}).then((s) => (sensor.status = s))

export async function connectSensor(device: string, options: Omit<RequestParams<'sensor.connect'>, 'device'> = {}): Promise<void> {
  sensor.busy = true
  sensor.error = null
  try {
    sensor.status = await lab.request('sensor.connect', { device, ...options })
  } catch (err) {
    sensor.error = err instanceof Error ? err.message : String(err)
  } finally {
    sensor.busy = false
  }
}

export async function disconnectSensor(): Promise<void> {
  sensor.busy = true
  try {
    sensor.status = await lab.request('sensor.disconnect', {})
  } finally {
    sensor.busy = false
  }
}

export async function toggleRecording(): Promise<void> {
  if (sensor.busy || !sensor.status || sensor.status.state === 'disconnected') return
  sensor.busy = true
  sensor.error = null
  try {
    if (sensor.status.recording) {
      const { status, recording } = await lab.request('sensor.recordStop', {})
      sensor.status = status
      sensor.lastSaved = { path: recording.path, events: recording.eventCount }
    } else {
      sensor.status = await lab.request('sensor.recordStart', {})
    }
  } catch (err) {
    sensor.error = err instanceof Error ? err.message : String(err)
  } finally {
    sensor.busy = false
  }
}
