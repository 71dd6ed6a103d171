/** LabApi 'sensor.*': connect, live stream, and recording into the library. */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { encodeLiveEventFrame } from '../../../common/contract/binary-frames.js'
import type { AreaHandlers, SessionContext } from '../lab-server.js'
import type { RecordingLibrary } from '../recordings/library.js'
import type { LiveViewerHandle } from './live-hub.js'
import type { SensorSession } from './sensor-session.js'

export function sensorHandlers(sensor: SensorSession, recordings: RecordingLibrary): AreaHandlers<'sensor'> {
  /** Each connection's live streams, for their acknowledgements. */
  const liveViewers = new WeakMap<SessionContext, Map<number, LiveViewerHandle>>()
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
    'sensor.live': async ({ bins }, session) => {
      let viewer: LiveViewerHandle | null = null
      const stream = session.openStream(() => {
        viewer?.remove()
        liveViewers.get(session)?.delete(stream.streamId)
      })
      viewer = sensor.hub.add(
        { send: (batch) => stream.send(encodeLiveEventFrame(stream.streamId, batch)), sendBins: (update) => stream.send(update.encode(stream.streamId)) },
        bins,
      )
      let mine = liveViewers.get(session)
      if (!mine) liveViewers.set(session, (mine = new Map()))
      mine.set(stream.streamId, viewer)
      return { streamId: stream.streamId }
    },
    'sensor.liveAck': async ({ streamId, frames, bins }, session) => {
      const viewer = liveViewers.get(session)?.get(streamId)
      viewer?.ack(frames)
      if (bins) viewer?.configure(bins)
      return { acknowledged: viewer !== undefined }
    },
  }
}
