/** LabApi 'sensor.*': connect, live stream, and recording into the library. */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { encodeEventFrame } from '../../../common/contract/binary-frames.js'
import type { AreaHandlers } from '../lab-server.js'
import type { RecordingLibrary } from '../recordings/library.js'
import type { SensorSession } from './sensor-session.js'

export function sensorHandlers(sensor: SensorSession, recordings: RecordingLibrary): AreaHandlers<'sensor'> {
  return {
    'sensor.connect': async (params) => sensor.connect(params),
    'sensor.disconnect': async () => sensor.disconnect(),
    'sensor.configure': async (params) => sensor.configure(params),
    'sensor.status': async () => sensor.current(),
    'sensor.recordStart': async () => {
      await mkdir(recordings.recordingsFolder, { recursive: true })
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
      return sensor.startRecording(path.join(recordings.recordingsFolder, `rec-${stamp}.aedat4`))
    },
    'sensor.recordStop': async () => {
      const { path: file } = sensor.stopRecording()
      const recording = await recordings.importFile(file)
      return { status: sensor.current(), recording }
    },
    'sensor.live': async (_params, session) => {
      let removeViewer = () => {}
      const stream = session.openStream(() => removeViewer())
      removeViewer = sensor.hub.add({ send: (batch) => stream.send(encodeEventFrame(stream.streamId, batch)) })
      return { streamId: stream.streamId }
    },
  }
}
