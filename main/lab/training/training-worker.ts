/**
 * Worker-thread entry of a training run: the training loop runs here so the services' event loop
 * (serial I/O, the UI's requests) never waits on it. Cancel arrives as a message and aborts the run
 * between batches; the last checkpoint is sent before the worker ends.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { CancelledError } from '../../../common/errors.js'
import { trainingMethod } from '../../snn/index.js'
import type { FromTrainingWorker, ToTrainingWorker, TrainingWorkerData } from './training-protocol.js'

const port = parentPort
if (!port) throw new Error('training-worker must run in a worker thread')
const send = (message: FromTrainingWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer)
const controller = new AbortController()
port.on('message', (message: ToTrainingWorker) => {
  if (message.kind === 'cancel') controller.abort()
})

try {
  const { method, config } = workerData as TrainingWorkerData
  const trainer = trainingMethod(method)
  await trainer.train(trainer.configure(config) as Partial<unknown>, {
    signal: controller.signal,
    onStart: (start) => send({ kind: 'start', start }),
    onProgress: (progress) => send({ kind: 'progress', progress }),
    onEpoch: (metrics) => send({ kind: 'epoch', metrics }),
    onCheckpoint: (checkpoint) => send({ kind: 'checkpoint', checkpoint }),
  })
  send({ kind: 'done' })
} catch (err) {
  if (err instanceof CancelledError || controller.signal.aborted) send({ kind: 'cancelled' })
  else send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) })
}
