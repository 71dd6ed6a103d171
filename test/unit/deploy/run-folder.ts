import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { BpttConfig, Checkpoint } from '../../../main/snn/index.js'

/** Writes a checkpoint as the training service lays out a run (`run.json` + `weights.bin`). */
export async function writeRunFolder(folder: string, checkpoint: Checkpoint<BpttConfig>): Promise<void> {
  await mkdir(folder, { recursive: true })
  let offset = 0
  const tensors = checkpoint.tensors.map((t) => {
    const entry = { name: t.name, shape: t.shape, byteOffset: offset, byteLength: t.data.byteLength }
    offset += t.data.byteLength
    return entry
  })
  await writeFile(path.join(folder, 'weights.bin'), Buffer.concat(checkpoint.tensors.map((t) => Buffer.from(t.data))))
  const { tensors: _t, ...meta } = checkpoint
  await writeFile(path.join(folder, 'run.json'), JSON.stringify({ run: { id: path.basename(folder) }, checkpoint: meta, tensors }))
}

/** A BPTT checkpoint with given weights (no training), for structural tests. */
export function syntheticCheckpoint(architecture: BpttConfig['architecture'], inputShape: number[], tensors: { name: string; shape: number[]; values: Float32Array }[]): Checkpoint<BpttConfig> {
  return {
    format: 'spikelab.snn.checkpoint',
    version: 1,
    method: 'bptt',
    config: { architecture, inputShape } as unknown as BpttConfig,
    backend: { name: 'cpu', simd: false },
    dataHash: '',
    epoch: 1,
    batch: 0,
    metrics: {},
    tensors: tensors.map((t) => ({ name: t.name, shape: t.shape, data: t.values.slice().buffer })),
  }
}
