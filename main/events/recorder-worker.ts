// The recorder thread's side (recorder-thread.ts): an Aedat4Recorder on its own event loop, so
// building packets, compressing them and writing the file never stall the thread reading the sensor.
import { parentPort, workerData } from 'node:worker_threads'
import { Aedat4Recorder } from './recorder.js'
import { RecorderShared, viewPacked, type FromRecorderThread, type RecorderWorkerData, type ToRecorderThread } from './recorder-protocol.js'

const data = workerData as RecorderWorkerData
const shared = new RecorderShared(data.shared)
let recorder: Aedat4Recorder | undefined

function publish(): void {
  if (recorder) shared.setCounts(recorder.eventsWritten, recorder.gapsWritten)
}

function fail(err: unknown): void {
  shared.fail(err instanceof Error ? err.message : String(err))
  try {
    recorder?.close()
  } catch {
    // the file is already in trouble; the error above is the one to report
  }
  parentPort!.close()
}

try {
  recorder = await Aedat4Recorder.open(data.path, data.options)
  publish()
  shared.setState('open')
} catch (err) {
  fail(err)
}

parentPort!.on('message', (msg: ToRecorderThread) => {
  if (!recorder || shared.state !== 'open') return
  try {
    if (msg.kind === 'events') {
      recorder.append(viewPacked(msg.packed, msg.capacity, msg.count))
      // the recorder copied the events: the buffer goes back to be filled again
      parentPort!.postMessage({ kind: 'recycle', packed: msg.packed } satisfies FromRecorderThread, [msg.packed])
    }
    else if (msg.kind === 'gap') recorder.appendGap(msg.gap)
    else if (msg.kind === 'flush') recorder.flush()
    else if (msg.kind === 'close') {
      recorder.close()
      publish()
      shared.setState('closed')
      parentPort!.close()
      return
    }
    publish()
  } catch (err) {
    fail(err)
  }
})
