/**
 * A training run's folder as the training service writes it: `run.json` (the run record, the last
 * checkpoint's config/metrics, and the tensor table) and `weights.bin` (the tensors back to back,
 * little-endian float32). Read here so training, inspection, compile and NIR export share one reader.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { SpikelabError } from '../../common/errors.js'
import type { Checkpoint, CheckpointTensor } from './checkpoint.js'

interface RunFile {
  run?: { id?: string }
  checkpoint: Omit<Checkpoint, 'tensors'> | null
  tensors: { name: string; shape: number[]; byteOffset: number; byteLength: number }[]
}

/** Reads a run folder's last checkpoint. */
export async function loadCheckpointFromRun(runFolder: string): Promise<Checkpoint> {
  const runFile = path.join(runFolder, 'run.json')
  let parsed: RunFile
  try {
    parsed = JSON.parse(await readFile(runFile, 'utf8')) as RunFile
  } catch (err) {
    throw new SpikelabError('MODEL_UNREADABLE', `cannot read the run: ${(err as Error).message}`, { file: runFile }, { cause: err })
  }
  if (!parsed.checkpoint || !Array.isArray(parsed.tensors) || parsed.tensors.length === 0) {
    throw new SpikelabError('MODEL_UNREADABLE', 'the run has no saved weights yet', { file: runFile, field: 'checkpoint' })
  }
  const weightsFile = path.join(runFolder, 'weights.bin')
  const weights = await readFile(weightsFile).catch((err: Error) => {
    throw new SpikelabError('MODEL_UNREADABLE', `cannot read the weights: ${err.message}`, { file: weightsFile }, { cause: err })
  })
  const tensors: CheckpointTensor[] = parsed.tensors.map((t, i) => {
    if (t.byteOffset + t.byteLength > weights.length) {
      throw new SpikelabError('MODEL_UNREADABLE', `tensor '${t.name}' ends at byte ${t.byteOffset + t.byteLength}, the file has ${weights.length}`, { file: weightsFile, field: `tensors[${i}]` })
    }
    const data = new ArrayBuffer(t.byteLength)
    new Uint8Array(data).set(weights.subarray(t.byteOffset, t.byteOffset + t.byteLength))
    return { name: t.name, shape: t.shape, data }
  })
  return { ...parsed.checkpoint, tensors }
}
