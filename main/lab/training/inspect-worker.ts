/**
 * Worker-thread entry that inspects a trained run (confusion matrix, firing rates, one digit's
 * rasters): a few seconds of network passes, kept off the services' event loop.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { loadCheckpointFromRun } from '../../snn/run-folder.js'
import { inspectBpttCheckpoint, inspectCoarseCheckpoint, type BpttConfig, type Checkpoint, type CoarseConfig } from '../../snn/index.js'
import type { InspectWorkerData } from './training-protocol.js'

const port = parentPort
if (!port) throw new Error('inspect-worker must run in a worker thread')
const { folder, digits, sampleIndex } = workerData as InspectWorkerData
try {
  const checkpoint = await loadCheckpointFromRun(folder)
  const options = { digits, sampleIndex }
  const inspection =
    checkpoint.method === 'coarse'
      ? await inspectCoarseCheckpoint(checkpoint as Checkpoint<CoarseConfig>, options)
      : await inspectBpttCheckpoint(checkpoint as Checkpoint<BpttConfig>, options) // refuses any other method by name
  port.postMessage({ kind: 'done', inspection })
} catch (err) {
  port.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) })
}
