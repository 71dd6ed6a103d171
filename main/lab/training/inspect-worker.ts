/**
 * Worker-thread entry that inspects a trained run (confusion matrix, firing rates, one digit's
 * rasters): a few seconds of network passes, kept off the services' event loop.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { loadCheckpointFromRun } from '../../snn/run-folder.js'
import { inspectBpttCheckpoint, type BpttConfig, type Checkpoint } from '../../snn/index.js'
import type { InspectWorkerData } from './training-protocol.js'

const port = parentPort
if (!port) throw new Error('inspect-worker must run in a worker thread')
const { folder, digits, sampleIndex } = workerData as InspectWorkerData
try {
  const checkpoint = (await loadCheckpointFromRun(folder)) as Checkpoint<BpttConfig>
  port.postMessage({ kind: 'done', inspection: await inspectBpttCheckpoint(checkpoint, { digits, sampleIndex }) })
} catch (err) {
  port.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) })
}
